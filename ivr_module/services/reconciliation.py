"""Closing the day: the vendor's settlement file matched against the recorded transactions.

Lines are matched by reference number (a transaction's identity) into four groups: matched;
in the file but not here; here (on the file's local days) but not in the file; amount or
currency differs. Each import is stored whole in one database transaction, with who uploaded
it, when, the file's SHA-256 and the counts; the same file again is recognised by its hash and
the earlier import is returned, counted once.
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ..db import db, naive_utc, rolled_back_on_error
from ..models import IVRTransaction, MatchGroup, SettlementImport, SettlementLine
from .settlement_file import FileLine, read_settlement, settlement_columns

logger = logging.getLogger(__name__)

# References looked up per query (well under every backend's limit on bound parameters).
LOOKUP_CHUNK = 500
INSERT_CHUNK = 5000


@dataclass(frozen=True)
class ImportOutcome:
    """The stored import, and whether it had been imported before (and so was not again)."""

    settlement: SettlementImport
    already_imported: bool


# What a reconciliation reads of a transaction: plain rows, not ORM objects (20,000 of them).
# Live ones only: the vendor's settlement never holds sandbox payments.
RECORDED = select(
    IVRTransaction.id, IVRTransaction.reference_number, IVRTransaction.order_number,
    IVRTransaction.amount, IVRTransaction.currency, IVRTransaction.staff_id, IVRTransaction.created_at,
).where(IVRTransaction.live)


def _recorded_by_reference(references: list[str]) -> dict:
    found = {}
    for start in range(0, len(references), LOOKUP_CHUNK):
        chunk = references[start:start + LOOKUP_CHUNK]
        query = RECORDED.where(IVRTransaction.reference_number.in_(chunk))
        found.update((row.reference_number, row) for row in db.session.execute(query))
    return found


def _recorded_on_days(days: set[date], zone: ZoneInfo) -> list:
    """The transactions recorded on these local days."""
    start = datetime.combine(min(days), time.min, tzinfo=zone)
    end = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone)
    query = RECORDED.where(IVRTransaction.created_at >= start, IVRTransaction.created_at < end)
    return [row for row in db.session.execute(query) if row.created_at.astimezone(zone).date() in days]


def _ours(transaction) -> dict:
    if transaction is None:
        return {"transaction_id": None, "order_number": None, "amount": None, "currency": None,
                "staff_id": None, "recorded_at": None}
    return {
        "transaction_id": transaction.id, "order_number": transaction.order_number,
        "amount": transaction.amount, "currency": transaction.currency,
        "staff_id": transaction.staff_id, "recorded_at": transaction.created_at,
    }


def _theirs(line: FileLine | None) -> dict:
    if line is None:
        return {"line_number": None, "file_order_number": None, "file_amount": None,
                "file_currency": None, "file_staff_id": None, "file_time": None}
    return {
        "line_number": line.line_number, "file_order_number": line.order_number,
        "file_amount": line.amount, "file_currency": line.currency,
        "file_staff_id": line.staff_id, "file_time": line.time,
    }


def _compare(line: FileLine, transaction) -> tuple[MatchGroup, str]:
    """Matched, or differs (and how); an order number that differs is noted on a match."""
    differences = []
    if line.amount != transaction.amount:
        differences.append(f"amount {line.amount} in the file, {transaction.amount} here")
    if line.currency != transaction.currency:
        differences.append(f"currency {line.currency} in the file, {transaction.currency} here")
    if differences:
        return MatchGroup.DIFFERS, "; ".join(differences)
    if line.order_number and line.order_number != transaction.order_number:
        return MatchGroup.MATCHED, f"order number {line.order_number} in the file, {transaction.order_number} here"
    return MatchGroup.MATCHED, ""


def match_lines(
    file_lines: list[FileLine],
    recorded: dict,
    recorded_on_days: list,
) -> list[dict]:
    """The reconciliation's rows: each file line with its transaction, then ours the file lacks.

    `recorded` holds the transactions of the file's references; `recorded_on_days` those
    recorded on the file's days.
    """
    rows = []
    for line in file_lines:
        transaction = recorded.get(line.reference_number)
        if transaction is None:
            group, note = MatchGroup.FILE_ONLY, ""
        else:
            group, note = _compare(line, transaction)
        rows.append({"match_group": group.value, "reference_number": line.reference_number,
                     "note": note, **_theirs(line), **_ours(transaction)})
    in_file = {line.reference_number for line in file_lines}
    for transaction in sorted(recorded_on_days, key=lambda t: (t.created_at, t.id)):
        if transaction.reference_number not in in_file:
            rows.append({"match_group": MatchGroup.HERE_ONLY.value, "note": "",
                         "reference_number": transaction.reference_number,
                         **_theirs(None), **_ours(transaction)})
    return rows


LINE_COLUMNS = [column.name for column in SettlementLine.__table__.columns if not column.primary_key]


def _insert_lines(rows: list[dict]) -> None:
    """Insert the lines in the session's transaction: COPY on PostgreSQL, else executemany."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), INSERT_CHUNK):
            db.session.execute(insert(SettlementLine.__table__), rows[start:start + INSERT_CHUNK])
        return
    # COPY takes 20,000 lines in a fraction of the time of as many INSERTs.
    statement = f"COPY {SettlementLine.__tablename__} ({', '.join(LINE_COLUMNS)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in LINE_COLUMNS])


def _copy_value(value):
    # The columns keep naive UTC (db.UTCDateTime); COPY bypasses SQLAlchemy's types.
    return naive_utc(value) if isinstance(value, datetime) else value


def _store(rows: list[dict], sha256: str, filename: str, uploaded_by: str, days: set[date]) -> SettlementImport:
    counts = Counter(row["match_group"] for row in rows)
    settlement = SettlementImport(
        sha256=sha256, filename=filename[:255], uploaded_by=uploaded_by[:64],
        first_day=min(days), last_day=max(days),
        rows=sum(1 for row in rows if row["line_number"] is not None),
        **{group.value: counts[group.value] for group in MatchGroup},
    )
    db.session.add(settlement)
    db.session.flush()
    _insert_lines([{**row, "import_id": settlement.id} for row in rows])
    return settlement


def find_import(sha256: str) -> SettlementImport | None:
    """The import of the file with this hash, if it was imported."""
    return db.session.scalar(select(SettlementImport).where(SettlementImport.sha256 == sha256))


def import_settlement(content: bytes, filename: str, uploaded_by: str) -> ImportOutcome:
    """Check, match and store a settlement file, all or nothing (SettlementFileError if bad)."""
    sha256 = hashlib.sha256(content).hexdigest()
    earlier = find_import(sha256)
    if earlier is not None:
        return ImportOutcome(earlier, already_imported=True)
    zone = current_app.extensions["ivr_admin"].zone
    columns = settlement_columns(current_app.config.get("IVR_SETTLEMENT_COLUMNS"))
    file_lines = read_settlement(content, columns, zone)
    days = {line.time.astimezone(zone).date() for line in file_lines}
    on_days = _recorded_on_days(days, zone)
    # Most of the file's payments are recorded on its days: look up only the others.
    recorded = {row.reference_number: row for row in on_days}
    recorded.update(_recorded_by_reference(
        [line.reference_number for line in file_lines if line.reference_number not in recorded]
    ))
    rows = match_lines(file_lines, recorded, on_days)
    try:
        with rolled_back_on_error():
            settlement = _store(rows, sha256, filename, uploaded_by, days)
            db.session.commit()
    except IntegrityError:
        # The same file, imported by someone else a moment ago.
        earlier = find_import(sha256)
        if earlier is None:
            raise
        return ImportOutcome(earlier, already_imported=True)
    logger.info("settlement %s (%s) imported by %s: %s lines", settlement.id, sha256[:12],
                uploaded_by, settlement.rows)
    return ImportOutcome(settlement, already_imported=False)


def group_lines(settlement_id: int, group: MatchGroup, limit: int | None = None) -> list[SettlementLine]:
    """An import's lines of one group, in file order (ours the file lacks, by time)."""
    query = (
        select(SettlementLine)
        .where(SettlementLine.import_id == settlement_id, SettlementLine.match_group == group.value)
        .order_by(SettlementLine.id)
    )
    return list(db.session.scalars(query.limit(limit)))


def all_lines(settlement_id: int):
    """Every line of an import, group after group (streamed, for export)."""
    query = (
        select(SettlementLine)
        .where(SettlementLine.import_id == settlement_id)
        .order_by(SettlementLine.id)
    )
    return db.session.scalars(query.execution_options(yield_per=2000))


@dataclass
class CurrencyClose:
    """One currency's day close: payments and sums in the file and here."""

    currency: str
    file_count: int = 0
    file_sum: Decimal = Decimal("0.00")
    here_count: int = 0
    here_sum: Decimal = Decimal("0.00")

    @property
    def difference(self) -> Decimal:
        """The file's sum less ours."""
        return self.file_sum - self.here_sum


def day_close(settlement_id: int) -> list[CurrencyClose]:
    """Sums per currency of the file's lines and of the transactions they were matched with."""
    closes: dict[str, CurrencyClose] = {}
    lines = SettlementLine.__table__.c
    for side, currency, amount in (("file", lines.file_currency, lines.file_amount),
                                   ("here", lines.currency, lines.amount)):
        query = (
            select(currency, func.count(), func.sum(amount))
            .where(lines.import_id == settlement_id, amount.is_not(None))
            .group_by(currency)
        )
        for code, count, total in db.session.execute(query):
            close = closes.setdefault(code, CurrencyClose(code))
            setattr(close, f"{side}_count", count)
            setattr(close, f"{side}_sum", Decimal(str(total)).quantize(Decimal("0.01")))
    return [closes[code] for code in sorted(closes)]
