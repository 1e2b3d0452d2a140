"""partition hook calls: the hook-call log partitioned by month on PostgreSQL

Issue 13: a busy merchant writes tens of millions of hook calls a year, and retention must drop
whole months instead of deleting row by row. On PostgreSQL `ivr_hook_calls` becomes a table
partitioned by range of `created_at`: one partition per month from the oldest row's month to
three months ahead, and a default partition for anything else. The rows move across in this
migration's transaction (writes to the log wait for it: about a minute per few million rows,
docs/OPERATIONS.md). The primary key becomes (id, created_at), as PostgreSQL requires the
partition key in it; ids still come from the same sequence. Nothing refers to hook calls by
foreign key or unique constraint. SQLite keeps its plain table: nothing to do there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:20:00

"""
from datetime import datetime

from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLE = 'ivr_hook_calls'
OLD = 'ivr_hook_calls_unpartitioned'
MONTHS_AHEAD = 3
# Rows older than this many months (a clock gone wrong) go to the default partition.
MONTHS_BACK_AT_MOST = 120


def _next_month(month):
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first, last):
    months, month = [], datetime(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _set_aside(table):
    """Rename `table` to OLD and drop its indexes (their names go to the new table).

    Returns the statements that build the indexes again, read from the database rather than
    written here, so an index a later-chained revision added comes along too.
    """
    indexes = op.get_bind().exec_driver_sql(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        f" AND tablename = '{table}' AND indexname <> 'pk_{table}' ORDER BY indexname"
    ).all()
    op.execute(f'ALTER TABLE {table} RENAME TO {OLD}')
    for name, _definition in indexes:
        op.execute(f'DROP INDEX {name}')
    op.execute(f'ALTER TABLE {OLD} DROP CONSTRAINT pk_{TABLE}')
    # A partitioned table's index reads "ON ONLY" the parent: built for no partition as written.
    return [definition.replace(' ON ONLY ', ' ON ', 1) for _name, definition in indexes]


def _take_over_rows_and_sequence():
    """Copy OLD's rows into TABLE, give TABLE the id sequence, drop OLD."""
    op.execute(f'INSERT INTO {TABLE} SELECT * FROM {OLD}')
    op.execute(f'ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id')
    op.execute(f'DROP TABLE {OLD}')


def _create_indexes(definitions):
    for definition in definitions:
        op.execute(definition)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    bind = op.get_bind()
    indexes = _set_aside(TABLE)
    op.execute(f'CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
               ' PARTITION BY RANGE (created_at)')
    now = bind.exec_driver_sql("SELECT (now() AT TIME ZONE 'UTC')::timestamp").scalar()
    oldest = bind.exec_driver_sql(f'SELECT min(created_at) FROM {OLD}').scalar() or now
    last = datetime(now.year, now.month, 1)
    for _ in range(MONTHS_AHEAD):
        last = _next_month(last)
    first = datetime(now.year - MONTHS_BACK_AT_MOST // 12, now.month, 1)
    for month in _months(max(first, min(oldest, now)), last):
        op.execute(f"CREATE TABLE {TABLE}_{month:%Y_%m} PARTITION OF {TABLE}"
                   f" FOR VALUES FROM ('{month}') TO ('{_next_month(month)}')")
    op.execute(f'CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT')
    # Rows first, indexes after: one sorted build per partition beats index upkeep per row.
    _take_over_rows_and_sequence()
    op.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT pk_{TABLE} PRIMARY KEY (id, created_at)')
    _create_indexes(indexes)
    op.execute(f'ANALYZE {TABLE}')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    indexes = _set_aside(TABLE)
    op.execute(f'CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    _take_over_rows_and_sequence()  # the partitions go with their parent
    op.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT pk_{TABLE} PRIMARY KEY (id)')
    _create_indexes(indexes)
    op.execute(f'ANALYZE {TABLE}')
