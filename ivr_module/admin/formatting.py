"""How the admin shows values: times in IVR_TIMEZONE, numbers, dates and money in the staff's
language (Babel), order numbers as links, safe CSV cells."""

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, get_date_format, get_time_format
from babel.numbers import format_currency, format_decimal, format_percent
from flask import current_app, url_for
from markupsafe import Markup

from ..config import ConfigError
from ..i18n import current_locale
from ..services.failure_hints import hint_for
from .labels import group_label, role_label, status_label

# A time to the second and a day, per language. English keeps the admin's ISO 8601 (support
# compares it with logs); Turkish reads 27.11.2026 14:05:09. Another locale: CLDR's own.
TIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm:ss", "tr": "dd.MM.yyyy HH:mm:ss"}
DAY_PATTERNS = {"en": "yyyy-MM-dd", "tr": "dd.MM.yyyy"}
# Money with its currency: `1,234.56 TRY` in English, `1.234,56 ₺` in Turkish (the sign after
# the amount, as Turkish writes it; CLDR puts it before). Another locale: CLDR's own.
MONEY_PATTERNS = {"en": "#,##0.00 ¤¤", "tr": "#,##0.00 ¤"}
AMOUNT_PATTERN = "#,##0.00"
# A share to one decimal; Turkish puts the sign first (%12,3).
PERCENT_PATTERNS = {"en": "#,##0.0%", "tr": "%#,##0.0"}
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


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def local_time(value: datetime | None) -> str:
    """A stored UTC time as local text: `2026-11-27 14:05:09`, in Turkish `27.11.2026 14:05:09`."""
    if value is None:
        return ""
    locale = current_locale()
    pattern = TIME_PATTERNS.get(locale)
    if pattern is None:
        pattern = f"{get_date_format('short', locale).pattern} {get_time_format('medium', locale).pattern}"
    return format_datetime(_aware(value).astimezone(local_zone()), pattern, locale=locale)


def local_moment(value: datetime, pattern: str) -> str:
    """A time in the local zone by a Babel (CLDR) pattern, e.g. `EEE d MMM` for a chart's day."""
    return format_datetime(_aware(value).astimezone(local_zone()), pattern, locale=current_locale())


def day(value: date | None) -> str:
    """A calendar day: `2026-11-27`, in Turkish `27.11.2026`."""
    if value is None:
        return ""
    locale = current_locale()
    return format_date(value, DAY_PATTERNS.get(locale, "short"), locale=locale)


def local_time_with_zone(value: datetime | None) -> str:
    """A local time with its UTC offset, for exports read outside the dashboard."""
    if value is None:
        return ""
    return value.astimezone(local_zone()).isoformat(timespec="seconds")


def money(value: Decimal | None, currency: str | None = None) -> str:
    """An amount with its two decimals, and its currency if given: `1.234,56 ₺` in Turkish."""
    if value is None:
        return ""
    locale = current_locale()
    if currency is None:
        return format_decimal(value, AMOUNT_PATTERN, locale=locale)
    return format_currency(value, currency, MONEY_PATTERNS.get(locale), locale=locale, currency_digits=False)


def number(value: int | None) -> str:
    """A count with the language's grouping: `12,345`, in Turkish `12.345`."""
    return "" if value is None else format_decimal(value, "#,##0", locale=current_locale())


def percent(share: float | None) -> str:
    """A share to one decimal (`12.3%`, in Turkish `%12,3`); a dash when there is none."""
    return "—" if share is None else format_percent(share, PERCENT_PATTERNS.get(current_locale()), locale=current_locale())


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


def caller_hint(code: str | None) -> str:
    """What to tell the caller for a failure code, in the page's language ("" without a hint)."""
    hint = hint_for(code, current_locale())
    return hint.caller_hint if hint is not None else ""


def template_helpers() -> dict:
    """Filters and helpers the admin's own templates use."""
    return {
        "local_time": local_time,
        "money": money,
        "number": number,
        "percent": percent,
        "day": day,
        "status_label": status_label,
        "role_label": role_label,
        "group_label": group_label,
        "caller_hint": caller_hint,
        "order_link": order_link,
        "lookup_url": lookup_url,
        "time_zone": local_zone().key,
    }

