"""Who may call the hooks: lockout, then the address allow-list, then the credentials.

Any failure here is `User invalid`. Lockout state lives in the shared cache, so every worker
and host sees it; if the cache is down, lockout is not enforced (the credentials still are).
"""

import hmac
import ipaddress
import time

from flask import current_app

from ..cache import cache_get, cache_set
from ..db import utcnow
from ..metrics import LOCKOUTS
from .results import HookError, refuse
from .sandbox import sandbox_credentials_match


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings (any characters, not only ASCII)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _password_matches(password: str) -> bool:
    """The current password, or the previous one while its rotation window lasts."""
    config = current_app.config
    current_ok = _same(password, config.get("IVR_PASSWORD") or "")
    previous = config.get("IVR_PREVIOUS_PASSWORD") or ""
    until = current_app.extensions["ivr"].previous_password_until
    # Compared whether or not the window is open, so timing says nothing about it.
    previous_ok = _same(password, previous) and bool(previous)
    return current_ok or (previous_ok and until is not None and utcnow() < until)


def _credentials_refusal(username: str, password: str):
    """Compare with IVR_USERNAME/IVR_PASSWORD; unset settings refuse everyone."""
    if sandbox_credentials_match(username, password):  # a sandbox call (services/sandbox.py)
        return None
    config = current_app.config
    expected_username = config.get("IVR_USERNAME") or ""
    if not expected_username or not config.get("IVR_PASSWORD"):
        return refuse(HookError.USER_INVALID, "IVR_USERNAME or IVR_PASSWORD is not set")
    # Both comparisons always run, so timing tells nothing about which one failed.
    username_ok = _same(username, expected_username)
    password_ok = _password_matches(password)
    if not username_ok:
        return refuse(HookError.USER_INVALID, "unknown username")
    if not password_ok:
        return refuse(HookError.USER_INVALID, "wrong password")
    return None


def _address_refusal(remote_addr: str):
    """Refuse addresses outside IVR_ALLOWED_IPS, when that list is set."""
    networks = current_app.extensions["ivr"].allowed_networks
    if not networks:
        return None
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return refuse(HookError.USER_INVALID, f"address {remote_addr!r} is not an IP address")
    if not any(address in network for network in networks):
        return refuse(HookError.USER_INVALID, f"address {remote_addr} is not in IVR_ALLOWED_IPS")
    return None


def lockout_key(remote_addr: str) -> str:
    """The cache key of an address's lockout state."""
    return f"lockout:{remote_addr}"


class Lockout:
    """Consecutive `User invalid` answers to one address, and whether it is locked out."""

    def __init__(self, remote_addr: str):
        config = current_app.config
        self.threshold = config["IVR_LOCKOUT_THRESHOLD"]
        self.seconds = config["IVR_LOCKOUT_SECONDS"]
        self.key = lockout_key(remote_addr)
        self.state = cache_get(self.key) if self.threshold > 0 else None

    def locked(self) -> bool:
        """Whether the address is locked out now."""
        return bool(self.state) and self.state.get("locked_until", 0) > time.time()

    def record_failure(self) -> None:
        """Count a `User invalid`; the threshold-th within the window locks the address."""
        if self.threshold <= 0:
            return
        now = time.time()
        state = self.state or {}
        if now - state.get("since", 0) > self.seconds:
            state = {"failures": 0, "since": now}
        state["failures"] += 1
        if state["failures"] >= self.threshold:
            state = {"failures": 0, "since": now, "locked_until": now + self.seconds}
            LOCKOUTS.inc()
        cache_set(self.key, state, timeout=2 * self.seconds)

    def record_success(self) -> None:
        """A good call ends the run of failures."""
        if self.state:
            cache_set(self.key, {}, timeout=1)


def check_vendor(username: str, password: str, remote_addr: str):
    """None when the caller may use the hooks, else the `User invalid` refusal."""
    lockout = Lockout(remote_addr)
    if lockout.locked():
        return refuse(HookError.USER_INVALID, "locked out")
    refusal = _address_refusal(remote_addr) or _credentials_refusal(username, password)
    if refusal is None:
        lockout.record_success()
    else:
        lockout.record_failure()
    return refusal

