"""Events for the storefront, written into the outbox in the transaction of the change they report.

The worker (ivr_module/worker.py) sends them; this module only records. After a commit that
added events, the worker is woken at once; its periodic pass catches up if that wake-up is lost.
"""

import json
import logging
import threading
import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Optional

from flask import current_app, has_app_context
from sqlalchemy import and_, event, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..db import begin_write, db, rolled_back_on_error, utcnow
from ..models import (
    DeliveryState,
    EventType,
    IVREvent,
    PreOrder,
    PreOrderStatus,
)
from .representations import pre_order_fields, pre_order_json

logger = logging.getLogger(__name__)

# Set in a session's info when its transaction added events; read after the commit.
EVENTS_ADDED = "ivr_events_added"
EXPIRY_BATCH = 500


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _outbox_values(event_type: EventType, pre_order_id: int, order_number, data: dict, detail=None,
                   dedupe_key=None) -> dict:
    """The outbox row of an event about a pre-order, as it is inserted; `data` its JSON."""
    now = utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = {"id": event_id, "type": str(event_type), "created_at": _time(now), "data": data}
    return {
        "event_id": event_id,
        "type": str(event_type),
        "pre_order_id": pre_order_id,
        "order_number": order_number,
        "created_at": now,
        "payload": json.dumps(payload, separators=(",", ":")),
        "detail": detail,
        "dedupe_key": dedupe_key,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
    }


def record_event(
    event_type: EventType,
    pre_order: PreOrder,
    detail: Optional[str] = None,
    dedupe_key: Optional[str] = None,
) -> Optional[IVREvent]:
    """Add an event about `pre_order` to the session's transaction; the caller commits.

    A sandbox pre-order raises none: the storefront's webhook is live, and a vendor's test
    calls must never reach it.
    """
    if not pre_order.live:
        return None
    db.session.flush()  # the payload shows the pre-order as this transaction leaves it
    # No contact details: the outbox keeps events for days and sends them on (issue 11).
    data = pre_order_json(pre_order, with_customer=False)
    values = _outbox_values(event_type, pre_order.id, pre_order.order_number, data, detail, dedupe_key)
    outbox_row = IVREvent(**values)
    db.session.add(outbox_row)
    db.session.info[EVENTS_ADDED] = True
    return outbox_row


def record_number_replaced(pre_order: PreOrder, old_number: Optional[str]) -> Optional[IVREvent]:
    """`pre_order.number_replaced`: a re-issue after a basket change retired `old_number`."""
    return record_event(EventType.NUMBER_REPLACED, pre_order, detail=f"replaces order number {old_number}")


# The payment's event goes in by Core, on the payment's connection: the ORM's unit of work
# for this one row cost a sixth of a payment's CPU (docs/BENCHMARKS.md).
INSERT_OUTBOX_ROW = insert(IVREvent.__table__)


def record_paid(connection, pre_order_row, lines, transaction: dict) -> None:
    """`pre_order.paid`, on the payment's connection and in its transaction, from what the
    payment read and wrote.

    `pre_order_row` and `lines` are the rows read under the payment's lock, `transaction` the
    values it inserted. The payload is built from them as they are: reading the pre-order back
    through the ORM would cost three more queries, and even unattached model copies of the rows
    cost a tenth of a payment's CPU (docs/BENCHMARKS.md).
    """
    if not pre_order_row.live:  # a sandbox payment raises no event (record_event)
        return
    paid = SimpleNamespace(**pre_order_row._mapping)
    paid.status, paid.updated_at = PreOrderStatus.PAID.value, transaction["created_at"]
    data = pre_order_fields(paid, lines, paid.status, SimpleNamespace(**transaction))
    values = _outbox_values(EventType.PAID, paid.id, paid.order_number, data)
    connection.execute(INSERT_OUTBOX_ROW, values)
    db.session.info[EVENTS_ADDED] = True


def _expiry_key(pre_order: PreOrder) -> str:
    return f"expired:{pre_order.id}:{_time(pre_order.expires_at)}"


def _unreported_expiries(now: datetime):
    """Pre-orders whose number outlived its time to live with no `expired` event since then."""
    reported = aliased(IVREvent)
    already = exists().where(
        and_(
            reported.pre_order_id == PreOrder.id,
            reported.type == EventType.EXPIRED.value,
            reported.created_at >= PreOrder.expires_at,
        )
    )
    return (
        select(PreOrder.id)
        .where(PreOrder.status == PreOrderStatus.AWAITING_PAYMENT, PreOrder.expires_at <= now, PreOrder.live, ~already)
        .order_by(PreOrder.expires_at)
        .limit(EXPIRY_BATCH)
    )


def sweep_expired() -> int:
    """Write `pre_order.expired` for every number that expired unreported; returns how many."""
    written = 0
    for pre_order_id in db.session.scalars(_unreported_expiries(utcnow())).all():
        db.session.rollback()  # each pre-order in a transaction of its own, under its row lock
        written += _report_expiry(pre_order_id)
    db.session.rollback()
    return written


def _report_expiry(pre_order_id: int) -> int:
    try:
        with rolled_back_on_error():
            begin_write()
            locked = db.session.scalar(
                _unreported_expiries(utcnow()).where(PreOrder.id == pre_order_id).with_for_update(of=PreOrder)
            )
            if locked is None:  # paid, re-issued or reported meanwhile
                db.session.rollback()
                return 0
            pre_order = db.session.get(PreOrder, pre_order_id, populate_existing=True)
            record_event(EventType.EXPIRED, pre_order, dedupe_key=_expiry_key(pre_order))
            db.session.commit()
            return 1
    except IntegrityError:
        logger.info("expiry of pre-order %s reported by another worker", pre_order_id)
        return 0


@event.listens_for(Session, "after_commit")
def _wake_worker(session) -> None:
    """A commit that added events wakes the worker; a lost wake-up only delays them a minute."""
    if not session.info.pop(EVENTS_ADDED, False) or not has_app_context():
        return
    if not current_app.config.get("IVR_WEBHOOK_URL"):
        return
    # From a thread of its own: a slow or dead queue (Redis) must not hold up a hook's answer.
    app = current_app._get_current_object()
    threading.Thread(target=_wake_quietly, args=(app,), name="ivr-wake-worker", daemon=True).start()


def _wake_quietly(app) -> None:
    from ..worker import wake_worker

    try:
        wake_worker(app)
    except Exception:  # noqa: BLE001 - the events are committed; the periodic pass sends them
        logger.warning("could not wake the event worker; the periodic pass will send", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_events(session) -> None:
    session.info.pop(EVENTS_ADDED, None)
