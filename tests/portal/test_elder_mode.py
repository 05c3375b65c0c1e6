"""Elder mode without a browser: the toggle view, where the choice is kept, and the anonymous page cache.

The browser tests in tests/e2e/test_elder_mode.py check what a person sees."""

import pytest
from django.core.cache import cache
from django.test import Client

from portal.elder import SESSION_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_toggle_keeps_the_choice_in_the_session_and_goes_back(client):
    response = client.post("/elder-mode/on/", {"next": "/items/?q=护照"})
    assert response.status_code == 302 and response["Location"] == "/items/?q=%E6%8A%A4%E7%85%A7"
    assert client.session[SESSION_KEY] is True
    assert b'class="elder"' in client.get("/").content
    client.post("/elder-mode/off/")
    assert client.session[SESSION_KEY] is False
    assert b'class="elder"' not in client.get("/").content


def test_the_toggle_refuses_other_states_and_foreign_targets(client):
    assert client.post("/elder-mode/maybe/").status_code == 404
    response = client.post("/elder-mode/on/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_logged_in_choice_is_kept_on_the_account_for_the_next_session(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/elder-mode/on/")
    user.refresh_from_db()
    assert user.elder_mode is True
    client.logout()
    assert b'class="elder"' not in client.get("/").content
    client.force_login(user)
    assert b'class="elder"' in client.get("/me/").content


def test_the_anonymous_page_cache_keeps_one_copy_per_mode(client):
    standard = Client()
    assert b'class="elder"' not in standard.get("/").content  # now cached in the standard mode
    client.post("/elder-mode/on/")
    assert b'class="elder"' in client.get("/").content  # now cached in elder mode too
    assert b'class="elder"' not in standard.get("/").content
    assert b'class="elder"' in client.get("/").content
