"""The hook-call log: one row per call, written after the answer is decided."""

import functools
import logging
import re
import threading

import psycopg
from flask import current_app
from sqlalchemy import delete, func, insert, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from stdnum import luhn

from ..config import POSTGRES_CONNECT_ARGS
from ..db import db, naive_utc, utcnow
from ..models import HookCall

logger = logging.getLogger(__name__)

# Runs of 13 to 19 digits, perhaps split by spaces or dashes: the shape of a card number.
CARD_LIKE = re.compile(r"\d(?:[ -]?\d){12,18}")


def _mask_card_numbers(text: str) -> str:
    """Hide anything that passes for a card number (the vendor's mistakes are not ours to keep)."""

    def mask(match):
        digits = re.sub(r"\D", "", match.group())
        if not luhn.is_valid(digits):
            return match.group()
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]

    return CARD_LIKE.sub(mask, text)


def loggable(value, max_length: int):
    """A presented value made safe to store: text, no NUL, no card number, cut to the column."""
    if value is None:
        return None
    text = str(value).encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return _mask_card_numbers(text)[:max_length]


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

# How long a call waits for its row to be written by another before giving up (and logging).
WRITE_WAIT_SECONDS = 30


class _Pending:
    """A row waiting to be written, and how its caller learns the outcome."""

    __slots__ = ("row", "turn", "written", "error")

    def __init__(self, row: dict):
        self.row, self.turn, self.written, self.error = row, threading.Event(), False, None


class GroupCommit:
    """Rows of concurrent calls go to the database together, in one round trip.

    A caller who finds nobody writing writes every row waiting, its own included; the others
    wait, and when the write is done the first still waiting writes the next batch. Nothing is
    buffered past its call: each caller returns once its own row is committed, so a crash of
    the app loses no row of an answered call. Alone, a caller simply writes its row.
    """

    def __init__(self, insert_many):
        self._insert_many = insert_many
        self._lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._busy = False

    def write(self, row: dict) -> None:
        """Return once `row` is committed; raise what the write raised."""
        pending = _Pending(row)
        with self._lock:
            self._waiting.append(pending)
            leads, self._busy = not self._busy, True
        if not leads and not pending.turn.wait(WRITE_WAIT_SECONDS):
            raise TimeoutError("the hook-call log writer did not answer")
        if not pending.written:  # our turn to write, not yet written by another
            self._write_waiting()
        if pending.error is not None:
            raise pending.error

    def _write_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        error = None
        try:
            self._insert_many([pending.row for pending in batch])
        except Exception as failure:  # noqa: BLE001 - handed to every caller of the batch
            error = failure
        finally:
            for pending in batch:
                pending.written, pending.error = True, error
                pending.turn.set()
            with self._lock:
                if self._waiting:
                    self._waiting[0].turn.set()  # the first still waiting writes next
                else:
                    self._busy = False


class HookLogWriter:
    """Writes hook-call rows outside any request's transaction.

    On PostgreSQL each worker process has one connection of its own, autocommitted, with
    synchronous_commit off, and rows of concurrent calls are grouped into one round trip: a row
    is committed before its call is answered (a crash of the app loses none), but PostgreSQL
    does not wait for its disk first; only a crash of PostgreSQL itself could lose the last
    moment's log rows. Payments never go through here: their commit stays synchronous.
    """

    def __init__(self, database_uri: str):
        self.conninfo = None
        self._connection = None
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
            self._connection = psycopg.connect(
                self.conninfo,
                autocommit=True,
                options="-c synchronous_commit=off",
                **POSTGRES_CONNECT_ARGS,
            )
        return self._connection

    def _insert_many(self, rows: list[dict]) -> None:
        """Only one batch is written at a time (GroupCommit), so one connection serves."""
        values = [
            naive_utc(row[name]) if name == "created_at" else row[name]
            for row in rows
            for name in LOGGED_COLUMNS
        ]
        statement = insert_rows_sql(len(rows))
        try:
            self.connection().execute(statement, values)
        except psycopg.OperationalError:
            self.dispose()  # a dead connection (PostgreSQL restarted): one try on a fresh one
            self.connection().execute(statement, values)

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
        "detail": loggable(fields["detail"], 512),
        "duration_ms": fields["duration_ms"],
        "request_id": loggable(fields.get("request_id"), 64),
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


def count_hook_calls_before(cutoff) -> int:
    """How many hook-call rows are older than `cutoff`."""
    return db.session.scalar(select(func.count()).where(HookCall.created_at < cutoff))


def purge_hook_calls(cutoff, batch_size: int):
    """Delete hook-call rows older than `cutoff`, one committed batch at a time; yield each count.

    Small batches keep each transaction short, so the hooks never wait long on the table.
    """
    while True:
        oldest = select(HookCall.id).where(HookCall.created_at < cutoff).limit(batch_size)
        deleted = db.session.execute(delete(HookCall).where(HookCall.id.in_(oldest))).rowcount
        db.session.commit()
        if not deleted:
            return
        yield deleted
