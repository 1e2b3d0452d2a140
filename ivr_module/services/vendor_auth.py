"""Who may call the hooks: lockout, then the address allow-list, then the credentials.

Any failure here is `User invalid`. Lockout counts live beside the shared cache (Redis), so
every worker and host sees them; if the cache is down, lockout is not enforced (the allow-list
and the credentials still are). An address inside IVR_ALLOWED_IPS is never locked out.
"""

import ipaddress

from flask import current_app

from .. import attempts
from ..db import utcnow
from ..metrics import LOCKOUTS
from .compare import same_text
from .error_texts import HookError
from .results import refuse
from .sandbox import sandbox_credentials_match



def _password_matches(password: str) -> bool:
    """The current password, or the previous one while its rotation window lasts."""
    config = current_app.config
    current_ok = same_text(password, config.get("IVR_PASSWORD") or "")
    previous = config.get("IVR_PREVIOUS_PASSWORD") or ""
    until = current_app.extensions["ivr"].previous_password_until
    # Compared whether or not the window is open, so timing says nothing about it.
    previous_ok = same_text(password, previous) and bool(previous)
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
    username_ok = same_text(username, expected_username)
    password_ok = _password_matches(password)
    if not username_ok:
        return refuse(HookError.USER_INVALID, "unknown username")
    if not password_ok:
        return refuse(HookError.USER_INVALID, "wrong password")
    return None


def _in_allow_list(remote_addr: str) -> bool:
    """Whether IVR_ALLOWED_IPS is set and holds the address."""
    networks = current_app.extensions["ivr"].allowed_networks
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _address_refusal(remote_addr: str):
    """Refuse addresses outside IVR_ALLOWED_IPS, when that list is set."""
    if not current_app.extensions["ivr"].allowed_networks or _in_allow_list(remote_addr):
        return None
    try:
        ipaddress.ip_address(remote_addr)
    except ValueError:
        return refuse(HookError.USER_INVALID, f"address {remote_addr!r} is not an IP address")
    return refuse(HookError.USER_INVALID, f"address {remote_addr} is not in IVR_ALLOWED_IPS")


def lockout_key(remote_addr: str) -> str:
    """The cache key of an address's count of consecutive `User invalid` answers."""
    return f"lockout:{remote_addr}"


class Lockout:
    """Consecutive `User invalid` answers to one address, counted atomically around each check.

    A call is admitted to the credential check only while the failures and the checks in flight
    stay under the threshold (ivr_module/attempts.py), so concurrent bad calls cannot outrun the
    count. A good call ends the run; the threshold-th failure locks the address for
    IVR_LOCKOUT_SECONDS from then on.
    """

    def __init__(self, remote_addr: str):
        config = current_app.config
        self.threshold = config["IVR_LOCKOUT_THRESHOLD"]
        self.seconds = config["IVR_LOCKOUT_SECONDS"]
        self.key = lockout_key(remote_addr)
        self.admitted = False

    def admit(self) -> bool:
        """Whether this call may have its credentials checked (False: locked out)."""
        if self.threshold <= 0:
            return True
        outcome = attempts.admit(self.key, self.threshold, self.seconds)
        self.admitted = outcome == attempts.ADMITTED
        return outcome != attempts.LOCKED

    def record(self, refused: bool) -> None:
        """End the admitted check with its outcome."""
        if self.admitted and attempts.release(self.key, refused, self.threshold, self.seconds):
            LOCKOUTS.inc()


def check_vendor(username: str, password: str, remote_addr: str):
    """None when the caller may use the hooks, else the `User invalid` refusal."""
    if _in_allow_list(remote_addr):
        # Never locked out: the allow-list shuts out everyone else already, and a lockout here
        # would let anyone sharing the vendor's address stop its calls.
        return _credentials_refusal(username, password)
    lockout = Lockout(remote_addr)
    if not lockout.admit():
        return refuse(HookError.USER_INVALID, "locked out")
    refusal = _address_refusal(remote_addr) or _credentials_refusal(username, password)
    lockout.record(refused=refusal is not None)
    return refusal
