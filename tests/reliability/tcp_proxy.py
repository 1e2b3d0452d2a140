"""A TCP proxy on 127.0.0.1 between the app and the shared PostgreSQL, that a test can cut.

Cutting resets every open connection and refuses new ones, as a server that vanished does;
restoring lets connections through again. The shared server itself is never touched.
"""

import contextlib
import select
import socket
import struct
import threading

from tests.private_redis import free_port

# SO_LINGER with a zero timeout: close() sends a reset, as a crashed peer would.
RESET = struct.pack("ii", 1, 0)


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to <target_host>:<target_port>, unless cut."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.lock = threading.Lock()
        self.open_pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.is_cut = False
        self.connections = 0
        self.refused = 0
        self.closing = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def start(self) -> "TcpProxy":
        """Start accepting."""
        self.thread.start()
        return self

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until restored."""
        with self.lock:
            self.is_cut = True
            pairs, self.open_pairs = self.open_pairs, set()
        for pair in pairs:
            for sock in pair:
                _reset(sock)

    def restore(self) -> None:
        """Let connections through again."""
        with self.lock:
            self.is_cut = False

    def close(self) -> None:
        """Stop for good: cut everything and close the listening socket."""
        self.closing.set()
        self.cut()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            with self.lock:
                if self.is_cut:
                    self.refused += 1
                    _reset(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            with self.lock:
                self.connections += 1
                self.open_pairs.add((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes (or the proxy is cut)."""
        peers = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select(list(peers), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return  # cut: the sockets were reset under us
        finally:
            with self.lock:
                self.open_pairs.discard((client, upstream))
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()
