"""One order's timeline: checkout changes, hook calls, events and their deliveries, staff actions."""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import or_, select

from ..db import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import AuditEntry, EventAttempt, IVREvent
from .formatting import money

MAX_ROWS = 500

ACTION_TITLES = {
    "opened": _l("Pre-order opened"),
    "changed": _l("Pre-order changed (payment option)"),
    "basket_changed": _l("Basket changed"),
    "number_issued": _l("Order number issued"),
    "number_reissued": _l("Order number re-issued"),
    "cancelled": _l("Cancelled"),
    "event_sent_again": _l("Event sent again"),
    "contact_viewed": _l("Customer contact viewed"),
}
ACTOR_KINDS = {"staff": _l("staff"), "api": _l("checkout API token"), "system": _l("system")}


@dataclass(frozen=True)
class TimelineEntry:
    """One moment in an order's life."""

    at: datetime
    kind: str  # checkout, staff, hook, event, delivery, payment
    title: str
    actor: str = ""
    detail: str = ""
    failed: bool = False


def _audit_entries(pre_order_id, order_number) -> list[TimelineEntry]:
    matches = [AuditEntry.order_number == order_number]
    if pre_order_id is not None:
        matches.append(AuditEntry.pre_order_id == pre_order_id)
    rows = db.session.scalars(
        select(AuditEntry).where(or_(*matches)).order_by(AuditEntry.id).limit(MAX_ROWS)
    )
    entries = []
    for row in rows:
        detail = "; ".join(part for part in (
            _("reason: %(reason)s", reason=row.reason) if row.reason else "", row.detail or "",
            _("request %(id)s", id=row.request_id) if row.request_id else "",
        ) if part)
        entries.append(TimelineEntry(
            row.created_at, "staff" if row.actor_type == "staff" else "checkout",
            str(ACTION_TITLES.get(row.action, row.action)),
            f"{row.actor} ({ACTOR_KINDS.get(row.actor_type, row.actor_type)})",
            detail,
        ))
    return entries


def _event_entries(pre_order_id, order_number) -> list[TimelineEntry]:
    matches = [IVREvent.order_number == order_number]
    if pre_order_id is not None:
        matches.append(IVREvent.pre_order_id == pre_order_id)
    events = {event.id: event for event in db.session.scalars(select(IVREvent).where(or_(*matches)).limit(MAX_ROWS))}
    entries = [
        TimelineEntry(event.created_at, "event", _("Event %(type)s", type=event.type), _("system"),
                      "; ".join(part for part in (
                          event.event_id, _("delivery %(state)s", state=event.state), event.detail or "",
                      ) if part))
        for event in events.values()
    ]
    attempts = db.session.scalars(
        select(EventAttempt).where(EventAttempt.event_id.in_(list(events))).order_by(EventAttempt.id).limit(MAX_ROWS)
    ) if events else []
    for attempt in attempts:
        event = events[attempt.event_id]
        outcome = str(attempt.status_code) if attempt.status_code is not None else (attempt.error or _("no answer"))
        ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
        entries.append(TimelineEntry(
            attempt.attempted_at, "delivery", _("Delivery of %(type)s: %(outcome)s", type=event.type, outcome=outcome),
            _("worker"),
            f"{attempt.duration_ms} ms; {attempt.response_snippet or ''}".strip("; "), failed=not ok,
        ))
    return entries


def _hook_entries(hook_calls) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            # The error text as the vendor was sent it (the seed's English), never translated.
            call.created_at, "hook", _("Hook %(endpoint)s: %(outcome)s", endpoint=call.endpoint,
                                       outcome=call.error_text or _("success")),
            _("%(user)s (IVR vendor, %(address)s)", user=call.username or "?", address=call.remote_addr or "?"),
            "; ".join(part for part in (call.detail, call.reference_number or "") if part), failed=not call.success,
        )
        for call in hook_calls
    ]


def _payment_entries(transactions) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            item.created_at, "payment", _("Paid %(amount)s", amount=money(item.amount, item.currency)),
            _("%(staff_id)s (IVR agent)", staff_id=item.staff_id),
            _("reference %(number)s", number=item.reference_number),
        )
        for item in transactions
    ]


def build_timeline(pre_order_id: Optional[int], order_number: str, hook_calls, transactions) -> list[TimelineEntry]:
    """Everything recorded about the order, oldest first."""
    entries = (
        _audit_entries(pre_order_id, order_number)
        + _event_entries(pre_order_id, order_number)
        + _hook_entries(hook_calls)
        + _payment_entries(transactions)
    )
    return sorted(entries, key=lambda entry: entry.at)
