"""Reading the vendor's daily settlement CSV: every line checked, or an error naming the line.

Columns are found by name through IVR_SETTLEMENT_COLUMNS, a mapping of our field names to the
vendor's column names (JSON in the environment); the default expects our names as they are.
"""

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ..config import ConfigError
from ..db import is_storable_text

FIELDS = ("reference_number", "order_number", "amount", "currency", "staff_id", "time")
DEFAULT_COLUMNS = {name: name for name in FIELDS}
# A day's file of a large call centre is some thousands of lines; past this it is refused.
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# Amounts fit the transactions' NUMERIC(12, 2).
MAX_AMOUNT = Decimal("9999999999.99")
LENGTHS = {"reference_number": 128, "order_number": 64, "staff_id": 64}


class SettlementFileError(ValueError):
    """The file cannot be imported; the message names the line and what is wrong with it."""

    def __init__(self, line: int | None, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"Line {line}: {problem}" if line else problem)


@dataclass(frozen=True)
class FileLine:
    """One payment as the vendor settled it."""

    line_number: int
    reference_number: str
    order_number: str | None
    amount: Decimal
    currency: str
    staff_id: str | None
    time: datetime  # aware UTC


def settlement_columns(setting) -> dict[str, str]:
    """The IVR_SETTLEMENT_COLUMNS setting (a mapping, or JSON text) with every field named."""
    if not setting:
        return dict(DEFAULT_COLUMNS)
    if isinstance(setting, str):
        try:
            setting = json.loads(setting)
        except ValueError:
            raise ConfigError("IVR_SETTLEMENT_COLUMNS must be a JSON object") from None
    if not isinstance(setting, Mapping) or not all(isinstance(v, str) for v in setting.values()):
        raise ConfigError("IVR_SETTLEMENT_COLUMNS must map field names to column names")
    unknown = set(setting) - set(FIELDS)
    if unknown:
        raise ConfigError(f"IVR_SETTLEMENT_COLUMNS: unknown fields {sorted(unknown)}; known: {FIELDS}")
    return {**DEFAULT_COLUMNS, **setting}


def decode(content: bytes) -> str:
    """The file as text: UTF-8 (a byte-order mark is allowed), else the line that is not."""
    if len(content) > MAX_BYTES:
        raise SettlementFileError(None, f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise SettlementFileError(line, "not UTF-8 text (save the file as UTF-8)") from None


def _positions(header: list[str], columns: dict[str, str]) -> dict[str, int]:
    """Where each field's column is in the header (names compared without case or spaces)."""
    found = {name.strip().lower(): index for index, name in reversed(list(enumerate(header)))}
    missing = [columns[field] for field in FIELDS if columns[field].strip().lower() not in found]
    if missing:
        raise SettlementFileError(
            1, f"missing column(s) {', '.join(missing)}; the header must name "
               f"{', '.join(columns[field] for field in FIELDS)}"
        )
    return {field: found[columns[field].strip().lower()] for field in FIELDS}


def _text(value: str, name: str, required: bool) -> str | None:
    value = value.strip()
    if not value:
        if required:
            raise ValueError(f"{name} is empty")
        return None
    if len(value) > LENGTHS[name] or not is_storable_text(value):
        raise ValueError(f"{name} is longer than {LENGTHS[name]} characters or not text")
    return value


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2 \
            or not Decimal("0") < amount <= MAX_AMOUNT:
        raise ValueError(f"amount {value!r} is not a positive amount with at most two decimals, e.g. 149.90")
    return amount.quantize(Decimal("0.01"))


def _currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"currency {value!r} is not a three-letter code such as TRY")
    return code


def _time(value: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"time {value!r} is not a date and time such as 2026-12-06 14:05:09") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)  # the vendor's local time, like the staff's
    return moment.astimezone(timezone.utc)


def _line(cells: list[str], at: dict[str, int], number: int, zone: ZoneInfo) -> FileLine:
    return FileLine(
        line_number=number,
        reference_number=_text(cells[at["reference_number"]], "reference_number", required=True),
        order_number=_text(cells[at["order_number"]], "order_number", required=False),
        amount=_amount(cells[at["amount"]]),
        currency=_currency(cells[at["currency"]]),
        staff_id=_text(cells[at["staff_id"]], "staff_id", required=False),
        time=_time(cells[at["time"]], zone),
    )


def _rows(text: str):
    """(line number, cells) of each non-blank row; ';' separates when the header has no ','."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as error:
        raise SettlementFileError(reader.line_num, f"not readable as CSV ({error})") from None


def read_settlement(content: bytes, columns: dict[str, str], zone: ZoneInfo) -> list[FileLine]:
    """Every payment line of the file, checked; the first bad line raises SettlementFileError."""
    rows = _rows(decode(content))
    header = next(rows, None)
    if header is None:
        raise SettlementFileError(None, "The file is empty.")
    at = _positions(header[1], columns)
    lines, seen = [], {}
    for number, cells in rows:
        if len(lines) == MAX_ROWS:
            raise SettlementFileError(number, f"more than {MAX_ROWS:,} payment lines; split the file")
        if len(cells) != len(header[1]):
            raise SettlementFileError(number, f"{len(cells)} cells where the header has {len(header[1])}")
        try:
            line = _line(cells, at, number, zone)
        except ValueError as problem:
            raise SettlementFileError(number, str(problem)) from None
        if line.reference_number in seen:
            raise SettlementFileError(
                number, f"reference {line.reference_number} is on line {seen[line.reference_number]} too"
            )
        seen[line.reference_number] = number
        lines.append(line)
    if not lines:
        raise SettlementFileError(None, "The file has a header but no payment lines.")
    return lines
