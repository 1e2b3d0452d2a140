"""The worker as operators run it (`flask ivr worker`), and the storefront's example receiver."""

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from ivr_module.config import ConfigError
from ivr_module.db import db, utcnow
from ivr_module.models import EventAttempt, IVREvent
from ivr_module.services.delivery import signed_headers
from ivr_module.webhook_receiver import make_server
from tests.helpers import new_pre_order
from tests.webhook_receiver import SECRET, pay, wait_for

ROOT = Path(__file__).resolve().parents[1]


def start_worker(env: dict) -> subprocess.Popen:
    """`flask ivr worker` in a process group of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ivr", "worker", "--workers", "1"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=open(os.environ.get("IVR_WORKER_LOG", os.devnull), "a"),
    )


def worker_env(app) -> dict:
    """The worker's environment: the test app's database, cache, queue and webhook settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IVR_")}
    env.pop("REDIS_URL", None)
    keys = ("DATABASE_URL", "REDIS_URL", "IVR_WEBHOOK_URL", "IVR_WEBHOOK_SECRET",
            "IVR_WEBHOOK_TIMEOUT_SECONDS", "IVR_WEBHOOK_BACKOFF_SECONDS", "IVR_QUEUE_FILE")
    env.update({key: str(app.config[key]) for key in keys if app.config.get(key) is not None})
    env.update(IVR_ENV="development", SECRET_KEY="w" * 40, PYTHONUNBUFFERED="1")
    return env


def delivery_rows(app):
    """The one event and its recorded attempts."""
    with app.app_context():
        event = db.session.scalar(select(IVREvent))
        tries = list(db.session.scalars(select(EventAttempt)))
        db.session.expunge_all()
        return event, tries


def test_a_worker_killed_mid_delivery_is_followed_by_exactly_one_delivery(webhook_app, receiver):
    release = threading.Event()
    receiver.receiver.script = [("hang", release)]
    app = webhook_app(IVR_WEBHOOK_TIMEOUT_SECONDS=3)
    env = worker_env(app)
    first = start_worker(env)
    try:
        _, number = new_pre_order(app)
        pay(app, number)
        wait_for(lambda: len(receiver.receiver.received) == 1, what="the first worker's send")
        os.killpg(first.pid, signal.SIGKILL)  # mid-delivery: sent, no answer recorded
        first.wait()
    finally:
        release.set()
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    second = start_worker(env)
    try:
        wait_for(lambda: delivery_rows(app)[0].state == "delivered", what="the delivery after the claim ran out")
    finally:
        os.killpg(second.pid, signal.SIGINT)
        second.wait(30)
    event, tries = delivery_rows(app)
    assert len(receiver.receiver.received) == 2  # the killed worker's send, and the one that landed
    assert [attempt.status_code for attempt in tries] == [200]
    assert event.attempts == 1


def test_the_worker_sends_a_payment_the_moment_it_lands(webhook_app, receiver):
    app = webhook_app()
    worker = start_worker(worker_env(app))
    try:
        _, number = new_pre_order(app)
        pay(app, number)
        wait_for(lambda: receiver.receiver.types(200) == ["pre_order.paid"], what="the paid event")
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        assert worker.wait(30) == 0


@pytest.mark.parametrize("settings, message", [
    ({"IVR_WEBHOOK_URL": "http://127.0.0.1:8081/"}, "needs IVR_WEBHOOK_SECRET"),
    ({"IVR_WEBHOOK_URL": "ftp://x/", "IVR_WEBHOOK_SECRET": SECRET}, "http"),
    ({"IVR_WEBHOOK_URL": "http://x/", "IVR_WEBHOOK_SECRET": "whsec_!!!"}, "base64"),
])
def test_webhook_settings_are_checked_at_start(app_with, settings, message):
    with pytest.raises(ConfigError, match=message):
        app_with(**settings)


@pytest.fixture
def example_receiver():
    """The documented receiver (python -m ivr_module.webhook_receiver), serving from a thread."""
    server = make_server(SECRET, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def post_signed(url, event_id="evt_1", sent_at=None, tamper=False):
    """POST a signed event as the worker does."""
    body = json.dumps({"id": event_id, "type": "pre_order.paid", "created_at": "x",
                       "data": {"id": 1, "order_number": "900000019", "status": "paid"}}).encode()
    headers = signed_headers(SECRET, event_id, body, sent_at or utcnow())
    return requests.post(url, data=body + (b" " if tamper else b""), headers=headers, timeout=5)


def test_the_example_receiver_verifies_and_deduplicates(example_receiver, capsys):
    assert post_signed(example_receiver).json() == {"result": "ok"}
    assert post_signed(example_receiver).json() == {"result": "duplicate, already handled"}
    assert "pre_order.paid: pre-order 1 (900000019) is paid" in capsys.readouterr().out
    assert post_signed(example_receiver, "evt_2", tamper=True).status_code == 400
    too_old = utcnow() - timedelta(minutes=6)  # outside the 5-minute replay window
    assert post_signed(example_receiver, "evt_3", sent_at=too_old).status_code == 400


def test_the_worker_runs_the_sweep_every_minute_the_partitions_hourly_and_the_retention_nightly(app):
    from datetime import datetime

    from ivr_module.worker import huey_of

    def due_at(hour, minute):
        return {task.name for task in huey_of(app).read_periodic(datetime(2026, 12, 7, hour, minute))}

    assert due_at(3, 17) == {"every_minute", "hook_call_retention"}
    assert due_at(3, 18) == {"every_minute"}
    assert due_at(3, 7) == due_at(14, 7) == {"every_minute", "hook_call_partitions"}


@pytest.mark.parametrize("days, left", [(0, 2), (30, 1)])
def test_the_nightly_retention_deletes_hook_calls_older_than_the_setting(app_with, days, left):
    from ivr_module.models import HookCall
    from ivr_module.worker import purge_old_hook_calls

    app = app_with(IVR_HOOK_CALL_RETENTION_DAYS=days)
    with app.app_context():
        for age in (40, 1):
            db.session.add(HookCall(
                created_at=utcnow() - timedelta(days=age), endpoint="pre_order", success=True,
                error_text="", detail="", duration_ms=1,
            ))
        db.session.commit()
        purge_old_hook_calls()
        assert len(db.session.scalars(select(HookCall)).all()) == left
