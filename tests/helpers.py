"""What the tests share besides fixtures: settings, baskets, and helpers that call the app.

Fixtures live in conftest.py; test modules import everything else from here.
"""

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from ivr_module import create_app
from ivr_module.db import db
from ivr_module.models import IVRTransaction, User
from ivr_module.services import checkout

POSTGRES_ADMIN_URL = os.environ.get("IVR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("IVR_TEST_REDIS", "redis://127.0.0.1:6379/15")

IVR_USERNAME = "ivr-vendor"
IVR_PASSWORD = "Pa55-w0rd: kept exactly "
API_TOKEN = "checkout-token-for-tests"
SANDBOX_USERNAME = "ivr-vendor-sandbox"
SANDBOX_PASSWORD = "sandbox Pa55 for tests"
SANDBOX_API_TOKEN = "checkout-sandbox-token-for-tests"

CASH_REGISTER_OPTION = {"slug": "phone", "name": "Pay by phone", "payment_type": "cash_register"}
BASKET = {
    "lines": [
        {"sku": "SKU-1", "name": "Shirt", "quantity": 3, "unit_price": "19.99", "discount": "5.00"},
        {"sku": "SKU-2", "name": "Socks", "quantity": 1, "unit_price": "0.10"},
    ],
    "shipping_amount": "4.90",
    "currency": "EUR",
    "payment_option": CASH_REGISTER_OPTION,
}
BASKET_TOTAL = "59.97"  # 3 × 19.99 − 5.00 + 0.10 + 4.90


def make_app(backend_config, **overrides):
    """A new app on the run's backend, with test credentials and any overrides."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "IVR_USERNAME": IVR_USERNAME,
        "IVR_PASSWORD": IVR_PASSWORD,
        "CHECKOUT_API_TOKEN": API_TOKEN,
        "IVR_SANDBOX_USERNAME": SANDBOX_USERNAME,
        "IVR_SANDBOX_PASSWORD": SANDBOX_PASSWORD,
        "CHECKOUT_API_SANDBOX_TOKEN": SANDBOX_API_TOKEN,
        **backend_config,
        **overrides,
    }
    return create_app(settings)


def dispose(app):
    """Close an app's database connections (PostgreSQL has a connection limit)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["ivr"].hook_log.dispose()  # the hook-call writer's own connection


class Hooks:
    """Calls the two hooks the way the vendor does."""

    def __init__(self, client):
        self.client = client

    def pre_order(self, order_number, headers=None, **body):
        """POST pre_order (with any extra HTTP headers); returns the JSON answer."""
        body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": order_number, **body}
        response = self.client.post("/hooks/ivr/pre_order/", json=body, headers=headers)
        assert response.status_code == 200
        return response.get_json()

    def complete(self, order_number, reference="REF-1", staff_id="agent-7", headers=None, **fields):
        """POST complete (with any extra HTTP headers); returns the JSON answer."""
        result = {"orderNumber": order_number, "referenceNumber": reference, "staffId": staff_id}
        body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderResultRequest": {**result, **fields}}
        response = self.client.post("/hooks/ivr/complete/", json=body, headers=headers)
        assert response.status_code == 200
        return response.get_json()


def new_pre_order(app, issue=True, **overrides):
    """Open a pre-order through the service API and issue its number unless told not to."""
    with app.app_context():
        pre_order = checkout.open_pre_order({**BASKET, **overrides})
        if issue:
            pre_order, _ = checkout.issue_order_number(pre_order.id)
        return pre_order.id, pre_order.order_number


def pre_order_answer_failed(answer, errortext):
    """Whether a pre_order answer is the documented failure with this text."""
    return answer == {
        "result": {"success": False, "errortext": errortext},
        "productlist": [],
        "orderprice": 0.0,
    }


def count_rows(app, model, *where) -> int:
    """How many rows of `model` (matching every `where` clause) the database holds."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def transactions(app) -> list:
    """Every recorded IVRTransaction."""
    with app.app_context():
        return list(db.session.scalars(select(IVRTransaction)))


def all_at_once(calls) -> list:
    """Run every call (no arguments) in a thread of its own, all released at the same moment.

    Returns their results in order; an exception in a call is raised here.
    """
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


# --- The admin dashboard ---------------------------------------------------------------------

STAFF_PASSWORD = "staff-password-for-tests"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def make_staff(app, username, role, password=STAFF_PASSWORD, active=True, locale=None):
    """Create a staff account directly in the database (locale: its admin language, or the default)."""
    with app.app_context():
        user = User(username=username, role=role, active=active, locale=locale)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def user_named(app, username):
    """The staff account with this username, or None."""
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def csrf_token_of(html: str) -> str:
    """The CSRF token a rendered page carries."""
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class StaffActions:
    """Logs staff in and out through the login page, as a browser would (flaskr's AuthActions)."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def login(self, role="admin", username=None, password=STAFF_PASSWORD, create=True, next_url=None, locale=None):
        """Create (unless told not to) and log in a user of that role; returns the response.

        With `next_url` the login page is asked to go there afterwards (?next=); with `locale`
        the new account reads the admin in that language.
        """
        username = username or f"{role}-user"
        if create:
            make_staff(self.app, username, role, password, locale=locale)
        token = csrf_token_of(self.client.get("/admin/auth/login").text)
        url = "/admin/auth/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data={"username": username, "password": password, "csrf_token": token})

    def token(self, url="/admin/"):
        """A CSRF token from a page of the logged-in session."""
        return csrf_token_of(self.client.get(url).text)

    def logout(self):
        """Log out with the session's CSRF token."""
        return self.client.post("/admin/auth/logout", data={"csrf_token": self.token()})


def unavailable(reason: str):
    """Skip on a developer's machine what the machine lacks; in CI (CI=true), fail instead."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def empty_tables(session, tables) -> None:
    """Delete every row of these tables (in dependency order), triggers or not, and commit."""
    names = [table.name for table in reversed(tables)]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    else:
        # The audit log's triggers refuse DELETE: set them aside while the tables are emptied.
        triggers = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            session.execute(text(f"DROP TRIGGER {name}"))
        for name in names:
            session.execute(text(f"DELETE FROM {name}"))
        for _name, sql in triggers:
            session.execute(text(sql))
    session.commit()


def issued_through_api(client, token: str, api: str = "/api") -> tuple[int, str]:
    """Open the test basket and issue its number through the checkout API: (id, order number)."""
    headers = {"Authorization": f"Bearer {token}"}
    opened = client.post(f"{api}/pre-orders", json=BASKET, headers=headers)
    assert opened.status_code == 201, opened.text
    pre_order_id = opened.get_json()["id"]
    issued = client.post(f"{api}/pre-orders/{pre_order_id}/order-number", json={}, headers=headers)
    assert issued.status_code == 201, issued.text
    return pre_order_id, issued.get_json()["order_number"]
