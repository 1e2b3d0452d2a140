"""Time the admin's heavy pages against a database filled by `flask ivr generate-data`.

    .venv/bin/python scripts/time_admin_pages.py --database-url postgresql://postgres@127.0.0.1:5432/ivr_admin_scale

Each page is requested once right after the app starts ("cold": empty cache, no compiled
statements or plans in this process), then `--runs` times more ("warm"), then `--runs` times with
the module's cache emptied before each request ("no cache": the dashboard reads all 30 days).
Times are whole requests through the Flask test client: queries and template rendering.
See docs/ADMIN_SCALE.md.
"""

import argparse
import re
import statistics
import time
from datetime import timedelta

from sqlalchemy import not_, select

from ivr_module import create_app
from ivr_module.cache import cache
from ivr_module.db import db, utcnow
from ivr_module.models import HookCall, IVRTransaction, Role, User

TIMER_USER = "scale-timer"
TIMER_PASSWORD = "scale-timer-password"


def _reader(app) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == TIMER_USER))
        if user is None:
            user = User(username=TIMER_USER)
            db.session.add(user)
        # Call-centre staff read every page timed here, the staff report included.
        user.role = Role.CALLCENTRE
        user.set_password(TIMER_PASSWORD)
        db.session.commit()


def _log_in(client) -> None:
    page = client.get("/admin/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/admin/auth/login",
        data={"username": TIMER_USER, "password": TIMER_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.status_code


def _pages(app) -> dict[str, str]:
    with app.app_context():
        failed = db.session.scalar(
            select(HookCall.order_number)
            .where(not_(HookCall.success), HookCall.order_number.like("7%"))
            .order_by(HookCall.created_at.desc())
            .limit(1)
        )
        reference, agent = db.session.execute(
            select(IVRTransaction.reference_number, IVRTransaction.staff_id)
            .order_by(IVRTransaction.id.desc()).limit(1)
        ).one()
    today = utcnow().date()
    last_90_days = f"period=range&start={today - timedelta(days=89)}&end={today}"
    return {
        "dashboard (today)": "/admin/",
        "dashboard (30 days)": "/admin/?period=30d",
        "failed attempts, first page": "/admin/failed-attempts/",
        "failed attempts, search by order number": f"/admin/failed-attempts/?search={failed}",
        "order lookup": f"/admin/lookup?order_number={failed}",
        "transactions, first page": "/admin/transactions/",
        "transactions, search by reference": f"/admin/transactions/?search={reference}",
        "staff report (today)": "/admin/staff-report/",
        "staff report (30 days)": "/admin/staff-report/?period=30d",
        "staff report (90-day range)": f"/admin/staff-report/?{last_90_days}",
        "staff report CSV (30 days)": "/admin/staff-report/export.csv?period=30d",
        "one agent's transactions": f"/admin/transactions/?flt0_staff_id_equals={agent}",
        "one agent's failed calls": f"/admin/failed-attempts/?flt0_staff_id_equals={agent}",
    }


def _time(client, url) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _time_uncached(app, client, url) -> float:
    with app.app_context():
        cache.clear()
    return _time(client, url)


def main() -> None:
    """Print a Markdown table of milliseconds per page: cold, warm and without the cache."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "t" * 32})
    _reader(app)
    client = app.test_client()
    _log_in(client)
    print("| page | cold | warm median | warm worst | no cache median | no cache worst |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, url in _pages(app).items():
        cold = _time(client, url)
        warm = [_time(client, url) for _ in range(args.runs)]
        uncached = [_time_uncached(app, client, url) for _ in range(args.runs)]
        print(
            f"| {name} | {cold:.0f} | {statistics.median(warm):.0f} | {max(warm):.0f} "
            f"| {statistics.median(uncached):.0f} | {max(uncached):.0f} |"
        )


if __name__ == "__main__":
    main()
