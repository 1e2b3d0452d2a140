"""The read-deadline watchdog on real socket pairs: late reads are cut, finished ones never are."""

import socket
import time

from ivr_module.hooks.deadline import TICK_SECONDS, Watchdog


def test_a_read_past_its_deadline_ends_with_end_of_input():
    watchdog = Watchdog()
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"partial")
        started = time.monotonic()
        with watchdog.guard(server, started + 0.2) as guard:
            assert server.recv(100) == b"partial"
            assert server.recv(100) == b""  # blocked until the watchdog shut the read side
        assert guard.expired
        assert time.monotonic() - started < 0.2 + TICK_SECONDS + 1.0


def test_finished_requests_are_never_cut_and_their_guards_are_cleared_together():
    watchdog = Watchdog()
    pairs = [socket.socketpair() for _ in range(200)]
    try:
        # Far enough ahead that a loaded machine still closes every guard before it.
        deadline = time.monotonic() + 0.5
        guards = []
        for server, _ in pairs:
            with watchdog.guard(server, deadline) as guard:
                guards.append(guard)
        assert time.monotonic() < deadline
        time.sleep(deadline - time.monotonic() + 3 * TICK_SECONDS)
        assert not watchdog.heap
        assert not any(guard.expired for guard in guards)
        for server, client in pairs:  # their read side is still open
            client.sendall(b"x")
            assert server.recv(1) == b"x"
    finally:
        for server, client in pairs:
            server.close()
            client.close()
