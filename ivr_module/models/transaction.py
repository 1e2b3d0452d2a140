"""The IVR transaction: the one record of a payment taken by phone."""

from datetime import datetime
from decimal import Decimal

from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .pre_order import PreOrder


class IVRTransaction(Base):
    """A payment reported by the IVR vendor; the reference number is its identity."""

    __tablename__ = "ivr_transactions"
    __table_args__ = (
        # The dashboard and the staff report sum payments by time (and agent) from this index
        # alone (PostgreSQL).
        Index(
            "ix_ivr_transactions_created_at",
            "created_at",
            postgresql_include=["currency", "amount", "live", "staff_id"],
        ),
        # One agent's payments, newest first (the staff report's drill-down).
        Index("ix_ivr_transactions_staff_id_created_at", "staff_id", "created_at"),
        # A reference is unique within its mode: a sandbox reference never blocks a live one.
        # Reference first, so lookups by reference alone use this index.
        UniqueConstraint("reference_number", "live", name="uq_ivr_transactions_reference_number_live"),
        # Only a sandbox payment of a magic number has no pre-order (services/sandbox.py).
        CheckConstraint("pre_order_id IS NOT NULL OR NOT live", name="live_has_pre_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_number: Mapped[str] = mapped_column(String(128))
    order_number: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Unique: the database itself refuses a second payment of one pre-order.
    pre_order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ivr_pre_orders.id"), unique=True)
    # False: recorded by a sandbox call; never a live payment, never reconciled.
    live: Mapped[bool] = mapped_column(default=True, server_default=true())

    pre_order: Mapped[Optional[PreOrder]] = relationship(back_populates="transaction")

    def __repr__(self) -> str:
        return f"<IVRTransaction {self.reference_number} {self.amount} {self.currency}>"

    def __str__(self) -> str:
        return self.reference_number
