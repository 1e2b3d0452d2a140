"""The module embedded in a host shop (tests/host_app) with its own db, login, migrations and pages.

Both login modes of the admin, on the run's backend: the host's database and migrations beside
the module's, the module under other prefixes, and nothing of the host's changed.
"""

import os
import re

import psycopg
import pytest
from sqlalchemy import inspect, text

from ivr_module.cache import cache
from ivr_module.db import Base
from ivr_module.migrating import VERSION_TABLE
from tests.helpers import (
    API_TOKEN, BASKET, BASKET_TOTAL, IVR_PASSWORD, IVR_USERNAME, POSTGRES_ADMIN_URL, REDIS_TEST_URL,
    STAFF_PASSWORD, csrf_token_of,
)
from tests.host_app import PREFIXES, SECRET_KEY, Customer, Product, create_host_app, db as host_db

HOOKS = PREFIXES["IVR_HOOKS_URL_PREFIX"]
API = PREFIXES["IVR_API_URL_PREFIX"]
ADMIN = PREFIXES["IVR_ADMIN_URL"]
OPS = PREFIXES["IVR_OPS_URL_PREFIX"]
MODULE_SETTINGS = {"IVR_USERNAME": IVR_USERNAME, "IVR_PASSWORD": IVR_PASSWORD, "CHECKOUT_API_TOKEN": API_TOKEN}


@pytest.fixture(scope="module")
def host_database(backend, tmp_path_factory):
    """A database of the host's own: the shop's tables and the module's, each by its migrations."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('host')}/shop.sqlite3", {}
        return
    name = f"ivr_host_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    yield url, {"REDIS_URL": REDIS_TEST_URL}
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(host_database):
    """Run the host's `flask db upgrade`, then the module's `flask ivr db upgrade`, once."""
    url, extra = host_database
    app = create_host_app(url, **MODULE_SETTINGS, **extra)
    cli = app.test_cli_runner()
    for command in (["db", "upgrade"], ["ivr", "db", "upgrade"]):
        result = cli.invoke(args=command)
        assert result.exit_code == 0, result.output
    _dispose(app)
    return host_database


def _dispose(app):
    with app.app_context():
        host_db.session.remove()
        host_db.engine.dispose()
    app.extensions["ivr"].hook_log.dispose()


def _empty(app):
    with app.app_context():
        tables = [t.name for t in reversed(Base.metadata.sorted_tables + host_db.metadata.sorted_tables)]
        with host_db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
        cache.clear()


@pytest.fixture(params=["module", "host"])
def host(request, migrated):
    """The host app in one login mode, on emptied tables, with a product and two customers."""
    url, extra = migrated
    app = create_host_app(url, login_mode=request.param, **MODULE_SETTINGS, **extra)
    app.login_mode = request.param
    _empty(app)
    with app.app_context():
        host_db.session.add_all([
            Product(name="Kettle"),
            Customer(email="ayse@shop.example", ivr_role="support"),
            Customer(email="mehmet@shop.example", ivr_role="admin"),
            Customer(email="buyer@shop.example", ivr_role=None),
        ])
        host_db.session.commit()
    yield app
    _dispose(app)


@pytest.fixture
def module_host(host):
    if host.login_mode != "module":
        pytest.skip("the module's own staff accounts")
    return host


@pytest.fixture
def login_host(host):
    if host.login_mode != "host":
        pytest.skip("the host's login")
    return host


def _pay_through_the_module(client):
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    opened = client.post(f"{API}/pre-orders", json=BASKET, headers=headers)
    assert opened.status_code == 201, opened.text
    pre_order_id = opened.get_json()["id"]
    issued = client.post(f"{API}/pre-orders/{pre_order_id}/order-number", headers=headers)
    number = issued.get_json()["order_number"]
    credentials = {"username": IVR_USERNAME, "password": IVR_PASSWORD}
    heard = client.post(f"{HOOKS}/pre_order/", json={**credentials, "orderNumber": number}).get_json()
    assert heard["result"]["success"] is True and f"{heard['orderprice']:.2f}" == BASKET_TOTAL
    paid = client.post(f"{HOOKS}/complete/", json={**credentials, "orderResultRequest": {
        "orderNumber": number, "referenceNumber": "HOST-REF-1", "staffId": "agent-1"}}).get_json()
    assert paid["orderResultResponse"]["result"]["success"] is True
    polled = client.get(f"{API}/pre-orders/{pre_order_id}", headers=headers).get_json()
    assert polled["status"] == "paid"
    return number


def test_both_migrations_keep_their_own_version_tables(migrated):
    url, extra = migrated
    app = create_host_app(url, **MODULE_SETTINGS, **extra)
    with app.app_context(), host_db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        host_revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        module_revision = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    assert {"shop_products", "shop_customers", "ivr_pre_orders", "ivr_transactions"} <= tables
    assert all(t.startswith(("shop_", "ivr_")) or t == "alembic_version" for t in tables)
    assert host_revision == "a1b2c3d4e5f6" and module_revision != host_revision
    # Each side's upgrade is a no-op for the other's: running them again changes nothing.
    cli = app.test_cli_runner()
    assert cli.invoke(args=["db", "upgrade"]).exit_code == 0
    assert cli.invoke(args=["ivr", "db", "upgrade"]).exit_code == 0
    assert module_revision in cli.invoke(args=["ivr", "db", "current"]).output
    _dispose(app)


def test_the_module_uses_the_hosts_db_and_leaves_its_settings_alone(host):
    assert host.extensions["ivr"].db is host_db
    assert host.config["SECRET_KEY"] == SECRET_KEY
    assert host.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert "SESSION_COOKIE_SAMESITE" not in host.config or host.config["SESSION_COOKIE_SAMESITE"] is None
    assert host.login_manager.login_view == "shop_login"  # the host's LoginManager, kept
    assert host.wsgi_app.__class__.__name__ != "ProxyFix"


def test_the_hosts_pages_api_and_404_stay_its_own(host):
    client = host.test_client()
    home = client.get("/")
    assert home.text == "<h1>The shop</h1>"
    assert "X-Request-ID" not in home.headers and "Content-Security-Policy" not in home.headers
    assert client.get("/api/products").get_json() == ["Kettle"]
    for path in ("/no-such-page", "/api/no-such-thing", "/hooks/ivr/pre_order/", "/admin/"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.text == "<h1>The shop has no such page</h1>", path


def test_hooks_and_checkout_api_work_under_the_configured_prefixes(host):
    client = host.test_client()
    _pay_through_the_module(client)
    missing = client.get(f"{API}/no-such-thing", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete(f"{API}/pre-orders")
    assert wrong_method.status_code == 405 and "error" in wrong_method.get_json()
    answer = client.post(f"{HOOKS}/pre_order/", data=b"x" * 100)
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and "X-Request-ID" in answer.headers


def test_the_served_openapi_document_names_the_configured_paths(host):
    document = host.test_client().get(f"{OPS}/openapi.json").get_json()
    assert f"{HOOKS}/pre_order/" in document["paths"] and f"{HOOKS}/complete/" in document["paths"]
    assert f"{API}/pre-orders" in document["paths"]
    assert not any(path.startswith(("/hooks/ivr", "/api/")) for path in document["paths"])
    assert host.test_client().get(f"{OPS}/readyz").status_code == 200


def _admin_links(html):
    return re.findall(r'(?:href|src|action)="(/[^"]*)"', html)


def test_module_accounts_log_in_beside_the_hosts_login(module_host):
    from ivr_module.cli import ivr_cli  # noqa: F401  (the CLI group works under the host's --app)

    cli = module_host.test_cli_runner()
    created = cli.invoke(args=["ivr", "create-user", "desk", "--role", "support", "--password", STAFF_PASSWORD])
    assert created.exit_code == 0, created.output
    client = module_host.test_client()
    _pay_through_the_module(client)
    assert client.get(f"{ADMIN}/").headers["Location"].startswith(f"{ADMIN}/auth/login")
    token = csrf_token_of(client.get(f"{ADMIN}/auth/login").text)
    logged_in = client.post(f"{ADMIN}/auth/login", data={
        "username": "desk", "password": STAFF_PASSWORD, "csrf_token": token})
    assert logged_in.status_code == 302
    page = client.get(f"{ADMIN}/transactions/")
    assert page.status_code == 200 and "HOST-REF-1" in page.text
    assert page.headers["Content-Security-Policy"] and page.headers["Cache-Control"] == "no-store"
    assert all(link.startswith(ADMIN) for link in _admin_links(page.text)), _admin_links(page.text)
    assert client.get(f"{ADMIN}/assets/ivr_admin/admin.css").status_code == 200
    assert client.get(f"{ADMIN}/users/").status_code == 403  # support: no users page
    # The host's own login is untouched by the module's: the host still sees nobody logged in.
    assert client.get("/api/products").status_code == 200
    with module_host.test_request_context():
        from flask_login import current_user
        assert not current_user.is_authenticated


def test_the_hosts_login_decides_who_reaches_the_admin(login_host):
    client = login_host.test_client()
    _pay_through_the_module(client)
    # Logged out: the host's login page, never the module's.
    assert client.get(f"{ADMIN}/").headers["Location"].startswith("/login")
    assert client.get(f"{ADMIN}/auth/login").headers["Location"].startswith("/login")
    # An admin's page gives this browser session a CSRF token; then support logs in.
    client.post("/login", data={"email": "mehmet@shop.example"})
    token = csrf_token_of(client.get(f"{ADMIN}/pre-orders/").text)
    client.post("/logout")
    client.post("/login", data={"email": "ayse@shop.example"})
    page = client.get(f"{ADMIN}/transactions/")
    assert page.status_code == 200 and "HOST-REF-1" in page.text and "ayse@shop.example" in page.text
    assert client.get(f"{ADMIN}/users/").status_code in (403, 404)  # no module accounts here
    # Read-only for support: the cancel action is refused, the pre-order stays paid.
    refused = client.post(f"{ADMIN}/pre-orders/action/", data={"action": "cancel", "rowid": "1", "csrf_token": token})
    assert refused.status_code in (302, 403)
    with login_host.app_context():
        assert host_db.session.scalar(text("SELECT status FROM ivr_pre_orders")) == "paid"
    client.post("/logout")
    client.post("/login", data={"email": "buyer@shop.example"})
    assert client.get(f"{ADMIN}/").status_code == 403  # a customer without an IVR role


def test_host_login_mode_still_wants_csrf_on_admin_posts(login_host):
    client = login_host.test_client()
    client.post("/login", data={"email": "mehmet@shop.example"})
    assert client.get(f"{ADMIN}/pre-orders/").status_code == 200
    without_token = client.post(f"{ADMIN}/pre-orders/action/", data={"action": "cancel", "rowid": "1"})
    assert without_token.status_code == 400


def test_an_admin_by_the_hosts_login_cancels_with_the_token(login_host):
    client = login_host.test_client()
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    pre_order_id = client.post(f"{API}/pre-orders", json=BASKET, headers=headers).get_json()["id"]
    client.post("/login", data={"email": "mehmet@shop.example"})
    token = csrf_token_of(client.get(f"{ADMIN}/pre-orders/").text)
    done = client.post(f"{ADMIN}/pre-orders/action/",
                       data={"action": "cancel", "rowid": str(pre_order_id), "csrf_token": token})
    assert done.status_code == 302
    assert client.get(f"{API}/pre-orders/{pre_order_id}", headers=headers).get_json()["status"] == "cancelled"


def test_body_limits_apply_to_the_modules_endpoints_only(host):
    @host.post("/upload")
    def upload():
        from flask import request
        return str(len(request.get_data()))

    client = host.test_client()
    big = b"x" * (2 * 1024 * 1024)
    assert client.post("/upload", data=big).text == str(len(big))  # the host's 5 MiB limit
    refused = client.post(f"{API}/pre-orders", data=big, content_type="application/json",
                          headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert refused.status_code == 413 and refused.get_json()["error"]["code"]


def test_the_cli_works_under_the_hosts_app(host):
    cli = host.test_cli_runner()
    for command in (["ivr", "demo"], ["ivr", "purge-hook-calls", "--older-than-days", "30"],
                    ["ivr", "generate-data", "--hook-calls", "20", "--transactions", "5", "--days", "2"]):
        result = cli.invoke(args=command)
        assert result.exit_code == 0, (command, result.output)
    with host.app_context():
        assert host_db.session.scalar(text("SELECT count(*) FROM ivr_transactions")) >= 5


def test_a_host_without_what_the_module_needs_is_told_at_start(migrated, caplog):
    url, extra = migrated
    app = create_host_app(url, SECRET_KEY=None, **extra)
    warnings = " ".join(record.getMessage() for record in caplog.records)
    assert "SECRET_KEY" in warnings and "IVR_USERNAME" in warnings
    _dispose(app)
