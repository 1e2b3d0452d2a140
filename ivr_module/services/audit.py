"""The audit log's one writer: who did what to which order, added to the caller's transaction."""

from typing import Optional

from flask import g, has_request_context
from sqlalchemy import insert

from ..db import db
from ..models import AuditEntry, PreOrder

# Who acts when no request names anyone: the worker, the demo, an embedding app's own code.
SYSTEM = ("system", "service")


def act_as(actor_type: str, actor: str) -> None:
    """Name the actor of this request's changes (the API's token name, the admin's user)."""
    g.ivr_actor = (actor_type, actor)


def current_actor() -> tuple[str, str]:
    """(type, name) of whoever this request acts for; the system outside a named request."""
    if has_request_context():
        return g.get("ivr_actor", SYSTEM)
    return SYSTEM


def _request_id() -> Optional[str]:
    return g.get("ivr_request_id") if has_request_context() else None


# Inserted by Core on the session's connection: the ORM's unit of work for this one row cost the
# checkout API a flush of its own on every write (docs/BENCHMARKS.md).
INSERT_AUDIT_ENTRY = insert(AuditEntry.__table__)


def record_action(
    action: str,
    pre_order: Optional[PreOrder] = None,
    *,
    pre_order_id: Optional[int] = None,
    order_number: Optional[str] = None,
    reason: Optional[str] = None,
    detail: Optional[str] = None,
) -> None:
    """Write an audit record in the session's transaction; the caller commits it with the change."""
    if pre_order is not None and pre_order.id is None:
        db.session.flush()  # a new pre-order gets its id
    actor_type, actor = current_actor()
    entry = {  # created_at: the column's default
        "actor_type": actor_type,
        "actor": actor,
        "action": action,
        "pre_order_id": pre_order.id if pre_order is not None else pre_order_id,
        "order_number": order_number or (pre_order.order_number if pre_order is not None else None),
        "reason": reason,
        "detail": detail,
        "request_id": _request_id(),
    }
    db.session.connection().execute(INSERT_AUDIT_ENTRY, entry)
