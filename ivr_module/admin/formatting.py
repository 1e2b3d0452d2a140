"""How the admin shows values: times in IVR_TIMEZONE, order numbers as links, safe CSV cells."""

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, url_for
from markupsafe import Markup

from ..config import ConfigError

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
LOOKUP_ENDPOINT = "ivr_admin_lookup.index"

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def parse_timezone(name: str) -> ZoneInfo:
    """The IVR_TIMEZONE setting as a zone; a start with an unknown zone is refused."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"IVR_TIMEZONE must be an IANA time zone such as Europe/Istanbul, got {name!r}"
        ) from None


def local_zone() -> ZoneInfo:
    """The time zone staff read times in."""
    return current_app.extensions["ivr_admin"].zone


def local_time(value: datetime | None) -> str:
    """A stored UTC time as local text, e.g. `2026-11-27 14:05:09`."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone()).strftime(TIME_FORMAT)


def local_time_with_zone(value: datetime | None) -> str:
    """A local time with its UTC offset, for exports read outside the dashboard."""
    if value is None:
        return ""
    return value.astimezone(local_zone()).isoformat(timespec="seconds")


def money(value: Decimal | None) -> str:
    """An amount with its two decimals."""
    return "" if value is None else f"{value:,.2f}"


def lookup_url(order_number: str) -> str:
    """The order lookup page of one number."""
    return url_for(LOOKUP_ENDPOINT, order_number=order_number)


def order_link(order_number: str | None) -> Markup:
    """An order number as a link to its lookup (the number is escaped)."""
    if not order_number:
        return Markup("")
    return Markup('<a class="order-link" href="{}">{}</a>').format(lookup_url(order_number), order_number)


def csv_safe(value: str) -> str:
    """A text cell that a spreadsheet shows as text instead of running it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# Formatter signatures Flask-Admin expects: (view, value, name) and (view, context, model, name).
def _time_cell(view, value, name):
    return local_time(value)


def _export_time_cell(view, value, name):
    return local_time_with_zone(value)


def _money_cell(view, value, name):
    return money(value)


def _export_text_cell(view, value, name):
    return csv_safe(value)


def order_number_column(view, context, model, name):
    """List column: the order number linked to its lookup."""
    return order_link(getattr(model, name))


LIST_TYPE_FORMATTERS = {datetime: _time_cell, Decimal: _money_cell}
EXPORT_TYPE_FORMATTERS = {datetime: _export_time_cell, str: _export_text_cell, date: str}


def template_helpers() -> dict:
    """Filters and helpers the admin's own templates use."""
    return {
        "local_time": local_time,
        "money": money,
        "order_link": order_link,
        "lookup_url": lookup_url,
        "time_zone": local_zone().key,
    }

