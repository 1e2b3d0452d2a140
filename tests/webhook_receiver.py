"""A real HTTP receiver on 127.0.0.1 for webhook tests: scripted answers, every request kept.

Also a pytest plugin (tests/conftest.py loads it): the `receiver` and `webhook_app` fixtures.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ivr_module.services import ivr

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # base64 of 24 test bytes


@dataclass
class Received:
    """One request as the receiver saw it, and what it answered."""

    headers: dict
    body: bytes
    status: int = 0

    @property
    def payload(self) -> dict:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted step, then `default`; steps: a status or ("hang", event)."""

    script: list = field(default_factory=list)
    default: int = 200
    delay: float = 0.0
    received: list = field(default_factory=list)
    in_flight: dict = field(default_factory=dict)
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_step(self):
        """The next scripted answer."""
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def answered(self, status: int) -> list:
        """Requests answered with this status, in order."""
        return [item for item in self.received if item.status == status]

    def types(self, status=None) -> list:
        """The event types received (answered with `status`, if given), in order."""
        return [item.payload["type"] for item in self.received if status is None or item.status == status]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            item = Received(dict(self.headers), body)
            event_id = self.headers.get("webhook-id")
            with receiver.lock:
                receiver.received.append(item)
                receiver.in_flight[event_id] = receiver.in_flight.get(event_id, 0) + 1
                receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight[event_id])
            try:
                step = receiver.next_step()
                if isinstance(step, tuple):  # ("hang", threading.Event) or ("sleep", seconds)
                    kind, arg = step
                    arg.wait(60) if kind == "hang" else time.sleep(arg)
                    step = receiver.default
                time.sleep(receiver.delay)
                item.status = step
                self.send_response(step)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answered {step}".encode())
            except OSError:
                item.status = -1  # the sender went away
            finally:
                with receiver.lock:
                    receiver.in_flight[event_id] -= 1

        def log_message(self, *args):
            pass

    return Handler


class ReceiverServer:
    """A ThreadingHTTPServer on a free port of 127.0.0.1, serving from a thread."""

    def __init__(self, receiver: Receiver):
        self.receiver = receiver
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/ivr"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition, timeout=60.0, what="the condition"):
    """Poll until `condition()` is true; fail after `timeout` seconds (a hang guard, not a speed check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def receiver():
    """A receiver answering 200 unless scripted otherwise."""
    with ReceiverServer(Receiver()) as server:
        yield server


@pytest.fixture
def webhook_app(app_with, receiver, tmp_path):
    """An app that sends events to the receiver; retries due at once unless a test says otherwise."""

    def build(**overrides):
        settings = {
            "IVR_WEBHOOK_URL": receiver.url,
            "IVR_WEBHOOK_SECRET": SECRET,
            "IVR_WEBHOOK_TIMEOUT_SECONDS": 1,
            "IVR_WEBHOOK_BACKOFF_SECONDS": 0,
            "IVR_QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
            **overrides,
        }
        return app_with(**settings)

    return build


def pay(app, order_number, reference="REF-1"):
    """Record a payment through the complete hook's service."""
    with app.app_context():
        return ivr.complete_payment(order_number, reference, "agent-7", True)
