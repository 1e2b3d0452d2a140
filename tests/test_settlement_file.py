"""Reading and matching a settlement file: every bad file named by its line, four groups."""

from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from ivr_module.config import ConfigError
from ivr_module.models import MatchGroup
from ivr_module.services.reconciliation import match_lines
from ivr_module.services.settlement_file import (
    DEFAULT_COLUMNS,
    MAX_ROWS,
    SettlementFileError,
    read_settlement,
    settlement_columns,
)
from tests.helpers import make_app
from tests.report_helpers import settlement_csv

UTC = ZoneInfo("UTC")
GOOD = "R-1,7000000017,149.90,TRY,agent-1,2026-12-06 14:05:09"


def read(content: bytes, columns=DEFAULT_COLUMNS, zone=UTC):
    return read_settlement(content, columns, zone)


def test_a_good_line_is_read_exactly():
    (line,) = read(settlement_csv(GOOD))
    assert line.line_number == 2 and line.reference_number == "R-1" and line.order_number == "7000000017"
    assert line.amount == Decimal("149.90") and isinstance(line.amount, Decimal)
    assert line.currency == "TRY" and line.staff_id == "agent-1"
    assert line.time == datetime(2026, 12, 6, 14, 5, 9, tzinfo=timezone.utc)


def test_times_without_an_offset_are_local_and_with_one_are_kept():
    lines = read(settlement_csv(GOOD, "R-2,,1,try,,2026-12-06T10:00:00+00:00"), zone=ZoneInfo("Europe/Istanbul"))
    assert lines[0].time == datetime(2026, 12, 6, 11, 5, 9, tzinfo=timezone.utc)
    assert lines[1].time == datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)
    assert (lines[1].order_number, lines[1].staff_id, lines[1].currency) == (None, None, "TRY")


def test_a_byte_order_mark_semicolons_blank_lines_and_mapped_columns_are_read():
    columns = settlement_columns('{"reference_number": "Ref No", "amount": "Tutar"}')
    content = "\ufeffRef No;order_number;Tutar;currency;staff_id;time\n\nR-9;1;5.5;EUR;7;2026-12-06 01:00\n"
    (line,) = read(content.encode("utf-8"), columns)
    assert (line.reference_number, line.amount, line.line_number) == ("R-9", Decimal("5.50"), 3)


@pytest.mark.parametrize("content, line, words", [
    (settlement_csv(GOOD, header="reference,order_number,amount,currency,staff_id,time"), 1,
     "missing column(s) reference_number"),
    (settlement_csv(GOOD, "R-2,1,abc,TRY,a,2026-12-06 10:00"), 3, "amount 'abc'"),
    (settlement_csv(GOOD, "R-2,1,1.234,TRY,a,2026-12-06 10:00"), 3, "at most two decimals"),
    (settlement_csv(GOOD, "R-2,1,-5.00,TRY,a,2026-12-06 10:00"), 3, "positive"),
    (settlement_csv(GOOD, "R-2,1,0,TRY,a,2026-12-06 10:00"), 3, "positive"),
    (settlement_csv(GOOD, "R-2,1,NaN,TRY,a,2026-12-06 10:00"), 3, "amount 'NaN'"),
    (settlement_csv(GOOD, "R-2,1,\"1,50\",TRY,a,2026-12-06 10:00"), 3, "amount '1,50'"),
    (settlement_csv(GOOD, "R-2,1,10000000000.00,TRY,a,2026-12-06 10:00"), 3, "amount"),
    (settlement_csv(GOOD, "R-2,1,1.00,TL,a,2026-12-06 10:00"), 3, "currency 'TL'"),
    (settlement_csv(GOOD, "R-2,1,1.00,TRY,a,yesterday"), 3, "time 'yesterday'"),
    (settlement_csv(GOOD, " ,1,1.00,TRY,a,2026-12-06 10:00"), 3, "reference_number is empty"),
    (settlement_csv(GOOD, "R-" + "9" * 200 + ",1,1.00,TRY,a,2026-12-06 10:00"), 3, "longer than 128"),
    (settlement_csv(GOOD, "R-2,1,1.00,TRY"), 3, "4 cells where the header has 6"),
    (settlement_csv(GOOD, "R-3,1,1.00,TRY,a,2026-12-06 10:00", GOOD), 4, "reference R-1 is on line 2 too"),
    (settlement_csv(GOOD, 'R-2,1,1.00,TRY,"a,2026-12-06 10:00'), 3, "not readable as CSV"),
    (settlement_csv(GOOD) + b"R-2,1,1.00,TRY,\xc7al\xfd\xfe,2026-12-06 10:00\n", 3, "not UTF-8"),
    (b"", None, "The file is empty"),
    (settlement_csv(), None, "no payment lines"),
])
def test_a_bad_file_is_refused_naming_the_line(content, line, words):
    with pytest.raises(SettlementFileError) as refused:
        read(content)
    assert refused.value.line == line
    assert words in str(refused.value)
    if line:
        assert str(refused.value).startswith(f"Line {line}: ")


def test_more_than_the_most_rows_is_refused_at_the_first_line_too_many():
    rows = [f"R-{n},1,1.00,TRY,a,2026-12-06 10:00" for n in range(MAX_ROWS + 1)]
    with pytest.raises(SettlementFileError) as refused:
        read(settlement_csv(*rows))
    assert refused.value.line == MAX_ROWS + 2 and "more than 50,000" in str(refused.value)
    assert len(read(settlement_csv(*rows[:MAX_ROWS]))) == MAX_ROWS


@pytest.mark.parametrize("setting", ['{"amount": 5}', "[1]", "not json", '{"price": "Tutar"}'])
def test_a_bad_column_setting_stops_the_start(backend_config, setting):
    with pytest.raises(ConfigError, match="IVR_SETTLEMENT_COLUMNS"):
        settlement_columns(setting)
    with pytest.raises(ConfigError, match="IVR_SETTLEMENT_COLUMNS"):
        make_app(backend_config, IVR_SETTLEMENT_COLUMNS=setting)


def transaction(reference, amount="10.00", currency="TRY", order_number="7000000017", **fields):
    return SimpleNamespace(
        id=fields.get("id", 1), reference_number=reference, order_number=order_number,
        amount=Decimal(amount), currency=currency, staff_id="agent-1",
        created_at=fields.get("created_at", datetime(2026, 12, 6, 9, tzinfo=timezone.utc)),
    )


def test_matching_sorts_lines_into_the_four_groups():
    file_lines = read(settlement_csv(
        "R-OK,7000000017,10.00,TRY,agent-1,2026-12-06 10:00",
        "R-VENDOR,,5.00,TRY,agent-1,2026-12-06 10:01",
        "R-AMOUNT,7000000017,10.01,TRY,agent-1,2026-12-06 10:02",
        "R-CURRENCY,7000000017,10.00,EUR,agent-1,2026-12-06 10:03",
        "R-ORDER,7000000025,10.00,TRY,agent-1,2026-12-06 10:04",
    ))
    ours = [transaction(r) for r in ("R-OK", "R-AMOUNT", "R-CURRENCY", "R-ORDER", "R-OURS")]
    recorded = {t.reference_number: t for t in ours if t.reference_number != "R-OURS"}
    rows = match_lines(file_lines, recorded, ours)
    groups = {row["reference_number"]: (row["match_group"], row["note"]) for row in rows}
    assert groups == {
        "R-OK": (MatchGroup.MATCHED, ""),
        "R-VENDOR": (MatchGroup.FILE_ONLY, ""),
        "R-AMOUNT": (MatchGroup.DIFFERS, "amount 10.01 in the file, 10.00 here"),
        "R-CURRENCY": (MatchGroup.DIFFERS, "currency EUR in the file, TRY here"),
        "R-ORDER": (MatchGroup.MATCHED, "order number 7000000025 in the file, 7000000017 here"),
        "R-OURS": (MatchGroup.HERE_ONLY, ""),
    }
    here_only = rows[-1]
    assert here_only["line_number"] is None and here_only["amount"] == Decimal("10.00")
    vendor_only = rows[1]
    assert vendor_only["transaction_id"] is None and vendor_only["file_amount"] == Decimal("5.00")


def test_a_payment_of_another_day_matched_by_reference_is_matched():
    file_lines = read(settlement_csv("R-LATE,7000000017,10.00,TRY,a,2026-12-06 23:59:59"))
    late = transaction("R-LATE", created_at=datetime(2026, 12, 7, 0, 0, 2, tzinfo=timezone.utc))
    rows = match_lines(file_lines, {"R-LATE": late}, [])
    assert [row["match_group"] for row in rows] == [MatchGroup.MATCHED]
