"""The alerting rules in deploy/prometheus/: valid, unit-tested by promtool, runbooked, on real metrics.

promtool comes from Debian's prometheus package (installed by .ci/run); without it the promtool
tests skip on a developer's machine and fail in CI.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import unavailable

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus" / "ivr-alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "ivr-alerts.test.yml"
OPERATIONS = ROOT / "docs" / "OPERATIONS.md"

# Alerted on before the app exports them: issue 10's event worker brings this gauge.
FUTURE_METRICS = {"ivr_events_oldest_pending_seconds"}
# Prometheus's own series, and the suffixes a histogram's or counter's samples carry.
PROMETHEUS_SERIES = {"up"}
SAMPLE_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def alert_rules() -> list[dict]:
    """Every alerting rule of the file."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


@pytest.fixture
def promtool(backend):
    """Run promtool from the rules' folder; skip (or fail, in CI) when it is missing."""
    if backend != "sqlite":
        pytest.skip("the rules do not depend on the backend: promtool runs in the sqlite leg")
    return run_promtool


def run_promtool(*arguments) -> subprocess.CompletedProcess:
    """promtool's answer to these arguments."""
    executable = shutil.which("promtool")
    if executable is None:
        unavailable("promtool is missing (apt-get install prometheus)")
    return subprocess.run([executable, *arguments], cwd=RULES.parent, capture_output=True, text=True,
                          timeout=120)


def test_the_rules_are_valid(promtool):
    result = promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_pass_their_unit_tests(promtool):
    result = promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested():
    tested = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
              for case in test.get("alert_rule_test", [])}
    assert {rule["alert"] for rule in alert_rules()} <= tested


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_alert_has_a_runbook_line(rule):
    runbook_lines = [line for line in OPERATIONS.read_text().splitlines() if f"`{rule['alert']}`" in line]
    assert runbook_lines, f"docs/OPERATIONS.md has no runbook line for {rule['alert']}"
    assert rule["annotations"]["runbook"] == f"docs/OPERATIONS.md#alerts ({rule['alert']})"


def test_the_rules_use_only_metrics_the_app_exports(client, hooks):
    hooks.pre_order("1234567897")  # the latency histogram has a sample
    page = client.get("/metrics").get_data(as_text=True)
    exported = {SAMPLE_SUFFIX.sub("", line.split("{")[0].split()[0])
                for line in page.splitlines() if line and not line.startswith("#")}
    used = {name for rule in alert_rules() for name in re.findall(r"\b(ivr_[a-z_]+|up)\b", rule["expr"])}
    used = {SAMPLE_SUFFIX.sub("", name) for name in used}
    assert used - exported - FUTURE_METRICS - PROMETHEUS_SERIES == set()
