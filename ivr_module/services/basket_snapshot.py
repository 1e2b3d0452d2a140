"""The basket as a plain value: kept as JSON text when an order number is issued.

The fingerprint (models/pre_order.py) says whether a basket changed; this keeps what it was,
so support can see how it changed (services/basket_diff.py). Amounts are kept as decimal
strings with two places, exactly as the fingerprint reads them.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..models.pre_order import basket_amount, discounted_price, real_price


@dataclass(frozen=True)
class SnapshotLine:
    """One basket line as it was: what the fingerprint covers, and the name to show."""

    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal

    @property
    def real_price(self) -> Decimal:
        """The line total before the discount."""
        return real_price(self)

    @property
    def discounted_price(self) -> Decimal:
        """The line total after the discount: what the line adds to the amount."""
        return discounted_price(self)


@dataclass(frozen=True)
class Basket:
    """Everything that decides an amount: the lines, shipping and currency."""

    lines: tuple[SnapshotLine, ...]
    shipping_amount: Decimal
    currency: str

    @property
    def amount(self) -> Decimal:
        """The amount to pay: the lines after discounts, plus shipping."""
        return basket_amount(self.lines, self.shipping_amount)


def basket_of(lines, shipping_amount: Decimal, currency: str) -> Basket:
    """The basket of model lines (or anything with their fields), as a value."""
    return Basket(
        lines=tuple(
            SnapshotLine(line.sku, line.name, line.quantity, Decimal(line.unit_price), Decimal(line.discount))
            for line in lines
        ),
        shipping_amount=Decimal(shipping_amount),
        currency=currency,
    )


def current_basket(pre_order) -> Basket:
    """A pre-order's basket as it is now."""
    return basket_of(pre_order.lines, pre_order.shipping_amount, pre_order.currency)


def _cents(value: Decimal) -> str:
    return f"{value:.2f}"


def dump_basket(basket: Basket) -> str:
    """The basket as JSON text, amounts as two-place decimal strings."""
    return json.dumps(
        {
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": _cents(line.unit_price),
                    "discount": _cents(line.discount),
                }
                for line in basket.lines
            ],
            "shipping_amount": _cents(basket.shipping_amount),
            "currency": basket.currency,
        },
        ensure_ascii=False,
    )


def load_basket(text: Optional[str]) -> Optional[Basket]:
    """The basket kept as JSON text; None when none was kept (issued before snapshots had lines)."""
    if text is None:
        return None
    data = json.loads(text)
    return Basket(
        lines=tuple(
            SnapshotLine(
                sku=line["sku"],
                name=line["name"],
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                discount=Decimal(line["discount"]),
            )
            for line in data["lines"]
        ),
        shipping_amount=Decimal(data["shipping_amount"]),
        currency=data["currency"],
    )
