"""Retention of the hook-call log: whole months dropped (PostgreSQL), the rest deleted in batches."""

import logging
import time

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError

from ..db import db
from ..models import HookCall
from . import hook_call_partitions as partitions

logger = logging.getLogger(__name__)

# A month's DROP waits at most DDL_LOCK_TIMEOUT for the parent's lock; it is tried this often.
DROP_ATTEMPTS = 5
DROP_RETRY_PAUSE_SECONDS = 1.0


def count_hook_calls_before(cutoff) -> int:
    """How many hook-call rows are older than `cutoff`."""
    return db.session.scalar(select(func.count()).where(HookCall.created_at < cutoff))


def purge_hook_calls(cutoff, batch_size: int):
    """Delete hook-call rows older than `cutoff`; yield each count as it goes.

    On a partitioned log every month entirely before the cutoff is dropped whole first; then
    the rest (the cutoff's own month, the default partition; on SQLite everything) goes in
    small committed batches, so the hooks never wait long on the table. If a month could not
    be dropped this time, the batches wait for the next run rather than delete it row by row.
    """
    session = db.session
    if partitions.is_partitioned(session):
        for name in partitions.partitions_before(session, cutoff):
            rows = _drop_month(name)
            if rows is None:
                return
            yield rows
    yield from _delete_in_batches(cutoff, batch_size)


def _drop_month(name: str):
    """Drop one old month's partition; its row count, or None when its lock never came."""
    session = db.session
    rows = session.execute(text(f"SELECT count(*) FROM {name}")).scalar()  # old: nobody writes it
    session.commit()
    for attempt in range(1, DROP_ATTEMPTS + 1):
        try:
            started = time.perf_counter()
            partitions.drop_partition(session, name)
            session.commit()
            logger.info("retention: dropped %s (%s rows) in %.0f ms", name, rows,
                        (time.perf_counter() - started) * 1000)
            return rows
        except OperationalError as error:  # lock_timeout: a long reader holds the parent
            session.rollback()
            logger.warning("retention: %s not dropped (attempt %s of %s): %s", name, attempt, DROP_ATTEMPTS,
                           error.orig)
            time.sleep(DROP_RETRY_PAUSE_SECONDS)
    return None


def _delete_in_batches(cutoff, batch_size: int):
    while True:
        oldest = select(HookCall.id).where(HookCall.created_at < cutoff).limit(batch_size)
        # The outer bound lets PostgreSQL prune to the old partitions for each id it deletes.
        statement = delete(HookCall).where(HookCall.created_at < cutoff, HookCall.id.in_(oldest))
        deleted = db.session.execute(statement).rowcount
        db.session.commit()
        if not deleted:
            return
        yield deleted
