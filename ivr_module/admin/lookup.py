"""The order lookup: one order's whole story on one page, or near matches for a mistyped number."""

from dataclasses import dataclass, field
from typing import Optional

from flask import request
from flask_admin import BaseView, expose
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..db import db
from ..i18n import current_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import HookCall, IVRTransaction, PreOrder, RetiredOrderNumber
from ..services.checkout import find_transactions
from ..services.failure_hints import hint_for
from ..services.error_texts import HookError
from ..services.order_numbers import unknown_number_detail
from .access import SecuredView
from .basket_change import BasketChange, basket_change
from .timeline import TimelineEntry, build_timeline
from .test_data import shown_rows, test_data_shown

# An order's calls shown on one page; a number hammered more often than this says so.
MAX_CALLS = 500
MAX_QUERY_LENGTH = 128
# The reasons services/order_numbers.py gives (logged in English), marked for the catalogue so
# the lookup shows them in the page's language.
UNKNOWN_REASONS = (_l("check digit mismatch (mistyped number?)"), _l("order number was never issued"))


@dataclass
class OrderStory:
    """Everything recorded about one order number."""

    asked: str
    order_number: str
    found_by_reference: bool = False
    pre_order: Optional[PreOrder] = None
    # Set when the number was replaced after a basket change; pre_order is then the one it named.
    retired: Optional[RetiredOrderNumber] = None
    hook_calls: list[HookCall] = field(default_factory=list)
    transactions: list[IVRTransaction] = field(default_factory=list)
    near_matches: list[PreOrder] = field(default_factory=list)
    more_calls: bool = False
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """Whether anything at all was recorded for the number."""
        return bool(self.pre_order or self.hook_calls or self.transactions or self.timeline)

    @property
    def latest_failure_hint(self):
        """The hint for the last call, when it failed: what support tells the caller first."""
        if not self.hook_calls or self.hook_calls[-1].success:
            return None
        return hint_for(self.hook_calls[-1].error_code, current_locale())

    @property
    def basket_change(self) -> Optional[BasketChange]:
        """How the basket changed since this number was issued, if it did (or the number was replaced)."""
        if self.pre_order is None or not (self.retired or self.pre_order.basket_changed):
            return None
        return basket_change(self.pre_order, self.retired)

    @property
    def unknown_reason(self) -> str:
        """Why no pre-order has this number (a failed check digit hints at a typo), translated."""
        return _(unknown_number_detail(self.order_number))


def pre_order_of(order_number: str) -> tuple[Optional[PreOrder], Optional[RetiredOrderNumber]]:
    """The pre-order holding the number, or the one that held it before a basket change."""
    # Its transaction is read with any others recorded for the number, not loaded here.
    query = select(PreOrder).where(shown_rows(PreOrder)).options(lazyload(PreOrder.transaction))
    pre_order = db.session.scalar(query.where(PreOrder.order_number == order_number))
    if pre_order is not None:
        return pre_order, None
    retired = db.session.get(RetiredOrderNumber, order_number)
    if retired is None:
        return None, None
    return db.session.scalar(query.where(PreOrder.id == retired.pre_order_id)), retired


def _story_of(order_number: str) -> OrderStory:
    story = OrderStory(asked=order_number, order_number=order_number)
    story.pre_order, story.retired = pre_order_of(order_number)
    calls = db.session.scalars(
        select(HookCall)
        .where(HookCall.order_number == order_number, shown_rows(HookCall))
        .order_by(HookCall.created_at, HookCall.id)
        .limit(MAX_CALLS + 1)
    ).all()
    story.hook_calls, story.more_calls = list(calls[:MAX_CALLS]), len(calls) > MAX_CALLS
    story.transactions = find_transactions(order_number=order_number, live=not test_data_shown())
    pre_order_id = story.pre_order.id if story.pre_order else None
    story.timeline = build_timeline(pre_order_id, order_number, story.hook_calls, story.transactions)
    return story


def _order_number_of_reference(reference: str) -> Optional[str]:
    """The order a reference number was recorded or presented for, if any."""
    number = db.session.scalar(
        select(IVRTransaction.order_number).where(
            IVRTransaction.reference_number == reference, shown_rows(IVRTransaction)
        )
    )
    return number or db.session.scalar(
        select(HookCall.order_number)
        .where(
            HookCall.reference_number == reference,
            HookCall.order_number.is_not(None),
            shown_rows(HookCall),
        )
        .order_by(HookCall.created_at.desc())
        .limit(1)
    )


def near_numbers(number: str) -> list[str]:
    """Numbers one keying slip away: one digit changed, or two neighbours swapped."""
    if not (number.isascii() and number.isdigit()) or len(number) > 24:
        return []
    near = set()
    for position, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                near.add(number[:position] + other + number[position + 1:])
        if position + 1 < len(number) and number[position + 1] != digit:
            near.add(number[:position] + number[position + 1] + digit + number[position + 2:])
    return sorted(near)


def find_story(asked: str) -> OrderStory:
    """The story of an order number, or of the order a reference number belongs to."""
    asked = asked.strip()[:MAX_QUERY_LENGTH]
    story = _story_of(asked)
    if not story.known:
        number = _order_number_of_reference(asked)
        if number:
            story = _story_of(number)
            story.asked, story.found_by_reference = asked, True
    if story.pre_order is None:
        candidates = near_numbers(story.order_number)
        if candidates:
            story.near_matches = list(
                db.session.scalars(
                    select(PreOrder)
                    .where(PreOrder.order_number.in_(candidates), shown_rows(PreOrder))
                    .options(lazyload("*"))  # only the number and status are shown
                    .limit(10)
                )
            )
    return story


class LookupView(SecuredView, BaseView):
    """/admin/lookup?order_number=…: pre-order, every hook call in time order, transaction."""

    # Both /admin/lookup and /admin/lookup/ answer, with no redirect.
    @expose("/")
    @expose("")
    def index(self):
        """Look up the number typed (an order number, or a reference number)."""
        asked = request.args.get("order_number", "").strip()
        story = find_story(asked) if asked else None
        return self.render(
            "ivr_admin/lookup.html", asked=asked, story=story, not_found_answer=HookError.SESSION_NOT_FOUND
        )
