"""The admin home: calls, failures and payments for today and the last 7 and 30 days.

Every figure comes from a range query over an indexed `created_at`, bucketed by local day
(or hour, today) with one CASE, so the time zone is exact whatever its offsets and DST.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from flask import request, url_for
from flask_admin import AdminIndexView, expose
from sqlalchemy import case, func, not_, select

from ..db import db, utcnow
from ..models import HookCall, IVRTransaction
from .access import SecuredView
from .formatting import local_zone

PERIODS = {"today": ("Today", 1), "7d": ("Last 7 days", 7), "30d": ("Last 30 days", 30)}
LATEST_FAILURES = 10


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
    failures_by_text: dict[str, int] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float | None:
        """Failed calls as a share of all calls (None without calls)."""
        return self.failures / self.calls if self.calls else None


def _bucket_of(column, bounds: list[datetime]):
    """Index of the bucket [bounds[i], bounds[i+1]) a time falls in."""
    return case(*[(column < upper, index) for index, upper in enumerate(bounds[1:])], else_=-1)


def _in_buckets(column, bounds: list[datetime], *columns, where=()):
    """Rows with bounds[0] <= column < bounds[-1], with their bucket index and these columns."""
    # Grouped outside this subquery: PostgreSQL does not accept GROUP BY on a CASE whose bind
    # parameters are not the very ones of the selected CASE.
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


def _calls_by_day(bounds):
    rows = _in_buckets(HookCall.created_at, bounds)
    return db.session.execute(select(rows.c.bucket, func.count()).group_by(rows.c.bucket)).all()


def _failures_by_day(bounds):
    rows = _in_buckets(HookCall.created_at, bounds, HookCall.error_text, where=[not_(HookCall.success)])
    keys = (rows.c.bucket, rows.c.error_text)
    return db.session.execute(select(*keys, func.count()).group_by(*keys)).all()


def _payments_by_bucket(bounds):
    rows = _in_buckets(
        IVRTransaction.created_at, bounds, IVRTransaction.currency, IVRTransaction.amount
    )
    keys = (rows.c.bucket, rows.c.currency)
    return db.session.execute(
        select(*keys, func.count(), func.sum(rows.c.amount)).group_by(*keys)
    ).all()


def period_figures(now: datetime) -> list[PeriodFigures]:
    """Today, the last 7 and the last 30 days, from daily buckets of the last 30 days."""
    bounds = day_bounds(30, now)
    periods = [
        PeriodFigures(key, label, bounds[-1 - days]) for key, (label, days) in PERIODS.items()
    ]

    def periods_of(bucket):
        return [p for p in periods if bounds[bucket] >= p.start]

    for bucket, count in _calls_by_day(bounds):
        for period in periods_of(bucket):
            period.calls += count
    for bucket, text, count in _failures_by_day(bounds):
        for period in periods_of(bucket):
            period.failures += count
            period.failures_by_text[text] = period.failures_by_text.get(text, 0) + count
    for bucket, currency, count, total in _payments_by_bucket(bounds):
        for period in periods_of(bucket):
            period.payments += count
            period.sums[currency] = period.sums.get(currency, Decimal("0.00")) + total
    for period in periods:
        period.sums = dict(sorted(period.sums.items()))
        period.failures_by_text = dict(
            sorted(period.failures_by_text.items(), key=lambda item: (-item[1], item[0]))
        )
    return periods


def payments_chart(period: str, now: datetime) -> dict:
    """Payments per hour (today) or per day: counts, and sums per currency."""
    if period == "today":
        bounds, label_format = hour_bounds(now), "%H:%M"
    else:
        bounds, label_format = day_bounds(PERIODS[period][1], now), "%a %d %b"
    labels = [moment.astimezone(local_zone()).strftime(label_format) for moment in bounds[:-1]]
    counts = [0] * len(labels)
    sums = defaultdict(lambda: [0.0] * len(labels))
    for bucket, currency, count, total in _payments_by_bucket(bounds):
        counts[bucket] += count
        sums[currency][bucket] = float(total)
    return {"labels": labels, "counts": counts, "sums": dict(sorted(sums.items()))}


def failures_url(text: str, period: PeriodFigures, now: datetime) -> str:
    """The failed-attempts list, filtered to one error text within the period."""
    first, last = period.start.date(), now.astimezone(local_zone()).date()
    return url_for(
        "ivr_admin_failed.index_view",
        flt0_time_between=f"{first:%Y-%m-%d} to {last:%Y-%m-%d}",
        flt1_error_text_equals=text,
    )


def latest_failures(limit: int = LATEST_FAILURES) -> list[HookCall]:
    """The newest failed hook calls."""
    query = select(HookCall).where(not_(HookCall.success))
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
        periods = period_figures(now)
        chosen = next(p for p in periods if p.key == period)
        return self.render(
            "ivr_admin/dashboard.html",
            periods=periods,
            chosen=chosen,
            chart=payments_chart(period, now),
            failures=latest_failures(),
            period_names=PERIODS,
            failures_url=lambda text: failures_url(text, chosen, now),
        )
