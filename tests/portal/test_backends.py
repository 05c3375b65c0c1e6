"""Logging in: citizens by mobile number, staff by username, wrong passwords refused."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login_request():
    """A request for ``authenticate``: django-axes checks the username and address of each attempt."""
    from django.test import RequestFactory

    return RequestFactory().post("/accounts/login/")


def test_citizen_logs_in_by_mobile():
    user = UserFactory(mobile="13812345678")
    assert authenticate(login_request(), username="138 1234 5678", password="pass-word-123") == user


def test_staff_logs_in_by_username():
    user = UserFactory(username="clerk_a", mobile=None)
    assert authenticate(login_request(), username="clerk_a", password="pass-word-123") == user


def test_wrong_password_and_unknown_account_fail():
    UserFactory(mobile="13812345678")
    assert authenticate(login_request(), username="13812345678", password="wrong") is None
    assert authenticate(login_request(), username="13900000000", password="pass-word-123") is None


def test_inactive_account_cannot_log_in():
    UserFactory(mobile="13812345678", is_active=False)
    assert authenticate(login_request(), username="13812345678", password="pass-word-123") is None


def test_login_page_logs_in_and_rotates_the_session(client):
    UserFactory(mobile="13812345678")
    client.get(reverse("portal:login"))
    before = client.session.session_key
    response = client.post(reverse("portal:login"), {"username": "13812345678", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response.url == reverse("portal:me")
    assert client.session.session_key != before


def test_login_page_explains_a_failure(client):
    response = client.post(reverse("portal:login"), {"username": "13812345678", "password": "nope"})
    assert response.status_code == 200
    assert "密码" in response.content.decode() or "password" in response.content.decode()
