"""The background worker: Huey runs event delivery, the expiry sweep and the hook-call log's upkeep.

The log's upkeep is its retention (nightly) and, on PostgreSQL, its monthly partitions made ahead
of time (at start and hourly; services/hook_call_partitions.py).

Huey keeps its queue in Redis when REDIS_URL is set, else in a SQLite file. The queue only says
"look now"; what to send lives in the database's outbox, claimed row by row (services/delivery),
so any number of workers on any number of hosts send each event once at a time.
"""

import logging
import threading
from datetime import timedelta
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool

from .db import db, utcnow

logger = logging.getLogger(__name__)

QUEUE_NAME = "ivr-events"
# A wake-up is scheduled at most once per second of its due time, however many passes ask for it.
WAKE_KEY = "wake-up:{:%Y%m%d%H%M%S}"
# Passes look this far ahead for retries; later ones are left to the periodic pass.
WAKE_HORIZON = timedelta(minutes=2)
_BUILD_LOCK = threading.Lock()


def _storage(app):
    """Redis when the app has one; else a SQLite file (the instance folder's, unless configured)."""
    url = app.config.get("REDIS_URL")
    if url:
        # A dead Redis must cost a web request that wakes the worker a moment, not a hang.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=0.25, socket_timeout=5)
        return RedisHuey(QUEUE_NAME, connection_pool=pool, utc=True)
    path = app.config.get("IVR_QUEUE_FILE") or str(Path(app.instance_path) / "ivr-queue.sqlite3")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=path, utc=True)


def build_huey(app):
    """The app's Huey with its tasks; each task runs inside an app context of `app`."""
    huey = _storage(app)

    @huey.task(name="deliver_events")
    def deliver_events(wake_key=None):
        """Send every due event, then ask to be woken when the next one falls due."""
        if wake_key:
            huey.get(wake_key)  # this wake-up is under way: a later pass may book the same second
        with app.app_context():
            _deliver_and_reschedule(huey, deliver_events)

    @huey.periodic_task(crontab(minute="*"), name="every_minute")
    def every_minute():
        """Report expired numbers (within a minute of expiry), then send whatever is due."""
        from .services.events import sweep_expired

        with app.app_context():
            expired = sweep_expired()
            if expired:
                logger.info("reported %s expired order numbers", expired)
            _deliver_and_reschedule(huey, deliver_events)

    @huey.periodic_task(crontab(minute="17", hour="3"), name="hook_call_retention")
    def hook_call_retention():
        """Delete hook-call rows older than IVR_HOOK_CALL_RETENTION_DAYS (0 keeps them)."""
        with app.app_context():
            purge_old_hook_calls()

    @huey.periodic_task(crontab(minute="7"), name="hook_call_partitions")
    def hook_call_partitions():
        """Make the hook-call log's partitions for this month and the next three (PostgreSQL)."""
        with app.app_context():
            make_hook_call_partitions()

    huey.ivr_deliver_events = deliver_events
    return huey


def _deliver_and_reschedule(huey, deliver_events) -> None:
    from .services.delivery import deliver_due, delivery_configured, next_wake_up

    if not delivery_configured():
        return
    deliver_due()
    wake_up = next_wake_up()
    if wake_up is None or wake_up - utcnow() > WAKE_HORIZON:
        return
    wake_key = WAKE_KEY.format(wake_up)
    if huey.put_if_empty(wake_key, "1"):
        deliver_events.schedule(args=(wake_key,), eta=max(wake_up, utcnow()) + timedelta(seconds=1))


def purge_old_hook_calls() -> int:
    """The nightly retention: delete hook calls older than the setting; returns how many."""
    from flask import current_app

    from .services.hook_log_retention import purge_hook_calls

    days = current_app.config["IVR_HOOK_CALL_RETENTION_DAYS"]
    if days <= 0:
        return 0
    deleted = sum(purge_hook_calls(utcnow() - timedelta(days=days), 5000))
    logger.info("retention: deleted %s hook calls older than %s days", deleted, days)
    db.session.remove()
    return deleted


def make_hook_call_partitions() -> list[str]:
    """This month's and the next months' hook-call partitions, if the log is partitioned.

    Returns the partitions it created. A lock it could not get soon (a long reader of the log)
    is logged and left for the next hour: the months ahead are there long before they are needed,
    and the default partition catches rows meanwhile.
    """
    from sqlalchemy.exc import OperationalError

    from .services import hook_call_partitions as partitions

    try:
        if not partitions.is_partitioned(db.session):
            return []
        created = partitions.create_partitions_ahead(db.session, utcnow())
        db.session.commit()
        return created
    except OperationalError as error:
        db.session.rollback()
        logger.warning("hook-call partitions not made this time: %s", error.orig)
        return []
    finally:
        db.session.remove()


def huey_of(app):
    """The app's Huey, built on first use (the web process only enqueues)."""
    state = app.extensions["ivr"]
    with _BUILD_LOCK:  # wake-ups come from threads of their own
        if state.huey is None:
            state.huey = build_huey(app)
    return state.huey


def wake_worker(app) -> None:
    """Ask a worker to send due events now."""
    huey_of(app).ivr_deliver_events()


def run_worker(app, workers: int = 2) -> None:
    """Run the Huey consumer (delivery, sweep, the log's upkeep) until SIGINT/SIGTERM."""
    huey = huey_of(app)
    with app.app_context():
        make_hook_call_partitions()  # at start too: a worker down for months must not wait an hour
    huey.ivr_deliver_events()  # whatever was left pending while no worker ran
    # Idle workers poll the queue at least every second (Redis blocks; SQLite polls).
    consumer = huey.create_consumer(workers=workers, periodic=True, max_delay=1.0, worker_type="thread")
    consumer.run()
