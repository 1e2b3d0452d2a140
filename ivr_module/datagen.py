"""A synthetic history for trying the admin at scale: paid pre-orders, transactions, hook calls.

`flask ivr generate-data --hook-calls 1000000 --transactions 200000` writes, day by day over
the last `--days` days and in time order (as a live service would), one paid pre-order with
its lines and transaction per payment, the two successful hook calls behind each payment, and
further calls: re-reads and failures with every error text. Generated order numbers start
with 7 and end in a Luhn check digit; generated hook calls carry request ids `gen-…`.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from stdnum import luhn

from .db import db, utcnow
from .models import CASH_REGISTER, HookCall, IVRTransaction, PreOrder, PreOrderLine, PreOrderStatus
from .services.results import HookError

BATCH_ROWS = 5000
GENERATED_REQUEST_ID = "gen-"
VENDOR_ADDRESSES = ("203.0.113.10", "203.0.113.11", "203.0.113.12")
CATALOGUE = (
    ("TSHIRT-BLU-M", "T-shirt, blue, M", Decimal("149.90")),
    ("MUG-LOGO", "Mug with logo", Decimal("89.50")),
    ("CAP-RED", "Cap, red", Decimal("119.00")),
    ("BOOK-IVR", "A book about phones", Decimal("245.00")),
    ("SOCKS-3", "Socks, three pairs", Decimal("59.90")),
)
# Per hour of the day (UTC): the line is busier in the day than at night.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 10, 9, 9, 10, 10, 9, 8, 7, 6, 5, 4, 2, 1)
# Failures by error text: (error, endpoint, how the number is chosen, detail).
FAILURES = (
    (HookError.ORDER_NOT_FOUND, "pre_order", "mistyped", "check digit mismatch (mistyped number?)", 20),
    (HookError.ORDER_NOT_FOUND, "pre_order", "unknown", "order number was never issued", 10),
    (HookError.SESSION_NOT_FOUND, "pre_order", "paid", "already paid by transaction {reference}", 15),
    (HookError.SESSION_NOT_FOUND, "complete", "paid", "already paid by transaction {reference}", 5),
    (HookError.USER_INVALID, "pre_order", "paid", "wrong password", 12),
    (HookError.BASKET_CHANGED, "pre_order", "paid", "basket differs from the snapshot taken at issue", 10),
    (HookError.PAYMENT_OPTION_NULL, "pre_order", "paid", "pre-order has no payment option", 5),
    (HookError.PAYMENT_OPTION_NOT_VALID, "pre_order", "paid", "payment type is 'credit_card'", 5),
    (HookError.INPUT_INVALID, "complete", "none", "body is not JSON", 6),
    (HookError.SUCCESS_MUST_BE_TRUE, "complete", "paid", "vendor reported success=false", 4),
    (HookError.REFERENCE_USED, "complete", "paid", "reference already recorded for order {other}", 3),
    (HookError.ORDER_NUMBER_INVALID, "pre_order", "empty", "order number is empty", 2),
    (HookError.SERVICE_UNAVAILABLE, "complete", "paid", "database error: OperationalError", 3),
)


@dataclass
class Counters:
    """Rows written so far, and the next ids to use."""

    pre_order_id: int
    line_id: int
    transaction_id: int
    hook_calls: int = 0
    transactions: int = 0


def order_number_of(pre_order_id: int) -> str:
    """The generated order number of a pre-order id: 7, eight digits, a Luhn check digit."""
    body = f"7{pre_order_id:08d}"
    return body + luhn.calc_check_digit(body)


def _spread(total: int, days: int, rng: random.Random) -> list[int]:
    """`total` split over `days`, unevenly like real days, summing exactly to `total`."""
    weights = [1.0 + 0.35 * rng.random() + (0.25 if day % 7 in (4, 5) else 0.0) for day in range(days)]
    counts = [int(total * weight / sum(weights)) for weight in weights]
    for day in rng.sample(range(days), total - sum(counts)):
        counts[day] += 1
    return counts


def _moment(day_start: datetime, now: datetime, rng: random.Random) -> datetime:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    moment = day_start + timedelta(hours=hour, seconds=rng.randrange(3600))
    return min(moment, now - timedelta(seconds=rng.randrange(1, 600)))


def _basket(rng: random.Random):
    lines = []
    for position, (sku, name, price) in enumerate(rng.sample(CATALOGUE, rng.randint(1, 3))):
        lines.append({"position": position, "sku": sku, "name": name, "quantity": rng.randint(1, 3),
                      "unit_price": price, "discount": Decimal("0.00")})
    return lines


_FINGERPRINTS: dict[tuple, str] = {}


def _fingerprint(lines, shipping, currency) -> str:
    """The snapshot the checkout would have taken, computed by the model itself (memoised)."""
    key = (tuple((line["sku"], line["quantity"]) for line in lines), shipping, currency)
    if key not in _FINGERPRINTS:
        transient = PreOrder(
            currency=currency, shipping_amount=shipping, lines=[PreOrderLine(**line) for line in lines]
        )
        _FINGERPRINTS[key] = transient.basket_fingerprint()
    return _FINGERPRINTS[key]


class Generator:
    """Writes one day at a time, in batches, and reports progress after each batch."""

    def __init__(self, days: int, seed: int | None, report):
        self.rng = random.Random(seed)
        self.days, self.report = days, report
        self.now = utcnow()
        self.paid: list[tuple[str, str]] = []  # (order number, reference) seen so far
        self.counters = Counters(
            pre_order_id=(db.session.scalar(select(func.max(PreOrder.id))) or 0) + 1,
            line_id=(db.session.scalar(select(func.max(PreOrderLine.id))) or 0) + 1,
            transaction_id=(db.session.scalar(select(func.max(IVRTransaction.id))) or 0) + 1,
        )

    def run(self, hook_calls: int, transactions: int) -> Counters:
        """Write the whole history, oldest day first."""
        paid_per_day = _spread(transactions, self.days, self.rng)
        other_calls = max(0, hook_calls - 2 * transactions)
        other_per_day = _spread(other_calls, self.days, self.rng)
        first_day = self.now - timedelta(days=self.days)
        for day in range(self.days):
            day_start = first_day + timedelta(days=day)
            calls = self._payments(day_start, paid_per_day[day], hook_calls - self.counters.hook_calls)
            calls += [self._other_call(day_start) for _ in range(other_per_day[day])]
            calls = calls[: hook_calls - self.counters.hook_calls]
            calls.sort(key=lambda call: call["created_at"])
            for start in range(0, len(calls), BATCH_ROWS):
                batch = calls[start:start + BATCH_ROWS]
                db.session.execute(insert(HookCall), batch)
                self.counters.hook_calls += len(batch)
                self.report(len(batch))
            db.session.commit()
        _after_bulk_load()
        return self.counters

    def _payments(self, day_start: datetime, count: int, calls_left: int) -> list[dict]:
        pre_orders, lines, transactions, calls = [], [], [], []
        for _ in range(count):
            paid_at = _moment(day_start, self.now, self.rng)
            pre_order_id = self.counters.pre_order_id
            self.counters.pre_order_id += 1
            number = order_number_of(pre_order_id)
            reference = f"GEN-{pre_order_id:09d}"
            currency = "TRY" if self.rng.random() < 0.9 else "EUR"
            shipping = Decimal("29.90") if self.rng.random() < 0.7 else Decimal("0.00")
            basket = _basket(self.rng)
            for line in basket:
                lines.append({**line, "id": self.counters.line_id, "pre_order_id": pre_order_id})
                self.counters.line_id += 1
            amount = sum((line["unit_price"] * line["quantity"] for line in basket), shipping)
            opened = paid_at - timedelta(minutes=self.rng.randint(2, 40))
            pre_orders.append({
                "id": pre_order_id, "status": PreOrderStatus.PAID.value, "order_number": number,
                "expires_at": opened + timedelta(hours=1), "currency": currency,
                "shipping_amount": shipping, "payment_option_slug": "pay-by-phone",
                "payment_option_name": "Pay by phone", "payment_type": CASH_REGISTER,
                "basket_snapshot": _fingerprint(basket, shipping, currency),
                "created_at": opened, "updated_at": paid_at,
            })
            transactions.append({
                "id": self.counters.transaction_id, "reference_number": reference,
                "order_number": number, "staff_id": f"agent-{self.rng.randint(1, 40)}",
                "amount": amount, "currency": currency, "created_at": paid_at,
                "pre_order_id": pre_order_id,
            })
            self.counters.transaction_id += 1
            read_at = paid_at - timedelta(seconds=self.rng.randint(30, 300))
            calls.append(self._call(read_at, "pre_order", number, None, "", "products read"))
            calls.append(self._call(paid_at, "complete", number, reference, "",
                                    f"paid {amount} {currency} by transaction {reference}"))
            self.paid.append((number, reference))
        for table, rows in ((PreOrder, pre_orders), (PreOrderLine, lines), (IVRTransaction, transactions)):
            for start in range(0, len(rows), BATCH_ROWS):
                db.session.execute(insert(table), rows[start:start + BATCH_ROWS])
        self.counters.transactions += count
        self.report(count)
        return calls[:calls_left]

    def _call(self, at, endpoint, number, reference, error_text, detail, address=None) -> dict:
        return {
            "created_at": at, "endpoint": endpoint,
            "remote_addr": address or self.rng.choice(VENDOR_ADDRESSES), "username": "demo-ivr",
            "order_number": number, "reference_number": reference, "success": not error_text,
            "error_text": error_text, "detail": detail, "duration_ms": self.rng.randint(4, 80),
            "request_id": f"{GENERATED_REQUEST_ID}{self.rng.getrandbits(48):012x}",
        }

    def _other_call(self, day_start: datetime) -> dict:
        at = _moment(day_start, self.now, self.rng)
        number, reference = self.rng.choice(self.paid) if self.paid else (order_number_of(1), "GEN-0")
        if self.rng.random() < 0.4:
            # A vendor re-reading an order it already read.
            return self._call(at, "pre_order", number, None, "", "products read")
        weights = [failure[-1] for failure in FAILURES]
        error, endpoint, chosen, detail, _weight = self.rng.choices(FAILURES, weights)[0]
        if chosen == "mistyped":
            position = self.rng.randrange(len(number))
            digit = str((int(number[position]) + self.rng.randint(1, 9)) % 10)
            number = number[:position] + digit + number[position + 1:]
        elif chosen == "unknown":
            body = str(self.rng.randrange(100_000_000, 999_999_999))
            number = body + luhn.calc_check_digit(body)
        elif chosen in ("none", "empty"):
            number = None if chosen == "none" else ""
        address = f"198.51.100.{self.rng.randint(1, 254)}" if error == HookError.USER_INVALID else None
        detail = detail.format(reference=reference, other=order_number_of(self.rng.randint(1, 10**6)))
        call_reference = reference if endpoint == "complete" else None
        return self._call(at, endpoint, number, call_reference, error.value, detail, address)


def _after_bulk_load() -> None:
    """Move PostgreSQL's id sequences past the ids we chose, and refresh planner statistics."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    for table in ("ivr_pre_orders", "ivr_pre_order_lines", "ivr_transactions"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT max(id) FROM {table}), 1))"
        ))
    db.session.commit()
    # VACUUM cannot run inside a transaction; it also sets the visibility map that lets the
    # dashboard's counts read the indexes alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("ivr_hook_calls", "ivr_transactions", "ivr_pre_orders", "ivr_pre_order_lines"):
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")


def already_generated() -> bool:
    """Whether the hook-call log holds generated rows."""
    query = select(HookCall.id).where(HookCall.request_id.like(GENERATED_REQUEST_ID + "%")).limit(1)
    return db.session.scalar(query) is not None


def generate(hook_calls: int, transactions: int, days: int, seed: int | None = None, report=None) -> Counters:
    """Write the synthetic history; `report(n)` is called as rows are written."""
    generator = Generator(days, seed, report or (lambda _n: None))
    return generator.run(hook_calls, transactions)
