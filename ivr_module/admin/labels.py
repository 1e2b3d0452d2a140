"""Translated names of the admin's columns, statuses and values that staff read.

Lazy: they are read when a page is drawn, in that page's language. The stored values (a status,
an endpoint, the seed's error text) stay as they are; only how the page names them changes.
"""

from ..i18n import lazy_gettext as _l

# Every column a list, details page or form shows, unless its view names it otherwise.
COLUMN_LABELS = {
    "action": _l("Action"),
    "active": _l("Active"),
    "actor": _l("Actor"),
    "actor_type": _l("Acting as"),
    "amount": _l("Amount"),
    "attempts": _l("Attempts"),
    "caller_hint": _l("Tell the caller"),
    "code": _l("Code"),
    "created_at": _l("Created"),
    "currency": _l("Currency"),
    "delivered_at": _l("Delivered"),
    "detail": _l("Detail"),
    "duration_ms": _l("Duration (ms)"),
    "endpoint": _l("Endpoint"),
    "error_code": _l("Code"),
    "error_text": _l("Error text"),
    "event_id": _l("Event"),
    "expires_at": _l("Expires"),
    "id": _l("Id"),
    "last_attempt_at": _l("Last try"),
    "last_duration_ms": _l("Duration (ms)"),
    "last_error": _l("Last error"),
    "last_login_at": _l("Last login"),
    "last_response": _l("Response"),
    "last_status_code": _l("Last status"),
    "locale": _l("Language"),
    "next_attempt_at": _l("Next try"),
    "order_number": _l("Order number"),
    "password": _l("Password"),
    "payload": _l("Payload"),
    "payment_option_name": _l("Payment option"),
    "payment_type": _l("Payment type"),
    "pre_order_id": _l("Pre-order id"),
    "reason": _l("Reason"),
    "reference_number": _l("Reference"),
    "remote_addr": _l("Remote address"),
    "request_id": _l("Request id"),
    "role": _l("Role"),
    "shipping_amount": _l("Shipping"),
    "staff_id": _l("Staff id"),
    "state": _l("Delivery"),
    "status": _l("Status"),
    "support_note": _l("Support should"),
    "type": _l("Type"),
    "updated_at": _l("Updated"),
    "username": _l("Username"),
}

STATUS_LABELS = {
    "open": _l("open"),
    "awaiting_payment": _l("awaiting payment"),
    "paid": _l("paid"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
}

GROUP_LABELS = {
    "matched": _l("Matched"),
    "file_only": _l("In the file, not here"),
    "here_only": _l("Here, not in the file"),
    "differs": _l("Amount or currency differs"),
}

ROLE_LABELS = {"admin": _l("admin"), "callcentre": _l("call centre"), "support": _l("support")}


def status_label(status) -> str:
    """A pre-order status as staff read it in their language (the stored value otherwise)."""
    return str(STATUS_LABELS.get(str(status), status))


def group_label(group) -> str:
    """A reconciliation group as staff read it."""
    return str(GROUP_LABELS.get(str(group), group))


def role_label(role) -> str:
    """A role as staff read it."""
    return str(ROLE_LABELS.get(str(role), role)) if role else ""
