"""A deadline for reading from a client's socket, enforced by one watchdog thread per process.

A socket timeout bounds each `recv`, not a whole body: a client sending a byte every few
seconds passes any per-read timeout, and the server's own read loop (gunicorn's, werkzeug's)
would keep a worker on it for as long as it likes. At the deadline the watchdog shuts the
socket's read side, which ends any read in progress, whoever's code is in it, with end of
input. One thread and a heap serve every request; a request that finishes in time only pays
for a heap push and a flag.
"""

import heapq
import itertools
import socket
import threading
import time

# How late a deadline may be enforced; also the least time between two wake-ups of the thread.
TICK_SECONDS = 0.1


class ReadGuard:
    """One request's read deadline: `expired` says whether the watchdog had to cut it."""

    def __init__(self, sock, deadline: float):
        self.sock, self.deadline = sock, deadline
        self.lock = threading.Lock()
        self.done = self.expired = False

    def expire(self) -> None:
        """Cut the read side, unless the request finished reading first."""
        with self.lock:
            if self.done:
                return
            self.expired = True
            try:
                self.sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass  # already closed: nothing left to cut

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        with self.lock:
            self.done = True


class Watchdog:
    """The thread that expires read guards whose deadline has passed."""

    def __init__(self):
        self.condition = threading.Condition()
        self.heap: list = []  # (deadline, sequence, guard)
        self.sequence = itertools.count()
        self.thread = None

    def guard(self, sock, deadline: float) -> ReadGuard:
        """Watch `sock` until the returned guard is left (`with`) or the deadline passes."""
        guard = ReadGuard(sock, deadline)
        with self.condition:
            heapq.heappush(self.heap, (deadline, next(self.sequence), guard))
            if self.thread is None or not self.thread.is_alive():  # none yet, or forked away
                self.thread = threading.Thread(target=self._run, name="ivr-read-deadline", daemon=True)
                self.thread.start()
            if self.heap[0][2] is guard:  # a new earliest deadline: wake the thread to see it
                self.condition.notify()
        return guard

    def _run(self) -> None:
        while True:
            with self.condition:
                while not self.heap:
                    self.condition.wait()
                wait = self.heap[0][0] - time.monotonic()
                if wait > 0:
                    # Every finished request leaves its guard here until its deadline: waiting at
                    # least a tick lets one wake-up clear all that fell due, not one per request.
                    self.condition.wait(max(wait, TICK_SECONDS))
                    continue
                now, due = time.monotonic(), []
                while self.heap and self.heap[0][0] <= now:
                    due.append(heapq.heappop(self.heap)[2])
            for guard in due:
                guard.expire()


WATCHDOG = Watchdog()
