"""A demo settlement file: the vendor's CSV of one day's payments, with planted differences.

`flask ivr generate-data --settlement-file PATH` writes it after the history, so the demo's
reconciliation shows every group: most payments matched, a few of ours left out of the file,
a few of the vendor's we never recorded, and a few whose amount or currency differs.
"""

import csv
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from .db import db, utcnow
from .models import IVRTransaction
from .services.settlement_file import FIELDS, settlement_columns

PLANTED_FILE_ONLY = 3
# Ours left out of the file, and ours whose amount or currency the file changes (each at most).
PLANTED_PER_KIND = 3


def _day_with_payments(zone) -> date | None:
    """Yesterday (local) if it had payments, else the latest local day that did."""
    yesterday = utcnow().astimezone(zone).date() - timedelta(days=1)
    latest = db.session.scalar(
        select(func.max(IVRTransaction.created_at)).where(
            IVRTransaction.created_at < datetime.combine(yesterday + timedelta(days=1), time.min, tzinfo=zone)
        )
    )
    if latest is None:
        return None
    return latest.astimezone(zone).date()


def _payments_of(day: date, zone) -> list[IVRTransaction]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    query = select(IVRTransaction).where(
        IVRTransaction.created_at >= start, IVRTransaction.created_at < start + timedelta(days=2)
    )
    found = [t for t in db.session.scalars(query) if t.created_at.astimezone(zone).date() == day]
    return sorted(found, key=lambda t: (t.created_at, t.id))


def _row(transaction: IVRTransaction, zone) -> dict:
    return {
        "reference_number": transaction.reference_number, "order_number": transaction.order_number,
        "amount": transaction.amount, "currency": transaction.currency,
        "staff_id": transaction.staff_id, "time": transaction.created_at.astimezone(zone),
    }


def settlement_rows(payments: list[IVRTransaction], zone, rng: random.Random) -> list[dict]:
    """The file's rows: our payments, less some, some changed, and a few of the vendor's own."""
    per_kind = max(1, min(PLANTED_PER_KIND, len(payments) // 6))
    planted = rng.sample(range(len(payments)), min(len(payments), 3 * per_kind))
    left_out = set(planted[:per_kind])
    changed = planted[per_kind:]
    rows = []
    for index, transaction in enumerate(payments):
        if index in left_out:
            continue
        row = _row(transaction, zone)
        if index in changed[:per_kind]:
            row["amount"] += Decimal("10.00")
        elif index in changed[per_kind:]:
            row["currency"] = "EUR" if row["currency"] != "EUR" else "TRY"
        rows.append(row)
    day = payments[0].created_at.astimezone(zone).date()
    for number in range(1, PLANTED_FILE_ONLY + 1):
        moment = datetime.combine(day, time(12, number), tzinfo=zone)
        rows.append({"reference_number": f"VENDOR-ONLY-{day:%Y%m%d}-{number}", "order_number": "",
                     "amount": Decimal("99.90") * number, "currency": "TRY",
                     "staff_id": f"agent-{number}", "time": moment})
    return sorted(rows, key=lambda row: row["time"])


def write_settlement_file(path) -> tuple[date, int] | None:
    """Write the demo file for the latest day with payments; (day, lines), or None if none."""
    zone = current_app.extensions["ivr_admin"].zone
    day = _day_with_payments(zone)
    if day is None:
        return None
    # Seeded by the day: the same payments give the same file, which an import then recognises.
    rows = settlement_rows(_payments_of(day, zone), zone, random.Random(day.toordinal()))
    columns = settlement_columns(current_app.config.get("IVR_SETTLEMENT_COLUMNS"))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([columns[name] for name in FIELDS])
        for row in rows:
            when = row["time"].strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow([row["reference_number"], row["order_number"], f"{row['amount']:.2f}",
                             row["currency"], row["staff_id"] or "", when])
    return day, len(rows)
