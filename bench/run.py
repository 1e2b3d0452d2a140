"""`make bench`: the hooks under load on the production server, against the floor of the stack.

For each backend (PostgreSQL + Redis, then SQLite + the in-process cache) it migrates a fresh
database, seeds payable pre-orders, starts gunicorn with the committed gunicorn.conf.py, and drives
each scenario with wrk. Throughput is compared with the floor (a bare Flask endpoint on the same
server configuration) measured in the same run. On PostgreSQL it also measures pre_order at a
steady 300 requests/s (hey) and the workers' memory over 100,000 requests.
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import redis

from ivr_module.demo import DEMO_BASKET as BASKET  # what bench.seed seeds, so the same basket

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BIN = Path(sys.executable).parent
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")
# The design's limit (../shared/bench/README.md): both hooks with only the round trips they need.
LIMIT_APP = Path(os.environ.get("BENCH_LIMIT_APP", ROOT.parent / "shared" / "bench" / "limit_app.py"))
LIMIT_REDIS_URL = os.environ.get("BENCH_LIMIT_REDIS", "redis://127.0.0.1:6379/10")
LIMIT_ORDERS = 60000
USERNAME, PASSWORD, TOKEN = "bench-ivr", "bench-ivr-password", "bench-checkout-token"
VENDOR_ADDRESS = "127.0.0.1"  # wrk's own address: the allow-listed vendor
OUTSIDER_ADDRESS = "203.0.113.9"  # a caller outside the allow-list, named by X-Forwarded-For


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The production command on a free port: `gunicorn -c gunicorn.conf.py <app>`."""

    def __init__(self, app: str, env: dict, workers: int, pythonpath: Path = ROOT, cwd: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers)}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--pythonpath", str(pythonpath), app],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self) -> None:
        for _ in range(200):
            try:
                request = urllib.request.Request(self.url + "/hooks/ivr/pre_order/", data=b"{}", method="POST")
                urllib.request.urlopen(request, timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.log.seek(0)
        raise RuntimeError("gunicorn did not start:\n" + self.log.read().decode()[-3000:])

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def stop(self) -> None:
        """SIGTERM (graceful); SIGKILL if it has not exited after 40 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def expect(url: str, body_file: Path, answer: str) -> None:
    """Measure only what answers as intended: one call first, its answer checked."""
    request = urllib.request.Request(url, data=body_file.read_bytes(), method="POST")
    got = urllib.request.urlopen(request, timeout=5).read().decode()
    if answer not in got:
        raise RuntimeError(f"{url} answered {got!r}, expected {answer!r}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url: str, script: str, env: dict, seconds: int, connections: int, threads: int = 2) -> dict:
    """Run wrk with a Lua scenario; return requests/s, p50 and p99 (ms), errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(BENCH_DIR / "wrk" / script), url]
    env = {**os.environ, **env, "BENCH_DIR": str(BENCH_DIR), "WRK_THREADS": str(threads)}
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line[len("WRK_JSON "):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def hey_steady(url: str, body_file: str, rate: int, seconds: int) -> dict:
    """pre_order at a steady rate (hey: 10 workers × rate/10 each); return p50/p99 in ms."""
    workers = 10
    command = ["hey", "-z", f"{seconds}s", "-c", str(workers), "-q", str(rate // workers), "-m", "POST",
               "-T", "application/json", "-D", body_file, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {}
    for line in output.splitlines():
        parts = line.split()
        if line.strip().startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        for percent in ("50%", "99%"):
            if parts[:2] == [percent, "in"]:
                result[f"p{percent[:-1]}_ms"] = float(parts[2]) * 1000
        if "[200]" in line:
            result["ok"] = int(parts[1])
    return result


def settle(database_url: str) -> None:
    """After seeding: fresh statistics and a checkpoint, so no background flush skews a run."""
    if not database_url.startswith("postgresql"):
        return
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")


def prepare_postgres() -> dict:
    name = "ivr_bench"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"DATABASE_URL": POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name, "REDIS_URL": REDIS_URL}


def prepare_limit(folder: Path) -> tuple[dict, Path]:
    """A database of its own seeded by the limit app; its environment and its orders file."""
    name = "ivr_bench_limit"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    env = {**os.environ, "LIMIT_DSN": POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name,
           "LIMIT_REDIS_URL": LIMIT_REDIS_URL}
    subprocess.run([str(BIN / "python"), str(LIMIT_APP), "seed", str(LIMIT_ORDERS)], env=env, check=True)
    settle(env["LIMIT_DSN"])
    orders_file = folder / "orders-limit.txt"
    # Order 1 is the one pre_order reads (cached by the seed); complete pays the others.
    orders_file.write_text("\n".join(str(number) for number in range(2, LIMIT_ORDERS + 1)) + "\n")
    return env, orders_file


def prepare_sqlite(folder: Path) -> dict:
    return {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"}


def app_env(backend_env: dict) -> dict:
    """The production environment of the app: none of the caller's IVR_*, GUNICORN_* or REDIS_URL."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("IVR_", "GUNICORN_")) and key != "REDIS_URL"}
    env.update(backend_env)
    env.update(IVR_ENV="production", SECRET_KEY="bench-" + "s" * 40, IVR_USERNAME=USERNAME,
               IVR_PASSWORD=PASSWORD, CHECKOUT_API_TOKEN=TOKEN,
               # As docs/OPERATIONS.md sets production up: the vendor's address allow-listed (so
               # never locked out), and the proxy in front trusted to name other callers.
               IVR_ALLOWED_IPS=VENDOR_ADDRESS + "/32", IVR_TRUSTED_PROXIES="127.0.0.1/32")
    return env


def migrate_and_seed(env: dict, orders_file: Path, count: int, tree: Path = ROOT) -> None:
    """Migrate the app's database, seed `count` payable pre-orders (their numbers into
    `orders_file`) and settle it; `tree` is the checkout whose migrations and seed run."""
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=tree, env=env,
                   check=True, capture_output=True)
    subprocess.run([str(BIN / "python"), "-m", "bench.seed", str(count), str(orders_file)], cwd=tree,
                   env=env, check=True)
    settle(env["DATABASE_URL"])


def run_backend(label: str, backend_env: dict, folder: Path, seconds: int, rounds: int, workers: int,
                full: bool, with_limit: bool = False) -> dict:
    """Every scenario on one backend; returns {scenario: result}."""
    env = app_env(backend_env)
    if with_limit:
        # The limit app keeps one database connection per process, not per thread: all three
        # servers then run one thread a worker, so they compare under the same settings.
        env["GUNICORN_THREADS"] = "1"
    orders_file = folder / f"orders-{label}.txt"
    migrate_and_seed(env, orders_file, 60000)
    live = orders_file.read_text().split()[-1]  # the last seeded order: complete never reaches it
    bodies = {
        "live": {"username": USERNAME, "password": PASSWORD, "orderNumber": live},
        "wrong": {"username": USERNAME, "password": "wrong-password", "orderNumber": live},
    }
    files = {}
    for name, body in {**bodies, "basket": BASKET}.items():
        files[name] = folder / f"{name}.json"
        files[name].write_text(json.dumps(body))
    with contextlib.ExitStack() as running:  # whatever happens, no server is left running
        floor = Gunicorn("bench.floor:app", env, workers)
        running.callback(floor.stop)
        server = Gunicorn("wsgi:app", env, workers)
        running.callback(server.stop)
        limit = None
        if with_limit:
            limit_env, limit_orders = prepare_limit(folder)
            limit_env = {**env, **{key: limit_env[key] for key in ("LIMIT_DSN", "LIMIT_REDIS_URL")}}
            limit = Gunicorn("limit_app:app", limit_env, workers, pythonpath=LIMIT_APP.parent)
            running.callback(limit.stop)
            limit = (limit, limit_orders)
        return measure(floor, server, files, orders_file, seconds, rounds, full, limit)


def measure(floor: Gunicorn, server: Gunicorn, files: dict, orders_file: Path, seconds: int, rounds: int,
            full: bool, limit: tuple[Gunicorn, Path] | None = None) -> dict:
    """Every scenario against the running floor and app servers; returns {scenario: result}."""
    connections = 16
    live_env = {"BODY_FILE": str(files["live"])}
    hook = server.url + "/hooks/ivr/"
    expect(hook + "pre_order/", files["live"], '"success": true')
    complete_env = {"ORDERS_FILE": str(orders_file), "IVR_USERNAME": USERNAME, "IVR_PASSWORD": PASSWORD}
    limit_hook = None
    if limit is not None:
        limit_server, limit_orders = limit
        limit_hook = limit_server.url + "/hooks/ivr/"
        limit_env = {**complete_env, "ORDERS_FILE": str(limit_orders)}
        limit_body = files["live"].with_name("limit.json")
        limit_body.write_text(json.dumps({"username": USERNAME, "password": PASSWORD, "orderNumber": "1"}))
        expect(limit_hook + "pre_order/", limit_body, '"success": true')
        wrk(limit_hook + "pre_order/", "post_body.lua", {"BODY_FILE": str(limit_body)}, 5, connections)
    # Each hook's limit runs right after the hook itself: the host's drift (its CPU speed wanders
    # by tens of percent over a minute) then moves both sides of a ratio together.
    scenarios = {
        "floor": lambda: wrk(floor.url + "/hooks/ivr/pre_order/", "post_body.lua", live_env, seconds,
                             connections),
        "pre_order": lambda: wrk(hook + "pre_order/", "post_body.lua", live_env, seconds, connections),
    }
    if limit_hook:
        scenarios["limit_pre_order"] = lambda: wrk(limit_hook + "pre_order/", "post_body.lua",
                                                   {"BODY_FILE": str(limit_body)}, seconds, connections)
    scenarios["complete"] = lambda: wrk(hook + "complete/", "complete.lua", complete_env, seconds, connections)
    if limit_hook:
        scenarios["limit_complete"] = lambda: wrk(limit_hook + "complete/", "complete.lua", limit_env, seconds,
                                                  connections)
    # The same call from outside the allow-list: the lockout's count is kept around each check.
    scenarios["pre_order_unlisted"] = lambda: wrk(hook + "pre_order/", "post_body.lua",
                                                  {**live_env, "FORWARDED_FOR": OUTSIDER_ADDRESS}, seconds,
                                                  connections)
    scenarios["checkout"] = lambda: wrk(server.url, "checkout.lua",
                                        {"BODY_FILE": str(files["basket"]), "CHECKOUT_API_TOKEN": TOKEN},
                                        seconds, connections)
    wrk(hook + "pre_order/", "post_body.lua", live_env, 5, connections)  # warm-up
    # Rounds: every scenario once per round, each compared with the floor of its own round, so a
    # noisy host (this one's CPU speed drifts by tens of percent) moves both sides together.
    runs = {name: [] for name in scenarios}
    for _ in range(rounds):
        for name, run in scenarios.items():
            runs[name].append(run())
    results = {name: summarize(rows, runs["floor"]) for name, rows in runs.items()}
    if limit is not None:
        # The app against the design's limit, round by round (../shared/bench/README.md).
        results["to_limit"] = {hook_name: ratios_to(runs[hook_name], runs["limit_" + hook_name])
                               for hook_name in ("pre_order", "complete")}
    if full:
        results["steady_300"] = hey_steady(hook + "pre_order/", str(files["live"]), 300, 30)
        results["memory"] = memory_over(server, hook + "pre_order/", files["live"], 100_000)
    # Last: with the default lockout, the wrong password soon locks the outsider's address out.
    expect(hook + "pre_order/", files["wrong"], "User invalid")
    wrong_env = {"BODY_FILE": str(files["wrong"]), "FORWARDED_FOR": OUTSIDER_ADDRESS}
    floors, refused = [], []
    for _ in range(rounds):
        floors.append(scenarios["floor"]())
        refused.append(wrk(hook + "pre_order/", "post_body.lua", wrong_env, seconds, connections))
    results["user_invalid"] = summarize(refused, floors)
    return results


def summarize(rows: list[dict], floors: list[dict]) -> dict:
    """Medians over the rounds; ratios to the floor of the same round."""
    ratios = [row["rps"] / floor["rps"] for row, floor in zip(rows, floors)]
    return {
        "rps": statistics.median(row["rps"] for row in rows),
        "p50_ms": statistics.median(row["p50_ms"] for row in rows),
        "p99_ms": statistics.median(row["p99_ms"] for row in rows),
        "errors": sum(row["errors"] for row in rows),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "rounds": rows,
    }


def ratios_to(rows: list[dict], limits: list[dict]) -> dict:
    """The app's throughput as a fraction of the limit's, per round, and its median."""
    ratios = [row["rps"] / limit["rps"] for row, limit in zip(rows, limits)]
    return {"ratio": statistics.median(ratios), "ratios": ratios}


def memory_over(server: Gunicorn, url: str, body_file: Path, total: int) -> dict:
    """Workers' resident memory after a warm-up, then after `total` more pre_order requests."""
    env = {"BODY_FILE": str(body_file)}
    wrk(url, "post_body.lua", env, 10, 16)
    before = {pid: rss_mib(pid) for pid in server.worker_pids()}
    sent = 0
    while sent < total:
        sent += wrk(url, "post_body.lua", env, 20, 16)["requests"]
    after = {pid: rss_mib(pid) for pid in server.worker_pids()}
    return {"requests": sent, "before_mib": before, "after_mib": after}


def report(label: str, results: dict) -> str:
    lines = [f"\n{label} (medians of the rounds)",
             "| scenario | requests/s | p50 ms | p99 ms | errors | × floor (min–max) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in ("floor", "pre_order", "pre_order_unlisted", "user_invalid", "complete", "checkout", "limit_pre_order",
                 "limit_complete"):
        if name not in results:
            continue
        row = results[name]
        lines.append(f"| {name} | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                     f"{row['errors']} | {row['ratio']:.2f} ({min(row['ratios']):.2f}–{max(row['ratios']):.2f}) |")
    if "to_limit" in results:
        lines.append("\n| hook | × limit (median) | per round |\n|---|---:|---|")
        for name, row in results["to_limit"].items():
            rounds = ", ".join(f"{ratio:.2f}" for ratio in row["ratios"])
            lines.append(f"| {name} | {row['ratio']:.2f} | {rounds} |")
    if "steady_300" in results:
        steady = results["steady_300"]
        lines.append(f"\npre_order at a steady 300/s: {steady.get('rps', 0):.0f} req/s, "
                     f"p50 {steady.get('p50_ms', 0):.2f} ms, p99 {steady.get('p99_ms', 0):.2f} ms")
    if "memory" in results:
        memory = results["memory"]
        for pid, before in memory["before_mib"].items():
            after = memory["after_mib"].get(pid, float("nan"))
            lines.append(f"worker {pid}: {before:.1f} MiB -> {after:.1f} MiB over {memory['requests']} requests")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every scenario, interleaved")
    parser.add_argument("--quick", action="store_true", help="skip the steady-rate and memory runs")
    parser.add_argument("--only", choices=("postgres", "sqlite"))
    args = parser.parse_args()
    all_results = {}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as folder:
        folder = Path(folder)
        if args.only in (None, "postgres"):
            all_results["postgres"] = run_backend("postgres", prepare_postgres(), folder, args.seconds,
                                                  args.rounds, 2, not args.quick,
                                                  with_limit=LIMIT_APP.exists())
            print(report("PostgreSQL + Redis, gunicorn 2 workers", all_results["postgres"]), flush=True)
        if args.only in (None, "sqlite"):
            # Without Redis, gunicorn.conf.py runs one worker (the in-process cache is per process).
            all_results["sqlite"] = run_backend("sqlite", prepare_sqlite(folder), folder, args.seconds,
                                                args.rounds, 1, False)
            print(report("SQLite + in-process cache, gunicorn 1 worker", all_results["sqlite"]), flush=True)
    out = ROOT / "bench" / "results.json"
    out.write_text(json.dumps(all_results, indent=2, default=str))
    print(f"\nraw results: {out}")


if __name__ == "__main__":
    main()
