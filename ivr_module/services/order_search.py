"""Find orders without their number: by the customer's phone or email, the last digits of the
order number, a reference number or a staff id. At most 20, newest first.

One box takes them all: each key that the typed text could be is tried, each answers its 20
newest pre-orders from an index, and the 20 newest of all of them are shown.
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..db import db
from ..models import IVRTransaction, PreOrder
from .customer_contact import national_digits

MAX_RESULTS = 20
MIN_DIGITS = 4
MAX_QUERY_LENGTH = 128
# What a phone number or the end of an order number may be typed as.
DIGITS_TYPED = re.compile(r"\+?[0-9 ]+")


@dataclass
class OrderMatch:
    """A pre-order found, and which keys found it (phone, email, order number, ...)."""

    pre_order: PreOrder
    matched_by: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """What a search found; `too_short` when the text typed names no key (too few digits)."""

    asked: str
    matches: list[OrderMatch] = field(default_factory=list)
    too_short: bool = False


def _prefix_range(column, prefix: str):
    """`column` starts with `prefix`, as a range an ordinary index answers.

    The keys compare in byte order, so the strings starting with "4359" are those from "4359"
    up to, not including, "435:" (":" is the character after "9"), whatever follows.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (column >= prefix) & (column < upper)


def _criteria(asked: str, country_code: str) -> list[tuple[str, object]]:
    """(key name, where clause on pre-orders) for every key the typed text could be."""
    criteria = []
    if "@" in asked:
        criteria.append(("email", PreOrder.customer_email == asked.lower()))
    if DIGITS_TYPED.fullmatch(asked):
        national = national_digits(asked, country_code)
        if len(national) >= MIN_DIGITS:
            criteria.append(("phone", _prefix_range(PreOrder.customer_phone_key, national[::-1])))
        digits = asked.replace(" ", "")
        if digits.isdigit() and len(digits) >= MIN_DIGITS:
            criteria.append(("order number", _prefix_range(PreOrder.order_number_key, digits[::-1])))
    return criteria


def _transaction_criteria(asked: str) -> list[tuple[str, object]]:
    """The payments' keys: a reference number, or the staff id of the agent who took them."""
    return [
        ("reference", IVRTransaction.reference_number == asked),
        ("staff id", IVRTransaction.staff_id == asked),
    ]


def _newest(where, live: bool, through_transactions: bool = False):
    """The ids and opening times of the newest pre-orders matching `where`."""
    query = select(PreOrder.id, PreOrder.created_at)
    if through_transactions:
        query = query.join(IVRTransaction, IVRTransaction.pre_order_id == PreOrder.id)
    query = query.where(where, PreOrder.live.is_(live))
    return db.session.execute(
        query.order_by(PreOrder.created_at.desc(), PreOrder.id.desc()).limit(MAX_RESULTS)
    ).all()


def _load(pre_order_ids: list[int]) -> dict[int, PreOrder]:
    """The pre-orders by id, with their lines (the amount) and without their transaction."""
    if not pre_order_ids:
        return {}
    query = select(PreOrder).where(PreOrder.id.in_(pre_order_ids)).options(lazyload(PreOrder.transaction))
    return {pre_order.id: pre_order for pre_order in db.session.scalars(query)}


def search_orders(asked: str, country_code: str, live: bool = True) -> SearchResult:
    """The newest pre-orders (at most 20) that the typed text names by any key."""
    result = SearchResult(" ".join(asked.split())[:MAX_QUERY_LENGTH])
    criteria = _criteria(result.asked, country_code)
    queries = [(name, where, False) for name, where in criteria]
    queries += [(name, where, True) for name, where in _transaction_criteria(result.asked)]
    opened: dict[int, tuple] = {}
    keys: dict[int, list[str]] = {}
    for name, where, through_transactions in queries:
        for pre_order_id, created_at in _newest(where, live, through_transactions):
            opened[pre_order_id] = (created_at, pre_order_id)
            keys.setdefault(pre_order_id, []).append(name)
    newest = sorted(opened, key=opened.get, reverse=True)[:MAX_RESULTS]
    pre_orders = _load(newest)
    result.matches = [OrderMatch(pre_orders[pre_order_id], keys[pre_order_id]) for pre_order_id in newest]
    if not newest and not criteria:
        result.too_short = True
    return result
