"""The certification run against a real HTTP server: all green when sound, naming what broke when not."""

import os
import subprocess
import sys
import threading
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from ivr_module import certify as certification
from ivr_module.db import db
from ivr_module.models import HookCall, IVRTransaction, PreOrder
from ivr_module.services import sandbox as sandbox_service
from ivr_module.services.error_texts import HookError
from ivr_module.services.results import HookResult
from ivr_module.services.sandbox import MAGIC_BY_KEY
from tests.helpers import (
    SANDBOX_API_TOKEN,
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
    count_rows,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(app):
    """The app under test served over HTTP on a spare port (a thread per request); its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def target(url, token=SANDBOX_API_TOKEN) -> certification.Target:
    """The served app, with the sandbox credentials."""
    return certification.Target(url, SANDBOX_USERNAME, SANDBOX_PASSWORD, token)


def live_rows(app) -> int:
    """How many live rows the database holds, all tables together."""
    return sum(count_rows(app, model, model.live.is_(True)) for model in (HookCall, IVRTransaction, PreOrder))


def test_certify_passes_and_touches_no_live_data(app, served, make_pre_order):
    make_pre_order()
    before = live_rows(app)
    run = certification.certify(target(served))
    assert run.failed == [], certification.table(run)
    assert not any(outcome.skipped for outcome in run.outcomes)
    names = {outcome.name for outcome in run.outcomes}
    for magic in sandbox_service.MAGIC_NUMBERS:
        assert {f"{magic.key} ({magic.number}) pre_order", f"{magic.key} ({magic.number}) complete"} <= names
    assert live_rows(app) == before
    assert count_rows(app, IVRTransaction, IVRTransaction.live.is_(False)) > 0


def test_certify_fails_naming_the_outcome_a_broken_server_gets_wrong(app, served, monkeypatch, tmp_path):
    # Broken in one place: the sandbox reads Basket Changed's magic number as payable.
    answer = sandbox_service.magic_pre_order

    def broken(magic):
        if magic.key == "basket_changed":
            return answer(MAGIC_BY_KEY["success"])
        return answer(magic)

    monkeypatch.setattr(sandbox_service, "magic_pre_order", broken)
    run = certification.certify(target(served))
    number = MAGIC_BY_KEY["basket_changed"].number
    assert [(o.name, o.expected) for o in run.failed] == [(f"basket_changed ({number}) pre_order", HookError.BASKET_CHANGED)]
    report = tmp_path / "certify.xml"
    lines = []
    assert certification.report(run, str(report), echo=lines.append) == 1
    assert f"FAIL  magic: basket_changed ({number}) pre_order" in lines[0]
    suite = ElementTree.parse(report).getroot()
    assert suite.get("failures") == "1" and int(suite.get("tests")) == len(run.outcomes)
    [failed] = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed.get("name") == f"basket_changed ({number}) pre_order"


def test_certify_fails_when_a_hook_is_unreachable(app, served, monkeypatch):
    def down(*_args, **_kwargs):
        return HookResult(error=HookError.SERVICE_UNAVAILABLE, detail="broken for the test")

    monkeypatch.setattr("ivr_module.hooks.views.complete_payment", down)
    run = certification.certify(target(served))
    failed = {outcome.name for outcome in run.failed}
    assert f"success ({MAGIC_BY_KEY['success'].number}) complete" in failed
    assert "complete pays it" in failed
    assert not any(o.group == "magic" and o.name.endswith("pre_order") for o in run.failed)


def test_without_the_checkout_token_the_flow_is_skipped_not_failed(app, served):
    run = certification.certify(target(served, token=None))
    assert run.failed == []
    assert [outcome.name for outcome in run.outcomes if outcome.skipped] == ["checkout-API flow"]


def test_python_dash_m_certify_needs_only_the_package(app, served, tmp_path):
    report = tmp_path / "junit.xml"
    env = {**os.environ, "IVR_SANDBOX_USERNAME": SANDBOX_USERNAME, "IVR_SANDBOX_PASSWORD": SANDBOX_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "ivr_module.certify", "--url", served,
         "--checkout-token", SANDBOX_API_TOKEN, "--junit", str(report)],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 failed, 0 skipped" in done.stdout
    assert ElementTree.parse(report).getroot().get("failures") == "0"
    wrong = subprocess.run(
        [sys.executable, "-m", "ivr_module.certify", "--url", served, "--password", "wrong"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )
    assert wrong.returncode == 1 and "FAIL" in wrong.stdout


def test_flask_ivr_certify_takes_the_apps_sandbox_settings(app, served, runner):
    result = runner.invoke(args=["ivr", "certify", "--url", served])
    assert result.exit_code == 0, result.output
    assert " 0 failed, 0 skipped" in result.output
    with app.app_context():
        assert db.session.scalar(select(HookCall.live).where(HookCall.live.is_(True)).limit(1)) is None
