"""Fixed-window rate limits: the count, the window, and the same rule on Redis and on other caches."""

import os
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from portal import ratelimit

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-test-pages"},
    "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-test"},
}


def _redis_caches() -> dict:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL")
    if not url:
        pytest.skip("no Redis configured (REDIS_URL); CI sets it")
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return {"default": redis, "security": {**redis, "KEY_PREFIX": "portal-security"}}


@pytest.fixture(params=["redis", "locmem"])
def cache_settings(request):
    settings = _redis_caches() if request.param == "redis" else LOCMEM
    with override_settings(CACHES=settings):
        yield request.param


def test_the_limit_holds_within_the_window_and_opens_after_it(cache_settings):
    key = f"test:{uuid.uuid4()}"
    results = [ratelimit.hit(key=key, limit=3, window_seconds=1) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.hit(key=f"{key}:other", limit=3, window_seconds=1)  # another key counts apart
    time.sleep(1.1)
    assert ratelimit.hit(key=key, limit=3, window_seconds=1)


def test_on_redis_the_count_carries_the_window_and_reads_back_through_the_cache():
    with override_settings(CACHES=_redis_caches()):
        cache = caches["security"]
        key = f"test:{uuid.uuid4()}"
        for _ in range(4):
            ratelimit.hit(key=key, limit=10, window_seconds=60)
        assert cache.get(f"ratelimit:{key}") == 4
        client = cache._cache.get_client(write=False)
        assert 0 < client.ttl(cache.make_and_validate_key(f"ratelimit:{key}")) <= 60
