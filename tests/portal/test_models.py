"""The user model: personal numbers stored encrypted, looked up by keyed hash, shown masked."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from portal import crypto
from portal.models import User
from tests.factories import UserFactory, make_credit_code, make_id_number

pytestmark = pytest.mark.django_db


def test_id_number_is_never_stored_in_clear():
    number = make_id_number()
    user = UserFactory(cert=(User.CertType.RESIDENT_ID, number))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM portal_user WHERE id = %s", [user.pk])
        row = cursor.fetchone()
    assert all(number not in str(value) for value in row)
    assert user.cert_masked == f"{number[:6]}********{number[-4:]}"
    assert user.reveal_cert_number() == number


def test_lookup_by_number_uses_the_keyed_digest():
    number = make_id_number()
    user = UserFactory(cert=(User.CertType.RESIDENT_ID, number))
    assert User.objects.get(User.cert_lookup(User.CertType.RESIDENT_ID, number.lower())) == user
    assert user.cert_digest == crypto.digest(number)
    assert not User.objects.filter(User.cert_lookup(User.CertType.RESIDENT_ID, make_id_number()))


def test_digest_depends_on_the_key(settings):
    number = make_id_number()
    first = crypto.digest(number)
    settings.PII_KEY = "another-key-entirely-for-this-test-only"
    assert crypto.digest(number) != first


def test_two_accounts_cannot_hold_the_same_number():
    number = make_id_number()
    UserFactory(cert=(User.CertType.RESIDENT_ID, number))
    with pytest.raises(IntegrityError):
        UserFactory(cert=(User.CertType.RESIDENT_ID, number))


def test_invalid_numbers_are_refused_before_storage():
    user = User(username="x")
    with pytest.raises(ValidationError):
        user.set_cert_number(User.CertType.RESIDENT_ID, "500103199001011230")
    with pytest.raises(ValidationError):
        code = make_credit_code()
        user.set_cert_number(User.CertType.CREDIT_CODE, code[:-1] + ("1" if code[-1] == "0" else "0"))
    assert user.cert_cipher == ""


def test_enterprise_stores_its_credit_code_the_same_way():
    user = UserFactory(enterprise=True)
    assert user.cert_type == User.CertType.CREDIT_CODE
    assert len(user.reveal_cert_number()) == 18
    assert "*" in user.cert_masked


def test_database_refuses_a_malformed_mobile():
    with pytest.raises(IntegrityError):
        UserFactory(mobile="12345")


def test_mobile_is_masked():
    assert UserFactory(mobile="13812345678").mobile_masked == "138****5678"
