"""A storefront's webhook receiver, as an example: verify, deduplicate, then act.

    python -m ivr_module.webhook_receiver --secret whsec_... --port 8081

It checks the Standard Webhooks signature with the `standardwebhooks` package, which also
refuses a timestamp more than 5 minutes off (the replay window), and remembers the ids it has
handled, so a retried event (same `webhook-id`) is acknowledged but acted on once. A real
storefront keeps those ids in its database, and marks its order paid where this one prints.
"""

import argparse
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

logger = logging.getLogger("ivr_module.webhook_receiver")

MAX_BODY = 1024 * 1024


class SeenIds:
    """Ids of events already handled (in memory, for the example)."""

    def __init__(self):
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """Remember `event_id`; whether it is new."""
        now = time.monotonic()
        with self._lock:
            # A retry keeps its id and comes with a fresh signature for up to a day: keep ids longer.
            self._seen = {key: at for key, at in self._seen.items() if now - at < 2 * 86400}
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True


def handle_event(event: dict) -> None:
    """What the storefront does with an event: here, say so."""
    data = event["data"]
    print(f"{event['type']}: pre-order {data['id']} ({data['order_number']}) is {data['status']}", flush=True)


def make_handler(secret: str, seen: SeenIds):
    """A request handler that verifies each POST with `secret`."""
    webhook = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._answer(413, "too large")
            body = self.rfile.read(length)
            try:
                event = webhook.verify(body, dict(self.headers))
            except (WebhookVerificationError, ValueError) as refused:
                logger.warning("refused a webhook: %s", refused)
                return self._answer(400, "signature not verified")
            if not seen.first_time(self.headers["webhook-id"]):
                return self._answer(200, "duplicate, already handled")
            handle_event(event)
            return self._answer(200, "ok")

        def _answer(self, status: int, text: str):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"result": text}).encode())

        def log_message(self, format, *args):
            logger.info(format, *args)

    return Handler


def make_server(secret: str, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """The receiver's HTTP server (not yet serving)."""
    return ThreadingHTTPServer((host, port), make_handler(secret, SeenIds()))


def main(argv=None) -> None:
    """Serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True, help="IVR_WEBHOOK_SECRET of the sender (whsec_...)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    server = make_server(args.secret, args.port, args.host)
    print(f"Receiving IVR webhooks on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
