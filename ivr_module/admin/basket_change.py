"""How a basket changed since an order number was issued: for the lookup and a failed call's details."""

from dataclasses import dataclass
from typing import Optional

from ..models import PreOrder, RetiredOrderNumber
from ..services.basket_diff import BasketDiff, diff_baskets
from ..services.basket_snapshot import current_basket, load_basket


@dataclass(frozen=True)
class BasketChange:
    """The number whose basket is compared with the basket now, and the diff.

    `diff` is None when the basket at issue was not kept (numbers issued before migration 0010).
    """

    order_number: str
    diff: Optional[BasketDiff]


def basket_change(pre_order: PreOrder, retired: Optional[RetiredOrderNumber] = None) -> Optional[BasketChange]:
    """The pre-order's basket now against the one its number named at issue.

    `retired`: the number was replaced, and its own snapshot is the one compared. None when
    the pre-order was never issued a number.
    """
    if retired is not None:
        number, kept = retired.order_number, retired.snapshot_basket
    elif pre_order.order_number is not None and pre_order.basket_snapshot is not None:
        number, kept = pre_order.order_number, pre_order.snapshot_basket
    else:
        return None
    before = load_basket(kept)
    return BasketChange(number, diff_baskets(before, current_basket(pre_order)) if before else None)
