"""The certification run against the production command: gunicorn on PostgreSQL + Redis."""

import os
import subprocess
import sys
from xml.etree import ElementTree

from tests.helpers import SANDBOX_API_TOKEN, SANDBOX_PASSWORD, SANDBOX_USERNAME

from .processes import ROOT

SANDBOX = {
    "IVR_SANDBOX_USERNAME": SANDBOX_USERNAME,
    "IVR_SANDBOX_PASSWORD": SANDBOX_PASSWORD,
    "CHECKOUT_API_SANDBOX_TOKEN": SANDBOX_API_TOKEN,
}
LIVE_ROWS = (
    "SELECT (SELECT count(*) FROM ivr_pre_orders WHERE live) + (SELECT count(*) FROM ivr_transactions WHERE live)"
    " + (SELECT count(*) FROM ivr_hook_calls WHERE live)"
)


def run_certify(url, tmp_path):
    """`python -m ivr_module.certify` as a vendor runs it: (exit status, output, JUnit root)."""
    report = tmp_path / "certify.xml"
    env = {key: value for key, value in os.environ.items() if not key.startswith("IVR_")}
    done = subprocess.run(
        [sys.executable, "-m", "ivr_module.certify", "--url", url, "--username", SANDBOX_USERNAME,
         "--checkout-token", SANDBOX_API_TOKEN, "--junit", str(report)],
        env={**env, "IVR_SANDBOX_PASSWORD": SANDBOX_PASSWORD, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    return done.returncode, done.stdout + done.stderr, ElementTree.parse(report).getroot()


def test_certify_passes_against_gunicorn_and_writes_no_live_row(database, private_redis, start_server, tmp_path, figures):
    server = start_server(database.url, private_redis.url, **SANDBOX)
    status, output, junit = run_certify(server.url, tmp_path)
    assert status == 0, output
    assert junit.get("failures") == "0" and junit.get("skipped") == "0"
    with database.connect() as connection:
        assert connection.execute(LIVE_ROWS).fetchone()[0] == 0
        sandbox_rows = connection.execute("SELECT count(*) FROM ivr_hook_calls WHERE NOT live").fetchone()[0]
    assert sandbox_rows > 0
    figures.update({"outcomes checked": int(junit.get("tests")), "sandbox hook calls": sandbox_rows})


def test_certify_fails_naming_the_outcome_against_a_misconfigured_server(database, private_redis, start_server, tmp_path):
    # Broken by one setting: issued numbers die at once, so the checkout flow cannot be read.
    server = start_server(database.url, private_redis.url, IVR_ORDER_TTL_SECONDS=0, **SANDBOX)
    status, output, junit = run_certify(server.url, tmp_path)
    assert status == 1
    failed = [case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None]
    assert "pre_order reads the basket and its total" in failed, output
    assert "FAIL  checkout: pre_order reads the basket and its total" in output
    assert not any(case.get("classname") == "ivr.certify.magic" for case in junit.iter("testcase")
                   if case.find("failure") is not None)
