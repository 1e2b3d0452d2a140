"""The IVR transaction: the one record of a payment taken by phone."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
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
            postgresql_include=["currency", "amount", "staff_id"],
        ),
        # One agent's payments, newest first (the staff report's drill-down).
        Index("ix_ivr_transactions_staff_id_created_at", "staff_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_number: Mapped[str] = mapped_column(String(128), unique=True)
    order_number: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Unique: the database itself refuses a second payment of one pre-order.
    pre_order_id: Mapped[int] = mapped_column(ForeignKey("ivr_pre_orders.id"), unique=True)

    pre_order: Mapped[PreOrder] = relationship(back_populates="transaction")

    def __repr__(self) -> str:
        return f"<IVRTransaction {self.reference_number} {self.amount} {self.currency}>"

    def __str__(self) -> str:
        return self.reference_number
