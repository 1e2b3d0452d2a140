"""A synthetic history for trying the admin at scale: pre-orders, payments and hook calls.

`flask ivr generate-data --hook-calls 10000000 --transactions 1000000 --days 365` writes, day
by day over the last `--days` days (oldest first, as a live service would), for each payment a paid
pre-order with its lines and transaction and the two successful hook calls behind it; some
unpaid pre-orders (cancelled, expired, basket or payment option changed); and further calls
around them: re-reads, retries, typos and refusals with every error text, each one coherent
with its order's state. Generated order numbers start with 7 and end in a Luhn check digit;
generated hook calls carry request ids `gen-…`. Each pre-order has a customer (name, a Turkish
mobile number written as checkouts write them, mostly an email), so the admin's search by
phone or email has something to find.

On PostgreSQL the rows go in with COPY (datagen_copy.py), the hook-call log's months are made
first, and into an empty log its indexes are built once after the load instead of row by row.
"""

import random
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, insert, select, text

from . import datagen_copy
from .db import db, utcnow
from .models import CASH_REGISTER, HookCall, IVRTransaction, PreOrder, PreOrderLine, PreOrderStatus
from .models.pre_order import basket_amount, basket_fingerprint, order_number_key
from .services.basket_snapshot import basket_of, dump_basket
from .services.customer_contact import phone_search_key
from .services.failure_codes import failure_code
from .services.order_numbers import with_check_digit
from .services.error_texts import HookError

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
FIRST_NAMES = ("Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Hatice", "Ali", "Zeynep",
               "Hüseyin", "Elif", "Hasan", "Merve", "İbrahim", "Selin", "Can", "Deniz", "Ece")
SURNAMES = ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
            "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt")
ASCII_LETTERS = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
EMAIL_DOMAINS = ("example.com", "example.com.tr", "example.org", "example.net")
# How checkouts write a mobile number: with +90, with the trunk 0, or bare.
PHONE_FORMATS = ("+90 {0} {1} {2} {3}", "0{0} {1} {2} {3}", "+90{0}{1}{2}{3}", "0{0}{1}{2}{3}", "{0}{1}{2}{3}")
# Per hour of the day (UTC): the line is busier in the day than at night.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 10, 9, 9, 10, 10, 9, 8, 7, 6, 5, 4, 2, 1)
# Unpaid pre-orders: how each one went wrong, and what the IVR was told when it called.
ABANDONED = (
    ("cancelled", HookError.SESSION_NOT_FOUND, "pre-order is cancelled"),
    ("expired", HookError.ORDER_NOT_FOUND, "order number expired at {expiry} UTC"),
    ("basket", HookError.BASKET_CHANGED, "basket differs from the snapshot taken at issue"),
    ("no option", HookError.PAYMENT_OPTION_NULL, "pre-order has no payment option"),
    ("card", HookError.PAYMENT_OPTION_NOT_VALID, "payment type is 'credit_card'"),
)
# The extra calls of a day, by weight: (kind, weight).
EXTRA_CALLS = (
    ("re-read", 60), ("abandoned", 22), ("mistyped", 12), ("already paid", 10),
    ("wrong password", 8), ("never issued", 6), ("retry after outage", 4), ("success false", 3),
    ("reference reused", 2), ("bad body", 2), ("empty number", 1),
)


@dataclass
class Order:
    """A generated pre-order, as the extra calls need it."""

    number: str
    opened: datetime
    expiry: datetime
    amount: Decimal
    currency: str
    paid: datetime | None = None
    reference: str | None = None
    staff_id: str | None = None
    how: tuple | None = None  # an ABANDONED entry for unpaid ones


@dataclass
class Counters:
    """Rows written so far, and the next ids to use."""

    pre_order_id: int
    line_id: int
    transaction_id: int
    hook_calls: int = 0
    transactions: int = 0
    rows: dict = field(default_factory=lambda: {PreOrder: [], PreOrderLine: [], IVRTransaction: []})


def order_number_of(pre_order_id: int) -> str:
    """The generated order number of a pre-order id: 7, eight digits, a Luhn check digit."""
    return with_check_digit(f"7{pre_order_id:08d}")


def _spread(total: int, days: int, rng: random.Random) -> list[int]:
    """`total` split over `days`, unevenly like real days, summing exactly to `total`."""
    weights = [1.0 + 0.35 * rng.random() + (0.25 if day % 7 in (4, 5) else 0) for day in range(days)]
    counts = [int(total * weight / sum(weights)) for weight in weights]
    for day in rng.sample(range(days), total - sum(counts)):
        counts[day] += 1
    return counts


_FINGERPRINTS: dict[tuple, str] = {}


def _fingerprint(lines, shipping, currency) -> str:
    """The snapshot the checkout would have taken, computed as the model does (memoised)."""
    # The catalogue fixes each sku's price and generated lines have no discount, so skus and
    # quantities are key enough.
    key = (tuple((line.sku, line.quantity) for line in lines), shipping, currency)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = basket_fingerprint(lines, shipping, currency)
    return _FINGERPRINTS[key]


class Generator:
    """Writes one day at a time, in batches, and reports progress as rows are written."""

    def __init__(self, days: int, seed: int | None, report):
        self.rng = random.Random(seed)
        # Customers draw from their own stream: the orders and calls of a seed stay as they were.
        self.people = random.Random(seed)
        self.country_code = current_app.config["IVR_PHONE_COUNTRY_CODE"]
        self.days, self.report = days, report
        self.now = utcnow()
        self.counters = Counters(
            pre_order_id=(db.session.scalar(select(func.max(PreOrder.id))) or 0) + 1,
            line_id=(db.session.scalar(select(func.max(PreOrderLine.id))) or 0) + 1,
            transaction_id=(db.session.scalar(select(func.max(IVRTransaction.id))) or 0) + 1,
        )

    def run(self, hook_calls: int, transactions: int) -> Counters:
        """Write the whole history, oldest day first."""
        paid_per_day = _spread(transactions, self.days, self.rng)
        calls_per_day = _spread(hook_calls, self.days, self.rng)
        first_day = self.now - timedelta(days=self.days)
        copier = datagen_copy.copier_for(db.session, first_day, self.now)  # None: not PostgreSQL
        with copier.bulk_load() if copier else nullcontext():
            self._write_days(first_day, paid_per_day, calls_per_day, copier)
        _after_bulk_load()
        return self.counters

    def _write_days(self, first_day, paid_per_day, calls_per_day, copier) -> None:
        for day in range(self.days):
            day_start = first_day + timedelta(days=day)
            paid = [self._paid_order(day_start) for _ in range(paid_per_day[day])]
            abandoned = [self._abandoned_order(day_start) for _ in range(max(1, len(paid) // 5))]
            calls = [call for order in paid for call in self._payment_calls(order)]
            budget = calls_per_day[day]
            kinds = [kind for kind, _ in EXTRA_CALLS]
            weights = [weight for _, weight in EXTRA_CALLS]
            while len(calls) < budget:
                kind = self.rng.choices(kinds, weights)[0]
                calls.append(self._extra_call(kind, paid, abandoned, day_start))
            self._write(sorted(calls[:budget], key=lambda call: call["created_at"]), copier)

    def _write(self, calls: list[dict], copier) -> None:
        """Write the day's rows (COPY, or inserts in batches) and commit."""
        for model, rows in self.counters.rows.items():
            _insert(model, rows, copier)
            if model is IVRTransaction:
                self.counters.transactions += len(rows)
                self.report(len(rows))
            rows.clear()
        for start in range(0, len(calls), BATCH_ROWS):
            batch = calls[start:start + BATCH_ROWS]
            _insert(HookCall, batch, copier)
            self.counters.hook_calls += len(batch)
            self.report(len(batch))
        db.session.commit()

    def _moment(self, day_start: datetime) -> datetime:
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        moment = day_start + timedelta(hours=hour, seconds=self.rng.randrange(3600))
        return min(moment, self.now - timedelta(seconds=self.rng.randrange(1, 600)))

    def _pre_order(self, opened: datetime, status: str, **changes) -> tuple[Order, int]:
        """Queue a pre-order and its lines; returns what the calls need to know, and its id."""
        pre_order_id = self.counters.pre_order_id
        self.counters.pre_order_id += 1
        currency = "TRY" if self.rng.random() < 0.9 else "EUR"
        shipping = Decimal("29.90") if self.rng.random() < 0.7 else Decimal("0.00")
        products = self.rng.sample(CATALOGUE, self.rng.randint(1, 3))
        basket = [
            {"position": position, "sku": sku, "name": name, "quantity": self.rng.randint(1, 3),
             "unit_price": price, "discount": Decimal("0.00")}
            for position, (sku, name, price) in enumerate(products)
        ]
        for line in basket:
            line_row = {**line, "id": self.counters.line_id, "pre_order_id": pre_order_id}
            self.counters.rows[PreOrderLine].append(line_row)
            self.counters.line_id += 1
        # The basket's functions read lines by attribute, as they read model objects.
        lines = [SimpleNamespace(**line) for line in basket]
        expiry = opened + timedelta(hours=1)
        number = order_number_of(pre_order_id)
        self.counters.rows[PreOrder].append({
            "id": pre_order_id, "status": status, "order_number": number, "order_number_key": order_number_key(number),
            "expires_at": expiry, "currency": currency, "shipping_amount": shipping,
            "payment_option_slug": "pay-by-phone", "payment_option_name": "Pay by phone",
            "payment_type": CASH_REGISTER, "basket_snapshot": _fingerprint(lines, shipping, currency),
            "created_at": opened, "updated_at": opened, **self._customer(), **changes,
        })
        amount = basket_amount(lines, shipping)
        return Order(number, opened, expiry, amount, currency), pre_order_id

    def _customer(self) -> dict:
        """A customer's contact columns: a name, a mobile number, mostly an email."""
        people = self.people
        first, last = people.choice(FIRST_NAMES), people.choice(SURNAMES)
        mobile = f"5{people.randrange(10)}{people.randrange(10)}"
        phone = people.choice(PHONE_FORMATS).format(
            mobile, f"{people.randrange(1000):03d}", f"{people.randrange(100):02d}", f"{people.randrange(100):02d}"
        )
        email = None
        if people.random() < 0.85:
            local = f"{first}.{last}".translate(ASCII_LETTERS).lower()  # İ lower-cases to two characters
            email = f"{local}{people.randrange(100)}@{people.choice(EMAIL_DOMAINS)}"
        return {
            "customer_name": f"{first} {last}", "customer_phone": phone, "customer_email": email,
            "customer_phone_key": phone_search_key(phone, self.country_code),
        }

    def _paid_order(self, day_start: datetime) -> Order:
        paid_at = self._moment(day_start)
        opened = paid_at - timedelta(minutes=self.rng.randint(2, 40))
        order, pre_order_id = self._pre_order(opened, PreOrderStatus.PAID.value, updated_at=paid_at)
        order.paid, order.reference = paid_at, f"GEN-{pre_order_id:09d}"
        order.staff_id = self._agent()
        self.counters.rows[IVRTransaction].append({
            "id": self.counters.transaction_id, "reference_number": order.reference,
            "order_number": order.number, "staff_id": order.staff_id,
            "amount": order.amount, "currency": order.currency, "created_at": paid_at,
            "pre_order_id": pre_order_id,
        })
        self.counters.transaction_id += 1
        return order

    def _abandoned_order(self, day_start: datetime) -> Order:
        how = self.rng.choice(ABANDONED)
        changes = {
            "cancelled": {"status": PreOrderStatus.CANCELLED.value},
            "expired": {},
            "basket": {},  # its snapshot is written below
            "no option": {"payment_option_slug": None, "payment_option_name": None, "payment_type": None},
            "card": {"payment_option_slug": "credit-card", "payment_option_name": "Credit card",
                     "payment_type": "credit_card"},
        }[how[0]]
        status = changes.pop("status", PreOrderStatus.AWAITING_PAYMENT.value)
        order, pre_order_id = self._pre_order(self._moment(day_start), status, **changes)
        if how[0] == "basket":
            self._snapshot_of_an_earlier_basket(pre_order_id)
        order.how = how
        return order

    def _snapshot_of_an_earlier_basket(self, pre_order_id: int) -> None:
        """A changed basket's snapshot: at issue it held one more of its first line.

        The snapshot keeps the basket's lines too, so the admin shows how it changed.
        """
        pre_order, lines = self.counters.rows[PreOrder][-1], []
        for line in reversed(self.counters.rows[PreOrderLine]):  # its lines were queued last
            if line["pre_order_id"] != pre_order_id:
                break
            lines.insert(0, SimpleNamespace(**line))
        lines[0] = SimpleNamespace(**{**vars(lines[0]), "quantity": lines[0].quantity + 1})
        earlier = basket_of(lines, pre_order["shipping_amount"], pre_order["currency"])
        pre_order["basket_snapshot"] = basket_fingerprint(earlier.lines, earlier.shipping_amount, earlier.currency)
        pre_order["snapshot_basket"] = dump_basket(earlier)

    def _agent(self) -> str:
        return f"agent-{self.rng.randint(1, 40)}"

    def _call(self, at, endpoint, number, error=None, detail="", reference=None, address=None,
              staff_id=None) -> dict:
        if endpoint == "complete" and number is not None and staff_id is None:
            staff_id = self._agent()  # the vendor sends the agent's id with each complete call
        return {
            "created_at": min(at, self.now), "endpoint": endpoint,
            "remote_addr": address or self.rng.choice(VENDOR_ADDRESSES), "username": "demo-ivr",
            "order_number": number, "reference_number": reference, "staff_id": staff_id,
            "success": error is None,
            "error_text": error.value if error else "", "detail": detail,
            "error_code": failure_code(error.value, detail) if error else None,
            "duration_ms": self.rng.randint(4, 80),
            "request_id": f"{GENERATED_REQUEST_ID}{self.rng.getrandbits(48):012x}",
        }

    def _payment_calls(self, order: Order) -> list[dict]:
        read_at = order.paid - timedelta(seconds=self.rng.randint(30, 300))
        return [
            self._call(read_at, "pre_order", order.number, detail="products read"),
            self._call(order.paid, "complete", order.number, reference=order.reference,
                       detail=f"paid {order.amount} {order.currency} by transaction {order.reference}",
                       staff_id=order.staff_id),
        ]

    def _extra_call(self, kind: str, paid: list[Order], abandoned: list[Order], day_start) -> dict:
        """One more call of the day, coherent with the state of the order it concerns."""
        if kind == "abandoned" and abandoned:
            return self._abandoned_call(self.rng.choice(abandoned), day_start)
        if not paid or kind in ("never issued", "bad body", "empty number", "abandoned"):
            return self._unknown_call(kind, day_start)
        order = self.rng.choice(paid)
        before = order.opened + (order.paid - order.opened) * self.rng.random()
        # Within two days of the payment, and never in the future.
        after = order.paid + min(timedelta(days=2), self.now - order.paid) * self.rng.random()
        if kind == "re-read":
            return self._call(before, "pre_order", order.number, detail="products read")
        if kind == "mistyped":
            position = self.rng.randrange(len(order.number))
            digit = str((int(order.number[position]) + self.rng.randint(1, 9)) % 10)
            typo = order.number[:position] + digit + order.number[position + 1:]
            return self._call(before, "pre_order", typo, HookError.ORDER_NOT_FOUND,
                              "check digit mismatch (mistyped number?)")
        if kind == "already paid":
            endpoint = self.rng.choice(("pre_order", "complete"))
            second = f"{order.reference}-2" if endpoint == "complete" else None  # a new reference
            return self._call(after, endpoint, order.number, HookError.SESSION_NOT_FOUND,
                              f"already paid by transaction {order.reference}", reference=second)
        if kind == "wrong password":
            address = f"198.51.100.{self.rng.randint(1, 254)}"
            return self._call(before, "pre_order", order.number, HookError.USER_INVALID, "wrong password",
                              address=address)
        if kind == "retry after outage":
            return self._call(before, "complete", order.number, HookError.SERVICE_UNAVAILABLE,
                              "database error: OperationalError", reference=order.reference)
        if kind == "success false":
            return self._call(before, "complete", order.number, HookError.SUCCESS_MUST_BE_TRUE,
                              "vendor reported success=false", reference=f"{order.reference}-DECLINED")
        other = self.rng.choice(paid)
        return self._call(after, "complete", order.number, HookError.REFERENCE_USED,
                          f"reference already recorded for order {other.number}", reference=other.reference)

    def _abandoned_call(self, order: Order, day_start: datetime) -> dict:
        _how, error, detail = order.how
        # An expired number is refused after its expiry; the other refusals come before it.
        if error == HookError.ORDER_NOT_FOUND:
            earliest, latest = order.expiry, order.expiry + timedelta(hours=2)
        else:
            earliest, latest = order.opened, order.expiry
        latest = min(latest, self.now)
        if latest <= earliest:  # it has not happened yet
            return self._unknown_call("never issued", day_start)
        at = earliest + (latest - earliest) * self.rng.random()
        detail = detail.format(expiry=f"{order.expiry:%Y-%m-%d %H:%M:%S}")
        return self._call(at, "pre_order", order.number, error, detail)

    def _unknown_call(self, kind: str, day_start) -> dict:
        at = self._moment(day_start)
        if kind == "bad body":
            return self._call(at, "complete", None, HookError.INPUT_INVALID, "body is not JSON")
        if kind == "empty number":
            return self._call(at, "pre_order", "", HookError.ORDER_NUMBER_INVALID, "order number is empty")
        number = with_check_digit(str(self.rng.randrange(100_000_000, 999_999_999)))
        return self._call(at, "pre_order", number, HookError.ORDER_NOT_FOUND, "order number was never issued")


def _insert(model, rows: list[dict], copier) -> None:
    """Rows into the model's table: COPY on PostgreSQL, else inserts of BATCH_ROWS."""
    if copier:
        copier.copy(model.__table__, rows)
        return
    for start in range(0, len(rows), BATCH_ROWS):
        db.session.execute(insert(model), rows[start:start + BATCH_ROWS])


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


def generate(hook_calls: int, transactions: int, days: int, seed=None, report=None) -> Counters:
    """Write the synthetic history; `report(n)` is called as rows are written."""
    generator = Generator(days, seed, report or (lambda _n: None))
    return generator.run(hook_calls, transactions)
