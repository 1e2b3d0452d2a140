"""The pre-order: a basket waiting to be paid by phone, and its lines."""

import enum
import hashlib
import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, and_, case, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Base, utcnow

if TYPE_CHECKING:
    from .transaction import IVRTransaction

logger = logging.getLogger(__name__)

CASH_REGISTER = "cash_register"

# Reversed keys (an order number's, a phone's) compare in byte order, as SQLite compares anyway,
# so "starts with" is an index range on PostgreSQL too (services/order_search.py).
def reversed_key(length: int) -> String:
    """A String column type that compares byte by byte on every backend."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def order_number_key(number: Optional[str]) -> Optional[str]:
    """An order number's search key: the number reversed (None without a number)."""
    return number[::-1] if number else None


class PreOrderStatus(enum.StrEnum):
    """Statuses as the checkout sees them; EXPIRED is derived, never stored."""

    OPEN = "open"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# The only moves a stored status may make. Repeats are no-ops; anything else is refused.
ALLOWED_MOVES = {
    PreOrderStatus.OPEN: {PreOrderStatus.AWAITING_PAYMENT, PreOrderStatus.CANCELLED},
    PreOrderStatus.AWAITING_PAYMENT: {PreOrderStatus.PAID, PreOrderStatus.CANCELLED},
    PreOrderStatus.PAID: set(),
    PreOrderStatus.CANCELLED: set(),
}


class IllegalStatusMove(Exception):
    """A status change the pre-order's life cycle does not allow."""


def check_move(pre_order_id, current: str, target: PreOrderStatus) -> bool:
    """Whether a stored status changes by this move; an illegal move is refused (and logged)."""
    current = PreOrderStatus(current)
    if target == current:
        return False
    if target not in ALLOWED_MOVES[current]:
        logger.warning("refused status move of pre-order %s: %s -> %s", pre_order_id, current, target)
        raise IllegalStatusMove(f"a {current} pre-order cannot become {target}")
    return True


def real_price(line) -> Decimal:
    """A line's total before its discount: unit price × quantity."""
    return line.unit_price * line.quantity


def discounted_price(line) -> Decimal:
    """A line's total after its discount."""
    return real_price(line) - line.discount


def basket_amount(lines, shipping_amount: Decimal) -> Decimal:
    """The amount to pay: the lines after discounts, plus shipping."""
    return sum((discounted_price(line) for line in lines), Decimal("0.00")) + shipping_amount


def basket_fingerprint(lines, shipping_amount: Decimal, currency: str) -> str:
    """Digest of everything that decides the amount; line order and names do not count.

    `lines` are anything with sku, quantity, unit_price and discount: model objects or rows.
    """
    canonical_lines = sorted(
        [line.sku, line.quantity, f"{line.unit_price:.2f}", f"{line.discount:.2f}"] for line in lines
    )
    basket = {"lines": canonical_lines, "shipping": f"{shipping_amount:.2f}", "currency": currency}
    canonical = json.dumps(basket, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def basket_changed(pre_order, lines) -> bool:
    """Whether a pre-order's basket differs from the snapshot taken at its last issue."""
    snapshot = pre_order.basket_snapshot
    return snapshot is not None and snapshot != basket_fingerprint(
        lines, pre_order.shipping_amount, pre_order.currency
    )


class PreOrder(Base):
    """A basket opened by the checkout, payable through the IVR once it has an order number."""

    __tablename__ = "ivr_pre_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'awaiting_payment', 'paid', 'cancelled')", name="status"
        ),
        # The admin's search (services/order_search.py): a phone by its last digits, an email.
        Index("ix_ivr_pre_orders_customer_phone_key", "customer_phone_key"),
        Index("ix_ivr_pre_orders_order_number_key", "order_number_key"),
        Index("ix_ivr_pre_orders_customer_email", "customer_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=PreOrderStatus.OPEN, index=True)
    order_number: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # The number reversed, kept by `_keep_order_number_key`: support searches its last digits.
    order_number_key: Mapped[Optional[str]] = mapped_column(reversed_key(64))
    expires_at: Mapped[Optional[datetime]]
    currency: Mapped[str] = mapped_column(String(3))
    shipping_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    payment_option_slug: Mapped[Optional[str]] = mapped_column(String(64))
    payment_option_name: Mapped[Optional[str]] = mapped_column(String(128))
    payment_type: Mapped[Optional[str]] = mapped_column(String(64))
    # Fingerprint of the basket taken when the order number was last issued.
    basket_snapshot: Mapped[Optional[str]] = mapped_column(String(64))
    # The basket itself at that issue, as JSON (services/basket_snapshot.py), so support can see
    # how it changed; None for numbers issued before it was kept.
    snapshot_basket: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # False: opened with the checkout API's sandbox token; only sandbox hook calls see it.
    live: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The customer's contact as the checkout gave it (email lower-cased), for support's search;
    # never written to the hook-call log, events or the application log.
    customer_name: Mapped[Optional[str]] = mapped_column(String(128))
    customer_phone: Mapped[Optional[str]] = mapped_column(String(32))
    customer_email: Mapped[Optional[str]] = mapped_column(String(254))
    # The phone's national digits reversed (services/customer_contact.py): "ends with" becomes
    # an indexed prefix search.
    customer_phone_key: Mapped[Optional[str]] = mapped_column(reversed_key(20))

    lines: Mapped[list["PreOrderLine"]] = relationship(
        back_populates="pre_order",
        order_by="PreOrderLine.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    transaction: Mapped[Optional["IVRTransaction"]] = relationship(
        back_populates="pre_order", lazy="selectin"
    )

    @validates("order_number")
    def _keep_order_number_key(self, _key, number: Optional[str]) -> Optional[str]:
        """Whoever sets the number sets its reversed search key with it."""
        self.order_number_key = order_number_key(number)
        return number

    @property
    def amount(self) -> Decimal:
        """The amount to pay: the lines after discounts, plus shipping."""
        return basket_amount(self.lines, self.shipping_amount)

    @property
    def has_payment_option(self) -> bool:
        """Whether the checkout has set a payment option."""
        return self.payment_option_slug is not None

    def basket_fingerprint(self) -> str:
        """Digest of everything that decides the amount (see `basket_fingerprint`)."""
        return basket_fingerprint(self.lines, self.shipping_amount, self.currency)

    @property
    def basket_changed(self) -> bool:
        """Whether the basket differs from the snapshot taken at the last order-number issue."""
        return basket_changed(self, self.lines)

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the issued order number has outlived its time to live."""
        return self.expires_at is not None and self.expires_at <= (now or utcnow())

    @hybrid_property
    def current_status(self) -> str:
        """The status as reported: an order number past its expiry reads `expired`."""
        if self.status == PreOrderStatus.AWAITING_PAYMENT and self.is_expired():
            return PreOrderStatus.EXPIRED
        return self.status

    @current_status.inplace.expression
    @classmethod
    def _current_status_expression(cls):
        expired = and_(cls.status == PreOrderStatus.AWAITING_PAYMENT, cls.expires_at <= utcnow())
        return case((expired, PreOrderStatus.EXPIRED.value), else_=cls.status)

    def move_to(self, target: PreOrderStatus) -> bool:
        """Change the stored status if the life cycle allows it; return whether it changed."""
        changed = check_move(self.id, self.status, target)
        self.status = target
        return changed

    def __repr__(self) -> str:
        return f"<PreOrder {self.id} {self.status} {self.order_number}>"

    def __str__(self) -> str:
        return self.order_number or f"pre-order {self.id}"


class PreOrderLine(Base):
    """One basket line: a product, its quantity, unit price and the line's discount."""

    __tablename__ = "ivr_pre_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    pre_order_id: Mapped[int] = mapped_column(
        ForeignKey("ivr_pre_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    discount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    pre_order: Mapped[PreOrder] = relationship(back_populates="lines")

    @property
    def real_price(self) -> Decimal:
        """The line total before the discount."""
        return real_price(self)

    @property
    def discounted_price(self) -> Decimal:
        """The line total after the discount."""
        return discounted_price(self)

    def __repr__(self) -> str:
        return f"<PreOrderLine {self.sku} x{self.quantity}>"

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"
