"""The audit log: who changed which order, when, why, in which request. Rows are never changed."""

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class AuditEntry(Base):
    """One action by staff, the checkout API or the system; append-only (database triggers)."""

    __tablename__ = "ivr_audit_log"
    __table_args__ = (
        Index("ix_ivr_audit_log_order_number_created_at", "order_number", "created_at"),
        Index("ix_ivr_audit_log_actor_created_at", "actor", "created_at"),
        Index("ix_ivr_audit_log_pre_order_id", "pre_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # staff (an admin user), api (a checkout API token, by its name) or system (worker, service API).
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    # No foreign key: the record outlives anything it names.
    pre_order_id: Mapped[Optional[int]]
    order_number: Mapped[Optional[str]] = mapped_column(String(64))
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    detail: Mapped[Optional[str]] = mapped_column(String(255))
    request_id: Mapped[Optional[str]] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.actor} {self.action} {self.order_number}>"

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.order_number or ''}".strip()
