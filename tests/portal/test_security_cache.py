"""Security state is never evicted with the page cache: it lives in the ``security`` cache alias.

Rate limits, SMS codes and cool-downs are kept there; log-in attempts and lock-outs are rows in
the database (django-axes' database handler). Clearing the default cache, as an eviction would,
resets none of them.
"""

import os
import re
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from approvals.views.cases import TRACK_LIMIT
from portal import accounts, ratelimit, sms
from portal.config import env_security_cache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APART = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "page-cache-test"},
    "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "security-cache-test"},
}


@pytest.fixture
def apart():
    """The deployment's shape: the page cache and the security cache are two stores."""
    with override_settings(CACHES=APART):
        caches["default"].clear()
        caches["security"].clear()
        sms.outbox.clear()
        yield
        sms.outbox.clear()


def test_the_security_cache_comes_from_its_own_variable_then_redis_url_then_memory(monkeypatch):
    monkeypatch.setenv("REDIS_SECURITY_URL", "redis://security.internal:6379/3")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/1")
    own = env_security_cache("REDIS_SECURITY_URL", fallback="REDIS_URL")
    assert own["LOCATION"] == "redis://security.internal:6379/3" and own["BACKEND"].endswith("RedisCache")
    monkeypatch.delenv("REDIS_SECURITY_URL")
    shared = env_security_cache("REDIS_SECURITY_URL", fallback="REDIS_URL")
    assert shared["LOCATION"] == "redis://cache.internal:6379/1" and shared["KEY_PREFIX"] == "portal-security"
    monkeypatch.delenv("REDIS_URL")
    memory = env_security_cache("REDIS_SECURITY_URL", fallback="REDIS_URL")
    assert memory["BACKEND"].endswith("LocMemCache") and memory["LOCATION"] != "portal"


def test_clearing_the_page_cache_does_not_reset_a_rate_limit(client, apart):
    data = {"code": "5000002611270000011", "mobile_last4": "0000"}
    codes = [client.post(reverse("approvals:track"), data).status_code for _ in range(TRACK_LIMIT + 1)]
    assert codes[-1] == 429
    caches["default"].clear()
    assert client.post(reverse("approvals:track"), data).status_code == 429


def test_clearing_the_page_cache_keeps_the_sms_cool_down_and_the_code(apart):
    accounts.verification_send(mobile="13812340077", purpose="register", ip="10.0.0.1")
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.outbox[-1].text).group(1)
    caches["default"].clear()
    with pytest.raises(accounts.VerificationThrottled):
        accounts.verification_send(mobile="13812340077", purpose="register", ip="10.0.0.1")
    assert accounts.verification_check(mobile="13812340077", purpose="register", code=code)


def test_clearing_every_cache_does_not_lift_a_lock_out(client, settings, apart):
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    UserFactory(mobile="13812340088")
    for _ in range(5):
        client.post(reverse("portal:login"), {"username": "13812340088", "password": "wrong"})
    caches["default"].clear()
    caches["security"].clear()
    response = client.post(reverse("portal:login"), {"username": "13812340088", "password": "pass-word-123"})
    assert response.status_code == 429


def test_on_redis_the_counters_are_under_the_security_prefix_not_the_page_caches():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no Redis configured (REDIS_URL); CI sets it")
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "portal",
            },
            "security": env_security_cache("TEST_UNSET_SECURITY_URL", fallback="REDIS_URL"),
        }
    ):
        key = f"test:{uuid.uuid4()}"
        for _ in range(3):
            ratelimit.hit(key=key, limit=10, window_seconds=60)
        assert caches["security"].get(f"ratelimit:{key}") == 3
        assert caches["default"].get(f"ratelimit:{key}") is None
