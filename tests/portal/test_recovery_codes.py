"""Two-factor recovery codes (django-otp static tokens): ten shown once at enrolment, each good once,
made anew from the account page (the old ones then fail), every step audited."""

import base64
import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from portal.models import AuditEvent
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"
DESK = "/staff/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def codes_in(response) -> list[str]:
    return re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())


def log_in(client, username):
    client.post(reverse("portal:login"), {"username": username, "password": PASSWORD})


def enrol(client, clerk) -> list[str]:
    log_in(client, clerk.username)
    page = client.get(reverse("portal:two_factor_setup")).content.decode()
    # The secret as the page shows it to be typed into an app: base32 in groups of four.
    secret = re.search(r'<code class="fs-6">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)), 30, 0, 6, 0)
    response = client.post(reverse("portal:two_factor_setup"), {"code": f"{totp.token():06d}"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return codes_in(response)


def recover(client, clerk, code: str):
    client.post(reverse("portal:logout"))
    log_in(client, clerk.username)
    return client.post(reverse("portal:two_factor_verify"), {"recovery_code": code})


@pytest.fixture
def clerk():
    return StaffMembershipFactory().user


def test_enrolment_shows_ten_codes_once_and_never_again(client, clerk):
    codes = enrol(client, clerk)
    assert len(codes) == 10 and len(set(codes)) == 10
    event = AuditEvent.objects.get(action="2fa_recovery_codes_created")
    assert (event.actor_id, event.detail) == (clerk.pk, "enrolment")
    assert all(code not in event.detail for code in codes)
    for url in (
        reverse("portal:two_factor_setup"),
        reverse("portal:two_factor_verify"),
        reverse("portal:two_factor_recovery_codes"),
        reverse("portal:profile"),
        DESK,
    ):
        body = client.get(url, follow=True).content.decode()
        assert not any(code in body for code in codes), url
    profile = client.get(reverse("portal:profile")).content.decode()
    assert "data-recovery-regenerate" in profile


def test_a_recovery_code_opens_the_two_factor_step_once(client, clerk):
    codes = enrol(client, clerk)
    response = recover(client, clerk, codes[0].upper()[:4] + " " + codes[0][4:])  # as a person might type it
    assert response.status_code == 302
    assert client.get(DESK).status_code == 200
    used = AuditEvent.objects.get(action="login_2fa_recovery")
    assert (used.actor_id, used.detail) == (clerk.pk, "9 codes left")

    response = recover(client, clerk, codes[0])
    assert response.status_code == 200 and response.context["recovery_form"].errors
    assert client.get(DESK).status_code == 302
    assert AuditEvent.objects.filter(action="login_2fa_failed", detail="recovery code", actor_id=clerk.pk).exists()

    time.sleep(1.1)  # a failure slows the next try down, as for the authenticator codes
    assert recover(client, clerk, codes[1]).status_code == 302
    assert client.get(DESK).status_code == 200


def test_new_codes_from_the_account_page_invalidate_the_old_ones(client, clerk):
    old = enrol(client, clerk)
    page = client.get(reverse("portal:two_factor_recovery_codes"))
    assert page.status_code == 200 and not codes_in(page)
    response = client.post(reverse("portal:two_factor_recovery_codes"))
    new = codes_in(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="2fa_recovery_codes_created", detail="regenerated").count() == 1

    assert recover(client, clerk, old[0]).status_code == 200
    assert client.get(DESK).status_code == 302
    time.sleep(1.1)
    assert recover(client, clerk, new[0]).status_code == 302
    assert client.get(DESK).status_code == 200


def test_only_a_session_that_gave_its_second_factor_makes_new_codes(clerk):
    first = Client()
    codes = enrol(first, clerk)
    other = Client()
    log_in(other, clerk.username)  # the password alone
    response = other.post(reverse("portal:two_factor_recovery_codes"))
    assert response.status_code == 302 and response.url == reverse("portal:two_factor_verify")
    assert AuditEvent.objects.filter(action="2fa_recovery_codes_created").count() == 1
    assert recover(other, clerk, codes[0]).status_code == 302  # the codes from enrolment still work
