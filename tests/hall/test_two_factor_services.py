"""The two-factor services on their own: enrolment confirmed in one step, recovery codes used once, all audited."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from hall import selectors, services
from portal.models import AuditEvent
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def code_now(key: str) -> str:
    totp = TOTP(bytes.fromhex(key), 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def clerk():
    return StaffMembershipFactory().user


def test_a_wrong_first_code_keeps_the_pending_device_and_its_failure(clerk):
    key = default_key()
    assert services.totp_device_confirm(user=clerk, key=key, name="app", code="000000") is None
    pending = selectors.totp_device_get(user=clerk, confirmed=False)
    assert pending is not None and pending.key == key and pending.throttling_failure_count == 1
    assert selectors.totp_device_get(user=clerk) is None
    assert not AuditEvent.objects.filter(action="2fa_enrolled").exists()


def test_the_right_first_code_confirms_the_device_and_makes_recovery_codes(clerk):
    key = default_key()
    device, codes = services.totp_device_confirm(user=clerk, key=key, name="app", code=code_now(key))
    assert device.confirmed and selectors.totp_device_get(user=clerk) == device
    assert TOTPDevice.objects.filter(user=clerk).count() == 1
    assert len(set(codes)) == services.RECOVERY_CODE_COUNT == selectors.recovery_code_count(user=clerk)
    assert AuditEvent.objects.filter(action="2fa_enrolled", actor_id=clerk.pk).count() == 1
    # The code enrolment used does not open the log-in step.
    assert services.totp_log_in(user=clerk, device_id=device.pk, code=code_now(key)) is None
    assert AuditEvent.objects.filter(action="login_2fa_failed", actor_id=clerk.pk).count() == 1


def test_a_recovery_code_is_used_once(clerk):
    codes = services.recovery_codes_create(user=clerk, reason="test")
    used = services.recovery_code_use(user=clerk, code=codes[0].upper())
    assert used is not None and used[1] == len(codes) - 1 == selectors.recovery_code_count(user=clerk)
    assert AuditEvent.objects.get(action="login_2fa_recovery").detail == f"{len(codes) - 1} codes left"
    assert services.recovery_code_use(user=clerk, code=codes[0]) is None
    assert services.recovery_code_use(user=clerk, code="not a code!") is None
    assert AuditEvent.objects.filter(action="login_2fa_failed", detail="recovery code").count() == 2
