"""The hook-call log: one row per call the IVR vendor made, for support staff."""

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, Index, Integer, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from ..services.failure_codes import failure_code


def _code_of_row(context):
    """An inserted row's failure code, unless its writer gave one."""
    row = context.get_current_parameters()
    return failure_code(row["error_text"], row["detail"])


class HookCall(Base):
    """What a hook was asked and what it answered; never the password."""

    __tablename__ = "ivr_hook_calls"
    __table_args__ = (
        # The dashboard counts calls, failures and failure codes by time from this index alone
        # (PostgreSQL: an index-only scan; SQLite ignores INCLUDE).
        Index(
            "ix_ivr_hook_calls_created_at",
            "created_at",
            postgresql_include=["success", "error_code", "live"],
        ),
        Index("ix_ivr_hook_calls_order_number_created_at", "order_number", "created_at"),
        Index("ix_ivr_hook_calls_reference_number", "reference_number"),
        Index("ix_ivr_hook_calls_remote_addr_created_at", "remote_addr", "created_at"),
        # The failed-attempts list reads failures newest first.
        Index(
            "ix_ivr_hook_calls_failures_created_at",
            "created_at",
            postgresql_where=text("NOT success"),
            sqlite_where=text("NOT success"),
        ),
        # The staff report counts each agent's complete calls and failures by time from this
        # index alone (PostgreSQL); only complete calls carry a staff id.
        Index(
            "ix_ivr_hook_calls_complete_created_at",
            "created_at",
            postgresql_include=["staff_id", "success"],
            postgresql_where=text("endpoint = 'complete'"),
            sqlite_where=text("endpoint = 'complete'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    endpoint: Mapped[str] = mapped_column(String(16))
    remote_addr: Mapped[Optional[str]] = mapped_column(String(64))
    username: Mapped[Optional[str]] = mapped_column(String(256))
    order_number: Mapped[Optional[str]] = mapped_column(String(64))
    reference_number: Mapped[Optional[str]] = mapped_column(String(128))
    # The agent's (or IVR's) staff id a complete call presented.
    staff_id: Mapped[Optional[str]] = mapped_column(String(64))
    success: Mapped[bool]
    error_text: Mapped[str] = mapped_column(String(128))
    # services/failure_codes.py: why it failed, finer than the error text (None: a success).
    error_code: Mapped[Optional[str]] = mapped_column(String(40), default=_code_of_row)
    detail: Mapped[str] = mapped_column(String(512))
    duration_ms: Mapped[int]
    request_id: Mapped[Optional[str]] = mapped_column(String(64))
    # False: a call with the sandbox username (services/sandbox.py); kept out of live figures.
    live: Mapped[bool] = mapped_column(default=True, server_default=true())

    def __repr__(self) -> str:
        return f"<HookCall {self.endpoint} {self.order_number} {self.error_text or 'ok'}>"

    def __str__(self) -> str:
        return f"{self.endpoint} {self.order_number or '-'} {self.error_text or 'success'}"
