"""Fixed-window rate limits kept in the cache, for anonymous look-ups and code requests."""

from django.core.cache import cache


def client_ip(request) -> str:
    """Return the client's address: REMOTE_ADDR, not X-Forwarded-For, which a client can write itself."""
    return request.META.get("REMOTE_ADDR", "")


def hit(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt under ``key``; return False once more than ``limit`` were made in the window."""
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, window_seconds)
    try:
        attempts = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        attempts = 1
    return attempts <= limit
