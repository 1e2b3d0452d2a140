"""Sending outbox events to the storefront: claim one, sign and POST it, record what came back.

At least once: an event is sent until a 2xx comes back, a 410 says stop, or its retry window
closes. A claim (a conditional UPDATE, taken in a short transaction of its own) keeps every other
worker, on any host, from sending the same event until the claim runs out; a worker killed
mid-send leaves the claim to run out, and the event is sent again. One pre-order's events go in
order: an event waits while an earlier one of its pre-order is still pending.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import requests
from flask import current_app
from sqlalchemy import and_, case, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased
from standardwebhooks import Webhook

from ..db import begin_write, db, rolled_back_on_error, utcnow
from ..models import DeliveryState, EventAttempt, IVREvent
from .events import EVENTS_ADDED

logger = logging.getLogger(__name__)

# A claim outlives the request's timeout by this much, so a slow but live worker keeps it.
CLAIM_GRACE_SECONDS = 5
MAX_BACKOFF_SECONDS = 6 * 3600
SNIPPET_LENGTH = 500
EVENTS, ATTEMPTS = IVREvent.__table__, EventAttempt.__table__


@dataclass(frozen=True)
class Claim:
    """An event this worker alone may send until the claim runs out."""

    id: int
    event_id: str
    payload: str
    created_at: datetime
    attempts: int
    token: str


@dataclass(frozen=True)
class Outcome:
    """What one try brought back."""

    status_code: Optional[int]
    snippet: Optional[str]
    duration_ms: int
    error: Optional[str] = None


def _due_events(now: datetime):
    """Pending events due now, unclaimed, with no earlier pending event of their pre-order."""
    earlier = aliased(IVREvent)
    earlier_pending = exists().where(
        and_(
            earlier.pre_order_id == IVREvent.pre_order_id,
            earlier.id < IVREvent.id,
            earlier.state == DeliveryState.PENDING.value,
        )
    )
    return (
        select(IVREvent.id)
        .where(
            IVREvent.state == DeliveryState.PENDING,
            IVREvent.next_attempt_at <= now,
            or_(IVREvent.claimed_until.is_(None), IVREvent.claimed_until < now),
            ~earlier_pending,
        )
        .order_by(IVREvent.next_attempt_at, IVREvent.id)
        .limit(1)
    )


def claim_next(now: Optional[datetime] = None) -> Optional[Claim]:
    """Claim the next due event, or None; committed before anything is sent."""
    now = now or utcnow()
    timeout = current_app.config["IVR_WEBHOOK_TIMEOUT_SECONDS"]
    token = uuid.uuid4().hex
    with rolled_back_on_error():
        begin_write()  # SQLite: one writer at a time; PostgreSQL: rows locked below
        query = _due_events(now)
        if db.engine.dialect.name == "postgresql":
            # Another worker's candidate is skipped, not waited for.
            query = query.with_for_update(skip_locked=True, of=IVREvent)
        event_id = db.session.scalar(query)
        if event_id is None:
            db.session.rollback()
            return None
        # Conditional: only a still-pending, unclaimed event is taken.
        taken = db.session.execute(
            update(EVENTS)
            .where(
                EVENTS.c.id == event_id,
                EVENTS.c.state == DeliveryState.PENDING.value,
                or_(EVENTS.c.claimed_until.is_(None), EVENTS.c.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=timeout + CLAIM_GRACE_SECONDS), claim_token=token)
        ).rowcount
        row = db.session.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
        db.session.commit()
    if taken != 1:
        return None
    return Claim(row.id, row.event_id, row.payload, row.created_at, row.attempts, token)


def signed_headers(secret: str, event_id: str, body: bytes, now: datetime) -> dict:
    """The Standard Webhooks headers for this body (webhook-id, -timestamp, -signature)."""
    signature = Webhook(secret).sign(event_id, now, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": "ivr_module-webhooks",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def send(claim: Claim) -> Outcome:
    """POST the event once, signed; a timeout or connection error is an outcome, not an exception."""
    config = current_app.config
    body = claim.payload.encode()
    headers = signed_headers(config["IVR_WEBHOOK_SECRET"], claim.event_id, body, utcnow())
    started = time.monotonic()
    try:
        with requests.post(
            config["IVR_WEBHOOK_URL"],
            data=body,
            headers=headers,
            timeout=config["IVR_WEBHOOK_TIMEOUT_SECONDS"],
            allow_redirects=False,
            stream=True,
        ) as response:
            # Only the start of the answer is kept, however much the receiver sends.
            start = next(response.iter_content(SNIPPET_LENGTH * 4), b"")
            snippet = start.decode("utf-8", "replace")[:SNIPPET_LENGTH]
            return Outcome(response.status_code, snippet, _ms_since(started))
    except requests.RequestException as error:
        return Outcome(None, None, _ms_since(started), f"{type(error).__name__}: {error}"[:255])


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def backoff_seconds(attempts: int) -> float:
    """Wait before the next try: doubling from IVR_WEBHOOK_BACKOFF_SECONDS, with jitter."""
    base = current_app.config["IVR_WEBHOOK_BACKOFF_SECONDS"]
    delay = min(base * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    # Jitter spreads the retries of many events failed at one moment (a receiver outage).
    return delay * random.uniform(0.5, 1.0)


def _next_state(claim: Claim, outcome: Outcome, now: datetime) -> dict:
    """The event's columns after this try."""
    attempts = claim.attempts + 1
    values = {"attempts": attempts, "claimed_until": None, "claim_token": None}
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        return {**values, "state": DeliveryState.DELIVERED.value, "delivered_at": now, "next_attempt_at": None}
    if code == 410:  # the receiver says: never again
        return {**values, "state": DeliveryState.FAILED.value, "next_attempt_at": None}
    retry_at = now + timedelta(seconds=backoff_seconds(attempts))
    window_end = claim.created_at + timedelta(seconds=current_app.config["IVR_WEBHOOK_RETRY_SECONDS"])
    if retry_at > window_end:
        return {**values, "state": DeliveryState.FAILED.value, "next_attempt_at": None}
    return {**values, "next_attempt_at": retry_at}


def record_outcome(claim: Claim, outcome: Outcome) -> None:
    """Write the try and move the event on, if this worker's claim still holds."""
    now = utcnow()
    with rolled_back_on_error():
        begin_write()
        db.session.execute(
            insert(ATTEMPTS).values(
                event_id=claim.id,
                attempted_at=now,
                status_code=outcome.status_code,
                response_snippet=outcome.snippet,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
            )
        )
        last = {
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_response": outcome.snippet,
            "last_duration_ms": outcome.duration_ms,
            "last_error": outcome.error,
        }
        moved = db.session.execute(
            update(EVENTS)
            .where(EVENTS.c.id == claim.id, EVENTS.c.claim_token == claim.token)
            .values(**last, **_next_state(claim, outcome, now))
        ).rowcount
        db.session.commit()
    if not moved:
        logger.warning("claim on event %s ran out before its try was recorded", claim.event_id)


def delivery_configured() -> bool:
    """Whether events are sent at all (IVR_WEBHOOK_URL set)."""
    return bool(current_app.config.get("IVR_WEBHOOK_URL"))


def deliver_due(limit: int = 1000) -> int:
    """Send due events one by one until none is due (at most `limit`); returns how many were tried."""
    if not delivery_configured():
        return 0
    tried = 0
    while tried < limit:
        claim = claim_next()
        if claim is None:
            break
        outcome = send(claim)
        logger.info("event %s: %s", claim.event_id, outcome.status_code or outcome.error)
        record_outcome(claim, outcome)
        tried += 1
    return tried


def next_wake_up() -> Optional[datetime]:
    """When a pending event next becomes sendable (its retry time, or its claim's end), if any."""
    claimable_at = case(
        (IVREvent.claimed_until > IVREvent.next_attempt_at, IVREvent.claimed_until),
        else_=IVREvent.next_attempt_at,
    )
    wake_up = db.session.scalar(select(func.min(claimable_at)).where(IVREvent.state == DeliveryState.PENDING))
    db.session.rollback()
    return wake_up


def backlog() -> tuple[dict, float]:
    """Events by delivery state, and the age in seconds of the oldest pending one (0: none)."""
    counts = dict(db.session.execute(select(IVREvent.state, func.count()).group_by(IVREvent.state)).all())
    oldest = db.session.scalar(select(func.min(IVREvent.created_at)).where(IVREvent.state == DeliveryState.PENDING))
    db.session.rollback()
    return counts, (utcnow() - oldest).total_seconds() if oldest else 0.0


def send_again(event: IVREvent) -> None:
    """Put an event (delivered, failed or pending) back in line to be sent now; the caller commits."""
    # A claim in flight is left alone: its worker records its try, and nobody sends twice at once.
    event.state = DeliveryState.PENDING
    event.next_attempt_at = utcnow()
    db.session.info[EVENTS_ADDED] = True
