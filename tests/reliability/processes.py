"""Real processes for the reliability tests: a fresh PostgreSQL database and gunicorn servers.

Everything listens on 127.0.0.1 and is stopped by the fixture that started it.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

from tests.helpers import API_TOKEN, IVR_PASSWORD, IVR_USERNAME, POSTGRES_ADMIN_URL
from tests.private_redis import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float, what: str, every: float = 0.05):
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def production_env(database_url: str, redis_url: str | None = None, **settings) -> dict:
    """The environment of the production command, with this test's database, cache and secrets."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("IVR_", "GUNICORN_"))}
    env.pop("REDIS_URL", None)
    env.update(
        IVR_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        IVR_USERNAME=IVR_USERNAME,
        IVR_PASSWORD=IVR_PASSWORD,
        CHECKOUT_API_TOKEN=API_TOKEN,
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({key: str(value) for key, value in settings.items()})
    return env


def postgres_address() -> tuple[str, int]:
    """Host and port of the shared PostgreSQL server (from IVR_TEST_POSTGRES, as the fixtures use it)."""
    parts = urlsplit(POSTGRES_ADMIN_URL)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def flask_command(env: dict, *args: str) -> str:
    """Run `flask --app wsgi ...` as an operator would; return its output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class Database:
    """A PostgreSQL database of the test's own on the shared server, migrated, dropped at the end."""

    def __init__(self, tag: str):
        self.name = f"ivr_rel_{tag}_{uuid.uuid4().hex[:8]}"
        self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def create(self) -> None:
        """Create the database and apply the migrations with `flask db upgrade`."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        flask_command(production_env(self.url), "db", "upgrade")

    def connect(self, **kwargs) -> psycopg.Connection:
        """A direct connection, for the test's own reads and locks."""
        return psycopg.connect(self.url, **kwargs)

    def url_through(self, port: int) -> str:
        """The database's URL, same user and options, reached through another port on 127.0.0.1 (a proxy)."""
        parts = urlsplit(self.url)
        user = parts.netloc.rpartition("@")[0]
        address = f"127.0.0.1:{port}"
        return urlunsplit(parts._replace(netloc=f"{user}@{address}" if user else address))

    def drop(self) -> None:
        """Drop it, whoever is still connected."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Gunicorn:
    """The production command, `gunicorn -c gunicorn.conf.py wsgi:app`, on a spare port."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        run_dir = log_path.with_suffix(".run")
        run_dir.mkdir()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "PROMETHEUS_MULTIPROC_DIR": str(run_dir),
            "GUNICORN_ACCESSLOG": "-",  # the schemathesis test counts API answers by status in it
        }
        self.workers = workers
        self.process = None

    def start(self) -> "Gunicorn":
        """Start the master and wait until /healthz answers and every worker is up."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_until(self.healthy, 60, f"gunicorn on port {self.port}", every=0.1)
        wait_until(lambda: len(self.worker_pids()) == self.workers, 30, "all gunicorn workers")
        return self

    def healthy(self) -> bool:
        """Whether /healthz answers 200 now."""
        assert self.process.poll() is None, f"gunicorn exited:\n{self.log_tail()}"
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The pids of the live workers (children of the master)."""
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []
        return [child.pid for child in children if child.status() != psutil.STATUS_ZOMBIE]

    def worker_connected_from(self, local_port: int) -> int:
        """The worker that owns the TCP connection leaving from `local_port` (e.g. to PostgreSQL)."""
        for pid in self.worker_pids():
            for connection in psutil.Process(pid).net_connections(kind="tcp"):
                if connection.laddr and connection.laddr.port == local_port:
                    return pid
        raise AssertionError(f"no worker holds a connection from port {local_port}")

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker and wait until the master has replaced it and serves again."""
        before = set(self.worker_pids())
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: pid not in self.worker_pids(), 10, f"worker {pid} to die")
        wait_until(lambda: len(set(self.worker_pids()) - before) == 1 and self.healthy(), 30,
                   "a new worker")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop master and workers: SIGINT, then SIGKILL to the whole group if they linger."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)  # quick shutdown of master and workers
                self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # The group is the master's (start_new_session): whatever of it is left goes now.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
