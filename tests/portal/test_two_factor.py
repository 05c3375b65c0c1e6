"""Two-factor log-in for staff, supervisors and admins: enrolment, verification, no replay, the admin site too."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent
from tests.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


@pytest.fixture(autouse=True)
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def code_for(device: TOTPDevice, step: int | None = None) -> str:
    """The code now, or at time step ``step``."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if step is None else device.t0 + step * device.step + 1
    return f"{totp.token():06d}"


def log_in(client, username):
    return client.post(reverse("portal:login"), {"username": username, "password": PASSWORD})


def test_a_clerk_enrols_then_must_give_a_code_at_every_log_in(client):
    clerk = StaffMembershipFactory().user
    log_in(client, clerk.username)
    desk = reverse("approvals:staff_desk")
    response = client.get(desk)
    assert response.status_code == 302 and response.url == reverse("portal:two_factor_setup")
    page = client.get(reverse("portal:two_factor_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    # Showing the page stores nothing; the first code posted makes the (unconfirmed) device.
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    secret = re.search(r'<code class="fs-6">([A-Z2-7 ]+)</code>', page.content.decode()).group(1)
    assert secret in client.get(reverse("portal:two_factor_setup")).content.decode()  # the same secret again
    assert client.post(reverse("portal:two_factor_setup"), {"code": "000000"}).status_code == 200
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    assert device.config_url.split("secret=")[1].split("&")[0] in page.content.decode().replace(" ", "")
    # A failure slows the next try down (1 s, then 2 s, 4 s ...): even the right code waits.
    assert client.post(reverse("portal:two_factor_setup"), {"code": code_for(device)}).status_code == 200
    time.sleep(2.1)
    response = client.post(reverse("portal:two_factor_setup"), {"code": code_for(device)})
    # The recovery codes, once, with the way on to where the clerk was going.
    assert response.status_code == 200 and f'href="{desk}"' in response.content.decode()
    assert client.get(desk).status_code == 200
    assert AuditEvent.objects.filter(action="2fa_enrolled", actor_id=clerk.pk).exists()

    # Next log-in: the code page, and a code is good once.
    client.post(reverse("portal:logout"))
    log_in(client, clerk.username)
    assert client.get(desk).url == reverse("portal:two_factor_verify")
    device.refresh_from_db()
    used = code_for(device, device.last_t)  # the code enrolment used: refused
    response = client.post(reverse("portal:two_factor_verify"), {"code": used})
    assert response.status_code == 200 and client.get(desk).status_code == 302
    time.sleep(1.1)
    fresh = code_for(device, device.last_t + 1)  # the next step, within the allowed drift
    assert client.post(reverse("portal:two_factor_verify"), {"code": fresh}).status_code == 302
    assert client.get(desk).status_code == 200

    # Replay of that code in another session is refused.
    other = client.__class__()
    log_in(other, clerk.username)
    assert other.post(reverse("portal:two_factor_verify"), {"code": fresh}).status_code == 200
    assert other.get(desk).status_code == 302
    assert AuditEvent.objects.filter(action="login_2fa_failed", actor_id=clerk.pk).count() >= 2


def test_the_admin_site_and_supervisors_need_the_second_factor_too(client):
    admin = UserFactory(admin=True)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url == reverse("portal:two_factor_setup")
    supervisor = StaffMembershipFactory(supervisor=True).user
    client.force_login(supervisor)
    assert client.get(reverse("evaluations:overview")).status_code == 302


def test_citizens_log_in_with_the_password_alone(client):
    citizen = UserFactory(mobile="13833334444")
    assert log_in(client, "13833334444").status_code == 302
    assert client.get(reverse("portal:me")).status_code == 200
    assert not TOTPDevice.objects.filter(user=citizen).exists()
