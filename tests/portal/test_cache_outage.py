"""The hall with its cache Redis gone: pages still render, security checks refuse and say so.

Each test runs against a ``redis-server`` of its own (``tests/processes.py``) that it kills,
or pauses with SIGSTOP to play a network partition (calls then time out instead of being
refused), and starts again. The suite's own Redis is never touched.
"""

import json
import logging
import signal
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from approvals.models import Case
from portal import cache_backend, sms
from tests.approvals.workflow_helpers import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RETRY_AFTER = 0.3


def redis_caches(url: str) -> dict:
    options = {"RETRY_AFTER": RETRY_AFTER, "socket_timeout": 0.3, "socket_connect_timeout": 0.3}
    return {
        "default": {
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "portal",
            "OPTIONS": options,
        },
        "security": {
            "BACKEND": "portal.cache_backend.FailClosedRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "portal-security",
            "OPTIONS": options,
        },
    }


@pytest.fixture
def own_cache(redis_server):
    """Point the default and security caches at this test's Redis."""
    cache_backend.reset_circuits()
    with override_settings(CACHES=redis_caches(redis_server.url)):
        yield redis_server
    cache_backend.reset_circuits()


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "portal.cache" and r.levelno == logging.WARNING]


def test_every_page_renders_uncached_while_the_cache_redis_is_down(client, own_cache, caplog):
    world = World()
    implementation = world.implementation
    pages = [
        reverse("portal:home"),
        reverse("approvals:catalogue"),
        reverse("approvals:catalogue") + "?q=证",
        reverse("approvals:item_detail", args=[implementation.code]),
        reverse("approvals:track"),
        reverse("approvals:licence_verify"),
        reverse("evaluations:disclosure"),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    own_cache.stop()
    caplog.set_level(logging.WARNING, logger="portal.cache")
    for _round in range(3):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
    client.force_login(world.applicant)
    for url in [reverse("portal:me"), reverse("portal:message_list"), reverse("approvals:wallet_licences")]:
        assert client.get(url).status_code == 200, url
    # 24 pages, each with several cache calls: the outage is reported once, not once per call.
    assert len([m for m in outage_warnings(caplog) if "unreachable" in m]) == 1


def test_an_open_circuit_answers_without_asking_redis(own_cache):
    cache = caches["default"]
    cache.set("k", 1)
    own_cache.process.send_signal(signal.SIGSTOP)  # a partition: calls hang until the socket timeout
    try:
        started = time.monotonic()
        assert cache.get("k", "miss") == "miss"
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            assert cache.get("k", "miss") == "miss"
        fifty = time.monotonic() - started
    finally:
        own_cache.process.send_signal(signal.SIGCONT)
    assert first >= 0.2  # the one call that found out waited for its timeout
    assert fifty < first  # the next fifty did not wait at all
    time.sleep(RETRY_AFTER + 0.1)
    assert cache.get("k") == 1  # back, with its data


def test_a_catalogue_change_made_during_an_outage_is_seen_once_redis_returns(client, own_cache):
    world = World()
    implementation = world.implementation
    url = reverse("approvals:item_detail", args=[implementation.code])
    assert implementation.name in client.get(url).content.decode()  # now cached
    own_cache.process.send_signal(signal.SIGSTOP)
    try:
        implementation.name = "改名后的事项"
        implementation.save()  # the invalidation cannot reach Redis
    finally:
        own_cache.process.send_signal(signal.SIGCONT)
    time.sleep(RETRY_AFTER + 0.1)
    assert "改名后的事项" in client.get(url).content.decode()


def test_a_lookup_that_cannot_be_counted_is_refused_and_says_so(client, own_cache):
    world = World()
    case = world.submitted()
    own_cache.stop()
    response = client.post(
        reverse("approvals:track"), {"code": case.supervision_code, "mobile_last4": world.applicant.mobile[-4:]}
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "暂时" in page or "briefly unavailable" in page
    assert case.supervision_code not in page


def test_no_verification_code_is_texted_while_the_security_store_is_down(client, own_cache, settings):
    settings.SMS_BACKEND = "portal.sms.RecordingBackend"
    sms.outbox.clear()
    own_cache.stop()
    response = client.post(reverse("portal:register"), {"kind": "individual", "mobile": "13912345678"})
    assert response.status_code == 429
    assert sms.outbox == []


def test_the_api_answers_its_error_body_when_a_rate_limit_cannot_be_counted(own_cache, rf):
    from portal.middleware import CacheUnavailableMiddleware

    request = rf.post("/api/v1/cases/1/accept/")
    response = CacheUnavailableMiddleware(lambda r: None).process_exception(
        request, cache_backend.CacheUnavailable("down")
    )
    assert response.status_code == 429
    assert json.loads(response.content)["error"]["code"] == "temporarily_unavailable"


def test_a_form_sent_after_the_session_ended_is_not_lost_silently(client):
    """The applicant is told the application was not received; no case is half-made."""
    world = World()
    applicant = UserFactory()
    before = Case.objects.count()
    response = client.post(reverse("approvals:apply", args=[world.implementation.code]), {"submit": "1"}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("portal:login"))
    page = response.content.decode()
    assert "会话已结束" in page or "session had ended" in page
    assert Case.objects.count() == before
    assert applicant.pk  # the account exists; only the session was missing


def test_a_limit_that_cannot_be_counted_fails_closed_unless_the_caller_says_otherwise(own_cache):
    from portal import ratelimit

    assert ratelimit.hit(key="t", limit=1, window_seconds=60)
    own_cache.stop()
    with pytest.raises(cache_backend.CacheUnavailable):
        ratelimit.hit(key="t", limit=1, window_seconds=60)
    assert ratelimit.hit(key="t", limit=1, window_seconds=60, fail_open=True)
