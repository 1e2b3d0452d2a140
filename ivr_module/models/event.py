"""The outbox: events for the storefront, written with the change they report, and their deliveries."""

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class EventType(enum.StrEnum):
    """What happened to a pre-order, as the storefront's webhook receives it."""

    PAID = "pre_order.paid"
    CANCELLED = "pre_order.cancelled"
    EXPIRED = "pre_order.expired"
    NUMBER_REPLACED = "pre_order.number_replaced"


class DeliveryState(enum.StrEnum):
    """pending: to be sent (again); delivered: a 2xx came back; failed: given up (dead)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class IVREvent(Base):
    """One event and where its delivery stands; the payload is sent byte for byte on every try."""

    __tablename__ = "ivr_events"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
        # The worker looks for due events; the per-order check looks for earlier pending ones.
        Index("ix_ivr_events_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_ivr_events_pre_order_id_id", "pre_order_id", "id"),
    )

    # The sequence: one pre-order's events are delivered in this order.
    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id (webhook-id header, payload "id"): stable across retries, for deduplication.
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    pre_order_id: Mapped[int] = mapped_column(ForeignKey("ivr_pre_orders.id"))
    order_number: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[str] = mapped_column(Text)
    # Staff-facing note, e.g. the number a re-issue replaced; not part of the payload.
    detail: Mapped[Optional[str]] = mapped_column(String(255))
    # Guards against two sweepers reporting one expiry twice.
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Optional[datetime]]
    # A worker's claim: nobody else sends the event before claimed_until.
    claimed_until: Mapped[Optional[datetime]]
    claim_token: Mapped[Optional[str]] = mapped_column(String(32))
    last_attempt_at: Mapped[Optional[datetime]]
    last_status_code: Mapped[Optional[int]]
    last_response: Mapped[Optional[str]] = mapped_column(String(500))
    last_duration_ms: Mapped[Optional[int]]
    last_error: Mapped[Optional[str]] = mapped_column(String(255))
    delivered_at: Mapped[Optional[datetime]]

    delivery_attempts: Mapped[list["EventAttempt"]] = relationship(
        back_populates="event", order_by="EventAttempt.id", lazy="raise_on_sql"
    )

    def __repr__(self) -> str:
        return f"<IVREvent {self.event_id} {self.type} {self.state}>"

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class EventAttempt(Base):
    """One try at delivering an event: when, what came back, how long it took, what went wrong."""

    __tablename__ = "ivr_event_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ivr_events.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[Optional[int]]
    response_snippet: Mapped[Optional[str]] = mapped_column(String(500))
    duration_ms: Mapped[int]
    error: Mapped[Optional[str]] = mapped_column(String(255))

    event: Mapped[IVREvent] = relationship(back_populates="delivery_attempts")

    def __repr__(self) -> str:
        return f"<EventAttempt {self.event_id} {self.status_code or self.error}>"

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
