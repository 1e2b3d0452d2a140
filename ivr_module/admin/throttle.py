"""The admin login's slow-down: failed logins counted per (username, address) and per address.

A username and address pair gets IVR_ADMIN_LOGIN_FREE_ATTEMPTS tries per window, an address
IVR_ADMIN_LOGIN_ADDRESS_ATTEMPTS tries over all usernames (an office shares one address);
IVR_ADMIN_LOGIN_WINDOW_SECONDS long. Keyed on the pair, a stranger's failures keep a staff member
out of nowhere but the stranger's own address.

The counting is `limits`' fixed window (Flask-Limiter's engine): one atomic INCR + EXPIRE in
Redis when REDIS_URL is set, so every worker shares it, else a counter under a lock in this
process. An attempt is counted *before* its password is checked, so parallel attempts cannot
all slip past the count; a success then forgets its pair's failures and gives its address
count back, so only failures stay counted. While Redis is unreachable each worker counts in
its own memory instead of not counting at all.
"""

import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)

KEY_PREFIX = "ivr:admin-login"
# A dead Redis must cost a login attempt milliseconds, as it costs the hooks (config.cache_config).
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


def _limiter(redis_url: str | None) -> FixedWindowRateLimiter:
    if redis_url:
        storage = RedisStorage(redis_url, key_prefix=KEY_PREFIX, wrap_exceptions=True, **REDIS_OPTIONS)
    else:
        storage = MemoryStorage()
    return FixedWindowRateLimiter(storage)


class LoginThrottle:
    """Per-app counters of admin login attempts (kept in app.extensions["ivr_admin"])."""

    def __init__(self, config):
        window = config["IVR_ADMIN_LOGIN_WINDOW_SECONDS"]
        self.per_pair = RateLimitItemPerSecond(config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"], window)
        self.per_address = RateLimitItemPerSecond(config["IVR_ADMIN_LOGIN_ADDRESS_ATTEMPTS"], window)
        self.limiter = _limiter(config.get("REDIS_URL"))
        self.fallback = _limiter(None)

    def admit(self, username: str, address: str | None) -> int:
        """Count an attempt; 0 if its password may be checked, else whole seconds to wait."""
        for item, keys in self._counters(username, address):
            if not self._call("hit", item, *keys):
                wait = self._call("get_window_stats", item, *keys).reset_time - time.time()
                logger.warning("admin login refused for %s: too many failures", "/".join(keys))
                return max(1, math.ceil(wait))
        return 0

    def succeeded(self, username: str, address: str | None) -> None:
        """A correct password: forget the pair's failures, give the address its count back."""
        (pair_item, pair_keys), (address_item, address_keys) = self._counters(username, address)
        self._call("clear", pair_item, *pair_keys)
        self._call("hit", address_item, *address_keys, cost=-1)

    def _counters(self, username: str, address: str | None):
        address = address or "unknown"
        # The address comes last and holds no "/", so no username can reach another pair's key.
        pair = ("pair", username.strip().lower()[:64], address)
        return [(self.per_pair, pair), (self.per_address, ("address", address))]

    def _call(self, method: str, item, *keys, **options):
        try:
            return getattr(self.limiter, method)(item, *keys, **options)
        except StorageError as error:
            logger.warning("admin login counter unreachable, counting in this process: %s", error)
            return getattr(self.fallback, method)(item, *keys, **options)
