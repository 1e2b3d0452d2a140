"""Pre-order sessions: what the hooks know of an issued order number, cached, with the database behind.

The seed's "pre-order cache" maps an order number to its pre-order session. Here the session
is a small immutable summary of the pre-order. Readers fill a miss from the database with
`add`, writers publish the new state with `set` after they commit, so a slow reader never
puts back what a writer replaced. The cache is never the authority for money: `complete`
reads the pre-order itself, under a row lock.

A number retired after a basket change is kept as a `RetiredNumber` marker under its own key,
so the hooks answer `Order Not Found` to it without asking the database each time.

The cache holds JSON only (ivr_module.cache_backends; Flask-Caching's own backends would pickle):
a value that is neither a session nor a marker is a miss. A session is cached as the JSON object
of its fields, its pre_order answer among them as ready-made text.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import select

from ..cache import cache_add, cache_get, cache_set
from ..db import db, utcnow
from ..models import PreOrder, RetiredOrderNumber
from ..models.pre_order import basket_amount, basket_changed, discounted_price, real_price
from ..models.retired_order_number import replaced_detail
from .answers import pre_order_answer

logger = logging.getLogger(__name__)

# An upper bound on how long an entry lives, whatever the order number's own time to live.
SESSION_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ProductLine:
    """A basket line as the IVR reads it to the caller."""

    sku: str
    name: str
    quantity: int
    real_price: Decimal
    discounted_price: Decimal


@dataclass(frozen=True)
class OrderSession:
    """An issued order number's pre-order, as the hooks judge it."""

    pre_order_id: int
    order_number: str
    status: str
    expires_at: datetime
    payment_option_set: bool
    payment_type: Optional[str]
    basket_changed: bool
    # The pre_order hook's answer when the session is payable, as sent (made once, cached with
    # it); "" for a session made by a payment (build's `answered`).
    answer: str
    amount: Decimal
    currency: str
    paid_reference: Optional[str]
    # False: a sandbox pre-order (services/sandbox.py); only sandbox calls may see it.
    live: bool = True

    @classmethod
    def of(cls, pre_order: PreOrder) -> "OrderSession":
        """Summarise a pre-order model that has an order number."""
        paid_reference = pre_order.transaction.reference_number if pre_order.transaction else None
        return cls.build(pre_order, pre_order.lines, paid_reference)

    @classmethod
    def build(cls, pre_order, lines, paid_reference: Optional[str], answered: bool = True) -> "OrderSession":
        """Summarise a pre-order from its row (model or Core row), its lines and its payment.

        `answered` False: no pre_order answer is made ("" instead). A payment never sends one,
        and the paid session it publishes is one pre_order refuses.
        """
        amount = basket_amount(lines, pre_order.shipping_amount)
        answer = ""
        if answered:
            products = [
                ProductLine(line.sku, line.name, line.quantity, real_price(line), discounted_price(line))
                for line in lines
            ]
            answer = pre_order_answer(True, products=products, amount=amount)
        return cls(
            pre_order_id=pre_order.id,
            order_number=pre_order.order_number,
            status=pre_order.status,
            expires_at=pre_order.expires_at,
            payment_option_set=pre_order.payment_option_slug is not None,
            payment_type=pre_order.payment_type,
            basket_changed=basket_changed(pre_order, lines),
            answer=answer,
            amount=amount,
            currency=pre_order.currency,
            paid_reference=paid_reference,
            live=pre_order.live,
        )

    def is_expired(self, now: Optional[datetime] = None) -> bool:
        """Whether the order number has outlived its time to live."""
        return self.expires_at <= (now or utcnow())

    def to_dict(self) -> dict:
        """The session as the cache stores it: a JSON object of its fields."""
        return {**vars(self), "expires_at": str(self.expires_at), "amount": str(self.amount)}

    @classmethod
    def from_dict(cls, data: dict) -> "OrderSession":
        """Rebuild a session from the JSON object of `to_dict`."""
        if not isinstance(data["answer"], str):  # it is sent as it is
            raise TypeError("a session's answer is text")
        data["expires_at"] = datetime.fromisoformat(data["expires_at"])
        data["amount"] = Decimal(data["amount"])
        return cls(**data)


@dataclass(frozen=True)
class RetiredNumber:
    """An order number replaced after a basket change: the hooks answer `Order Not Found` to it."""

    order_number: str
    pre_order_id: int
    replaced_by: str
    # The mode of its pre-order: the other mode's calls see the number as unknown.
    live: bool = True

    @classmethod
    def of(cls, retired: RetiredOrderNumber, live: bool) -> "RetiredNumber":
        """Summarise a retired-number row; `live` is its pre-order's flag."""
        return cls(retired.order_number, retired.pre_order_id, retired.replaced_by, live)

    @property
    def detail(self) -> str:
        """Why the hooks refuse it, for the hook-call log."""
        return replaced_detail(self.replaced_by)

    def to_dict(self) -> dict:
        """The marker as the cache stores it; the `replaced_by` key tells it from a session."""
        return asdict(self)


def _from_cache(data: dict):
    """A cached session or retired-number marker, rebuilt from its JSON object (a value of any
    other shape raises TypeError, KeyError, ValueError or decimal's InvalidOperation)."""
    if "replaced_by" in data:
        return RetiredNumber(**data)
    return OrderSession.from_dict(data)


def session_key(order_number: str) -> str:
    """The cache key of an order number's session."""
    return "session:" + order_number


def _cache_seconds(session: OrderSession) -> int:
    """Keep an entry no longer than its order number lives, and never long."""
    remaining = int((session.expires_at - utcnow()).total_seconds())
    return max(0, min(remaining, SESSION_CACHE_SECONDS))


def _cached(order_number: str) -> Optional[OrderSession | RetiredNumber]:
    """The cached session or retired marker; None on a miss or when the cached value is neither."""
    cached = cache_get(session_key(order_number))
    if cached is None:
        return None
    try:
        return _from_cache(cached)
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError):  # Decimal("lots")
        logger.warning("cached session of %s is malformed; read from the database", order_number)
        return None


def find_session(order_number: str) -> Optional[OrderSession | RetiredNumber]:
    """The session of an issued order number, or its retired marker, from the cache or the database."""
    found = _cached(order_number)
    if found is not None:
        return found
    pre_order = db.session.scalar(select(PreOrder).where(PreOrder.order_number == order_number))
    if pre_order is None:
        return _find_retired(order_number)
    session = OrderSession.of(pre_order)
    seconds = _cache_seconds(session)
    if seconds:
        cache_add(session_key(order_number), session.to_dict(), timeout=seconds)
    return session


def _find_retired(order_number: str) -> Optional[RetiredNumber]:
    """The retired marker of a number no pre-order has now, if one had it before."""
    row = db.session.get(RetiredOrderNumber, order_number)
    if row is None:
        return None
    retired = RetiredNumber.of(row, row.pre_order.live)
    cache_add(session_key(order_number), retired.to_dict(), timeout=SESSION_CACHE_SECONDS)
    return retired


def publish_session(session: OrderSession) -> None:
    """Replace the cached session after a committed write (basket, issue, cancel, payment)."""
    cache_set(session_key(session.order_number), session.to_dict(), timeout=max(1, _cache_seconds(session)))


def publish_retired(retired: RetiredNumber) -> None:
    """Replace a retired number's cached session with its marker, after the retirement commits."""
    cache_set(session_key(retired.order_number), retired.to_dict(), timeout=SESSION_CACHE_SECONDS)
