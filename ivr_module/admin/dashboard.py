"""The admin home: calls, failures and payments for today and the last 7 and 30 days.

Every figure comes from a range query over an indexed `created_at`, bucketed by local day (or
hour, today) between exact UTC bounds, so the time zone is right whatever its offsets and DST.
Days before today do not change: their buckets are kept in the cache for a while, and only
today's rows are read on every visit.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from flask import request, url_for
from flask_admin import AdminIndexView, expose
from sqlalchemy import bindparam, case, func, not_, select
from sqlalchemy.dialects.postgresql import array

from ..cache import cache_add, cache_get
from ..db import UTCDateTime, db, utcnow
from ..i18n import lazy_gettext as _l
from ..models import HookCall, IVRTransaction
from .access import SecuredView
from .formatting import local_moment, local_zone

PERIODS = {"today": (_l("Today"), 1), "7d": (_l("Last 7 days"), 7), "30d": (_l("Last 30 days"), 30)}
LATEST_FAILURES = 10
# The chart's name for failures logged before they carried a code.
UNCLASSIFIED = "unclassified"
# How long the buckets of complete days are kept (new rows only ever land in today's bucket).
PAST_DAYS_CACHE_SECONDS = 600


@dataclass
class PeriodFigures:
    """The dashboard's numbers for one period."""

    key: str
    label: str
    start: datetime
    calls: int = 0
    failures: int = 0
    payments: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    failures_by_code: dict[str, int] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float | None:
        """Failed calls as a share of all calls (None without calls)."""
        return self.failures / self.calls if self.calls else None


def _bucket_of(column, bounds: list[datetime]):
    """Index of the bucket [bounds[i], bounds[i+1]) a time falls in."""
    if db.engine.dialect.name == "postgresql":
        # A binary search in C: a fifth cheaper than the CASE on a month of calls.
        thresholds = array([bindparam(None, bound, type_=UTCDateTime()) for bound in bounds])
        return func.width_bucket(column, thresholds) - 1
    return case(*[(column < upper, index) for index, upper in enumerate(bounds[1:])], else_=-1)


def _in_buckets(column, bounds: list[datetime], *columns, where=()):
    """Rows with bounds[0] <= column < bounds[-1], with their bucket index and these columns."""
    # Grouped outside this subquery: PostgreSQL does not accept GROUP BY on an expression whose
    # bind parameters are not the very ones of the selected expression.
    query = select(_bucket_of(column, bounds).label("bucket"), *columns)
    return query.where(column >= bounds[0], column < bounds[-1], *where).subquery()


def day_bounds(days: int, now: datetime) -> list[datetime]:
    """Local midnights from `days - 1` days ago to tomorrow, as aware times."""
    zone = local_zone()
    today = now.astimezone(zone).date()
    return [
        datetime.combine(today - timedelta(days=offset), time.min, tzinfo=zone)
        for offset in range(days - 1, -2, -1)
    ]


def hour_bounds(now: datetime) -> list[datetime]:
    """Starts of today's local hours, and tomorrow's midnight (23 to 25 hours on DST days)."""
    # Stepped in UTC: adding an hour to a local time is wall-clock arithmetic in Python.
    first, last = (moment.astimezone(timezone.utc) for moment in day_bounds(1, now))
    bounds = [first]
    while bounds[-1] < last:
        bounds.append(min(bounds[-1] + timedelta(hours=1), last))
    return bounds


def _calls_by_bucket(bounds):
    """(bucket, success, failure code, count): one index-only scan for calls, failures and codes."""
    rows = _in_buckets(
        HookCall.created_at, bounds, HookCall.success, HookCall.error_code, where=(HookCall.live.is_(True),)
    )
    keys = (rows.c.bucket, rows.c.success, rows.c.error_code)
    return db.session.execute(select(*keys, func.count()).group_by(*keys)).all()


def _payments_by_bucket(bounds):
    """(bucket, currency, count, sum) of the IVR transactions."""
    rows = _in_buckets(
        IVRTransaction.created_at, bounds, IVRTransaction.currency, IVRTransaction.amount,
        where=(IVRTransaction.live.is_(True),),  # sandbox payments are no live figures
    )
    keys = (rows.c.bucket, rows.c.currency)
    return db.session.execute(
        select(*keys, func.count(), func.sum(rows.c.amount)).group_by(*keys)
    ).all()


def _period_figures(bounds, calls, payments) -> list[PeriodFigures]:
    """Today, the last 7 and the last 30 days, from the daily buckets of the last 30 days."""
    periods = [
        PeriodFigures(key, label, bounds[-1 - days]) for key, (label, days) in PERIODS.items()
    ]

    def periods_of(bucket):
        """The periods a daily bucket belongs to."""
        return [p for p in periods if bounds[bucket] >= p.start]

    for bucket, success, code, count in calls:
        code = code or UNCLASSIFIED
        for period in periods_of(bucket):
            period.calls += count
            if not success:
                period.failures += count
                period.failures_by_code[code] = period.failures_by_code.get(code, 0) + count
    for bucket, currency, count, total in payments:
        for period in periods_of(bucket):
            period.payments += count
            period.sums[currency] = period.sums.get(currency, Decimal("0.00")) + total
    for period in periods:
        period.sums = dict(sorted(period.sums.items()))
        period.failures_by_code = dict(
            sorted(period.failures_by_code.items(), key=lambda item: (-item[1], item[0]))
        )
    return periods


def _payments_chart(bounds, payments, label_pattern: str) -> dict:
    """Payments per bucket: counts, and sums per currency; labels by a CLDR pattern, in the page's language."""
    labels = [local_moment(moment, label_pattern) for moment in bounds[:-1]]
    counts = [0] * len(labels)
    sums = defaultdict(lambda: [0.0] * len(labels))
    for bucket, currency, count, total in payments:
        counts[bucket] += count
        sums[currency][bucket] = float(total)
    return {"labels": labels, "counts": counts, "sums": dict(sorted(sums.items()))}


def _by_currency(payments) -> list:
    """(currency, count, sum) over all the buckets of these payment rows."""
    totals = defaultdict(lambda: [0, Decimal("0.00")])
    for _bucket, currency, count, total in payments:
        totals[currency][0] += count
        totals[currency][1] += total
    return [(currency, count, total) for currency, (count, total) in totals.items()]


def _daily_rows(bounds: list[datetime], hourly_payments=None) -> tuple[list, list]:
    """Call and payment rows of the daily buckets: past days from the cache, today read now.

    `hourly_payments`, today's payments by hour when the caller has read them, give today's
    payment row without reading them again.
    """
    today = len(bounds) - 2
    key = f"admin-dashboard:{local_zone().key}:{bounds[today].isoformat()}:{len(bounds)}"
    cached = cache_get(key)
    if cached is None:
        past = bounds[:-1]
        calls = [list(row) for row in _calls_by_bucket(past)]
        payments = [[*row[:3], str(row[3])] for row in _payments_by_bucket(past)]
        cache_add(key, json.dumps([calls, payments]), timeout=PAST_DAYS_CACHE_SECONDS)
    else:
        calls, payments = json.loads(cached)
    calls += [(today, *rest) for _bucket, *rest in _calls_by_bucket(bounds[today:])]
    if hourly_payments is None:
        today_payments = [rest for _bucket, *rest in _payments_by_bucket(bounds[today:])]
    else:
        today_payments = _by_currency(hourly_payments)
    payments += [(today, *rest) for rest in today_payments]
    return calls, [(*row[:3], Decimal(row[3])) for row in payments]


def dashboard_figures(period: str, now: datetime) -> tuple[list[PeriodFigures], dict]:
    """The three periods' figures, and the payments chart of the chosen period."""
    bounds = day_bounds(30, now)
    if period == "today":
        hours = hour_bounds(now)
        hourly = _payments_by_bucket(hours)
        calls, payments = _daily_rows(bounds, hourly)
        chart = _payments_chart(hours, hourly, "HH:mm")
    else:
        calls, payments = _daily_rows(bounds)
        # The chart's days are the last of the 30 daily buckets already read.
        days = PERIODS[period][1]
        shift = len(bounds) - 1 - days
        recent = [(bucket - shift, *rest) for bucket, *rest in payments if bucket >= shift]
        chart = _payments_chart(bounds[shift:], recent, "EEE d MMM")
    return _period_figures(bounds, calls, payments), chart


def failures_url(code: str, period: PeriodFigures, now: datetime) -> str:
    """The failed-attempts list, filtered to one failure code within the period."""
    first, last = period.start.date(), now.astimezone(local_zone()).date()
    return url_for(
        "ivr_admin_failed.index_view",
        flt0_time_between=f"{first:%Y-%m-%d} to {last:%Y-%m-%d}",
        **({} if code == UNCLASSIFIED else {"flt1_error_code_equals": code}),
    )


def latest_failures(limit: int = LATEST_FAILURES) -> list[HookCall]:
    """The newest failed hook calls."""
    query = select(HookCall).where(not_(HookCall.success), HookCall.live.is_(True))
    return list(db.session.scalars(query.order_by(HookCall.created_at.desc()).limit(limit)))


class DashboardView(SecuredView, AdminIndexView):
    """/admin/: the figures, two charts, the latest failures, and the lookup's search box."""

    @expose("/")
    def index(self):
        """Show the dashboard for the chosen period (today, 7 or 30 days)."""
        period = request.args.get("period", "today")
        if period not in PERIODS:
            period = "today"
        now = utcnow()
        periods, chart = dashboard_figures(period, now)
        chosen = next(p for p in periods if p.key == period)
        return self.render(
            "ivr_admin/dashboard.html",
            periods=periods,
            chosen=chosen,
            chart=chart,
            failures=latest_failures(),
            failures_url=lambda code: failures_url(code, chosen, now),
        )
