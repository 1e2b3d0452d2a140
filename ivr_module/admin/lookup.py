"""The order lookup: one order's whole story on one page, or near matches for a mistyped number."""

from dataclasses import dataclass, field
from typing import Optional

from flask import current_app, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..db import db
from ..i18n import current_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import HookCall, IVRTransaction, PreOrder, RetiredOrderNumber
from ..services.checkout import find_transactions
from ..services.contact_masking import mask_email, mask_phone
from ..services.customer_contact import has_contact, record_contact_view
from ..services.order_search import MAX_RESULTS, MIN_DIGITS, search_orders
from ..services.failure_hints import hint_for
from ..services.error_texts import HookError
from ..services.order_numbers import unknown_number_detail
from .access import ADMIN_ONLY, SecuredView
from .basket_change import BasketChange, basket_change
from .staff import current_staff
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


class ListedContact:
    """The customer's phone and email as a list shows them to the staff member viewing it.

    The support and callcentre roles see them masked; admins whole (docs/DECISIONS.md). One
    order's page shows them whole to everyone, and records that it did.
    """

    def __init__(self, masked: bool):
        self.masked = masked
        self.country_code = current_app.config["IVR_PHONE_COUNTRY_CODE"]

    def phone(self, pre_order: PreOrder) -> str:
        """The phone, masked for this viewer if need be."""
        if not self.masked:
            return pre_order.customer_phone or ""
        return mask_phone(pre_order.customer_phone, self.country_code)

    def email(self, pre_order: PreOrder) -> str:
        """The email, masked for this viewer if need be."""
        return mask_email(pre_order.customer_email) if self.masked else pre_order.customer_email or ""


# The search's keys (services/order_search.py) as the results' "Found by" column names them.
MATCHED_BY_LABELS = {
    "phone": _l("phone"), "email": _l("email"), "order number": _l("order number"),
    "reference": _l("reference"), "staff id": _l("staff id"),
}


def listed_contact() -> ListedContact:
    """How lists show contact details to the staff member logged in."""
    return ListedContact(masked=not current_staff().has_role(*ADMIN_ONLY))


class LookupView(SecuredView, BaseView):
    """/admin/lookup?order_number=…: one order's story; a POST searches by phone, email and more."""

    # Both /admin/lookup and /admin/lookup/ answer, with no redirect.
    @expose("/", methods=("GET", "POST"))
    @expose("", methods=("GET", "POST"))
    def index(self):
        """GET: the story of the number asked (an order or reference number); POST: a search."""
        if request.method == "POST":
            return self._search_or_open(request.form.get("q", "").strip())
        asked = request.args.get("order_number", "").strip()
        story = find_story(asked) if asked else None
        if story is not None and has_contact(story.pre_order):
            record_contact_view(story.pre_order)  # shown whole on this page: who saw it, when
        return self.render(
            "ivr_admin/lookup.html", asked=asked, story=story, has_contact=has_contact,
            not_found_answer=HookError.SESSION_NOT_FOUND,
        )

    def _search_or_open(self, asked: str):
        """An order or reference number on record opens its page; anything else is searched for.

        The search is a POST so a phone or email typed stays out of URLs and access logs.
        (Text no database can store was refused before the view: refuse_unstorable_arguments.)
        """
        if not asked:
            return redirect(url_for(".index"))
        story = find_story(asked)
        if story.known:
            return redirect(url_for(".index", order_number=story.asked))
        found = search_orders(asked, current_app.config["IVR_PHONE_COUNTRY_CODE"], live=not test_data_shown())
        return self.render(
            "ivr_admin/lookup.html", asked=asked, story=None, search=found,
            near_matches=story.near_matches, contact=listed_contact(), max_results=MAX_RESULTS,
            min_digits=MIN_DIGITS, matched_by_labels=MATCHED_BY_LABELS,
        )
