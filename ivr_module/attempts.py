"""Admission to a guarded check (the hooks' credentials), counted atomically per key.

A throttle that reads a count, decides, then writes it back lets concurrent callers all read
the same count and all slip through. Here each key holds two numbers, changed only inside one
atomic step (a Lua script in Redis; a lock in-process): `f`, the failures of the current run,
and `i`, the checks in flight. A call is admitted only while f + i < threshold, so concurrent
bad calls never get more checks than the threshold; a call that finds the budget taken by
checks in flight waits a moment for them (they take microseconds) rather than being refused,
so concurrent good calls all pass. Like the cache, this never fails a call: when Redis is
away, `admit` answers None and the throttle is not enforced for that call.
"""

import logging
import threading
import time
from typing import Optional

from flask import current_app
from redis.exceptions import RedisError

from .cache import cache

logger = logging.getLogger(__name__)

ADMITTED, BUSY, LOCKED = "admitted", "busy", "locked"
OUTCOMES = {0: LOCKED, 1: BUSY, 2: ADMITTED}

# How long a call waits for checks in flight before it gives up (as locked out).
BUSY_WAIT_SECONDS = 2.0
BUSY_PAUSE_SECONDS = 0.002

# KEYS[1]; ARGV: threshold, window seconds. Answers {outcome, replaced}. A key that is not
# such a hash (planted, or left by another program) is replaced, never interpreted.
ADMIT_SCRIPT = """
local replaced = 0
local values = redis.pcall('HMGET', KEYS[1], 'f', 'i')
if values['err'] or (values[1] and not tonumber(values[1])) or (values[2] and not tonumber(values[2])) then
  redis.call('DEL', KEYS[1])
  values = {false, false}
  replaced = 1
end
local failures, in_flight = tonumber(values[1]) or 0, tonumber(values[2]) or 0
local threshold = tonumber(ARGV[1])
if failures >= threshold then return {0, replaced} end
if failures + in_flight >= threshold then return {1, replaced} end
redis.call('HINCRBY', KEYS[1], 'i', 1)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {2, replaced}
"""

# KEYS[1]; ARGV: failed (1/0), threshold, lock seconds. Answers 1 when this failure locked the key.
RELEASE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] == '1' then
    redis.call('HSET', KEYS[1], 'f', 1, 'i', 0)
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    if tonumber(ARGV[2]) == 1 then return 1 end
  end
  return 0
end
local in_flight = redis.pcall('HINCRBY', KEYS[1], 'i', -1)
if type(in_flight) == 'table' then redis.call('DEL', KEYS[1]) return 0 end
if ARGV[1] == '1' then
  if redis.call('HINCRBY', KEYS[1], 'f', 1) == tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    return 1
  end
elseif in_flight <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'f', 0)
end
return 0
"""


class RedisAttempts:
    """Attempt counts in the module's Redis, under the cache's key prefix."""

    def __init__(self, client, prefix: str):
        self.prefix = prefix
        self.admit_script = client.register_script(ADMIT_SCRIPT)
        self.release_script = client.register_script(RELEASE_SCRIPT)

    def admit(self, key: str, threshold: int, window_seconds: int) -> str:
        """ADMITTED (a check in flight is counted), BUSY or LOCKED."""
        outcome, replaced = self.admit_script(keys=[self.prefix + key], args=[threshold, window_seconds])
        if replaced:
            logger.warning("attempt count %s held something else; started again", key)
        return OUTCOMES[outcome]

    def release(self, key: str, failed: bool, threshold: int, lock_seconds: int) -> bool:
        """End an admitted check: a failure counts (the threshold-th locks: True); a success ends the run."""
        return self.release_script(keys=[self.prefix + key], args=[int(failed), threshold, lock_seconds]) == 1


class LocalAttempts:
    """The same counts for the in-process cache, guarded by one lock."""

    PRUNE_SIZE = 10000

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: dict[str, list] = {}  # key -> [failures, in flight, monotonic end]

    def _entry(self, key: str, now: float, window_seconds: int) -> list:
        if len(self.entries) >= self.PRUNE_SIZE:
            self.entries = {k: v for k, v in self.entries.items() if v[2] > now}
        entry = self.entries.get(key)
        if entry is None or entry[2] <= now:
            entry = self.entries[key] = [0, 0, now + window_seconds]
        return entry

    def admit(self, key: str, threshold: int, window_seconds: int) -> str:
        """ADMITTED (a check in flight is counted), BUSY or LOCKED."""
        with self.lock:
            entry = self._entry(key, time.monotonic(), window_seconds)
            if entry[0] >= threshold:
                return LOCKED
            if entry[0] + entry[1] >= threshold:
                return BUSY
            entry[1] += 1
            return ADMITTED

    def release(self, key: str, failed: bool, threshold: int, lock_seconds: int) -> bool:
        """End an admitted check: a failure counts (the threshold-th locks: True); a success ends the run."""
        now = time.monotonic()
        with self.lock:
            entry = self._entry(key, now, lock_seconds)
            entry[1] = max(0, entry[1] - 1)
            if failed:
                entry[0] += 1
                if entry[0] == threshold:
                    entry[2] = now + lock_seconds
                    return True
            elif entry[1] == 0:
                del self.entries[key]
            else:
                entry[0] = 0
        return False


def attempts_for_cache(app):
    """Attempt counts that live where the app's module cache lives (once it is set up)."""
    backend = app.extensions["cache"][cache]
    client = getattr(backend, "_write_client", None)  # cachelib's RedisCache keeps its client here
    if client is None:
        return LocalAttempts()
    return RedisAttempts(client, backend.key_prefix)


def admit(key: str, threshold: int, window_seconds: int) -> Optional[str]:
    """ADMITTED or LOCKED, after waiting out checks in flight; None if Redis is away."""
    state = current_app.extensions["ivr"]
    give_up_at = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        if not state.cache_health.usable():
            return None
        try:
            outcome = state.attempts.admit(key, threshold, window_seconds)
        except RedisError as error:
            state.cache_health.failed("admit", key, error)
            return None
        if outcome != BUSY:
            return outcome
        if time.monotonic() > give_up_at:
            return LOCKED
        time.sleep(BUSY_PAUSE_SECONDS)


def release(key: str, failed: bool, threshold: int, lock_seconds: int) -> bool:
    """End an admitted check (see RedisAttempts.release): whether it locked the key. If Redis is
    away, the key's window ends the check."""
    state = current_app.extensions["ivr"]
    try:
        return state.attempts.release(key, failed, threshold, lock_seconds)
    except RedisError as error:
        state.cache_health.failed("release", key, error)
        return False
