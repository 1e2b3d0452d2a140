"""Hints per failure code and language: what to tell the caller, what support should do."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class FailureHint(Base):
    """An admin-editable hint for one failure code in one language."""

    __tablename__ = "ivr_failure_hints"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    caller_hint: Mapped[str] = mapped_column(String(500))
    support_note: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<FailureHint {self.code} {self.locale}>"

    def __str__(self) -> str:
        return f"{self.code} ({self.locale})"
