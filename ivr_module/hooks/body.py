"""Reading a hook body: at most the limit, within a time limit, whatever the client does.

- A declared Content-Length over the limit is refused before a byte of the body is read.
- A body without a length (chunked) is read up to the limit and cut there.
- The whole read has a deadline (IVR_HOOK_BODY_READ_TIMEOUT_SECONDS, see deadline.py), so a
  client that trickles cannot hold a worker. It needs the connection's socket, which gunicorn
  and werkzeug's server put in the environ; under other servers their own timeouts apply.
- Once a refusal has been sent, what the client still sends is discarded (at most
  DISCARD_LIMIT, within the same deadline), so a client that writes its whole body before
  reading the answer reads `Input invalid`, not a reset connection.
"""

import time

from flask import after_this_request, current_app, request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import get_input_stream

from ..config import HOOK_BODY_LIMIT
from .deadline import WATCHDOG
from .parsing import InputInvalid

CHUNK = 64 * 1024
DISCARD_LIMIT = 8 * HOOK_BODY_LIMIT


def _socket_of(environ):
    """The connection's socket, where the server tells it (gunicorn, werkzeug)."""
    return environ.get("gunicorn.socket") or environ.get("werkzeug.socket")


def _read_guard(sock, deadline: float):
    """A guard that cuts the socket's reads at the deadline (a no-op without a socket)."""
    return WATCHDOG.guard(sock, deadline) if sock is not None else _NoGuard()


class _NoGuard:
    expired = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None


def _discard_the_rest_after_answering(stream, deadline: float) -> None:
    """Once the answer is out, read and drop what the client still sends (bounded)."""
    sock = _socket_of(request.environ)  # the request context is gone when the server closes

    def discard():
        left = DISCARD_LIMIT
        with _read_guard(sock, deadline):
            try:
                while left > 0 and (chunk := stream.read(min(CHUNK, left))):
                    left -= len(chunk)
            except (OSError, ClientDisconnected):
                pass

    @after_this_request
    def discard_on_close(response):
        response.call_on_close(discard)
        return response


def read_body(limit: int = HOOK_BODY_LIMIT) -> bytes:
    """The raw body, whatever the Content-Type; too large or too slow is InputInvalid."""
    timeout = current_app.config["IVR_HOOK_BODY_READ_TIMEOUT_SECONDS"]
    deadline = time.monotonic() + timeout
    stream = get_input_stream(request.environ, max_content_length=None)
    declared = request.content_length
    if declared is not None and declared > limit:
        _discard_the_rest_after_answering(stream, deadline)
        raise InputInvalid(f"declared body of {declared} bytes is over the {limit}-byte limit")
    kept, size = [], 0
    with _read_guard(_socket_of(request.environ), deadline) as guard:
        try:
            while chunk := stream.read(CHUNK):
                kept.append(chunk)
                size += len(chunk)
                if size > limit:
                    _discard_the_rest_after_answering(stream, deadline)
                    raise InputInvalid(f"body cut: over the {limit}-byte limit")
        except (OSError, ClientDisconnected):
            if not guard.expired:
                raise InputInvalid("body ended before its declared length") from None
    if guard.expired:
        raise InputInvalid(f"body not received within {timeout} s")
    if declared is not None and size < declared:  # some servers end a cut body quietly
        raise InputInvalid("body ended before its declared length")
    return b"".join(kept)
