"""Counters that expire, counted atomically: throttles built on them cannot be outrun.

A throttle that reads a count, decides, then writes it back lets concurrent callers all read
the same count and all slip through. Here one step counts and answers the new count: Redis
`INCR` (+ `EXPIRE` on the first count) in one script, or a dict under a lock in-process.
Like the rest of the cache, a counter never fails a call: when Redis is away, `increment`
answers None and the throttle is not enforced for that call.
"""

import logging
import threading
import time
from typing import Optional

from flask import current_app
from redis.exceptions import RedisError

from .cache import cache

logger = logging.getLogger(__name__)

# Count; start the window on the first count. A value that is not a number (planted, or left
# by another program) is replaced, never interpreted: the answer -1 says so.
INCREMENT_SCRIPT = """
local count = redis.pcall('INCR', KEYS[1])
if type(count) == 'table' then
  redis.call('SET', KEYS[1], 1, 'EX', ARGV[1])
  return -1
end
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

# The in-process dict drops ended windows once it holds this many keys.
LOCAL_PRUNE_SIZE = 10000


class RedisCounters:
    """Counters in the module's Redis, under the cache's key prefix."""

    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix
        self.script = client.register_script(INCREMENT_SCRIPT)

    def increment(self, key: str, window_seconds: int) -> int:
        """The key's new count."""
        count = self.script(keys=[self.prefix + key], args=[window_seconds])
        if count < 0:
            logger.warning("counter %s held something that is not a number; started again", key)
            return 1
        return count

    def extend(self, key: str, seconds: int) -> None:
        """End the key's window `seconds` from now."""
        self.client.expire(self.prefix + key, seconds)

    def reset(self, key: str) -> None:
        """Forget the key."""
        self.client.delete(self.prefix + key)


class LocalCounters:
    """Counters of this process (the in-process cache's companion), guarded by one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: dict[str, list] = {}  # key -> [count, monotonic end of its window]

    def increment(self, key: str, window_seconds: int) -> int:
        """The key's new count."""
        now = time.monotonic()
        with self.lock:
            if len(self.entries) >= LOCAL_PRUNE_SIZE:
                self.entries = {k: v for k, v in self.entries.items() if v[1] > now}
            entry = self.entries.get(key)
            if entry is None or entry[1] <= now:
                entry = self.entries[key] = [0, now + window_seconds]
            entry[0] += 1
            return entry[0]

    def extend(self, key: str, seconds: int) -> None:
        """End the key's window `seconds` from now."""
        with self.lock:
            if key in self.entries:
                self.entries[key][1] = time.monotonic() + seconds

    def reset(self, key: str) -> None:
        """Forget the key."""
        with self.lock:
            self.entries.pop(key, None)


def counters_for_cache(app):
    """Counters that live where the app's module cache lives (once that cache is set up)."""
    backend = app.extensions["cache"][cache]
    client = getattr(backend, "_write_client", None)  # cachelib's RedisCache keeps its client here
    if client is None:
        return LocalCounters()
    return RedisCounters(client, backend.key_prefix)


def _counters_and_health():
    state = current_app.extensions["ivr"]
    return state.counters, state.cache_health


def increment(key: str, window_seconds: int) -> Optional[int]:
    """Count one more in the key's window (started by its first count); None if Redis is away."""
    counters, health = _counters_and_health()
    if not health.usable():
        return None
    try:
        return counters.increment(key, window_seconds)
    except RedisError as error:
        health.failed("increment", key, error)
        return None


def extend(key: str, seconds: int) -> None:
    """Make the key's window end `seconds` from now."""
    counters, health = _counters_and_health()
    try:
        counters.extend(key, seconds)
    except RedisError as error:
        health.failed("expire", key, error)


def reset(key: str) -> None:
    """Forget the key's count (if Redis is away, as soon as it is back)."""
    counters, health = _counters_and_health()
    if not health.usable():
        health.mark_stale(key)
        return
    try:
        counters.reset(key)
    except RedisError as error:
        health.failed("delete", key, error)
        health.mark_stale(key)
