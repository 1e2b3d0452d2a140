"""Retention of the hook-call log: old rows deleted in short committed batches."""

from sqlalchemy import delete, func, select

from ..db import db
from ..models import HookCall


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
