"""A retired order number: one replaced after a basket change, never paid or issued again."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .pre_order import PreOrder


class RetiredOrderNumber(Base):
    """An order number its pre-order gave up when its basket changed and a new number was issued.

    The hooks answer `Order Not Found` to it from then on, so a caller who heard the old total
    is never recorded at the new one (CONTRACT.md section 4).
    """

    __tablename__ = "ivr_retired_order_numbers"

    order_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    pre_order_id: Mapped[int] = mapped_column(
        ForeignKey("ivr_pre_orders.id", ondelete="CASCADE"), index=True
    )
    # The number issued in its place (which may itself be retired later).
    replaced_by: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The basket this number named (its pre-order's snapshot_basket when it was retired), so a
    # lookup of the old number can still show how the basket changed; None if none was kept.
    snapshot_basket: Mapped[Optional[str]] = mapped_column(Text)

    pre_order: Mapped[PreOrder] = relationship()

    @property
    def detail(self) -> str:
        """Why the hooks refuse this number, for the hook-call log."""
        return replaced_detail(self.replaced_by)

    def __repr__(self) -> str:
        return f"<RetiredOrderNumber {self.order_number} -> {self.replaced_by}>"

    def __str__(self) -> str:
        return self.order_number


def replaced_detail(replaced_by: str) -> str:
    """The hook-call log's detail for a retired number: support sees which number replaced it."""
    return f"replaced after a basket change by order number {replaced_by}"
