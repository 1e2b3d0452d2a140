"""Time the reconciliation of a large settlement file against a database filled by generate-data.

    .venv/bin/python scripts/time_reconciliation.py --database-url postgresql://postgres@127.0.0.1:5432/ivr_admin_scale --lines 20000

Builds a settlement CSV of the newest `--lines` transactions (a few planted differences of
each kind, and a run nonce so every run is a new file), then times `import_settlement` (read,
check, match, store in one transaction) `--runs` times. Each import is deleted afterwards.
See docs/ADMIN_SCALE.md.
"""

import argparse
import csv
import io
import statistics
import time
import uuid

from sqlalchemy import delete, select

from ivr_module import create_app
from ivr_module.db import db
from ivr_module.models import IVRTransaction, SettlementImport, SettlementLine
from ivr_module.services.reconciliation import import_settlement


def settlement_file(lines: int) -> bytes:
    """The newest transactions as the vendor would settle them, a few of them changed."""
    query = select(IVRTransaction).order_by(IVRTransaction.created_at.desc()).limit(lines)
    payments = list(db.session.scalars(query))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference_number", "order_number", "amount", "currency", "staff_id", "time"])
    for index, payment in enumerate(payments[3:]):  # three left out: "here, not in the file"
        amount = payment.amount + (1 if index < 3 else 0)  # three amounts differ
        writer.writerow([payment.reference_number, payment.order_number, amount, payment.currency,
                         payment.staff_id, payment.created_at.isoformat()])
    for number in range(3):  # three only the vendor has, one of them new on every run
        writer.writerow([f"VENDOR-{uuid.uuid4().hex if number == 0 else number}", "", "10.00", "TRY",
                         "agent-1", payments[0].created_at.isoformat()])
    return out.getvalue().encode("utf-8")


def main() -> None:
    """Print the seconds of each import and their median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "t" * 32})
    seconds = []
    with app.app_context():
        for _ in range(args.runs):
            content = settlement_file(args.lines)
            started = time.perf_counter()
            outcome = import_settlement(content, "timed.csv", "timer")
            seconds.append(time.perf_counter() - started)
            settlement = outcome.settlement
            print(f"{seconds[-1]:.2f} s: {settlement.rows} lines, {settlement.matched} matched, "
                  f"{settlement.file_only} file only, {settlement.here_only} here only, "
                  f"{settlement.differs} differ")
            db.session.execute(delete(SettlementLine).where(SettlementLine.import_id == settlement.id))
            db.session.execute(delete(SettlementImport).where(SettlementImport.id == settlement.id))
            db.session.commit()
    print(f"median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s")


if __name__ == "__main__":
    main()
