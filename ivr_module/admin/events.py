"""The admin's lists of event deliveries and of the audit log; "Send again" for admins."""

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from sqlalchemy import select

from ..db import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import AuditEntry, DeliveryState, EventType, IVREvent
from ..services.audit import record_action
from ..services.delivery import send_again
from .access import ADMIN_ONLY
from .filters import time_filters
from .staff import current_staff
from .views import ReadOnlyModelView


class DeliveryFilter(BaseSQLAFilter):
    """failing: still retrying after a failed try; dead: given up; or a plain delivery state."""

    def __init__(self):
        options = [("failing", _l("failing")), ("dead", _l("dead"))] + [(s.value, s.value) for s in DeliveryState]
        super().__init__(IVREvent.state, _l("Delivery"), options=options)

    def apply(self, query, value, alias=None):
        """Events in the chosen delivery situation."""
        if value == "failing":
            return query.filter(IVREvent.state == DeliveryState.PENDING, IVREvent.attempts > 0)
        if value == "dead":
            return query.filter(IVREvent.state == DeliveryState.FAILED)
        return query.filter(IVREvent.state == value)

    def operation(self):
        """Shown between the filter's name and its value."""
        return _l("is")


class EventDeliveryView(ReadOnlyModelView):
    """Each event for the storefront and where its delivery stands; admins may send one again."""

    search_hint = _l("Exact order number or event id")
    column_list = (
        "created_at", "event_id", "type", "order_number", "state", "attempts", "last_status_code",
        "last_response", "last_duration_ms", "next_attempt_at",
    )
    column_details_list = column_list + ("last_error", "last_attempt_at", "delivered_at", "detail", "payload")
    column_labels = {"created_at": _l("Time")}
    column_sortable_list = ("created_at", "order_number", "attempts", "next_attempt_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("order_number", "event_id")
    column_filters = (
        DeliveryFilter(),
        FilterEqual(IVREvent.type, _l("Type"), options=[(t.value, t.value) for t in EventType]),
        *time_filters(IVREvent.created_at, _l("Time")),
    )

    def is_action_allowed(self, name: str) -> bool:
        """Only admins send again."""
        return current_staff().has_role(*ADMIN_ONLY) and super().is_action_allowed(name)

    @action("send_again", _l("Send again"), _l("Send the selected events again now?"))
    def action_send_again(self, ids):
        """Put the events back in line, recording who asked; the worker sends them."""
        events = db.session.scalars(select(IVREvent).where(IVREvent.id.in_([int(i) for i in ids]))).all()
        for event in events:
            send_again(event)
            record_action(
                "event_sent_again", pre_order_id=event.pre_order_id, order_number=event.order_number,
                detail=f"{event.type} {event.event_id}",
            )
        db.session.commit()
        flash(_("%(count)s event(s) will be sent again.", count=len(events)), "success")


class AuditView(ReadOnlyModelView):
    """The audit log, for admins: who did what to which order, and why. Nothing here changes."""

    roles = ADMIN_ONLY
    search_hint = _l("Exact actor or order number")
    column_list = ("created_at", "actor_type", "actor", "action", "order_number", "reason", "detail", "request_id")
    column_labels = {"created_at": _l("Time")}
    column_sortable_list = ("created_at", "actor", "order_number")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("actor", "order_number")
    column_filters = (
        FilterEqual(AuditEntry.actor_type, _l("Acting as"), options=[(k, k) for k in ("staff", "api", "system")]),
        FilterEqual(AuditEntry.action, _l("Action")),
        *time_filters(AuditEntry.created_at, _l("Time")),
    )
