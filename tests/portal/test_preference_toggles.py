"""The header's language and elder-mode toggles: a GET changes nothing, a POST does, with CSRF for a
signed-in person; a form without its token gets a page that explains; no ``next`` leads off-site or to a 500.

The anonymous page cache must keep serving pages without a CSRF token (portal/cache.py).
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.elder import SESSION_KEY
from tests.factories import ImplementationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = ["foo", "//evil.example", "/\\evil.example", "https://evil.example/", "/x\x00y", "\u00b2"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _token(client, url="/me/") -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_get_leaves_the_stored_preferences_and_the_cookie_alone():
    user = UserFactory(language="zh-hans", elder_mode=False)
    client = Client()
    client.force_login(user)
    for url in ("/language/en/", "/elder-mode/on/", "/language/en/?next=/departments/"):
        response = client.get(url)
        assert response.status_code == 405, url
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert (user.language, user.elder_mode) == ("zh-hans", False)
    assert SESSION_KEY not in client.session


def test_a_post_from_the_header_form_changes_the_stored_preferences():
    user = UserFactory(language="zh-hans", elder_mode=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = _token(client)
    response = client.post("/language/en/", {"next": "/me/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/me/"
    response = client.post("/elder-mode/on/", {"next": "/me/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/me/"
    user.refresh_from_db()
    assert (user.language, user.elder_mode) == ("en", True)


def test_a_signed_in_post_without_its_token_gets_the_explaining_page_and_changes_nothing():
    user = UserFactory(language="zh-hans", elder_mode=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in ("/language/en/", "/elder-mode/on/"):
        response = client.post(url, {"next": "/me/"})
        assert response.status_code == 403
        body = response.content.decode()
        assert "表单未能提交" in body and 'href="/"' in body and "site-header" in body
    user.refresh_from_db()
    assert (user.language, user.elder_mode) == ("zh-hans", False)


def test_any_form_without_its_token_gets_the_explaining_page_in_the_visitors_language():
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("portal:login"), {"username": "13800000000", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form could not be sent" in body and "Back to the home page" in body
    assert "CSRF verification failed" not in body


def test_an_anonymous_visitor_switches_without_a_token_from_a_cached_page():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/").content.decode()
    assert 'action="/language/en/"' in page or 'formaction="/language/en/"' in page
    response = client.post("/language/en/", {"next": "/departments/"})
    assert response.status_code == 302 and response["Location"] == "/departments/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.post("/elder-mode/on/", {"next": "/"})
    assert response.status_code == 302 and client.session[SESSION_KEY] is True


def test_anonymous_cached_pages_carry_no_csrf_token():
    url = ImplementationFactory().get_absolute_url()
    for path in ("/", url):
        first = Client().get(path)
        again = Client().get(path)  # from the page cache
        for response in (first, again):
            assert response.status_code == 200
            body = response.content.decode()
            assert "csrfmiddlewaretoken" not in body, path
            assert "data-elder-toggle" in body
            assert settings.CSRF_COOKIE_NAME not in response.cookies
        assert not hasattr(again.wsgi_request, "user")  # it really came from the cache


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_next_value_leads_off_site_or_to_a_server_error(target):
    user = UserFactory()
    MessageFactory(recipient=user)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(user)
    for client, url in [
        (anonymous, "/language/en/"),
        (anonymous, "/elder-mode/on/"),
        (signed_in, "/language/zh-hans/"),
        (signed_in, "/elder-mode/off/"),
        (signed_in, reverse("portal:message_read_all")),
    ]:
        response = client.post(url, {"next": target})
        assert response.status_code == 302, (url, target)
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (url, target, location)
        assert "evil.example" not in location
