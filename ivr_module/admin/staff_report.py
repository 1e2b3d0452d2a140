"""The staff report: each agent's payments, sums, complete calls and failures, per day.

For supervisors: today, the last 7 or 30 days, or a range of dates, in IVR_TIMEZONE local days
as on the dashboard. The staff id is the one the vendor sent with each complete call. Payments
come from the transactions, calls and failures from the hook-call log's complete calls; both
are one range query grouped by day and agent, read from an index alone on PostgreSQL
(migration 0006). Days before today are kept in the cache for a while, as on the dashboard.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Response, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import func, select, text

from ..cache import cache_add, cache_get
from ..db import db, utcnow
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import HookCall, IVRTransaction, Role
from .access import SecuredView
# The dashboard's day buckets and cache lifetime, shared rather than copied.
from .dashboard import PAST_DAYS_CACHE_SECONDS, _in_buckets
from .formatting import csv_safe, local_zone

PERIODS = {"today": (_l("Today"), 1), "7d": (_l("Last 7 days"), 7), "30d": (_l("Last 30 days"), 30)}
RANGE = "range"
# A range is read in one query per table; past a year, ask for a narrower one.
MAX_RANGE_DAYS = 366
TOP_AGENTS = 10
# Only complete calls carry a staff id (the partial index's predicate, written as it is there).
COMPLETE_CALLS = text("ivr_hook_calls.endpoint = 'complete'")


@dataclass
class AgentFigures:
    """One agent's figures over a day or a whole period."""

    staff_id: str
    day: date | None = None
    payments: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    calls: int = 0
    failures: int = 0

    @property
    def failure_rate(self) -> float | None:
        """Failed complete calls as a share of the agent's complete calls (None without calls)."""
        return self.failures / self.calls if self.calls else None


@dataclass
class StaffReport:
    """The chosen days, every agent's totals (most payments first) and their daily rows."""

    period: str
    first: date
    last: date
    agents: list[AgentFigures]
    days: list[AgentFigures]

    @property
    def currencies(self) -> list[str]:
        """Every currency paid in over the period, in order."""
        return sorted({currency for agent in self.agents for currency in agent.sums})

    def days_of(self, staff_id: str) -> list[AgentFigures]:
        """One agent's daily rows, newest first."""
        return [row for row in self.days if row.staff_id == staff_id]

    def day_totals(self) -> list[AgentFigures]:
        """All agents together, per day, newest first (staff_id is empty)."""
        totals: dict[date, AgentFigures] = {}
        for row in self.days:
            total = totals.setdefault(row.day, AgentFigures("", row.day))
            for currency, amount in row.sums.items():
                _add_payments(total, currency, 0, amount)
            total.payments += row.payments
            total.calls += row.calls
            total.failures += row.failures
        return list(totals.values())


class BadRange(ValueError):
    """The dates asked for are not a usable range; the message says why."""


def chosen_days(args, today: date) -> tuple[str, date, date]:
    """The period asked for in the query string, as its key and first and last local day."""
    period = args.get("period", "today")
    if period in PERIODS:
        return period, today - timedelta(days=PERIODS[period][1] - 1), today
    if period != RANGE:
        return "today", today, today
    try:
        first, last = (date.fromisoformat(args.get(name, "")) for name in ("start", "end"))
    except ValueError:
        raise BadRange(_("Give the range as two dates, e.g. 2026-12-01 and 2026-12-07.")) from None
    if last < first:
        raise BadRange(_("The range ends before it starts."))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise BadRange(_("Choose at most %(days)s days.", days=MAX_RANGE_DAYS))
    return RANGE, first, last


def local_midnights(first: date, last: date) -> list[datetime]:
    """The start of each local day from `first` to `last`, and the end of `last`."""
    zone = local_zone()
    count = (last - first).days + 2
    return [datetime.combine(first + timedelta(days=n), time.min, tzinfo=zone) for n in range(count)]


def _payments_by_day(bounds):
    """(bucket, staff id, currency, count, sum) of the transactions."""
    rows = _in_buckets(
        IVRTransaction.created_at, bounds,
        IVRTransaction.staff_id, IVRTransaction.currency, IVRTransaction.amount,
        where=(IVRTransaction.live,),  # sandbox payments are no agent's figures
    )
    keys = (rows.c.bucket, rows.c.staff_id, rows.c.currency)
    query = select(*keys, func.count(), func.sum(rows.c.amount)).group_by(*keys)
    return db.session.execute(query).all()


def _complete_calls_by_day(bounds):
    """(bucket, staff id, success, count) of the complete calls that carried a staff id."""
    rows = _in_buckets(
        HookCall.created_at, bounds, HookCall.staff_id, HookCall.success,
        where=(COMPLETE_CALLS, HookCall.staff_id.is_not(None), HookCall.live),
    )
    keys = (rows.c.bucket, rows.c.staff_id, rows.c.success)
    return db.session.execute(select(*keys, func.count()).group_by(*keys)).all()


def _add_payments(figures: AgentFigures, currency: str, count: int, total: Decimal) -> None:
    figures.payments += count
    figures.sums[currency] = figures.sums.get(currency, Decimal("0.00")) + total


def _add_calls(figures: AgentFigures, success: bool, count: int) -> None:
    figures.calls += count
    if not success:
        figures.failures += count


def _rows_read_now(bounds) -> tuple[list, list]:
    payments = [[*row[:4], str(row[4])] for row in _payments_by_day(bounds)]
    return payments, [list(row) for row in _complete_calls_by_day(bounds)]


def _rows_by_day(bounds: list[datetime], today: date) -> tuple[list, list]:
    """Payment and call rows by day; days before today come from the cache for a while.

    Past days do not change (payments and calls land on today), as on the dashboard.
    """
    past_days = max(0, min((today - bounds[0].date()).days, len(bounds) - 1))
    payments, calls = [], []
    if past_days:
        key = f"admin-staff-report:{local_zone().key}:{bounds[0].date()}:{past_days}"
        cached = cache_get(key)
        if cached is None:
            payments, calls = _rows_read_now(bounds[:past_days + 1])
            cache_add(key, json.dumps([payments, calls]), timeout=PAST_DAYS_CACHE_SECONDS)
        else:
            payments, calls = json.loads(cached)
    if past_days < len(bounds) - 1:
        later_payments, later_calls = _rows_read_now(bounds[past_days:])
        payments += [[bucket + past_days, *rest] for bucket, *rest in later_payments]
        calls += [[bucket + past_days, *rest] for bucket, *rest in later_calls]
    return payments, calls


def staff_report(period: str, first: date, last: date, today: date) -> StaffReport:
    """Every agent's figures per day and in total over the local days `first` to `last`."""
    bounds = local_midnights(first, last)
    payments, calls = _rows_by_day(bounds, today)
    agents: dict[str, AgentFigures] = {}
    days: dict[tuple[int, str], AgentFigures] = {}

    def figures_of(bucket: int, staff_id: str) -> tuple[AgentFigures, AgentFigures]:
        if (bucket, staff_id) not in days:
            days[bucket, staff_id] = AgentFigures(staff_id, first + timedelta(days=bucket))
        return agents.setdefault(staff_id, AgentFigures(staff_id)), days[bucket, staff_id]

    for bucket, staff_id, currency, count, total in payments:
        for figures in figures_of(bucket, staff_id):
            _add_payments(figures, currency, count, Decimal(total))
    for bucket, staff_id, success, count in calls:
        for figures in figures_of(bucket, staff_id):
            _add_calls(figures, success, count)
    ranked = sorted(agents.values(), key=lambda agent: (-agent.payments, agent.staff_id))
    daily = sorted(days.values(), key=lambda row: (row.staff_id, row.day))
    daily.sort(key=lambda row: row.day, reverse=True)  # newest day first, agents in order
    return StaffReport(period, first, last, ranked, daily)


def top_agents_chart(report: StaffReport) -> dict:
    """Payments and failed calls of the agents with the most payments."""
    top = report.agents[:TOP_AGENTS]
    return {
        "labels": [agent.staff_id for agent in top],
        "payments": [agent.payments for agent in top],
        "failures": [agent.failures for agent in top],
    }


def report_csv(report: StaffReport) -> str:
    """One row per agent and day: payments, a sum column per currency, calls, failures, rate."""
    out = io.StringIO()
    writer = csv.writer(out)
    currencies = report.currencies
    writer.writerow(
        ["day", "staff_id", "payments", *(f"sum_{c}" for c in currencies),
         "complete_calls", "failures", "failure_rate"]
    )
    for row in report.days:
        rate = "" if row.failure_rate is None else f"{row.failure_rate:.4f}"
        sums = [f"{row.sums[c]:.2f}" if c in row.sums else "0.00" for c in currencies]
        # Staff ids come from the vendor: never let a spreadsheet run one as a formula.
        writer.writerow(
            [f"{row.day:%Y-%m-%d}", csv_safe(row.staff_id), row.payments, *sums,
             row.calls, row.failures, rate]
        )
    return out.getvalue()


def drill_down_urls(staff_id: str, first: date, last: date) -> dict[str, str]:
    """The agent's transactions and failed calls over the same days."""
    days = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return {
        "transactions": url_for(
            "ivr_admin_transactions.index_view", flt0_staff_id_equals=staff_id, flt1_time_between=days
        ),
        "failures": url_for(
            "ivr_admin_failed.index_view", flt0_staff_id_equals=staff_id, flt1_time_between=days
        ),
    }


class StaffReportView(SecuredView, BaseView):
    """/admin/staff-report/: per-agent figures for supervisors (admins and call-centre staff)."""

    roles = frozenset({Role.ADMIN, Role.CALLCENTRE})

    def _report(self) -> StaffReport:
        today = utcnow().astimezone(local_zone()).date()
        period, first, last = chosen_days(request.args, today)
        return staff_report(period, first, last, today)

    @expose("/")
    def index(self):
        """The report of the chosen period; a bad range is said on the page (400)."""
        try:
            report = self._report()
        except BadRange as problem:
            return self.render("ivr_admin/staff_report.html", problem=str(problem), periods=PERIODS,
                               args=request.args), 400
        return self.render(
            "ivr_admin/staff_report.html",
            report=report,
            periods=PERIODS,
            args=request.args,
            chart=top_agents_chart(report),
            drill_down=lambda staff_id: drill_down_urls(staff_id, report.first, report.last),
            # Per day: one agent's rows when asked for (?agent=), else all agents together; the
            # CSV has every agent's every day (a page of them all would be thousands of rows).
            agent=request.args.get("agent"),
        )

    @expose("/export.csv")
    def export(self):
        """The chosen period's daily rows as CSV."""
        try:
            report = self._report()
        except BadRange as problem:
            return Response(str(problem), status=400, mimetype="text/plain")
        name = f"staff-report-{report.first:%Y%m%d}-{report.last:%Y%m%d}.csv"
        return Response(
            report_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
