"""schemathesis against the running service: both hooks and the checkout API, as served at
/openapi.json, find no server error and no answer that breaks the document.

The checks are the ones that hold for this API: no 5xx, and status, content type, headers and
body as documented. Checks that want invalid input refused with a 4xx are left out on purpose:
the hooks answer 200 to everything, by contract.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.helpers import API_TOKEN, IVR_PASSWORD, IVR_USERNAME

from .processes import ROOT, flask_command, production_env
from .service import Service

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
EXAMPLES_PER_OPERATION = 400
SEED = 20261127
PAYABLE_ORDERS = 20
# Never issued, and a mistyped demo number (check digit mismatch).
UNKNOWN_NUMBERS = ["9000000993", "9100000019"]


def seed_the_database(database, service: Service) -> tuple[list[str], list[int]]:
    """Demo pre-orders (one per hook outcome) and payable ones; their numbers and all ids."""
    shown = flask_command(production_env(database.url), "ivr", "demo")
    numbers = re.findall(r"^\s+(\d{10})\s", shown, flags=re.MULTILINE)
    assert len(numbers) >= 7, shown
    numbers += [service.new_order()["order_number"] for _ in range(PAYABLE_ORDERS)]
    service.api("POST", "/pre-orders", {})  # one without lines or payment option
    with database.connect() as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM ivr_pre_orders ORDER BY id")]
    return numbers + UNKNOWN_NUMBERS, ids


def run_schemathesis(url: str, workdir: Path, numbers, ids) -> subprocess.CompletedProcess:
    """The schemathesis CLI, fixed seed, bounded examples, with the bearer token."""
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.reliability.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
        "IVR_FUZZ_USERNAME": IVR_USERNAME,
        "IVR_FUZZ_PASSWORD": IVR_PASSWORD,
        "IVR_FUZZ_ORDER_NUMBERS": ",".join(numbers),
        "IVR_FUZZ_PRE_ORDER_IDS": ",".join(map(str, ids)),
    }
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/openapi.json",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", str(SEED),
        "--header", f"Authorization: Bearer {API_TOKEN}",
        # One worker: hypothesis describing filters from several threads trips CPython 3.11's
        # ast.parse ("AST constructor recursion depth mismatch").
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--report", "json", "--report-json-path", str(workdir / "schemathesis.json"),
        "--no-color",
    ]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


def answers_seen_by_the_server(database, server) -> dict:
    """What the service answered: hook calls by error text, API calls by status."""
    with database.connect() as connection:
        hooks = dict(connection.execute(
            "SELECT endpoint || ': ' || CASE WHEN success THEN 'success' ELSE error_text END,"
            " count(*) FROM ivr_hook_calls GROUP BY 1 ORDER BY 1").fetchall())
    api = Counter()
    for line in server.log_path.read_text(errors="replace").splitlines():
        if '"gunicorn.access"' in line:
            found = re.search(r'"[A-Z]+ /api/\S* HTTP/1\.1" (\d{3}) ', json.loads(line)["message"])
            api.update([found.group(1)] if found else [])
    return {"hook calls": hooks, "API answers by status": dict(sorted(api.items()))}


def test_schemathesis_finds_no_server_error_and_no_schema_break(
    database, private_redis, start_server, tmp_path, figures
):
    # Lockout off: schemathesis' random credentials would lock 127.0.0.1 out within seconds.
    server = start_server(database.url, private_redis.url, IVR_LOCKOUT_THRESHOLD=0)
    numbers, ids = seed_the_database(database, Service(server.url))
    done = run_schemathesis(server.url, tmp_path, numbers, ids)
    print(done.stdout[-6000:], done.stderr[-3000:])
    report = json.loads((tmp_path / "schemathesis.json").read_text())
    seen = answers_seen_by_the_server(database, server)
    hook_calls = sum(seen["hook calls"].values())
    bad_inputs = sum(count for text, count in seen["hook calls"].items() if "Input invalid" in text)
    bad_inputs += seen["API answers by status"].get("422", 0)
    figures.update({
        "test cases generated": report["test_cases"]["generated"],
        "operations tested": report["operations"]["tested"],
        "requests answered": hook_calls + sum(seen["API answers by status"].values()),
        "bad inputs tried (Input invalid or 422)": bad_inputs,
        "failures": report["failures"],
        **seen,
    })
    assert done.returncode == 0, done.stdout[-6000:]
    assert report["failures"] == [] and report["errors"] == []
    assert report["operations"]["tested"] == report["operations"]["total"] == 8
    assert report["test_cases"]["generated"] >= 3000
