"""Slow-down after repeated failed logins, per username and per address, kept in the cache.

After the free attempts, each further failure makes the next attempt wait: the first delay,
doubled with each failure, up to the maximum. While a username or an address waits, attempts
are refused without a password check and are not counted. A success clears the username's
count (not the address's, so one good account does not open the door to guessing others).
Like the hooks' lockout, this is not enforced while the cache is unreachable.
"""

import json
import logging
import math
import time

from flask import current_app

from ..cache import cache_get, cache_set

logger = logging.getLogger(__name__)

# Failures are forgotten this long after the last one; no delay grows past the maximum.
WINDOW_SECONDS = 900
MAX_DELAY_SECONDS = 900
# An office behind one address holds many staff: it gets more free attempts than one username.
ADDRESS_FREE_FACTOR = 4


def _now() -> float:
    return time.time()


def _keys(username: str, address: str | None) -> dict[str, str]:
    return {
        "username": "admin-login:user:" + username.strip().lower()[:64],
        "address": "admin-login:addr:" + (address or "unknown"),
    }


def _read(key: str) -> tuple[int, float]:
    stored = cache_get(key)
    if not stored:
        return 0, 0.0
    count, until = json.loads(stored)
    return count, until


def _delay(count: int, free: int) -> float:
    """Seconds to wait after `count` failures with `free` attempts allowed."""
    if count < free:
        return 0.0
    first = current_app.config["IVR_ADMIN_LOGIN_DELAY_SECONDS"]
    return min(first * 2 ** (count - free), MAX_DELAY_SECONDS)


def seconds_to_wait(username: str, address: str | None) -> int:
    """Whole seconds before this username and address may try again (0: now)."""
    now = _now()
    waits = [_read(key)[1] - now for key in _keys(username, address).values()]
    return math.ceil(max(0.0, *waits))


def record_failure(username: str, address: str | None) -> None:
    """Count a failed login against the username and the address."""
    per_username = current_app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    free = {"username": per_username, "address": per_username * ADDRESS_FREE_FACTOR}
    now = _now()
    for kind, key in _keys(username, address).items():
        count, _until = _read(key)
        count += 1
        delay = _delay(count, free[kind])
        if delay:
            logger.warning("admin login slowed down for %s %s: %s failures", kind, key, count)
        cache_set(key, json.dumps([count, now + delay]), timeout=int(delay) + WINDOW_SECONDS)


def record_success(username: str) -> None:
    """Forget the username's failures."""
    cache_set(_keys(username, None)["username"], json.dumps([0, 0.0]), timeout=1)
