"""The module's own PostgreSQL pool checks a connection before use only when it has sat idle."""

import time

import psycopg
import pytest

from ivr_module.db import PING_AFTER_IDLE_SECONDS, db
from tests.helpers import API_TOKEN, POSTGRES_ADMIN_URL

HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def postgres_app(app_with, backend):
    """An app of its own: pytest-flask keeps a context of the `app` fixture's open for the whole
    test, which would hold its connection out of the pool between requests."""
    if backend != "postgres":
        pytest.skip("PostgreSQL without a pooler only")
    return app_with()


def _server_pids(app) -> set[int]:
    with app.app_context():
        database = db.engine.url.database
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return {pid for (pid,) in rows}


def _terminate(pids: set[int]) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_an_idle_connection_killed_by_a_restart_is_replaced_before_use(postgres_app):
    client = postgres_app.test_client()
    assert client.get("/api/pre-orders/1", headers=HEADERS).status_code == 404  # a pooled connection
    _terminate(_server_pids(postgres_app))  # as a restart of PostgreSQL would
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
    answer = client.get("/api/pre-orders/1", headers=HEADERS)
    assert answer.status_code == 404, answer.get_json()


def test_a_busy_connection_is_not_pinged(postgres_app):
    client = postgres_app.test_client()
    client.get("/api/pre-orders/1", headers=HEADERS)
    with postgres_app.app_context():
        engine = db.engine
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(1) or real_ping(connection)
    try:
        client.get("/api/pre-orders/1", headers=HEADERS)  # at once: the connection was not idle
        assert not pings
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
        client.get("/api/pre-orders/1", headers=HEADERS)
        assert pings == [1]
    finally:
        del engine.dialect.do_ping
