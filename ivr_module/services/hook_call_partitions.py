"""Monthly partitions of the hook-call log on PostgreSQL: made ahead of time, dropped whole.

Migration 0013 makes `ivr_hook_calls` a table partitioned by range of `created_at`, one
partition a month (`ivr_hook_calls_2026_12` holds December 2026) and a default partition that
catches any row no month holds yet, so a write never fails for want of a partition.

Everything here runs inside the caller's transaction and keeps no session state (SET LOCAL,
transaction-scoped advisory locks), so it works through PgBouncer in transaction pooling mode.
"""

import logging
import re
from datetime import datetime

from sqlalchemy import text

from ..db import naive_utc

logger = logging.getLogger(__name__)

PARENT = "ivr_hook_calls"
DEFAULT_PARTITION = f"{PARENT}_default"
MONTHS_AHEAD = 3
MONTHLY = re.compile(rf"^{PARENT}_(\d{{4}})_(\d{{2}})$")
# Several processes (workers, a migration, generate-data) may create the same month at once;
# they queue on this transaction-scoped lock instead of racing on the catalog.
ADVISORY_LOCK_KEY = 7_431_013
# DDL on the parent takes an ACCESS EXCLUSIVE lock: behind a long read it must give up quickly
# rather than hold every hook's log write in the queue behind it.
DDL_LOCK_TIMEOUT = "500ms"


def is_partition_name(name: str) -> bool:
    """Whether a table name is one of the log's partitions (the models know only the parent)."""
    return bool(MONTHLY.match(name)) or name == DEFAULT_PARTITION


def _as_stored(moment: datetime) -> datetime:
    """A time as the column stores it: naive UTC."""
    return naive_utc(moment) if moment.tzinfo else moment


def month_start(moment: datetime) -> datetime:
    """The first instant of `moment`'s month (naive UTC, as the column stores times)."""
    moment = _as_stored(moment)
    return datetime(moment.year, moment.month, 1)


def next_month(month: datetime) -> datetime:
    """The first instant of the month after `month`."""
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: datetime, last: datetime) -> list[datetime]:
    """Every month from `first`'s to `last`'s, both included."""
    months, month, last = [], month_start(first), _as_stored(last)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: datetime) -> str:
    """The name of `month`'s partition: ivr_hook_calls_YYYY_MM."""
    return f"{PARENT}_{month:%Y_%m}"


def is_partitioned(connection) -> bool:
    """Whether the hook-call log is a partitioned table (PostgreSQL after migration 0013).

    `connection` is a SQLAlchemy Connection or Session, as everywhere in this module.
    """
    dialect = connection.dialect if hasattr(connection, "dialect") else connection.get_bind().dialect
    if dialect.name != "postgresql":
        return False
    return bool(connection.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t))"
    ), {"t": PARENT}).scalar())


def monthly_partitions(connection) -> dict[datetime, str]:
    """The monthly partitions that exist, by month (the default partition left out)."""
    names = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(:t)"
    ), {"t": PARENT}).scalars()
    found = {}
    for name in names:
        match = MONTHLY.match(name)
        if match:
            found[datetime(int(match[1]), int(match[2]), 1)] = name
    return found


def _lock_for_ddl(connection) -> None:
    connection.execute(text(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'"))
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


def create_partitions(connection, months) -> list[str]:
    """Create the partitions of `months` that are missing (and the default); returns the new ones.

    Runs in the caller's transaction; the caller commits. Safe to call from several processes.
    """
    _lock_for_ddl(connection)
    # IF NOT EXISTS returns before locking the parent: an hourly run that finds every month there
    # locks nothing (a test holds a reader on the log meanwhile).
    connection.execute(text(f"CREATE TABLE IF NOT EXISTS {DEFAULT_PARTITION} PARTITION OF {PARENT} DEFAULT"))
    existing = monthly_partitions(connection)
    created = []
    for month in sorted(set(map(month_start, months))):
        if month not in existing:
            _create_partition(connection, month)
            created.append(partition_name(month))
    if created:
        logger.info("hook-call partitions created: %s", ", ".join(created))
    return created


def _create_partition(connection, month: datetime) -> None:
    """One month's partition; rows the default partition caught for that month move into it."""
    name, bounds = partition_name(month), {"a": month, "b": next_month(month)}
    in_default = connection.execute(text(
        f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE created_at >= :a AND created_at < :b)"
    ), bounds).scalar()
    if not in_default:
        connection.execute(text(
            f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES FROM ('{month}') TO ('{next_month(month)}')"
        ))
        return
    # PostgreSQL refuses a new partition whose rows sit in the default: move them across first.
    connection.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    connection.execute(text(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= :a AND created_at < :b"
        f" RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    ), bounds)
    connection.execute(text(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ('{month}') TO ('{next_month(month)}')"
    ))


def create_partitions_ahead(connection, now: datetime, ahead: int = MONTHS_AHEAD) -> list[str]:
    """This month's partition and the next `ahead` months' (the caller commits)."""
    months = [month_start(now)]
    for _ in range(ahead):
        months.append(next_month(months[-1]))
    return create_partitions(connection, months)


def partitions_before(connection, cutoff: datetime) -> list[str]:
    """The monthly partitions whose every row is older than `cutoff`, oldest first."""
    cutoff = _as_stored(cutoff)
    return [name for month, name in sorted(monthly_partitions(connection).items()) if next_month(month) <= cutoff]


def drop_partition(connection, name: str) -> None:
    """Drop one old month (the caller commits): a brief ACCESS EXCLUSIVE lock on the parent.

    The lock waits at most DDL_LOCK_TIMEOUT; past that PostgreSQL raises and the caller retries.
    """
    if not MONTHLY.match(name):
        raise ValueError(f"not a monthly hook-call partition: {name!r}")
    _lock_for_ddl(connection)
    connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
