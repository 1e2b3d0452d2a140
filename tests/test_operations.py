"""What operators rely on: health and readiness, metrics, request ids in logs, retention, limits."""

import io
import json
import logging

import pytest
from datetime import timedelta

from sqlalchemy import select

from ivr_module.db import db, utcnow
from ivr_module.logs import JsonFormatter, RequestIdFilter
from ivr_module.models import HookCall
from tests.private_redis import free_port


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_when_all_is_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "cache": "ok", "status": "ready"}


def test_readyz_names_the_database_when_it_is_down(app_with):
    response = app_with(DATABASE_URL="postgresql://postgres@127.0.0.1:1/none").test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_readyz_names_the_cache_when_redis_is_down(app_with):
    response = app_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "cache": "down", "status": "not ready"}


def metric_value(client, name, **labels):
    text = client.get("/metrics").get_data(as_text=True)
    wanted = name + "{" + ",".join(f'{key}="{value}"' for key, value in sorted(labels.items())) + "}"
    wanted = wanted.removesuffix("{}")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    return 0.0


def test_metrics_count_hook_calls_by_error_text_code_and_payments(client, hooks, make_pre_order):
    _, number = make_pre_order()
    ok = {"endpoint": "pre_order", "errortext": "success", "code": "success"}
    mistyped = {"endpoint": "pre_order", "errortext": "Order not found", "code": "order_not_found_mistyped"}
    unknown = {"endpoint": "pre_order", "errortext": "Order not found", "code": "order_not_found_unknown"}
    before = {name: metric_value(client, "ivr_hook_calls_total", **labels)
              for name, labels in (("ok", ok), ("mistyped", mistyped), ("unknown", unknown))}
    before_paid = metric_value(client, "ivr_payments_recorded_total", currency="EUR")
    hooks.pre_order(number)
    hooks.pre_order("1234567890")  # fails its check digit
    hooks.pre_order("1234567897")  # a valid number never issued
    hooks.complete(number)
    hooks.complete(number)  # a replay records no payment
    assert metric_value(client, "ivr_hook_calls_total", **ok) == before["ok"] + 1
    assert metric_value(client, "ivr_hook_calls_total", **mistyped) == before["mistyped"] + 1
    assert metric_value(client, "ivr_hook_calls_total", **unknown) == before["unknown"] + 1
    assert metric_value(client, "ivr_payments_recorded_total", currency="EUR") == before_paid + 1
    assert "ivr_hook_duration_seconds_bucket" in client.get("/metrics").get_data(as_text=True)


def test_every_hook_answer_has_its_series_before_the_first_call(client):
    # An alert on increase() misses the call that creates a series, so each starts at 0.
    text = client.get("/metrics").get_data(as_text=True)
    for endpoint in ("pre_order", "complete"):
        series = f'ivr_hook_calls_total{{code="service_unavailable",endpoint="{endpoint}",errortext="Service unavailable"}}'
        assert series in text


def test_metrics_count_lockouts(app, client):
    app.config.update(IVR_LOCKOUT_THRESHOLD=3, IVR_LOCKOUT_SECONDS=60)
    before = metric_value(client, "ivr_hook_lockouts_total")
    body = {"username": "ivr-vendor", "password": "wrong", "orderNumber": "1234567897"}
    for _ in range(4):  # the third failure locks the address out; the fourth call is refused unchecked
        client.post("/hooks/ivr/pre_order/", json=body, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert metric_value(client, "ivr_hook_lockouts_total") == before + 1


def test_metrics_show_readiness(client, app_with):
    assert metric_value(client, "ivr_ready", check="database") == 1
    assert metric_value(client, "ivr_ready", check="cache") == 1
    cache_down = app_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    assert metric_value(cache_down, "ivr_ready", check="cache") == 0
    assert metric_value(cache_down, "ivr_ready", check="database") == 1


def test_request_id_is_echoed_and_stored_in_the_hook_call(app, client):
    response = client.post("/hooks/ivr/pre_order/", data=b"{broken", headers={"X-Request-ID": "req-42"})
    client.post("/hooks/ivr/complete/", json={}, headers={"X-Request-ID": "x" * 100})
    assert response.headers["X-Request-ID"] == "req-42"
    with app.app_context():
        rows = list(db.session.scalars(select(HookCall).order_by(HookCall.id)))
    assert rows[0].request_id == "req-42"
    assert len(rows[1].request_id) == 32  # too long to keep: a fresh one


def test_json_log_lines_carry_the_request_id_of_the_call(app, hooks, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("ivr_module")
    logger.addHandler(handler)
    monkeypatch.setattr("ivr_module.hooks.views.read_pre_order", lambda number: 1 / 0)
    try:
        hooks.pre_order("1", headers={"X-Request-ID": "req-77"})
    finally:
        logger.removeHandler(handler)
    [record] = [json.loads(line) for line in stream.getvalue().splitlines() if "unexpected" in line]
    assert record["request_id"] == "req-77" and record["level"] == "ERROR"
    assert {"time", "logger", "message", "exc_info"} <= set(record)
    with app.app_context():
        assert db.session.scalar(select(HookCall.request_id)) == "req-77"


def test_api_body_over_the_limit_is_413_json(api):
    response = api.post("/pre-orders", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                        content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_retention_deletes_old_hook_calls_in_batches(app, runner):
    now = utcnow()
    with app.app_context():
        for days in (1, 5, 31, 40, 41, 90):
            db.session.add(HookCall(created_at=now - timedelta(days=days), endpoint="pre_order", success=False,
                                    error_text="User invalid", detail="x", duration_ms=1))
        db.session.commit()
    result = runner.invoke(args=["ivr", "purge-hook-calls", "--older-than-days", "30", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Deleted 4 hook-call rows." in result.output
    with app.app_context():
        left = sorted((now - row).days for row in db.session.scalars(select(HookCall.created_at)))
    assert left == [1, 5]


def test_retention_refuses_a_missing_or_zero_age(runner):
    assert runner.invoke(args=["ivr", "purge-hook-calls"]).exit_code != 0
    assert runner.invoke(args=["ivr", "purge-hook-calls", "--older-than-days", "0"]).exit_code != 0


@pytest.mark.parametrize("accesslog, lines", [(None, 0), ("-", 1)])
def test_the_production_server_logs_access_lines_only_when_asked(tmp_path, accesslog, lines):
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    port = free_port()
    env = {**os.environ, "SECRET_KEY": "s" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    env.pop("REDIS_URL", None)
    if accesslog:
        env["GUNICORN_ACCESSLOG"] = accesslog
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60  # a loaded machine may take a while to start gunicorn
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?probe=1", timeout=1).read()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert output.count("/healthz?probe=1") == lines
