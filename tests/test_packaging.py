"""The built wheel is the whole module: installed outside the checkout, it migrates and serves.

Builds the sdist and wheel (`python -m build`), checks them with twine, then installs the wheel
into a fresh virtual environment and drives it from a directory that is not the repository
(tests/packaging/). The fresh environment takes the already-installed dependencies through a
.pth line, so the test needs no network; ivr_module itself comes only from the wheel.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WHEEL_MUST_HOLD = [
    "ivr_module/templates/ivr_admin/login.html",
    "ivr_module/templates/ivr_admin/base.html",
    "ivr_module/static/ivr_admin/admin.css",
    "ivr_module/static/ivr_admin/admin.js",
    "ivr_module/migrations/env.py",
    "ivr_module/migrations/alembic.ini",
    "ivr_module/migrations/versions/0001_initial_schema.py",
    "ivr_module/openapi/ivr-hooks.openapi.json",
    # The admin's catalogues, compiled: the wheel speaks Turkish without `make translations`.
    "ivr_module/translations/en/LC_MESSAGES/ivr_module.mo",
    "ivr_module/translations/tr/LC_MESSAGES/ivr_module.mo",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory, backend):
    if backend != "sqlite":
        pytest.skip("the wheel is the same on every backend: built and tried in the SQLite leg")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                   check=True, capture_output=True)
    return out


def _run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def test_sdist_and_wheel_pass_twine_check(dist):
    [wheel] = dist.glob("ivr_module-*-py3-none-any.whl")
    assert list(dist.glob("ivr_module-*.tar.gz"))
    import ivr_module
    assert wheel.name == f"ivr_module-{ivr_module.__version__}-py3-none-any.whl"
    _run([sys.executable, "-m", "twine", "check", *map(str, dist.iterdir())])


def test_the_wheel_holds_templates_assets_migrations_and_documents(dist):
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in WHEEL_MUST_HOLD if name not in names]
    assert not missing
    migrations = {name for name in names if name.startswith("ivr_module/migrations/versions/")}
    assert len(migrations) == len(list((REPO / "migrations/versions").glob("*.py")))


def test_the_installed_wheel_migrates_and_serves_from_outside_the_checkout(dist, tmp_path):
    [wheel] = dist.glob("*.whl")
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    # The dependencies already installed here, reachable without the network. (A .pth line is
    # not a site directory: the checkout's editable ivr_module is not reachable through it.)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    work = tmp_path / "shop"
    work.mkdir()
    for name in ("host.py", "exercise.py"):
        shutil.copy(REPO / "tests" / "packaging" / name, work / name)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "IVR_", "FLASK_"))}
    env["HOST_DATABASE_URL"] = f"sqlite:///{tmp_path}/shop.sqlite3"
    flask = [str(python), "-m", "flask", "--app", "host"]
    _run([*flask, "ivr", "db", "upgrade"], cwd=work, env=env)
    _run([*flask, "ivr", "create-user", "boss", "--role", "admin", "--password", "boss-password-1"],
         cwd=work, env=env)
    exercised = _run([str(python), "exercise.py"], cwd=work, env=env)
    assert "installed module works" in exercised.stdout
