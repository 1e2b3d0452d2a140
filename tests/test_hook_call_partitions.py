"""The hook-call log by month on PostgreSQL: migration 0013, months made ahead, retention by month.

SQLite keeps a plain table and batch deletes: these tests skip there (tests/test_operations.py and
tests/test_worker.py cover retention on both backends).
"""

import os
import time
from datetime import datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text

from ivr_module import create_app
from ivr_module.db import db, utcnow
from ivr_module.models import HookCall
from ivr_module.services import hook_call_partitions as partitions
from ivr_module.services import hook_log_retention
from ivr_module.services.hook_log_retention import purge_hook_calls
from ivr_module.worker import make_hook_call_partitions
from tests.helpers import POSTGRES_ADMIN_URL, all_at_once, count_rows


@pytest.fixture
def pg_app(app, backend):
    """The app on PostgreSQL; the log's partitions are put back as they were afterwards."""
    if backend == "sqlite":
        pytest.skip("PostgreSQL only: SQLite's log is a plain table")
    with app.app_context():
        before = set(partitions.monthly_partitions(db.session).values())
    yield app
    with app.app_context():
        for name in set(partitions.monthly_partitions(db.session).values()) - before:
            db.session.execute(text(f"DROP TABLE {name}"))
        db.session.commit()
        partitions.create_partitions_ahead(db.session, utcnow())
        db.session.commit()


def add_calls(app, *moments) -> None:
    with app.app_context():
        for moment in moments:
            db.session.add(HookCall(created_at=moment, endpoint="pre_order", success=True, error_text="",
                                    detail="", duration_ms=1))
        db.session.commit()


def rows_by_partition(app) -> dict:
    with app.app_context():
        rows = db.session.execute(text("SELECT tableoid::regclass::text, count(*) FROM ivr_hook_calls GROUP BY 1"))
        return dict(rows.all())


def months_ago(count: int) -> datetime:
    """The first day of the month `count` months before this one (negative: ahead)."""
    month = partitions.month_start(utcnow())
    for _ in range(abs(count)):
        month = (month - timedelta(days=1)).replace(day=1) if count > 0 else partitions.next_month(month)
    return month


# --- Migration 0013 on a database with rows ------------------------------------------------------

@pytest.fixture
def scratch_database(backend):
    """A database of the test's own (the migration is run on it from 0010)."""
    if backend == "sqlite":
        pytest.skip("PostgreSQL only: on SQLite migration 0013 does nothing")
    name = f"ivr_partition_migration_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    app = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": url})
    yield app, url
    with app.app_context():
        db.engine.dispose()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


INDEXES = (
    "SELECT indexname, replace(indexdef, ' ON ONLY ', ' ON ') FROM pg_indexes"
    " WHERE tablename = 'ivr_hook_calls' AND indexname <> 'pk_ivr_hook_calls' ORDER BY 1"
)


def test_the_migration_keeps_every_row_and_partitions_the_log_by_month(scratch_database):
    app, url = scratch_database
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010"]).exit_code == 0
    with psycopg.connect(url, autocommit=True) as connection:
        # Fourteen months of calls, one every six hours, as an unpartitioned log holds them.
        connection.execute(
            "INSERT INTO ivr_hook_calls (created_at, endpoint, success, error_text, detail, duration_ms)"
            " SELECT now() AT TIME ZONE 'UTC' - g * interval '6 hours', 'pre_order', g % 4 = 0,"
            " 'x', 'd' || g, g FROM generate_series(0, 1700) g"
        )
        # As if a revision chained before this one had added an index: it must come along.
        connection.execute("CREATE INDEX ix_ivr_hook_calls_request_id ON ivr_hook_calls (request_id)")
        indexes = connection.execute(INDEXES).fetchall()
        before = connection.execute("SELECT id, created_at, detail FROM ivr_hook_calls ORDER BY id").fetchall()
        with_rows = connection.execute(
            "SELECT count(DISTINCT date_trunc('month', created_at)) FROM ivr_hook_calls"
        ).fetchone()[0]
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with psycopg.connect(url, autocommit=True) as connection:
        after = connection.execute("SELECT id, created_at, detail FROM ivr_hook_calls ORDER BY id").fetchall()
        kind = connection.execute("SELECT relkind FROM pg_class WHERE relname = 'ivr_hook_calls'").fetchone()[0]
        key = connection.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_ivr_hook_calls'"
        ).fetchone()[0]
        in_default = connection.execute("SELECT count(*) FROM ivr_hook_calls_default").fetchone()[0]
        partitioned_indexes = connection.execute(INDEXES).fetchall()
        months = connection.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ivr_hook_calls'::regclass"
        ).fetchone()[0]
        new_id = connection.execute(
            "INSERT INTO ivr_hook_calls (created_at, endpoint, success, error_text, detail, duration_ms)"
            " VALUES (now() AT TIME ZONE 'UTC', 'complete', true, '', '', 1) RETURNING id"
        ).fetchone()[0]
    assert after == before and len(after) == 1701
    assert kind == "p" and key == "PRIMARY KEY (id, created_at)"
    assert in_default == 0  # every existing month has its partition
    assert partitioned_indexes == indexes and len(indexes) == 7
    assert months == with_rows + partitions.MONTHS_AHEAD + 1  # the months of rows, 3 ahead, the default
    assert new_id == max(row[0] for row in before) + 1  # the same id sequence goes on
    assert runner.invoke(args=["db", "downgrade", "0010"]).exit_code == 0
    with psycopg.connect(url, autocommit=True) as connection:
        back = connection.execute("SELECT count(*) FROM ivr_hook_calls").fetchone()[0]
        assert connection.execute(INDEXES).fetchall() == indexes
        kind = connection.execute("SELECT relkind FROM pg_class WHERE relname = 'ivr_hook_calls'").fetchone()[0]
    assert back == 1702 and kind == "r"


# --- Months made ahead ---------------------------------------------------------------------------

def test_the_worker_makes_this_month_and_three_ahead_once(pg_app):
    with pg_app.app_context():
        wanted = [partitions.partition_name(months_ago(-ahead)) for ahead in range(4)]
        for name in wanted[1:]:
            db.session.execute(text(f"DROP TABLE {name}"))
        db.session.commit()
        assert make_hook_call_partitions() == wanted[1:]
        assert make_hook_call_partitions() == []
        assert set(wanted) <= set(partitions.monthly_partitions(db.session).values())


def test_an_hourly_run_with_every_month_there_takes_no_lock_on_the_log(pg_app, caplog):
    with pg_app.app_context():
        make_hook_call_partitions()
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as reader:  # any DDL on the log would wait for this reader
        reader.execute("SELECT count(*) FROM ivr_hook_calls")
        with pg_app.app_context():
            assert make_hook_call_partitions() == []
    assert "not made" not in caplog.text


def test_a_migration_run_makes_the_months_ahead_and_never_fails_for_want_of_a_lock(pg_app):
    ahead = partitions.partition_name(months_ago(-3))
    with pg_app.app_context():
        db.session.execute(text(f"DROP TABLE {ahead}"))
        db.session.commit()
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    runner = pg_app.test_cli_runner()
    with psycopg.connect(url) as reader:  # a long report holding the log open
        reader.execute("SELECT count(*) FROM ivr_hook_calls")
        held = runner.invoke(args=["db", "upgrade"])
    assert held.exit_code == 0, held.output  # the deploy goes on; the worker makes the month later
    with pg_app.app_context():
        assert ahead not in partitions.monthly_partitions(db.session).values()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with pg_app.app_context():
        assert ahead in partitions.monthly_partitions(db.session).values()


def test_several_processes_making_the_same_months_at_once_all_succeed(pg_app, app_with):
    with pg_app.app_context():
        future = [partitions.partition_name(months_ago(-ahead)) for ahead in (1, 2, 3)]
        for name in future:
            db.session.execute(text(f"DROP TABLE {name}"))
        db.session.commit()
    apps = [app_with() for _ in range(4)]
    for app in apps:  # connected beforehand, so the calls below start together
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.remove()

    def make(app):
        with app.app_context():
            return make_hook_call_partitions()

    created = [name for names in all_at_once([lambda app=app: make(app) for app in apps]) for name in names]
    assert sorted(created) == sorted(future)  # each month made once, by one of them


def test_rows_caught_by_the_default_partition_move_into_their_month(pg_app):
    long_ago = datetime(2019, 5, 17, 12, 0)
    add_calls(pg_app, long_ago.replace(tzinfo=utcnow().tzinfo), utcnow())
    assert rows_by_partition(pg_app).get("ivr_hook_calls_default") == 1
    with pg_app.app_context():
        assert partitions.create_partitions(db.session, [long_ago]) == ["ivr_hook_calls_2019_05"]
        db.session.commit()
    by_partition = rows_by_partition(pg_app)
    assert by_partition.get("ivr_hook_calls_2019_05") == 1 and "ivr_hook_calls_default" not in by_partition
    assert count_rows(pg_app, HookCall) == 2


# --- Retention by month --------------------------------------------------------------------------

def test_retention_drops_whole_old_months_and_keeps_the_current_one(pg_app):
    old, older = months_ago(3), months_ago(4)
    with pg_app.app_context():
        partitions.create_partitions(db.session, [old, older])
        db.session.commit()
    zone = utcnow().tzinfo
    add_calls(pg_app, *(moment.replace(tzinfo=zone) + timedelta(days=2) for moment in (old, old, older)))
    now = utcnow()
    add_calls(pg_app, now - timedelta(days=45), now - timedelta(days=1), now)
    with pg_app.app_context():
        deleted = list(purge_hook_calls(now - timedelta(days=40), 2))
        left = set(partitions.monthly_partitions(db.session).values())
    assert partitions.partition_name(old) not in left and partitions.partition_name(older) not in left
    assert partitions.partition_name(now) in left
    # Whole months first (4's one row, 3's two), then the 45-day-old row in a batch.
    assert deleted == [1, 2, 1]
    assert count_rows(pg_app, HookCall) == 2


def test_a_month_whose_lock_does_not_come_is_left_for_the_next_run_without_waiting_long(pg_app, monkeypatch):
    monkeypatch.setattr(hook_log_retention, "DROP_ATTEMPTS", 2)
    monkeypatch.setattr(hook_log_retention, "DROP_RETRY_PAUSE_SECONDS", 0)
    old = months_ago(3)
    with pg_app.app_context():
        partitions.create_partitions(db.session, [old])
        db.session.commit()
    add_calls(pg_app, old.replace(tzinfo=utcnow().tzinfo) + timedelta(days=1))
    with pg_app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as reader:  # a long report holding the log open
        reader.execute("SELECT count(*) FROM ivr_hook_calls")
        with pg_app.app_context():
            started = time.monotonic()
            deleted = list(purge_hook_calls(utcnow() - timedelta(days=40), 100))
            elapsed = time.monotonic() - started
            left = set(partitions.monthly_partitions(db.session).values())
    assert deleted == [] and partitions.partition_name(old) in left
    assert elapsed < 3  # two tries of 0.5 s, not a wait behind the reader
    assert count_rows(pg_app, HookCall) == 1  # not deleted row by row either


def test_an_ordinary_call_is_written_to_and_read_from_this_months_partition(pg_app, hooks):
    hooks.pre_order("1234567897")
    assert rows_by_partition(pg_app) == {partitions.partition_name(utcnow()): 1}


# --- generate-data by COPY -----------------------------------------------------------------------

def test_generate_data_copies_the_rows_asked_for_into_their_months_with_every_index(pg_app, runner):
    result = runner.invoke(args=["ivr", "generate-data", "--hook-calls", "2000", "--transactions", "150",
                                 "--days", "70", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert "Wrote 150 transactions and 2000 hook calls." in result.output
    by_partition = rows_by_partition(pg_app)
    assert sum(by_partition.values()) == 2000 and "ivr_hook_calls_default" not in by_partition
    assert len(by_partition) >= 3  # 70 days span three months at least
    with pg_app.app_context():
        indexes = db.session.execute(text(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'ivr_hook_calls'::regclass"
        )).all()
    assert len(indexes) == 7 and all(valid for _name, valid in indexes)


def test_the_command_makes_the_months_ahead_and_lists_them(pg_app):
    ahead = partitions.partition_name(months_ago(-3))
    with pg_app.app_context():
        db.session.execute(text(f"DROP TABLE {ahead}"))
        db.session.commit()
    result = pg_app.test_cli_runner().invoke(args=["ivr", "hook-call-partitions"])
    assert result.exit_code == 0, result.output
    assert f"Created: {ahead}." in result.output
    assert f"  {partitions.partition_name(utcnow())}  " in result.output
    again = pg_app.test_cli_runner().invoke(args=["ivr", "hook-call-partitions"])
    assert "Created: none (all there already)." in again.output


def test_partitions_are_a_no_op_on_sqlite(app, runner, backend):
    if backend != "sqlite":
        pytest.skip("SQLite only")
    with app.app_context():
        assert partitions.is_partitioned(db.session) is False
        assert make_hook_call_partitions() == []
    result = runner.invoke(args=["ivr", "hook-call-partitions"])
    assert "not partitioned" in result.output
