"""Fixtures: an app on the chosen backend, its client and CLI runner, and small factories.

`--backend sqlite` (default) runs on a SQLite file and the in-process cache;
`--backend postgres` on the machine's PostgreSQL and Redis. Every test runs on both.
`--backend pgbouncer` is PostgreSQL and Redis again, reached through a PgBouncer of the run's own
in transaction pooling mode (IVR_TRANSACTION_POOLING on); `make test` runs the hook and payment
tests this way once more.
The schema is built once per run by the Alembic migrations, and emptied before each test.
"""

import os

import psycopg
import pytest
import redis
from flask_migrate import upgrade

from ivr_module import create_app
from ivr_module.cache import cache
from ivr_module.db import Base, db
from tests.helpers import (
    API_TOKEN, POSTGRES_ADMIN_URL, REDIS_TEST_URL, Hooks, StaffActions, dispose, empty_tables,
    make_app, new_pre_order, unavailable,
)
from tests.pgbouncer import PGBOUNCER, PgBouncer
from tests.private_redis import PrivateRedis

# The webhook tests' receiver and webhook_app fixtures.
pytest_plugins = ["tests.webhook_receiver"]


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgres", "pgbouncer"),
        default=os.environ.get("IVR_TEST_BACKEND", "sqlite"),
        help="sqlite: SQLite + in-process cache; postgres: PostgreSQL + Redis; "
        "pgbouncer: PostgreSQL (through PgBouncer, transaction pooling) + Redis",
    )


@pytest.fixture(scope="session")
def backend(request):
    """The backend of this run: 'sqlite', 'postgres' or 'pgbouncer' (PostgreSQL behind PgBouncer)."""
    return request.config.getoption("--backend")


def _fresh_postgres_database() -> str:
    name = f"ivr_test_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def backend_config(backend, tmp_path_factory):
    """Settings that point an app at this run's database and cache, schema migrated."""
    if backend == "pgbouncer" and not PGBOUNCER.exists():
        unavailable(f"{PGBOUNCER} is missing (apt-get install pgbouncer)")
    if backend != "sqlite":
        settings = {"DATABASE_URL": _fresh_postgres_database(), "REDIS_URL": REDIS_TEST_URL}
        redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    else:
        path = tmp_path_factory.mktemp("db") / "ivr.sqlite3"
        settings = {"DATABASE_URL": f"sqlite:///{path}"}
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, **settings})
    with app.app_context():
        upgrade()  # straight to PostgreSQL, as docs/OPERATIONS.md says to migrate
        db.engine.dispose()
    name = settings["DATABASE_URL"].rsplit("/", 1)[1]
    bouncer = None
    try:
        if backend == "pgbouncer":
            bouncer = PgBouncer(POSTGRES_ADMIN_URL, tmp_path_factory.mktemp("pgbouncer"))
            bouncer.start()
            settings = {**settings, "DATABASE_URL": bouncer.url(name), "IVR_TRANSACTION_POOLING": True}
        yield settings
    finally:
        if bouncer:
            bouncer.stop()
        if backend != "sqlite":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(backend_config):
    """The app under test, on empty tables and an empty cache."""
    app = make_app(backend_config)
    with app.app_context():
        empty_tables(db.session, Base.metadata.sorted_tables)
        cache.clear()
    yield app
    dispose(app)


@pytest.fixture
def app_with(app, backend_config):
    """Build further apps on the same emptied backend with other settings: app_with(KEY=value)."""
    built = []

    def build(**overrides):
        built.append(make_app(backend_config, **overrides))
        return built[-1]

    yield build
    for other in built:
        dispose(other)


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, that it may kill, pause and restart."""
    server = PrivateRedis()
    server.start()
    yield server
    server.close()


@pytest.fixture
def runner(app):
    """The app's CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def hooks(client):
    """The vendor's view of the hooks."""
    return Hooks(client)


@pytest.fixture
def make_pre_order(app):
    """new_pre_order on the app under test: returns (id, order number)."""
    return lambda issue=True, **overrides: new_pre_order(app, issue, **overrides)


@pytest.fixture
def api(client):
    """The checkout API with its bearer token: api.post(path, json=...) etc."""

    class Api:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}

        def __getattr__(self, method):
            call = getattr(client, method)
            return lambda path, **kwargs: call(f"/api{path}", headers=self.headers, **kwargs)

    return Api()


@pytest.fixture
def staff(app, client):
    """Log staff in and out of the admin: staff.login("support")."""
    return StaffActions(app, client)
