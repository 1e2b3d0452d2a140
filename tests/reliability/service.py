"""Talking to a running service over HTTP as the vendor and the checkout do, and auditing its books."""

import http.client
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from tests.helpers import API_TOKEN, BASKET, IVR_PASSWORD, IVR_USERNAME

from .processes import wait_until

NO_ANSWER = "(no answer)"


class Service:
    """One running instance, by URL; counts every request it sends."""

    def __init__(self, url: str, timeout: float = 30):
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.lock = threading.Lock()
        self.sent = 0

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, JSON with exact decimals) of one request; (None, None) if the connection broke."""
        with self.lock:
            self.sent += 1
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        data = None if body is None else json.dumps(body)
        try:
            connection.request(method, path, body=data,
                               headers={"Content-Type": "application/json", **(headers or {})})
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            return None, None
        finally:
            connection.close()
        assert response.getheader("Content-Type", "").startswith("application/json"), raw[:200]
        return response.status, json.loads(raw, parse_float=Decimal)

    def api(self, method: str, path: str, body=None):
        """A checkout API call with the bearer token."""
        return self.request(method, "/api" + path, body, {"Authorization": f"Bearer {API_TOKEN}"})

    def new_order(self, **changes) -> dict:
        """Open a pre-order and issue its number through the API; the issued pre-order."""
        status, opened = self.api("POST", "/pre-orders", {**BASKET, **changes})
        assert status == 201, opened
        status, issued = self.api("POST", f"/pre-orders/{opened['id']}/order-number", {})
        assert status == 201, issued
        return issued

    def pre_order(self, order_number: str):
        """The pre_order hook: its JSON answer, or None when no answer came."""
        status, answer = self.request("POST", "/hooks/ivr/pre_order/", {
            "username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": order_number})
        assert status in (200, None)
        return answer

    def complete(self, order_number: str, reference: str, staff_id: str = "agent-1") -> str:
        """The complete hook: "" on success, the error text, or NO_ANSWER."""
        status, answer = self.request("POST", "/hooks/ivr/complete/", {
            "username": IVR_USERNAME, "password": IVR_PASSWORD,
            "orderResultRequest": {"orderNumber": order_number, "referenceNumber": reference,
                                   "staffId": staff_id}})
        if status is None:
            return NO_ANSWER
        assert status == 200
        return answer["orderResultResponse"]["result"]["errortext"]


def pre_order_text(answer) -> str:
    """The error text of a pre_order answer ("" on success), or NO_ANSWER."""
    return NO_ANSWER if answer is None else answer["result"]["errortext"]


BOOKS = """
SELECT p.id, p.order_number, p.status,
       (SELECT count(*) FROM ivr_transactions t WHERE t.pre_order_id = p.id) AS payments,
       (SELECT min(t.amount) FROM ivr_transactions t WHERE t.pre_order_id = p.id) AS paid,
       (SELECT min(t.reference_number) FROM ivr_transactions t WHERE t.pre_order_id = p.id),
       (SELECT min(t.order_number) FROM ivr_transactions t WHERE t.pre_order_id = p.id),
       p.shipping_amount + COALESCE((SELECT sum(l.unit_price * l.quantity - l.discount)
                                     FROM ivr_pre_order_lines l WHERE l.pre_order_id = p.id), 0)
FROM ivr_pre_orders p ORDER BY p.id
"""


@dataclass
class Books:
    """What the database says was paid, checked for consistency."""

    paid_by_reference: dict = field(default_factory=dict)  # reference -> order number
    doubled: list = field(default_factory=list)  # pre-orders with more than one transaction
    inconsistent: list = field(default_factory=list)  # status, amount or number disagreeing
    statuses: Counter = field(default_factory=Counter)

    def lost(self, succeeded: dict) -> list:
        """Payments answered success (reference -> order number) that the books do not hold."""
        return sorted(ref for ref, number in succeeded.items()
                      if self.paid_by_reference.get(ref) != number)


def audit(connection) -> Books:
    """Read every pre-order with its transactions; note doubles and inconsistencies."""
    books = Books()
    for row in connection.execute(BOOKS):
        pre_order_id, number, status, payments, paid, reference, paid_number, total = row
        books.statuses[status] += 1
        if payments > 1:
            books.doubled.append(pre_order_id)
        if payments:
            books.paid_by_reference[reference] = paid_number
        consistent = (status == "paid") == (payments == 1) and (
            not payments or (paid == Decimal(total) and paid_number == number))
        if not consistent:
            books.inconsistent.append(row)
    return books


class Load:
    """Runs `flow(item)` for every item on a few threads in the background, counting what is done."""

    def __init__(self, flow, items, threads: int = 6):
        self.lock = threading.Lock()
        self.done = 0
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.futures = [self.pool.submit(self._run, flow, item) for item in items]

    def _run(self, flow, item):
        try:
            return flow(item)
        finally:
            with self.lock:
                self.done += 1

    def wait_for(self, count: int, timeout: float = 120) -> None:
        """Wait until `count` items are done."""
        wait_until(lambda: self.done >= count, timeout, f"{count} items of the load run")

    def results(self, timeout: float = 300) -> list:
        """Every flow's result, in the order of the items."""
        try:
            return [future.result(timeout=timeout) for future in self.futures]
        finally:
            self.pool.shutdown(cancel_futures=True)
