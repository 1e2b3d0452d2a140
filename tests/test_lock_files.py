"""The lock files pin, with hashes, every dependency pyproject.toml names: they cannot drift apart."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    """Package name -> pinned version in a lock file."""
    return {canonicalize_name(name): version for name, version in PIN.findall((ROOT / lock).read_text())}


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


RUNTIME = names(PROJECT["dependencies"])
DEV = names(PROJECT["optional-dependencies"]["dev"])


@pytest.mark.parametrize(
    "lock, needed",
    [("requirements.lock", RUNTIME), ("requirements-dev.lock", RUNTIME | DEV)],
)
def test_the_lock_pins_every_dependency_of_pyproject(lock, needed):
    assert needed - set(pins(lock)) == set()


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_satisfies_the_lower_bound_of_pyproject(lock):
    pinned = pins(lock)
    for line in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in pinned:
            assert requirement.specifier.contains(pinned[name], prereleases=True), (lock, line)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_a_hash(lock):
    text = (ROOT / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text[PIN.search(text).start():])
    assert entries and all("--hash=sha256:" in entry for entry in entries)


def test_both_locks_pin_the_same_versions():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
