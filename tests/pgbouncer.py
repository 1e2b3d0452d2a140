"""A PgBouncer of the test run's own, in transaction pooling mode, in front of the test PostgreSQL.

Debian's pgbouncer (/usr/sbin/pgbouncer, installed by .ci/run). Its pool is smaller than the
app's, so clients really do share server connections: anything that needs a database session
to outlive its transaction breaks here as it would in production.
"""

import os
import subprocess
import time
from pathlib import Path

import psycopg

from tests.private_redis import free_port

PGBOUNCER = Path(os.environ.get("IVR_TEST_PGBOUNCER", "/usr/sbin/pgbouncer"))

# Fewer server connections than the 20 racing clients of tests/test_concurrency.py.
SERVER_POOL_SIZE = 4

CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {userlist}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
"""


class PgBouncer:
    """pgbouncer on 127.0.0.1:<port>, pooling transactions to the PostgreSQL at `upstream`."""

    def __init__(self, upstream: str, folder: Path):
        self.upstream = psycopg.conninfo.conninfo_to_dict(upstream)
        self.folder = folder
        self.port = free_port()
        self.process = self.log = None

    def url(self, database: str) -> str:
        """The URL of `database` through this PgBouncer."""
        return f"postgresql://{self.upstream.get('user', 'postgres')}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Write the configuration, start pgbouncer and wait until it answers."""
        userlist = self.folder / "userlist.txt"
        userlist.write_text(f'"{self.upstream.get("user", "postgres")}" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(CONFIG.format(
            host=self.upstream.get("host", "127.0.0.1"), port=self.upstream.get("port", 5432),
            listen_port=self.port, userlist=userlist, pool_size=SERVER_POOL_SIZE,
        ))
        # pgbouncer will not run as root; it reads its files first, then becomes `postgres`.
        as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
        self.log = open(self.folder / "pgbouncer.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([str(PGBOUNCER), *as_user, str(config)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        for _ in range(100):
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {(self.folder / 'pgbouncer.log').read_text()}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise RuntimeError("pgbouncer did not start")

    def stop(self) -> None:
        """Stop pgbouncer (SIGTERM, then SIGKILL if it lingers)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()
