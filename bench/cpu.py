"""CPU per request: `python -m bench.cpu SCENARIO [--seconds N]`, one worker with one thread.

On this noisy host requests/s moves by tens of percent between runs; the CPU a request costs moves
far less. This serves one scenario (pre_order, complete, checkout, or the limit app's
limit_pre_order, limit_complete) on one gunicorn worker with one thread under `wrk -c4`, and
reads the worker's CPU time from /proc (and the whole machine's, which adds PostgreSQL, Redis and
wrk) before and after. With two cores saturated, as in `make bench`, the throughput of two servers
compares as the inverse of their machine CPU per request.

Set BENCH_TREE to another checkout (a `git worktree` of an older commit, say) to measure its code
with this harness: its app, migrations and seed are used, on the same fresh database.
"""

import argparse
import json
import os
import tempfile
from pathlib import Path

from bench import run

TREE = Path(os.environ.get("BENCH_TREE", run.ROOT)).resolve()
TICKS = os.sysconf("SC_CLK_TCK")


def worker_seconds(pid: int) -> float:
    """User + system CPU time of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_seconds() -> float:
    """Busy CPU time of the whole machine (all but idle and I/O wait)."""
    counters = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(counters) - counters[3] - counters[4]) / TICKS


def serve(scenario: str, folder: Path):
    """Start the server a scenario needs; return it and the scenario's (url, script, env)."""
    pay = {"IVR_USERNAME": run.USERNAME, "IVR_PASSWORD": run.PASSWORD}
    if scenario.startswith("limit_"):
        env = {**run.app_env({}), "GUNICORN_THREADS": "1"}
        limit_env, orders = run.prepare_limit(folder)
        server = run.Gunicorn("limit_app:app", {**env, **{key: limit_env[key] for key in (
            "LIMIT_DSN", "LIMIT_REDIS_URL")}}, 1, pythonpath=run.LIMIT_APP.parent)
        body = folder / "limit.json"
        body.write_text(json.dumps({"username": run.USERNAME, "password": run.PASSWORD, "orderNumber": "1"}))
    else:
        env = {**run.app_env(run.prepare_postgres()), "GUNICORN_THREADS": "1"}
        orders = folder / "orders.txt"
        run.migrate_and_seed(env, orders, 20000, TREE)
        server = run.Gunicorn("wsgi:app", env, 1, pythonpath=TREE, cwd=TREE)
        body = folder / "live.json"
        body.write_text(json.dumps({"username": run.USERNAME, "password": run.PASSWORD,
                                    "orderNumber": orders.read_text().split()[-1]}))
    basket = folder / "basket.json"
    basket.write_text(json.dumps(run.BASKET))
    hook = server.url + "/hooks/ivr/"
    scenarios = {
        "pre_order": (hook + "pre_order/", "post_body.lua", {"BODY_FILE": str(body)}),
        "complete": (hook + "complete/", "complete.lua", {"ORDERS_FILE": str(orders), **pay}),
        "checkout": (server.url, "checkout.lua", {"BODY_FILE": str(basket), "CHECKOUT_API_TOKEN": run.TOKEN}),
    }
    scenarios["limit_pre_order"], scenarios["limit_complete"] = scenarios["pre_order"], scenarios["complete"]
    return server, scenarios[scenario]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=("pre_order", "complete", "checkout", "limit_pre_order",
                                             "limit_complete"))
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-cpu-") as folder:
        server, (url, script, env) = serve(args.scenario, Path(folder))
        try:
            if "pre_order" in args.scenario:  # a payment pays each order once: no warm-up there
                run.wrk(url, script, env, 3, 4, 1)
            pid = server.worker_pids()[0]
            worker, machine = worker_seconds(pid), machine_seconds()
            result = run.wrk(url, script, env, args.seconds, 4, 1)
            worker, machine = worker_seconds(pid) - worker, machine_seconds() - machine
        finally:
            server.stop()
    requests = result["requests"]
    print(f"{args.scenario}: {result['rps']:.0f} requests/s, p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}; CPU per request: "
          f"worker {worker / requests * 1000:.3f} ms, machine {machine / requests * 1000:.3f} ms")


if __name__ == "__main__":
    main()
