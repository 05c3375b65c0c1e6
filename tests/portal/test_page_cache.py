"""The anonymous page cache's early layer: visitors without a session are answered before the stack runs."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.signals import CATALOGUE_CACHE
from portal.cache import page_cache_invalidate
from tests.factories import ImplementationFactory, UserFactory

pytestmark = pytest.mark.django_db

COPIED_HEADERS = [
    "Content-Type",
    "Content-Language",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Vary",
]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _served_early(response) -> bool:
    """Whether the response came from the early layer: authentication never ran for it."""
    return not hasattr(response.wsgi_request, "user")


def test_a_visitor_without_a_session_is_answered_from_the_cache_with_the_full_headers():
    implementation = ImplementationFactory(name="早期缓存事项")
    url = implementation.get_absolute_url()
    first = Client().get(url)
    assert first.status_code == 200 and not _served_early(first)
    with CaptureQueriesContext(connection) as context:
        second = Client().get(url)
    assert _served_early(second) and len(context.captured_queries) == 0
    assert second.status_code == 200 and second.content == first.content
    assert "早期缓存事项" in second.content.decode()
    for name in COPIED_HEADERS:
        assert second[name] == first[name], name
    assert not second.cookies


def test_the_query_string_and_the_language_cookie_are_part_of_the_key():
    ImplementationFactory(name="护照签发事项")
    url = reverse("approvals:catalogue")
    Client().get(url, {"q": "护照"})
    assert "护照签发事项" in Client().get(url, {"q": "护照"}).content.decode()
    other = Client().get(url, {"q": "不存在的事项名称"})
    assert "护照签发事项" not in other.content.decode()

    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = english.get(url)
    assert 'lang="en"' in first.content.decode() and first["Content-Language"] == "en"
    again = english.get(url)
    assert _served_early(again) and 'lang="en"' in again.content.decode()
    chinese = Client().get(url)
    assert 'lang="zh-Hans"' in chinese.content.decode() and chinese["Content-Language"] == "zh-hans"

    unknown = Client()
    unknown.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert 'lang="zh-Hans"' in unknown.get(url).content.decode()


def test_a_change_to_the_catalogue_is_seen_at_once():
    implementation = ImplementationFactory(name="改名前事项")
    url = implementation.get_absolute_url()
    Client().get(url)
    assert _served_early(Client().get(url))
    implementation.name = "改名后事项"
    implementation.save()
    fresh = Client().get(url)
    assert not _served_early(fresh) and "改名后事项" in fresh.content.decode()
    page_cache_invalidate(CATALOGUE_CACHE)
    assert not _served_early(Client().get(url))


def test_visitors_with_a_session_or_messages_and_other_requests_go_through_the_stack(client):
    implementation = ImplementationFactory()
    url = implementation.get_absolute_url()
    Client().get(url)

    client.post("/elder-mode/on/")  # an anonymous visitor with a session: elder mode is kept in it
    elder = client.get(url)
    assert not _served_early(elder) and b'class="elder"' in elder.content
    assert b'class="elder"' not in Client().get(url).content

    with_messages = Client()
    with_messages.cookies["messages"] = "x"
    assert not _served_early(with_messages.get(url))

    head = Client().head(url)
    assert not _served_early(head)

    logged_in = Client()
    logged_in.force_login(UserFactory())
    response = logged_in.get(url)
    assert not _served_early(response) and reverse("portal:logout") in response.content.decode()


def test_pages_that_are_not_cached_are_never_answered_early():
    track = reverse("approvals:track")
    Client().get(track)
    second = Client().get(track)
    assert not _served_early(second)
    assert not _served_early(Client().get("/no-such-page/"))


def test_a_host_outside_allowed_hosts_is_refused_even_for_a_cached_page():
    implementation = ImplementationFactory()
    url = implementation.get_absolute_url()
    Client().get(url)
    assert _served_early(Client().get(url))
    assert Client().get(url, HTTP_HOST="evil.example").status_code == 400
