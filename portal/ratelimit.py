"""Fixed-window rate limits, for anonymous look-ups, code requests and the API.

The counters live in the ``security`` cache (``SECURITY_CACHE``), never in the page cache:
that one may evict or be cleared, and an evicted counter is a limit that no longer holds.

While that cache's Redis is unreachable a counter cannot be read, and a limit that cannot be
counted fails closed: ``hit`` raises ``CacheUnavailable`` and the page says the check is briefly
unavailable (``portal.middleware.CacheUnavailableMiddleware``). A caller for whom refusing is
worse than not counting (an authenticated business system, already limited by its key) passes
``fail_open=True``.
"""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from portal.addresses import client_ip
from portal.cache_backend import CacheUnavailable, ResilientRedisCache

__all__ = ["SECURITY_CACHE", "CacheUnavailable", "client_ip", "hit", "security_cache"]

SECURITY_CACHE = "security"


def security_cache():
    """Return the cache that keeps rate limits, verification codes and cool-downs."""
    return caches[SECURITY_CACHE]


def hit(*, key: str, limit: int, window_seconds: int, fail_open: bool = False) -> bool:
    """Count one attempt under ``key``; return False once more than ``limit`` were made in the window.

    On Redis the window is opened and the attempt counted in one round trip (``SET NX EX`` and
    ``INCR`` in one transaction); other caches take up to three calls. Raise ``CacheUnavailable``
    while the store is unreachable, unless ``fail_open`` (then the attempt is allowed uncounted).
    """
    try:
        return _hit(key, window_seconds) <= limit
    except CacheUnavailable:
        if fail_open:
            return True
        raise


def _hit(key: str, window_seconds: int) -> int:
    cache = security_cache()
    if isinstance(cache, RedisCache):
        cache_key = cache.make_and_validate_key(f"ratelimit:{key}")

        def count() -> int:
            # Django's RedisCache keeps its client behind ``_cache``; integers are stored as plain
            # Redis integers, so ``cache.get`` reads the count back.
            client = cache._cache.get_client(cache_key, write=True)
            pipeline = client.pipeline(transaction=True)
            pipeline.set(cache_key, 0, ex=window_seconds, nx=True)
            pipeline.incr(cache_key)
            _opened, attempts = pipeline.execute()
            return attempts

        if isinstance(cache, ResilientRedisCache):
            # A page-cache Redis (fail-open backend) answering "unavailable" counts as no count at all.
            attempts = cache.guard(CacheUnavailable("security store unreachable"), count)
        else:
            attempts = count()
        return attempts
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, window_seconds)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        return 1
