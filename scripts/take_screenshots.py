"""Take docs/screenshots/*.png from demo data: every admin page the README shows.

    .venv/bin/python scripts/take_screenshots.py

Builds a throw-away SQLite database with `ivr demo` and a small generated history, serves the
app on a free port and photographs the dashboard, one order's lookup page, the staff report
the reconciliation of the demo settlement file, as the call-centre sees them a search by the
last digits of a customer's phone (masked) and a `Basket Changed` call's lookup (what to tell
the caller, the basket's diff), and the dashboard and lookup in Turkish, in Debian's chromium.
"""

import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from ivr_module import create_app
from ivr_module.datagen import generate
from ivr_module.datagen_settlement import write_settlement_file
from ivr_module.db import db
from ivr_module.demo import demo_number, seed_demo
from ivr_module.models import HookCall, PreOrder, Role, User
from ivr_module.services.reconciliation import import_settlement

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "screenshot-password"
IVR_USERNAME, IVR_PASSWORD = "screenshot-ivr", "screenshot-ivr-password"
BASKET_CHANGED = demo_number(2)  # the demo's basket changed after its number was issued


def _prepare(app) -> str:
    """Demo data, a history, an admin; returns an order number with an interesting story."""
    with app.app_context():
        upgrade()
        seed_demo()
        generate(hook_calls=6000, transactions=700, days=30, seed=7)
        staff = (("admin", Role.ADMIN, None), ("callcentre", Role.CALLCENTRE, None),
                 ("operator-tr", Role.CALLCENTRE, "tr"))
        for username, role, locale in staff:
            person = User(username=username, role=role, locale=locale)
            person.set_password(PASSWORD)
            db.session.add(person)
        db.session.commit()
        settlement = Path(app.instance_path) / "screenshot-settlement.csv"
        write_settlement_file(settlement)
        import_settlement(settlement.read_bytes(), "settlement-demo.csv", "admin")
        settlement.unlink()
        # A paid order the IVR also failed on: read, paid, then asked again.
        return db.session.scalar(
            select(HookCall.order_number)
            .join(PreOrder, PreOrder.order_number == HookCall.order_number)
            .group_by(HookCall.order_number)
            .having(func.count() >= 3, func.min(func.cast(HookCall.success, db.Integer)) == 0)
            .limit(1)
        )


def _logged_in_page(browser, base: str, username: str):
    """A new page of a screen's size, logged in as `username`."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/admin/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def _phone_search(browser, base: str, app) -> None:
    """The call-centre's search by a phone's last four digits: the list, masked."""
    with app.app_context():
        phone = db.session.scalar(select(PreOrder.customer_phone).where(PreOrder.customer_phone.is_not(None))
                                  .order_by(PreOrder.created_at.desc()).limit(1))
    page = _logged_in_page(browser, base, "callcentre")
    page.fill("#lookup-number", phone.replace(" ", "")[-4:])
    page.press("#lookup-number", "Enter")
    page.wait_for_selector(".ivr-search-results")
    page.screenshot(path=str(DOCS / "order-search.png"), full_page=True)


def _basket_changed_call(browser, base: str, app) -> None:
    """The vendor reads the demo's changed basket; the call-centre opens its lookup."""
    answer = app.test_client().post("/hooks/ivr/pre_order/", json={
        "username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": BASKET_CHANGED})
    assert answer.get_json()["result"]["errortext"] == "Basket Changed", answer.get_json()
    page = _logged_in_page(browser, base, "callcentre")
    page.goto(f"{base}/admin/lookup?order_number={BASKET_CHANGED}")
    page.wait_for_selector(".ivr-caller-hint")
    page.screenshot(path=str(DOCS / "basket-changed.png"), full_page=True)


def _in_turkish(browser, base: str) -> None:
    """A call-centre account whose language is Turkish: its dashboard and a lookup."""
    page = _logged_in_page(browser, base, "operator-tr")
    page.goto(f"{base}/admin/?period=7d")
    page.screenshot(path=str(DOCS / "dashboard-tr.png"), full_page=True)
    page.goto(f"{base}/admin/lookup?order_number={BASKET_CHANGED}")
    page.screenshot(path=str(DOCS / "lookup-tr.png"), full_page=True)


def main() -> None:
    """Serve, log in, photograph."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/shots.db", "SECRET_KEY": "s" * 32,
                          "IVR_TIMEZONE": "Europe/Istanbul",
                          "IVR_USERNAME": IVR_USERNAME, "IVR_PASSWORD": IVR_PASSWORD})
        number = _prepare(app)
        http = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{http.server_port}"
        DOCS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = _logged_in_page(browser, base, "admin")
            page.goto(f"{base}/admin/?period=7d")
            page.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)
            page.goto(f"{base}/admin/lookup?order_number={number}")
            page.screenshot(path=str(DOCS / "lookup.png"), full_page=True)
            page.goto(f"{base}/admin/staff-report/?period=7d")
            page.screenshot(path=str(DOCS / "staff-report.png"))
            page.goto(f"{base}/admin/settlements/1/")
            page.screenshot(path=str(DOCS / "settlement.png"), full_page=True)
            _phone_search(browser, base, app)
            _basket_changed_call(browser, base, app)
            _in_turkish(browser, base)
            browser.close()
        http.shutdown()
    print(f"wrote the screenshots in {DOCS} (lookup of {number})")


if __name__ == "__main__":
    main()
