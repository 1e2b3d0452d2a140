"""The hook-call log: one row per call, written after the answer is decided."""

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from flask import current_app
from sqlalchemy import insert, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..config import postgres_connect_args
from ..db import db, naive_utc, utcnow
from ..models import HookCall
from .card_masking import mask_card_numbers
from .group_commit import GroupCommit

logger = logging.getLogger(__name__)

def loggable(value, max_length: int):
    """A presented value made safe to store: text, no NUL, no card number, cut to the column."""
    if value is None:
        return None
    text = str(value).encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return mask_card_numbers(text)[:max_length]


INSERT_HOOK_CALL = insert(HookCall.__table__)  # SQLite: through the app's session

# PostgreSQL: the same INSERT as plain SQL for psycopg, built from the table's columns. The
# writer skips SQLAlchemy there: its per-statement work cost more than the INSERT itself.
LOGGED_COLUMNS = [column.name for column in HookCall.__table__.columns if not column.primary_key]


@functools.cache
def insert_rows_sql(count: int) -> str:
    """One INSERT of `count` rows (a batch is one statement, one round trip)."""
    row = "(" + ", ".join(["%s"] * len(LOGGED_COLUMNS)) + ")"
    return "INSERT INTO {} ({}) VALUES {}".format(
        HookCall.__tablename__, ", ".join(LOGGED_COLUMNS), ", ".join([row] * count)
    )

# For this transaction only: the setting ends with it, whatever server connection ran it.
SYNCHRONOUS_COMMIT_OFF_HERE = "SET LOCAL synchronous_commit TO off"

class HookLogWriter:
    """Writes hook-call rows outside any request's transaction.

    On PostgreSQL each worker process has one connection of its own, autocommitted, with
    synchronous_commit off, and rows of concurrent calls are grouped into one round trip: a row
    is committed before its call is answered (a crash of the app loses none), but PostgreSQL
    does not wait for its disk first; only a crash of PostgreSQL itself could lose the last
    moment's log rows. Payments never go through here: their commit stays synchronous.

    Behind a transaction pooler (`transaction_pooling`) a setting of the connection would stay
    on whichever server connection it landed on: synchronous_commit is then set for each write's
    own transaction instead (SET LOCAL), sent in one pipeline with the INSERT: one round trip.
    """

    def __init__(self, database_uri: str, transaction_pooling: bool = False):
        self.conninfo = None
        self._connection = None
        self.transaction_pooling = transaction_pooling
        if database_uri.startswith("postgresql"):
            url = make_url(database_uri).set(drivername="postgresql")
            self.conninfo = url.render_as_string(hide_password=False)
            self.group = GroupCommit(self._insert_many)

    def write(self, row: dict) -> None:
        """Store one row (SQLite: through the app's session, which has the only writer lock)."""
        if self.conninfo is None:
            db.session.execute(INSERT_HOOK_CALL, row)
            db.session.commit()
            return
        self.group.write(row)

    def connection(self) -> psycopg.Connection:
        """The writer's connection, opened on first use (after gunicorn forks its workers)."""
        if self._connection is None or self._connection.closed:
            # PgBouncer refuses the `options` start-up parameter; a session-wide setting would
            # leak to other clients of the pool anyway.
            session_options = {} if self.transaction_pooling else {"options": "-c synchronous_commit=off"}
            self._connection = psycopg.connect(
                self.conninfo,
                autocommit=True,
                **session_options,
                **postgres_connect_args(self.transaction_pooling),
            )
        return self._connection

    @contextmanager
    def writing(self) -> Iterator[psycopg.Connection]:
        """The writer's connection, for one write committed without waiting for the disk."""
        connection = self.connection()
        if not self.transaction_pooling:
            yield connection  # synchronous_commit is off for the whole session
            return
        # BEGIN to COMMIT queued in one pipeline, one round trip as without a pooler (psycopg's
        # transaction() would wait for its BEGIN and its COMMIT apart).
        try:
            with connection.pipeline():
                connection.execute("BEGIN")
                connection.execute(SYNCHRONOUS_COMMIT_OFF_HERE)
                yield connection
                connection.execute("COMMIT")
        except BaseException:
            self.dispose()  # it may be left inside the failed transaction, holding a server
            raise

    def _execute(self, statement: str, values: list) -> None:
        with self.writing() as connection:
            connection.execute(statement, values)

    def _insert_many(self, rows: list[dict]) -> None:
        """Only one batch is written at a time (GroupCommit), so one connection serves."""
        values = [
            naive_utc(row[name]) if name == "created_at" else row[name]
            for row in rows
            for name in LOGGED_COLUMNS
        ]
        statement = insert_rows_sql(len(rows))
        try:
            self._execute(statement, values)
        except psycopg.OperationalError:
            self.dispose()  # a dead connection (PostgreSQL restarted): one try on a fresh one
            self._execute(statement, values)

    def dispose(self) -> None:
        """Close the writer's connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def record_hook_call(**fields) -> None:
    """Store one hook call; a failure is logged (without secrets), never raised."""
    row = {
        "created_at": utcnow(),
        "endpoint": fields["endpoint"],
        "remote_addr": loggable(fields.get("remote_addr"), 64),
        "username": loggable(fields.get("username"), 256),
        "order_number": loggable(fields.get("order_number"), 64),
        "reference_number": loggable(fields.get("reference_number"), 128),
        "staff_id": loggable(fields.get("staff_id"), 64),
        "success": fields["success"],
        "error_text": fields["error_text"],
        "error_code": fields["error_code"],
        "detail": loggable(fields["detail"], 512),
        "duration_ms": fields["duration_ms"],
        "request_id": loggable(fields.get("request_id"), 64),
        "live": fields.get("live", True),
    }
    try:
        current_app.extensions["ivr"].hook_log.write(row)
    except (SQLAlchemyError, psycopg.Error, TimeoutError) as error:
        db.session.rollback()
        logger.error(
            "hook call not recorded (%s): endpoint=%s order=%s error=%r detail=%r",
            type(error).__name__,
            row["endpoint"],
            row["order_number"],
            row["error_text"],
            row["detail"],
        )
