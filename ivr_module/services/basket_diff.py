"""How a basket changed since its snapshot: line by line, each change with its effect on the amount.

A pure function of two baskets (services/basket_snapshot.py). It sees exactly what the
fingerprint sees: no changes here means the same fingerprint, and names do not count.
"""

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Union

from .basket_snapshot import Basket, SnapshotLine


class ChangeKind(enum.StrEnum):
    """What changed."""

    ADDED = "added"
    REMOVED = "removed"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    DISCOUNT = "discount"
    SHIPPING = "shipping"
    CURRENCY = "currency"


Value = Union[SnapshotLine, Decimal, int, str, None]


@dataclass(frozen=True)
class Change:
    """One change: the old and new value, and how much it moved the amount.

    `line` is the line concerned (as it is now; as it was, when removed); None for shipping
    and currency. `effect` is None for a currency change: the figures stay, their money does not.
    """

    kind: ChangeKind
    old: Value
    new: Value
    effect: Optional[Decimal]
    line: Optional[SnapshotLine] = None


@dataclass(frozen=True)
class BasketDiff:
    """The snapshot, the basket now, and the changes between them."""

    before: Basket
    after: Basket
    changes: tuple[Change, ...]

    @property
    def currency_changed(self) -> bool:
        """Whether the amounts are in different currencies (and so not comparable)."""
        return self.before.currency != self.after.currency

    @property
    def amount_change(self) -> Optional[Decimal]:
        """The new amount minus the old; None when the currency changed."""
        return None if self.currency_changed else self.after.amount - self.before.amount


def _same_line(old: SnapshotLine, new: SnapshotLine) -> bool:
    # What the fingerprint compares; a renamed product is the same line.
    return (old.sku, old.quantity, old.unit_price, old.discount) == (
        new.sku, new.quantity, new.unit_price, new.discount,
    )


def _match_lines(before, after) -> dict[int, int]:
    """Which new line (by index) each old line became; unmatched ones were removed or added.

    Identical lines are matched first, so that of two lines with one SKU, the one dropped reads
    as removed rather than as the other one changed; the rest are matched by SKU in order.
    """
    free = list(range(len(after)))
    matched: dict[int, int] = {}
    for same in (_same_line, lambda old, new: old.sku == new.sku):
        for i, old in enumerate(before):
            if i in matched:
                continue
            j = next((j for j in free if same(old, after[j])), None)
            if j is not None:
                matched[i] = j
                free.remove(j)
    return matched


def _line_changes(old: SnapshotLine, new: SnapshotLine) -> list[Change]:
    """Quantity, then unit price, then discount: each effect counted after the one before.

    The quantity change is priced at the old unit price, the price change at the new
    quantity, so the effects add up exactly to the line's change in amount.
    """
    changes = []
    if new.quantity != old.quantity:
        effect = (new.quantity - old.quantity) * old.unit_price
        changes.append(Change(ChangeKind.QUANTITY, old.quantity, new.quantity, effect, new))
    if new.unit_price != old.unit_price:
        effect = (new.unit_price - old.unit_price) * new.quantity
        changes.append(Change(ChangeKind.UNIT_PRICE, old.unit_price, new.unit_price, effect, new))
    if new.discount != old.discount:
        effect = old.discount - new.discount
        changes.append(Change(ChangeKind.DISCOUNT, old.discount, new.discount, effect, new))
    return changes


def diff_baskets(before: Basket, after: Basket) -> BasketDiff:
    """The changes from `before` (the snapshot) to `after` (the basket now).

    Old lines in their order (changed or removed), then added lines in theirs, then shipping,
    then currency. The effects of all but the currency add up to the change in amount.
    """
    matched = _match_lines(before.lines, after.lines)
    changes: list[Change] = []
    for i, old in enumerate(before.lines):
        if i in matched:
            changes += _line_changes(old, after.lines[matched[i]])
        else:
            changes.append(Change(ChangeKind.REMOVED, old, None, -old.discounted_price, old))
    kept = set(matched.values())
    for j, new in enumerate(after.lines):
        if j not in kept:
            changes.append(Change(ChangeKind.ADDED, None, new, new.discounted_price, new))
    if after.shipping_amount != before.shipping_amount:
        effect = after.shipping_amount - before.shipping_amount
        changes.append(Change(ChangeKind.SHIPPING, before.shipping_amount, after.shipping_amount, effect))
    if after.currency != before.currency:
        changes.append(Change(ChangeKind.CURRENCY, before.currency, after.currency, None))
    return BasketDiff(before, after, tuple(changes))
