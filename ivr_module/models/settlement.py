"""Settlement imports: the vendor's daily file, and how each of its lines matched our payments."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class MatchGroup(enum.StrEnum):
    """Where a line of a reconciliation lands."""

    MATCHED = "matched"
    FILE_ONLY = "file_only"  # in the vendor's file, not recorded here
    HERE_ONLY = "here_only"  # recorded here on the file's day(s), not in the file
    DIFFERS = "differs"  # in both, but the amount, currency or order number differs

    @property
    def label(self) -> str:
        """How staff read the group."""
        return GROUP_LABELS[self]


GROUP_LABELS = {
    MatchGroup.MATCHED: "Matched",
    MatchGroup.FILE_ONLY: "In the file, not here",
    MatchGroup.HERE_ONLY: "Here, not in the file",
    MatchGroup.DIFFERS: "Amount or currency differs",
}


class SettlementImport(Base):
    """One settlement file as imported: who, when, its hash, its days and the four counts."""

    __tablename__ = "ivr_settlement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same file imported again is recognised by its hash, and not stored twice.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_day: Mapped[date]
    last_day: Mapped[date]
    rows: Mapped[int]
    matched: Mapped[int]
    file_only: Mapped[int]
    here_only: Mapped[int]
    differs: Mapped[int]

    lines: Mapped[list["SettlementLine"]] = relationship(
        back_populates="settlement", order_by="SettlementLine.id", lazy="raise"
    )

    def count_of(self, group: MatchGroup) -> int:
        """How many lines landed in a group."""
        return getattr(self, group.value)

    def __repr__(self) -> str:
        return f"<SettlementImport {self.id} {self.filename} {self.sha256[:12]}>"

    def __str__(self) -> str:
        return f"{self.filename} ({self.first_day:%Y-%m-%d})"


class SettlementLine(Base):
    """A line of the file, or a payment of ours the file lacks, and the group it landed in."""

    __tablename__ = "ivr_settlement_lines"
    __table_args__ = (
        CheckConstraint(
            "match_group IN ('matched', 'file_only', 'here_only', 'differs')", name="match_group"
        ),
        # A reconciliation page reads one import's lines group by group.
        Index("ix_ivr_settlement_lines_import_id_match_group", "import_id", "match_group", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("ivr_settlement_imports.id", ondelete="CASCADE"))
    match_group: Mapped[str] = mapped_column(String(16))
    # The file's side (None on a HERE_ONLY line): its line number and values.
    line_number: Mapped[Optional[int]]
    reference_number: Mapped[str] = mapped_column(String(128))
    file_order_number: Mapped[Optional[str]] = mapped_column(String(64))
    file_amount: Mapped[Optional[Decimal]]
    file_currency: Mapped[Optional[str]] = mapped_column(String(3))
    file_staff_id: Mapped[Optional[str]] = mapped_column(String(64))
    file_time: Mapped[Optional[datetime]]
    # Our side (None on a FILE_ONLY line), as recorded when the file was imported.
    transaction_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ivr_transactions.id", ondelete="SET NULL")
    )
    order_number: Mapped[Optional[str]] = mapped_column(String(64))
    amount: Mapped[Optional[Decimal]]
    currency: Mapped[Optional[str]] = mapped_column(String(3))
    staff_id: Mapped[Optional[str]] = mapped_column(String(64))
    recorded_at: Mapped[Optional[datetime]]
    note: Mapped[str] = mapped_column(String(255), default="")

    settlement: Mapped[SettlementImport] = relationship(back_populates="lines")

    def __repr__(self) -> str:
        return f"<SettlementLine {self.reference_number} {self.match_group}>"

    def __str__(self) -> str:
        return self.reference_number
