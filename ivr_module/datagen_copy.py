"""generate-data on PostgreSQL: rows in by COPY, the log's months made first, its indexes built once.

Ten million hook calls inserted with their seven indexes kept up row by row take most of an
hour on a small machine; COPY into bare partitions and one sorted index build per partition
afterwards take minutes (docs/ADMIN_SCALE.md).
"""

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import DateTime, text

from .db import UTCDateTime
from .services import hook_call_partitions as partitions

logger = logging.getLogger(__name__)

LOG_TABLE = partitions.PARENT
# Columns a generated row may leave out (its table's default, NULL, applies).
OPTIONAL_COLUMNS = {"ivr_pre_orders": ("snapshot_basket",)}


def copier_for(session, first_day: datetime, now: datetime):
    """A Copier on PostgreSQL (after making the log's months from `first_day` on), else None."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if partitions.is_partitioned(session):
        months = partitions.months_between(first_day, now + timedelta(days=31 * partitions.MONTHS_AHEAD))
        partitions.create_partitions(session, months)
        session.commit()
    return Copier(session)


class Copier:
    """COPY of generated rows (lists of dicts) into their tables, in the session's transaction."""

    def __init__(self, session):
        self.session = session

    def copy(self, table, rows: list[dict]) -> None:
        """COPY `rows` into `table` (a SQLAlchemy Table); datetimes go in as naive UTC."""
        if not rows:
            return
        columns = list(rows[0]) + [c for c in OPTIONAL_COLUMNS.get(table.name, ()) if c not in rows[0]]
        times = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, (UTCDateTime, DateTime))]
        connection = self.session.connection().connection.driver_connection
        with connection.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                values = [row.get(name) for name in columns]
                for i in times:
                    if values[i] is not None:
                        values[i] = values[i].replace(tzinfo=None)  # generated times are UTC
                copy.write_row(values)

    @contextmanager
    def bulk_load(self):
        """Into an empty hook-call log: its indexes and key dropped for the load, built after."""
        session = self.session
        if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {LOG_TABLE})")).scalar():
            yield
            return
        definitions = _drop_log_indexes(session)
        session.commit()
        try:
            yield
        finally:
            session.rollback()  # whatever a failed load left open; its committed days stay
            _build_log_indexes(session, definitions)


def _drop_log_indexes(session) -> dict:
    """Drop the log's primary key and indexes; returns what rebuilds them."""
    key = session.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = to_regclass(:t) AND contype = 'p'"
    ), {"t": LOG_TABLE}).one()
    indexes = session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = :t AND indexname <> :k"
    ), {"t": LOG_TABLE, "k": key[0]}).all()
    session.execute(text(f"ALTER TABLE {LOG_TABLE} DROP CONSTRAINT {key[0]}"))
    for name, _definition in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    return {"key": key, "indexes": indexes}


def _build_log_indexes(session, definitions: dict) -> None:
    """Build the log's primary key and indexes again, each one sorted pass per partition."""
    session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    name, definition = definitions["key"]
    session.execute(text(f"ALTER TABLE {LOG_TABLE} ADD CONSTRAINT {name} {definition}"))
    for index_name, index_definition in definitions["indexes"]:
        started = datetime.now()
        # pg_indexes writes a partitioned index as ON ONLY the parent: built on no partition.
        session.execute(text(index_definition.replace(" ON ONLY ", " ON ", 1)))
        logger.info("built %s in %s", index_name, datetime.now() - started)
    session.commit()
