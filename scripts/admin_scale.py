"""Time every admin page at scale, cold and warm, and show the hook-call log's query plans.

    .venv/bin/python scripts/admin_scale.py --database-url postgresql://postgres@127.0.0.1:5432/ivr_scale10m

For a database filled by `flask ivr generate-data --hook-calls 10000000 --transactions 1000000
--days 365` (docs/ADMIN_SCALE.md). Each page is requested:

- **cold**: first, by an app built for it alone (a new process's state: a new database connection
  with no catalog or plan cache, no templates loaded, the module's cache empty);
- **warm**: `--runs` more times by that app (median and worst);
- **no cache**: `--runs` more times with the module's cache emptied before each (the dashboard
  then reads all its days, not only today's).

Times are whole requests through the Flask test client: queries, rendering, and for the CSV the
whole body. Then every statement that read `ivr_hook_calls` during a warm request is shown with
`EXPLAIN (ANALYZE)`, so partition pruning (which partitions a plan touches) can be seen.
"""

import argparse
import re
import statistics
import time
from datetime import timedelta

from sqlalchemy import event, not_, select

from ivr_module import create_app
from ivr_module.admin.formatting import local_zone
from ivr_module.cache import cache
from ivr_module.db import db, utcnow
from ivr_module.models import HookCall, IVRTransaction, Role, User
from ivr_module.services.error_texts import HookError

TIMER_USER = "scale-timer"
TIMER_PASSWORD = "scale-timer-password"
LOG = "ivr_hook_calls"


def _app(url):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "t" * 32})


def _reader(app) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == TIMER_USER)) or User(username=TIMER_USER)
        user.role = Role.CALLCENTRE  # reads every page timed here
        user.set_password(TIMER_PASSWORD)
        db.session.add(user)
        db.session.commit()


def _logged_in_client(app):
    client = app.test_client()
    page = client.get("/admin/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/auth/login",
                           data={"username": TIMER_USER, "password": TIMER_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        db.engine.dispose()  # the page opens a connection of its own, as a new process would
    return client


def _pages(app) -> dict[str, str]:
    """The pages, with an order number, a reference and a day taken from the data."""
    with app.app_context():
        failed = db.session.scalar(
            select(HookCall.order_number)
            .where(not_(HookCall.success), HookCall.order_number.like("7%"),
                   HookCall.created_at > utcnow() - timedelta(days=2))
            .order_by(HookCall.created_at.desc()).limit(1)
        )
        reference = db.session.scalar(select(IVRTransaction.reference_number)
                                      .order_by(IVRTransaction.created_at.desc()).limit(1))
        day = (utcnow().astimezone(local_zone()) - timedelta(days=3)).date()
    error = HookError.ORDER_NOT_FOUND.value.replace(" ", "+")
    one_day = f"flt1_time_between={day}+to+{day}"
    return {
        "dashboard (today)": "/admin/",
        "dashboard (30 days)": "/admin/?period=30d",
        "failed attempts, first page": "/admin/failed-attempts/",
        "failed attempts, search by order number": f"/admin/failed-attempts/?search={failed}",
        "failed attempts, error text and day": f"/admin/failed-attempts/?flt0_error_text_equals={error}&{one_day}",
        "failed attempts, error text only": f"/admin/failed-attempts/?flt0_error_text_equals={error}",
        "order lookup": f"/admin/lookup?order_number={failed}",
        "transactions, first page": "/admin/transactions/",
        "transactions, search by reference": f"/admin/transactions/?search={reference}",
        "failed attempts CSV, one day": f"/admin/failed-attempts/export/csv/?flt0_time_between={day}+to+{day}",
        "failed attempts CSV, error text and day":
            f"/admin/failed-attempts/export/csv/?flt0_error_text_equals={error}&{one_day}",
        "transactions CSV, one day": f"/admin/transactions/export/csv/?flt0_time_between={day}+to+{day}",
    }


def _time(client, url) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()  # a CSV export streams: the whole body is the page
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(body)


def _time_uncached(app, client, url) -> float:
    with app.app_context():
        cache.clear()
    return _time(client, url)[0]


def _statements_of(app, client, url) -> list[tuple[str, object]]:
    """The statements a request sent that read the hook-call log."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if LOG in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        cache.clear()  # the dashboard then reads all its days, not only today
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(url).get_data()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _explain(app, statement, parameters) -> str:
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters).scalars()
        return "\n".join(rows)


def main() -> None:
    """Print the timings as a Markdown table, then the plans."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-plans", action="store_true")
    args = parser.parse_args()
    setup = _app(args.database_url)
    _reader(setup)
    pages = _pages(setup)
    print("| page | cold | warm median | warm worst | no cache median | no cache worst | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    plans = {}
    for name, url in pages.items():
        app = _app(args.database_url)
        client = _logged_in_client(app)
        cold, size = _time(client, url)
        warm = [_time(client, url)[0] for _ in range(args.runs)]
        uncached = [_time_uncached(app, client, url) for _ in range(args.runs)]
        print(f"| {name} | {cold:.0f} | {statistics.median(warm):.0f} | {max(warm):.0f} "
              f"| {statistics.median(uncached):.0f} | {max(uncached):.0f} | {size} |", flush=True)
        if not args.no_plans:
            plans[name] = [(s, p, _explain(app, s, p)) for s, p in _statements_of(app, client, url)]
        with app.app_context():
            db.engine.dispose()
    for name, statements in plans.items():
        print(f"\n### {name}\n")
        for statement, parameters, plan in statements:
            print(f"```\n{statement}\n-- {parameters}\n\n{plan}\n```\n")


if __name__ == "__main__":
    main()
