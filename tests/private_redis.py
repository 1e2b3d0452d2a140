"""A Redis server of the test's own, on a spare port, that a test may stop, pause and restart."""

import os
import signal
import socket
import subprocess
import time

import redis


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """redis-server on 127.0.0.1:<port>, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Kill the server (its data is gone, as after a crash)."""
        self.process.kill()
        self.process.wait()

    def pause(self) -> None:
        """Freeze the server: connections hang, data is kept (a network partition)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Unfreeze a paused server."""
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        """Stop for good, whatever state it is in."""
        if self.process and self.process.poll() is None:
            self.resume()
            self.stop()
