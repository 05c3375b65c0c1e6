"""Fixed-window rate limits, for anonymous look-ups, code requests and the API.

The counters live in the ``security`` cache (``SECURITY_CACHE``), never in the page cache:
that one may evict or be cleared, and an evicted counter is a limit that no longer holds.
"""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from portal.addresses import client_ip

__all__ = ["SECURITY_CACHE", "client_ip", "hit", "security_cache"]

SECURITY_CACHE = "security"


def security_cache():
    """Return the cache that keeps rate limits, verification codes and cool-downs."""
    return caches[SECURITY_CACHE]


def hit(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt under ``key``; return False once more than ``limit`` were made in the window.

    On Redis the window is opened and the attempt counted in one round trip (``SET NX EX`` and
    ``INCR`` in one transaction); other caches take up to three calls.
    """
    cache = security_cache()
    if isinstance(cache, RedisCache):
        cache_key = cache.make_and_validate_key(f"ratelimit:{key}")
        # Django's RedisCache keeps its client behind ``_cache``; integers are stored as plain
        # Redis integers, so ``cache.get`` reads the count back.
        client = cache._cache.get_client(cache_key, write=True)
        pipeline = client.pipeline(transaction=True)
        pipeline.set(cache_key, 0, ex=window_seconds, nx=True)
        pipeline.incr(cache_key)
        _opened, attempts = pipeline.execute()
        return attempts <= limit
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, window_seconds)
    try:
        attempts = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        attempts = 1
    return attempts <= limit
