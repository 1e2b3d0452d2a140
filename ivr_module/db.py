"""The database handle, the declarative base and the column types shared by all models."""

import time
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal

from flask import current_app
from sqlalchemy import Connection, DateTime, MetaData, Numeric, event, exc
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

CENT = Decimal("0.01")

# A pooled PostgreSQL connection idle for longer than this is checked before use (see below).
PING_AFTER_IDLE_SECONDS = 1.0

# Named constraints keep Alembic's batch mode (needed for ALTER on SQLite) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def is_storable_text(value: str) -> bool:
    """Whether a database can hold this string: no NUL (PostgreSQL) and valid UTF-8 (no lone surrogates)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def naive_utc(value: datetime) -> datetime:
    """An aware datetime as the naive UTC the columns store; a naive one is refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given for a UTC column")
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class UTCDateTime(TypeDecorator):
    """Store naive UTC and hand back aware UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Aware in, naive UTC stored."""
        return None if value is None else naive_utc(value)

    def process_result_value(self, value, dialect):
        """Naive UTC stored, aware UTC out."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Money(TypeDecorator):
    """An exact amount with two decimal places, handed back as Decimal on every backend.

    PostgreSQL keeps NUMERIC exactly. SQLite keeps it as a double, which holds every amount
    of up to 15 digits exactly enough to round back to the same cents.
    """

    impl = Numeric(12, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Any number in, exact cents stored."""
        return None if value is None else Decimal(value).quantize(CENT)

    def process_result_value(self, value, dialect):
        """Exact cents out, whatever the backend handed back."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(CENT)


class Base(DeclarativeBase):
    """Declarative base of every ivr_module model: plain SQLAlchemy, bound to no engine.

    The models never name a Flask-SQLAlchemy instance, so the same classes work with the
    host app's `db` or with the module's own; the session of whichever is in use (see `db`
    below) reaches their tables through its engine. Their metadata is the module's alone,
    so its migrations (and a host's autogenerate) keep the two schemas apart.
    """

    # SQLAlchemy 2.1 refuses a per-class type_annotation_map beside a registry: one carries both.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), Decimal: Money()},
    )


def _current_db():
    return current_app.extensions["ivr"].db


# The Flask-SQLAlchemy instance of the current app: the host's own, or the module's when the
# host has none. A proxy, so module code writes `db.session` as in any Flask-SQLAlchemy app.
db = LocalProxy(_current_db)


def configure_sqlite(engine) -> None:
    """Give SQLite connections foreign keys, WAL and a generous busy wait."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def ping_idle_connections(engine) -> None:
    """Check a pooled connection before use only when it has sat idle (the module's own engine).

    pool_pre_ping would spend a round trip on every checkout, a good part of a payment's. After
    a restart of PostgreSQL the pool's connections are dead but idle, so checking the idle ones
    heals as pre_ping does; one that dies while the pool is busy fails its call, which is then
    answered `Service unavailable`, and the pool is renewed (SQLAlchemy's disconnect handling).
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            raise exc.DisconnectionError("an idle pooled connection is gone") from None


def begin_write() -> Connection:
    """Start the current transaction as a writer, so checks and the write see one state; return
    the session's connection, for a caller that writes in Core.

    On SQLite this takes the database write lock at once (BEGIN IMMEDIATE): a deferred
    transaction that reads, then writes, can fail with "database is locked" instead of
    waiting its turn. PostgreSQL needs nothing here: callers lock rows with FOR UPDATE.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


@contextmanager
def rolled_back_on_error():
    """Roll the session's transaction back if anything inside raises, then re-raise.

    BaseException too: a write interrupted mid-way (a worker's timeout, Ctrl-C) must not leave
    its transaction open with half its changes in it.
    """
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
