"""PostgreSQL unreachable mid-load (a proxy of ours between the app and the shared server is cut):
`Service unavailable` answers, nothing half-recorded, and recovery without a restart."""

import threading
import time
from collections import Counter

import pytest

from .processes import postgres_address, wait_until
from .service import Load, Service, audit, pre_order_text
from .tcp_proxy import TcpProxy

ORDERS = 60
THREADS = 6
UNAVAILABLE = "Service unavailable"
RETRY_SECONDS = 0.2
OUTAGE_ANSWERS = 60


@pytest.fixture
def proxy():
    """A TCP proxy to the shared PostgreSQL that the test can cut and restore."""
    host, port = postgres_address()
    server = TcpProxy(port, target_host=host).start()
    yield server
    server.close()


class Vendor:
    """Pays orders, retrying each `complete` with the same reference until it succeeds."""

    def __init__(self, service: Service):
        self.service = service
        self.lock = threading.Lock()
        self.answers = Counter()  # (hook, error text) -> how many

    def _seen(self, hook, text):
        with self.lock:
            self.answers[hook, text] += 1

    def pay(self, order: dict) -> str:
        """Read, then complete until success; the reference that succeeded."""
        number, reference = order["order_number"], f"REF-{order['id']}"
        self._seen("pre_order", pre_order_text(self.service.pre_order(number)))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = self.service.complete(number, reference)
            self._seen("complete", text)
            if text == "":
                return reference
            time.sleep(RETRY_SECONDS)
        return None

    def unavailable(self) -> int:
        """How many answers said `Service unavailable`."""
        with self.lock:
            return sum(count for (_, text), count in self.answers.items() if text == UNAVAILABLE)


def test_postgres_unreachable_mid_load_answers_unavailable_and_recovers(
    database, private_redis, start_server, proxy, figures
):
    server = start_server(database.url_through(proxy.port), private_redis.url)
    service, vendor = Service(server.url), Vendor(Service(server.url))
    orders = [service.new_order() for _ in range(ORDERS)]
    load = Load(vendor.pay, orders, THREADS)
    load.wait_for(ORDERS // 3)

    proxy.cut()
    wait_until(lambda: vendor.unavailable() >= OUTAGE_ANSWERS, 60, "answers during the outage")
    status, ready = service.request("GET", "/readyz")
    assert (status, ready["database"]) == (503, "down")
    victim = orders[-1]
    status, refused = service.api("PATCH", f"/pre-orders/{victim['id']}", {"shipping_amount": "0.00"})
    assert (status, refused["error"]["code"]) == (503, "service_unavailable")
    with database.connect() as direct:  # the test itself still reaches PostgreSQL
        during = audit(direct)
    assert during.inconsistent == [] and during.doubled == []
    proxy.restore()

    paid = load.results()
    assert None not in paid
    wait_until(lambda: service.request("GET", "/readyz")[0] == 200, 30, "/readyz to recover")
    assert service.api("GET", f"/pre-orders/{victim['id']}")[1]["amount"] == victim["amount"]
    texts = {text for _, text in vendor.answers}
    assert texts <= {"", UNAVAILABLE}  # never a broken connection, never another refusal

    with database.connect() as direct:
        books = audit(direct)
    succeeded = {f"REF-{order['id']}": order["order_number"] for order in orders}
    assert books.lost(succeeded) == [] and books.doubled == [] and books.inconsistent == []
    assert books.statuses == {"paid": ORDERS}
    figures.update({
        "requests sent": service.sent + vendor.service.sent,
        "faults injected": f"1 (proxy cut: {proxy.refused} connections refused while down)",
        "answers 'Service unavailable'": vendor.unavailable(),
        "answers by hook and text": {f"{hook}: {text or 'success'}": count
                                     for (hook, text), count in sorted(vendor.answers.items())},
        "payments made": ORDERS,
        "payments lost": len(books.lost(succeeded)),
        "payments doubled": len(books.doubled),
        "half-recorded payments": len(during.inconsistent) + len(books.inconsistent),
    })
