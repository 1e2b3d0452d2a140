"""The module's cache (Flask-Caching): Redis or in-process, and never a reason to fail a call.

Every access goes through these helpers. A backend error counts as a miss, and the cache is
then left alone for a second, so a dead Redis costs a call nothing but the database read.
Keys that could not be overwritten while Redis was away are deleted as soon as it answers
again, so a stale entry does not outlive the outage.
"""

import logging
import threading
import time

from flask import current_app
from flask_caching import Cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

cache = Cache()

RETRY_AFTER_SECONDS = 1.0


class CacheHealth:
    """Per-app memory of backend failures: when to try again, which keys may be stale."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.stale_keys: set[str] = set()

    def usable(self) -> bool:
        """Whether to try the backend now; first clears keys left stale by a failure."""
        if time.monotonic() < self.down_until:
            return False
        if not self.stale_keys:
            return True
        with self.lock:
            stale = list(self.stale_keys)
            try:
                cache.delete_many(*stale)
            except RedisError as error:
                self.failed("delete", "stale keys", error)
                return False
            self.stale_keys.difference_update(stale)
        return True

    def failed(self, operation: str, key: str, error: Exception) -> None:
        """Note a backend failure: leave the cache alone for a moment."""
        self.down_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("cache %s of %s failed, using the database: %s", operation, key, error)

    def mark_stale(self, key: str) -> None:
        """Remember a key whose cached value could not be replaced."""
        with self.lock:
            self.stale_keys.add(key)


def _health() -> CacheHealth:
    return current_app.extensions["ivr"].cache_health


def cache_get(key: str):
    """The cached value, or None on a miss or when the cache is unavailable."""
    health = _health()
    if not health.usable():
        return None
    try:
        return cache.get(key)
    except RedisError as error:
        health.failed("get", key, error)
        return None


def cache_add(key: str, value, timeout: int) -> None:
    """Store a value only where none is, so a reader filling a miss never undoes a writer."""
    health = _health()
    if not health.usable():
        return
    try:
        cache.add(key, value, timeout=timeout)
    except RedisError as error:
        health.failed("add", key, error)


def cache_set(key: str, value, timeout: int) -> None:
    """Store the newest value of a key (writers); if the cache is away, drop it once back."""
    health = _health()
    if not health.usable():
        health.mark_stale(key)
        return
    try:
        cache.set(key, value, timeout=timeout)
    except RedisError as error:
        health.failed("set", key, error)
        health.mark_stale(key)


def cache_reachable() -> bool:
    """Whether the cache backend answers now (readiness checks)."""
    try:
        cache.set("ping", 1, timeout=5)
        return cache.get("ping") == 1
    except RedisError:
        return False
