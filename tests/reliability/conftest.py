"""Fixtures of the reliability tests: gunicorn servers on a database and a Redis of their own.

These tests need the real PostgreSQL and Redis, so they run with `--backend postgres` (the
second leg of `make test`); with `--backend sqlite` each is reported as skipped, with the reason.
Each test's figures (requests sent, faults injected, payments lost or doubled...) are printed at
the end of the run and written to test-results/reliability-figures.json.
"""

import json
from pathlib import Path

import pytest

from .processes import ROOT, Database, Gunicorn, production_env

FIGURES = pytest.StashKey[dict]()
FIGURES_FILE = ROOT / "test-results" / "reliability-figures.json"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Skip, visibly, every reliability test on the SQLite backend."""
    if config.getoption("--backend") == "postgres":
        return
    skip = pytest.mark.skip(reason="reliability tests need --backend postgres (PostgreSQL + Redis)")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


def pytest_configure(config):
    config.stash[FIGURES] = {}


def pytest_terminal_summary(terminalreporter, config):
    """Print the figures of the reliability tests that ran, and keep them in a file."""
    figures = config.stash.get(FIGURES, {})
    if not figures:
        return
    FIGURES_FILE.parent.mkdir(exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(figures, indent=2) + "\n")
    terminalreporter.section("reliability figures")
    for test, numbers in figures.items():
        terminalreporter.write_line(test)
        for name, value in numbers.items():
            terminalreporter.write_line(f"    {name}: {value}")
    terminalreporter.write_line(f"(written to {FIGURES_FILE.relative_to(ROOT)})")


@pytest.fixture
def figures(request):
    """This test's figures: figures["requests sent"] = 1200, etc."""
    numbers = {}
    request.config.stash[FIGURES][request.node.name] = numbers
    return numbers


@pytest.fixture
def database(request):
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    db = Database(request.node.name.removeprefix("test_")[:20])
    db.create()
    yield db
    db.drop()


@pytest.fixture
def start_server(tmp_path):
    """Start gunicorn with the production command: start_server(database_url, redis_url, **env)."""
    started = []

    def start(database_url, redis_url, workers=2, threads=4, **settings):
        log = tmp_path / f"gunicorn-{len(started)}.log"
        env = production_env(database_url, redis_url, **settings)
        started.append(Gunicorn(env, log, workers=workers, threads=threads))
        return started[-1].start()

    yield start
    for server in started:
        server.stop()
        print(f"--- {server.log_path.name} (last lines)\n{server.log_tail(15)}")
