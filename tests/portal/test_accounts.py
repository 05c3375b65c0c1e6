"""Accounts: SMS codes, registration of individuals and enterprises, password reset by SMS, the profile.

SMS goes through the recording backend; each code is read from the recorded message.
Time is moved forward by replacing ``portal.accounts._now``.
"""

import logging
import re

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.urls import reverse

from portal import accounts, sms
from portal.models import User
from tests.factories import UserFactory, make_credit_code, make_id_number

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"
PASSWORD = "Shan-cheng-2026"
NEW_PASSWORD = "Jie-fang-bei-88"


def login_request():
    """A request for ``authenticate``: django-axes checks the username and address of each attempt."""
    from django.test import RequestFactory

    return RequestFactory().post("/accounts/login/")


@pytest.fixture(autouse=True)
def clean_slate():
    cache.clear()
    sms.outbox.clear()
    yield
    sms.outbox.clear()
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """A clock for the code expiry and the rate limits that only moves when told to."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(accounts, "_now", lambda: clock.now)
    return clock


def texts_to(mobile: str) -> list[str]:
    return [message.text for message in sms.outbox if message.mobile == mobile]


def last_code(mobile: str) -> str:
    return re.search(r"\b(\d{6})\b", texts_to(mobile)[-1]).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def start_registration(client, *, kind="individual", mobile=MOBILE):
    response = client.post(reverse("portal:register"), {"kind": kind, "mobile": mobile})
    assert response.status_code == 302 and response.url == reverse("portal:register_verify")
    return last_code(mobile)


def verify_registration(client, *, code, cert_number, real_name="李小明", password=PASSWORD):
    data = {
        "code": code,
        "real_name": real_name,
        "cert_number": cert_number,
        "password1": password,
        "password2": password,
    }
    return client.post(reverse("portal:register_verify"), data)


def start_reset(client, *, mobile=MOBILE):
    return client.post(reverse("portal:password_reset"), {"mobile": mobile})


def verify_reset(client, *, code, password=NEW_PASSWORD):
    data = {"code": code, "password1": password, "password2": password}
    return client.post(reverse("portal:password_reset_verify"), data)


# SMS backends


def test_recording_backend_keeps_messages():
    sms.send_sms(mobile=MOBILE, text="你好")
    assert sms.outbox == [sms.SentMessage(mobile=MOBILE, text="你好")]


def test_console_backend_logs_the_message_with_the_mobile_masked(settings, caplog):
    settings.SMS_BACKEND = "portal.sms.ConsoleBackend"
    with caplog.at_level(logging.INFO, logger="portal.sms"):
        sms.send_sms(mobile=MOBILE, text="code 123456")
    assert "138****5678" in caplog.text and "code 123456" in caplog.text
    assert MOBILE not in caplog.text
    assert sms.outbox == []


# Verification codes


def cache_contents() -> bytes:
    """Return every key and stored value of the cache, local memory (SQLite runs) or Redis (CI)."""
    backend = cache._cache
    if hasattr(backend, "items"):
        return b"".join(key.encode() + value for key, value in backend.items())
    client = backend.get_client(None, write=False)
    return b"".join(key + (client.get(key) or b"") for key in client.scan_iter("*"))


def test_code_has_six_digits_and_is_kept_only_as_a_keyed_hash():
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    code = last_code(MOBILE)
    assert re.fullmatch(r"\d{6}", code)
    stored = cache_contents()
    assert code.encode() not in stored
    assert MOBILE.encode() not in stored


def test_code_is_bound_to_its_purpose_and_used_once():
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    code = last_code(MOBILE)
    assert not accounts.verification_check(mobile=MOBILE, purpose="password_reset", code=code)
    assert accounts.verification_check(mobile=MOBILE, purpose="register", code=code)
    assert not accounts.verification_check(mobile=MOBILE, purpose="register", code=code)


def test_code_expires_after_ten_minutes(clock):
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    code = last_code(MOBILE)
    clock.advance(10 * 60)
    assert not accounts.verification_check(mobile=MOBILE, purpose="register", code=code)


def test_code_dies_after_five_wrong_tries():
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    code = last_code(MOBILE)
    for _ in range(5):
        assert not accounts.verification_check(mobile=MOBILE, purpose="register", code=wrong(code))
    assert not accounts.verification_check(mobile=MOBILE, purpose="register", code=code)


def test_a_new_code_gets_fresh_tries_and_replaces_the_old_one(clock):
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    old = last_code(MOBILE)
    for _ in range(5):
        accounts.verification_check(mobile=MOBILE, purpose="register", code=wrong(old))
    clock.advance(60)
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    new = last_code(MOBILE)
    if new != old:
        assert not accounts.verification_check(mobile=MOBILE, purpose="register", code=old)
    assert accounts.verification_check(mobile=MOBILE, purpose="register", code=new)


def test_a_mobile_gets_at_most_one_code_a_minute(clock):
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    clock.advance(59)
    with pytest.raises(accounts.VerificationThrottled) as raised:
        accounts.verification_send(mobile=MOBILE, purpose="password_reset", ip="10.0.0.2")
    assert raised.value.scope == "mobile" and raised.value.retry_after == 1
    clock.advance(1)
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    assert len(texts_to(MOBILE)) == 2


def test_an_ip_address_gets_at_most_ten_codes_an_hour(clock):
    for n in range(10):
        accounts.verification_send(mobile=f"1390000{n:04d}", purpose="register", ip="10.0.0.1")
        clock.advance(60)
    with pytest.raises(accounts.VerificationThrottled) as raised:
        accounts.verification_send(mobile="13700000000", purpose="register", ip="10.0.0.1")
    assert raised.value.scope == "ip"
    # The refused send did not take the number's one-a-minute slot.
    accounts.verification_send(mobile="13700000000", purpose="register", ip="10.0.0.2")
    clock.advance(3600 - 10 * 60)  # the first send from 10.0.0.1 is an hour old now
    accounts.verification_send(mobile="13700000001", purpose="register", ip="10.0.0.1")
    with pytest.raises(accounts.VerificationThrottled):
        accounts.verification_send(mobile="13700000002", purpose="register", ip="10.0.0.1")
    assert len(sms.outbox) == 12


# Registration


def test_individual_registers_and_is_logged_in(client):
    assert client.get(reverse("portal:register")).status_code == 200
    code = start_registration(client)
    page = client.get(reverse("portal:register_verify")).content.decode()
    assert "138****5678" in page and MOBILE not in page

    number = make_id_number()
    response = verify_registration(client, code=code, cert_number=number)
    assert response.status_code == 302 and response.url == reverse("portal:me")

    user = User.objects.get(mobile=MOBILE)
    assert user.kind == User.Kind.INDIVIDUAL and user.real_name == "李小明"
    assert user.username.startswith("u") and user.check_password(PASSWORD)
    assert User.objects.filter(User.cert_lookup(User.CertType.RESIDENT_ID, number)).get() == user
    assert "portal.register" not in client.session
    body = client.get(reverse("portal:me")).content.decode()
    assert user.cert_masked in body and number not in body and MOBILE not in body
    assert authenticate(login_request(), username=MOBILE, password=PASSWORD) == user


def test_enterprise_registers_with_its_credit_code(client):
    code = start_registration(client, kind="enterprise")
    page = client.get(reverse("portal:register_verify")).content.decode()
    assert "Unified social credit code" in page or "统一社会信用代码" in page
    number = make_credit_code()
    response = verify_registration(client, code=code, cert_number=number.lower(), real_name="重庆山城火锅有限公司")
    assert response.status_code == 302

    user = User.objects.get(mobile=MOBILE)
    assert user.kind == User.Kind.ENTERPRISE and user.cert_type == User.CertType.CREDIT_CODE
    assert user.reveal_cert_number() == number
    assert number not in client.get(reverse("portal:me")).content.decode()


def test_wrong_id_check_digit_is_refused_and_the_code_stays_usable(client):
    code = start_registration(client)
    number = make_id_number()
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    response = verify_registration(client, code=code, cert_number=bad)
    assert response.status_code == 200
    assert response.context["form"].has_error("cert_number", code="id_number_check")
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert verify_registration(client, code=code, cert_number=number).status_code == 302


def test_wrong_credit_code_check_character_is_refused(client):
    code = start_registration(client, kind="enterprise")
    number = make_credit_code()
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    response = verify_registration(client, code=code, cert_number=bad, real_name="某公司")
    assert response.context["form"].has_error("cert_number", code="credit_code_check")
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_taken_mobile_is_refused_before_any_code_is_sent(client):
    UserFactory(mobile=MOBILE)
    response = client.post(reverse("portal:register"), {"kind": "individual", "mobile": MOBILE})
    assert response.status_code == 200
    assert response.context["form"].has_error("mobile", code="mobile_taken")
    assert sms.outbox == []


def test_malformed_mobile_is_refused(client):
    response = client.post(reverse("portal:register"), {"kind": "individual", "mobile": "12345"})
    assert response.context["form"].has_error("mobile", code="mobile_format")


def test_id_number_registered_already_is_refused(client):
    existing = UserFactory(with_id_number=True)
    code = start_registration(client)
    response = verify_registration(client, code=code, cert_number=existing.reveal_cert_number())
    assert response.context["form"].has_error("cert_number", code="cert_taken")
    assert User.objects.filter(kind=User.Kind.INDIVIDUAL).count() == 1


def test_wrong_code_is_refused(client):
    code = start_registration(client)
    response = verify_registration(client, code=wrong(code), cert_number=make_id_number())
    assert response.context["form"].has_error("code", code="code_invalid")
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_expired_code_is_refused(client, clock):
    code = start_registration(client)
    clock.advance(10 * 60 + 1)
    response = verify_registration(client, code=code, cert_number=make_id_number())
    assert response.context["form"].has_error("code", code="code_invalid")
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_five_wrong_codes_kill_the_code(client):
    code = start_registration(client)
    number = make_id_number()
    for _ in range(4):
        response = verify_registration(client, code=wrong(code), cert_number=number)
        assert response.context["form"].has_error("code", code="code_invalid")
    response = verify_registration(client, code=wrong(code), cert_number=number)
    assert response.context["form"].has_error("code", code="code_exhausted")
    response = verify_registration(client, code=code, cert_number=number)
    assert response.context["form"].has_error("code", code="code_exhausted")
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_resend_is_throttled_to_once_a_minute(client, clock):
    start_registration(client)
    response = client.post(reverse("portal:register_verify"), {"resend": "1"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert len(texts_to(MOBILE)) == 1
    clock.advance(60)
    client.post(reverse("portal:register_verify"), {"resend": "1"})
    assert len(texts_to(MOBILE)) == 2
    response = verify_registration(client, code=last_code(MOBILE), cert_number=make_id_number())
    assert response.status_code == 302


def test_step_one_again_within_the_minute_keeps_the_code(client):
    code = start_registration(client)
    response = client.post(reverse("portal:register"), {"kind": "enterprise", "mobile": MOBILE})
    assert response.status_code == 302 and len(texts_to(MOBILE)) == 1
    assert verify_registration(client, code=code, cert_number=make_credit_code(), real_name="某公司").status_code == 302
    assert User.objects.get(mobile=MOBILE).kind == User.Kind.ENTERPRISE


def test_another_visitor_with_the_same_number_within_the_minute_is_told_to_wait(client):
    client.post(reverse("portal:register"), {"kind": "individual", "mobile": MOBILE})
    other = client.__class__()
    response = other.post(reverse("portal:register"), {"kind": "individual", "mobile": MOBILE})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert len(texts_to(MOBILE)) == 1


def test_step_two_without_step_one_goes_back_to_step_one(client):
    response = client.get(reverse("portal:register_verify"))
    assert response.status_code == 302 and response.url == reverse("portal:register")


def test_failed_registration_does_not_echo_the_number_elsewhere(client):
    code = start_registration(client)
    number = make_id_number()
    body = verify_registration(client, code=wrong(code), cert_number=number).content.decode()
    # Only the field keeps what was typed.
    assert body.count(number) == 1
    assert f'value="{number}"' in body


# Password reset


def test_password_reset_by_sms(client):
    user = UserFactory(mobile=MOBILE)
    response = start_reset(client)
    assert response.status_code == 302 and response.url == reverse("portal:password_reset_verify")
    code = last_code(MOBILE)
    response = verify_reset(client, code=code)
    assert response.status_code == 302 and response.url == reverse("portal:login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert authenticate(login_request(), username=MOBILE, password=NEW_PASSWORD) == user
    assert "portal.password_reset" not in client.session


def test_password_reset_does_not_tell_whether_the_number_has_an_account(client):
    UserFactory(mobile="13812340000")
    known = start_reset(client, mobile="13812340000")
    known_page = client.get(known.url).content.decode().replace("138****0000", "MASKED")
    code = last_code("13812340000")
    known_wrong = verify_reset(client, code=wrong(code))

    stranger = client.__class__()
    unknown = start_reset(stranger, mobile="13912349999")
    unknown_page = stranger.get(unknown.url).content.decode().replace("139****9999", "MASKED")
    unknown_wrong = verify_reset(stranger, code=code)

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    strip_csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip_csrf.sub("", known_page) == strip_csrf.sub("", unknown_page)
    assert texts_to("13912349999") == []
    assert known_wrong.context["form"].errors == unknown_wrong.context["form"].errors


def test_password_reset_refuses_a_registration_code(client):
    UserFactory(mobile=MOBILE)
    accounts.verification_send(mobile=MOBILE, purpose="register", ip="10.0.0.1")
    code = last_code(MOBILE)
    session = client.session
    session["portal.password_reset"] = {"mobile": MOBILE}
    session.save()
    response = verify_reset(client, code=code)
    assert response.context["form"].has_error("code", code="code_invalid")


def test_password_reset_ends_the_other_sessions(client):
    user = UserFactory(mobile=MOBILE)
    elsewhere = client.__class__()
    elsewhere.force_login(user)
    assert elsewhere.get(reverse("portal:me")).status_code == 200

    start_reset(client)
    verify_reset(client, code=last_code(MOBILE))

    response = elsewhere.get(reverse("portal:me"))
    assert response.status_code == 302 and reverse("portal:login") in response.url


def test_password_reset_checks_the_password_rules(client):
    UserFactory(mobile=MOBILE)
    start_reset(client)
    response = verify_reset(client, code=last_code(MOBILE), password="12345678")
    assert response.context["form"].has_error("password2", code="password_entirely_numeric")


# Profile


def test_login_page_links_to_registration_and_password_reset(client):
    body = client.get(reverse("portal:login")).content.decode()
    assert reverse("portal:register") in body and reverse("portal:password_reset") in body


def test_my_hall_links_to_the_profile(client):
    client.force_login(UserFactory())
    assert reverse("portal:profile") in client.get(reverse("portal:me")).content.decode()


def test_profile_needs_login(client):
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302 and reverse("portal:login") in response.url


@pytest.mark.parametrize("trait", ["with_id_number", "enterprise"])
def test_profile_shows_numbers_masked_only(client, trait):
    user = UserFactory(mobile=MOBILE, email="li@example.com", **{trait: True})
    client.force_login(user)
    body = client.get(reverse("portal:profile")).content.decode()
    assert user.real_name in body and "li@example.com" in body
    assert user.cert_masked in body and "138****5678" in body
    assert user.reveal_cert_number() not in body and MOBILE not in body


def test_profile_changes_the_email(client):
    user = UserFactory(email="")
    client.force_login(user)
    response = client.post(reverse("portal:profile"), {"email": "li@Example.COM", "save_email": "1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "li@example.com"


def test_profile_refuses_a_malformed_email(client):
    client.force_login(UserFactory())
    response = client.post(reverse("portal:profile"), {"email": "not-an-address", "save_email": "1"})
    assert response.context["email_form"].has_error("email", code="invalid")


def test_profile_changes_the_password_and_keeps_the_session(client):
    user = UserFactory(mobile=MOBILE)
    client.force_login(user)
    data = {
        "old_password": "pass-word-123",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "change_password": "1",
    }
    response = client.post(reverse("portal:profile"), data)
    assert response.status_code == 302
    assert client.get(reverse("portal:profile")).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_profile_refuses_a_wrong_old_password(client):
    user = UserFactory()
    client.force_login(user)
    data = {
        "old_password": "nope",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "change_password": "1",
    }
    response = client.post(reverse("portal:profile"), data)
    assert response.context["password_form"].has_error("old_password", code="password_incorrect")
    user.refresh_from_db()
    assert user.check_password("pass-word-123")
