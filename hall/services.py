"""Writes of the message centre and of two-factor log-in (enrolment, codes checked, recovery codes)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import access
from hall import selectors
from portal import audit
from portal.models import Message, User

RECOVERY_CODE_COUNT = 10


def message_mark_read(*, user: User, message_id: int | None = None) -> int:
    """Mark one of ``user``'s messages read, or all of them when ``message_id`` is None.

    A department message is taken by the first member on duty who opens it.
    """
    now = timezone.now()
    if message_id is None:
        return Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now, read_by=user)
    return (
        Message.objects.filter(pk=message_id, read_at__isnull=True)
        .filter(Q(recipient=user) | Q(department_id__in=access.acting_department_ids(user)))
        .update(read_at=now, read_by=user)
    )


# --- two-factor log-in ------------------------------------------------------------------------
#
# A code is checked with its device row locked (``select_for_update``), so that two requests
# with one code cannot both pass; django-otp keeps the last time step used and the throttle of
# failures on the row, and a failed check commits them too (the services return, never raise).


def _totp_code(code: str) -> str | None:
    code = (code or "").strip().replace(" ", "")
    return code if code.isdigit() and len(code) == 6 else None


def totp_log_in(*, user: User, device_id: int, code: str) -> TOTPDevice | None:
    """Check the log-in code of ``user``'s enrolled device; return the device if it passed (audited either way)."""
    code = _totp_code(code)
    with transaction.atomic():
        device = None
        if code is not None:
            device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=True).first()
        if device is None or not device.verify_token(code):
            audit.record("login_2fa_failed", actor=user, result="failed")
            return None
        audit.record("login_2fa", actor=user)
    return device


def totp_device_confirm(*, user: User, key: str, name: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Enrol an authenticator app with its first code: return the confirmed device and the first recovery codes.

    The device row is made on the first code posted (``key`` is the secret the page showed) and
    kept if the code is wrong, carrying the throttle of failed codes; None when the code is wrong.
    """
    code = _totp_code(code)
    with transaction.atomic():
        pending, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": name, "key": key}
        )
        device = TOTPDevice.objects.select_for_update().get(pk=pending.pk)
        if code is None or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("2fa_enrolled", actor=user, obj=device)
        codes = recovery_codes_create(user=user, reason="enrolment")
    return device, codes


def recovery_codes_create(*, user: User, reason: str) -> list[str]:
    """Give ``user`` a fresh set of recovery codes, invalidating any earlier set, and return them.

    The codes are returned for the one page that shows them; they are not kept anywhere the
    portal shows them again.
    """
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit.record("2fa_recovery_codes_created", actor=user, obj=device, detail=reason)
    return codes


def recovery_code_use(*, user: User, code: str) -> tuple[StaticDevice, int] | None:
    """Use up one recovery code of ``user``: return its device and the codes left, or None (audited either way)."""
    code = "".join((code or "").split()).replace("-", "").lower()
    with transaction.atomic():
        device = None
        if code.isalnum() and len(code) <= 16:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None or not device.verify_token(code):
            audit.record("login_2fa_failed", actor=user, result="failed", detail="recovery code")
            return None
        left = selectors.recovery_code_count(user=user)
        audit.record("login_2fa_recovery", actor=user, obj=device, detail=f"{left} codes left")
    return device, left
