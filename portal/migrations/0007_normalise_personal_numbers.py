"""Normalise stored mobile numbers and certificate numbers, and re-digest them.

Earlier releases stored a number as typed: a resident ID in full-width digits was encrypted and
digested as such, so the uniqueness digest missed the ASCII twin. Each number is now normalised
(``portal.validators``) and its digest, token and mask recomputed. Where the normalised number
already belongs to another account, the row is left as it is and reported (account ids only,
never the number): two accounts of one person need a person to decide which one stays.
"""

import logging

from django.db import migrations

logger = logging.getLogger("portal.migrations")


def _report(message: str, *args) -> None:
    logger.warning("normalise personal numbers: " + message, *args)


def _normalise_mobiles(User) -> None:
    from portal.validators import MOBILE_RE, normalize_mobile

    for pk, mobile in User.objects.exclude(mobile__isnull=True).values_list("pk", "mobile").iterator():
        normalised = normalize_mobile(mobile)
        if normalised == mobile:
            continue
        if not MOBILE_RE.match(normalised):
            _report("account %s has a mobile number that is not a mainland mobile number; left as is", pk)
            continue
        twin = User.objects.filter(mobile=normalised).exclude(pk=pk).values_list("pk", flat=True).first()
        if twin is not None:
            _report("accounts %s and %s have the same mobile number; account %s left as is", pk, twin, pk)
            continue
        User.objects.filter(pk=pk).update(mobile=normalised)


def _normalise_cert_numbers(User) -> None:
    from cryptography.fernet import InvalidToken

    from portal import crypto
    from portal.validators import mask_id_number, normalize_credit_code, normalize_id_number

    normalisers = {"resident_id": normalize_id_number, "credit_code": normalize_credit_code}
    rows = User.objects.exclude(cert_cipher="").values_list("pk", "cert_type", "cert_cipher", "cert_digest")
    for pk, cert_type, cipher, digest in rows.iterator():
        normalise = normalisers.get(cert_type)
        if normalise is None:
            _report("account %s has a certificate number of unknown type %r; left as is", pk, cert_type)
            continue
        try:
            number = crypto.decrypt(cipher)
        except (InvalidToken, ValueError):
            _report("account %s has a certificate number the current key cannot decrypt; left as is", pk)
            continue
        normalised = normalise(number)
        new_digest = crypto.digest(normalised)
        if normalised == number and new_digest == digest:
            continue
        twin = (
            User.objects.filter(cert_type=cert_type, cert_digest=new_digest)
            .exclude(pk=pk)
            .values_list("pk", flat=True)
            .first()
        )
        if twin is not None:
            _report("accounts %s and %s hold the same %s; account %s left as is", pk, twin, cert_type, pk)
            continue
        User.objects.filter(pk=pk).update(
            cert_digest=new_digest, cert_cipher=crypto.encrypt(normalised), cert_masked=mask_id_number(normalised)
        )


def normalise_personal_numbers(apps, schema_editor):
    User = apps.get_model("portal", "User")
    _normalise_mobiles(User)
    _normalise_cert_numbers(User)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_user_session_epoch"),
    ]

    operations = [
        migrations.RunPython(normalise_personal_numbers, migrations.RunPython.noop, elidable=True),
    ]
