"""Personal-data keys: rotation with old keys and ``manage.py pii_rotate``, and a reveal that cannot decrypt.

The start-up checks (no DJANGO_PII_KEY or PORTAL_BASE_URL with DEBUG off) are in test_settings.py.
"""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal import crypto
from portal.models import AuditEvent, PersonalDataAccess, User
from tests.approvals.workflow_helpers import World
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db

OLD_KEY = "the-old-personal-data-key-0123456789abcdef"
NEW_KEY = "the-new-personal-data-key-fedcba9876543210"


def _citizens(count: int) -> dict[int, str]:
    numbers = {}
    for _ in range(count):
        number = make_id_number()
        numbers[UserFactory(cert=(User.CertType.RESIDENT_ID, number)).pk] = number
    return numbers


def test_old_keys_still_decrypt_and_find_until_the_rotation_re_encrypts_everything(settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = OLD_KEY, []
    numbers = _citizens(5)
    settings.PII_KEY = NEW_KEY
    with pytest.raises(crypto.UndecryptableError):
        User.objects.get(pk=next(iter(numbers))).reveal_cert_number()

    settings.PII_OLD_KEYS = [OLD_KEY]
    for pk, number in numbers.items():
        user = User.objects.get(pk=pk)
        assert user.reveal_cert_number() == number
        assert User.objects.get(User.cert_lookup(User.CertType.RESIDENT_ID, number)).pk == pk

    call_command("pii_rotate", "--batch-size", "2")

    settings.PII_OLD_KEYS = []  # the old key can go now
    for pk, number in numbers.items():
        user = User.objects.get(pk=pk)
        assert user.reveal_cert_number() == number
        assert user.cert_digest == crypto.digest(number)
        assert User.objects.get(User.cert_lookup(User.CertType.RESIDENT_ID, number)).pk == pk
    assert AuditEvent.objects.filter(action="pii_rotate", detail__contains="rotated 5").exists()


def test_the_rotation_is_idempotent(settings, capsys):
    settings.PII_KEY, settings.PII_OLD_KEYS = OLD_KEY, []
    _citizens(3)
    settings.PII_KEY, settings.PII_OLD_KEYS = NEW_KEY, [OLD_KEY]
    call_command("pii_rotate")
    after_first = dict(User.objects.exclude(cert_cipher="").values_list("pk", "cert_cipher"))
    capsys.readouterr()
    call_command("pii_rotate")
    assert "0 numbers re-encrypted, 3 already under the current key" in capsys.readouterr().out
    assert dict(User.objects.exclude(cert_cipher="").values_list("pk", "cert_cipher")) == after_first


def test_numbers_no_key_opens_are_reported_and_left_alone(settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = "a-key-that-is-lost-for-good-0123456789", []
    lost = UserFactory(cert=(User.CertType.RESIDENT_ID, make_id_number()))
    settings.PII_KEY = OLD_KEY
    kept = _citizens(2)
    settings.PII_KEY, settings.PII_OLD_KEYS = NEW_KEY, [OLD_KEY]
    lost_cipher = lost.cert_cipher
    with pytest.raises(CommandError, match="DJANGO_PII_OLD_KEYS"):
        call_command("pii_rotate")
    assert User.objects.get(pk=lost.pk).cert_cipher == lost_cipher
    for pk in kept:
        assert crypto.is_current(User.objects.get(pk=pk).cert_cipher)
    event = AuditEvent.objects.get(action="pii_rotate")
    assert event.result == "partial" and str(lost.pk) in event.detail


def test_a_reveal_that_cannot_decrypt_says_so_and_records_no_reveal(client, settings):
    world = World()
    case = world.submitted()
    settings.PII_KEY, settings.PII_OLD_KEYS = NEW_KEY, []  # the applicant's number was encrypted with another key
    client.force_login(world.clerk)
    response = client.post(reverse("approvals:case_reveal", args=[case.pk]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot be shown" in body or "无法显示" in body
    assert not PersonalDataAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="reveal").exists()
    failed = AuditEvent.objects.get(action="reveal_failed")
    assert (failed.actor_id, failed.object_id, failed.result) == (world.clerk.pk, str(world.applicant.pk), "failed")
