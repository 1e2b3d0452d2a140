"""Flask-Caching backends that store JSON, never pickles.

Flask-Caching's Redis and in-process backends pickle every value and unpickle whatever they
read back, so anyone who can write to the shared Redis could run code in the app. These
subclasses swap in a JSON serializer: a value that is not valid JSON (a planted pickle, a
value of another program) is a miss, logged, and the caller falls back to the database.
"""

import json
import logging

from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache

logger = logging.getLogger(__name__)


class StrictJSONSerializer:
    """cachelib's serializer interface, JSON both ways; a value that is not JSON is a logged miss."""

    def dumps(self, value, *args, **kwargs) -> bytes:
        """JSON text of the value; a value JSON cannot hold is a programming error, raised."""
        return json.dumps(value, separators=(",", ":")).encode()

    def loads(self, bvalue, *args, **kwargs):
        """The stored value, or None (a miss) when nothing is stored or it is not JSON."""
        if bvalue is None:
            return None
        try:
            return json.loads(bvalue)
        except (TypeError, ValueError):
            logger.warning("cache value is not JSON (%d bytes); treated as a miss", len(bvalue))
            return None


class JSONRedisCache(RedisCache):
    """Flask-Caching's RedisCache, storing JSON."""

    serializer = StrictJSONSerializer()


class JSONSimpleCache(SimpleCache):
    """Flask-Caching's in-process SimpleCache, storing JSON (the same rules on both backends)."""

    serializer = StrictJSONSerializer()
