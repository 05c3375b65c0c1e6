"""Account services: SMS verification codes, registration, password reset and profile changes.

Verification codes
    Six digits, kept only as a keyed hash (``salted_hmac`` over purpose, mobile and code)
    in the cache for 10 minutes, and bound to one purpose: a registration code cannot
    reset a password. A code is used once. It admits 5 checks; the checks are counted
    whether or not a code exists, so an unknown number answers exactly like a known one.
    Sending is limited to once per 60 s per mobile and 10 times per rolling hour per IP
    address; both limits are claimed with the cache's atomic ``add`` so that parallel
    requests cannot slip past them. Cache keys carry a keyed hash, never the number.
    All of it lives in the ``security`` cache, which is never evicted nor cleared with the
    page cache (``portal.ratelimit.security_cache``).

Passwords
    Changing a password changes the session auth hash, so every other session of the
    user ends on its next request (``django.contrib.auth.get_user`` flushes it).
"""

import enum
import logging
import math
import secrets
import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from portal import audit
from portal.models import User
from portal.ratelimit import security_cache
from portal.sms import send_sms
from portal.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL_SECONDS = 10 * 60
CODE_MAX_TRIES = 5
RESEND_SECONDS = 60
IP_SENDS_PER_WINDOW = 10
IP_WINDOW_SECONDS = 60 * 60


class Purpose(enum.StrEnum):
    REGISTER = "register"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


class VerificationThrottled(Exception):
    """A code was asked for too soon; ``retry_after`` is in seconds, ``scope`` is "mobile" or "ip"."""

    def __init__(self, *, scope: str, retry_after: int):
        super().__init__(f"verification throttled by {scope} for {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


class VerificationFailed(Exception):
    """A code did not verify; ``reason`` is "invalid" (wrong, expired or none) or "exhausted"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _now() -> float:
    """Return the clock the code expiry and the limits use (tests move it forward)."""
    return time.time()


def _key(kind: str, *parts: str) -> str:
    digest = salted_hmac("portal.accounts.verification.key", "\x1f".join(parts), algorithm="sha256").hexdigest()
    return f"portal:verification:{kind}:{digest[:40]}"


def _code_digest(*, mobile: str, purpose: Purpose, code: str) -> str:
    value = f"{purpose}\x1f{mobile}\x1f{code}"
    return salted_hmac("portal.accounts.verification.code", value, algorithm="sha256").hexdigest()


def _claim(key: str, *, now: float, seconds: int) -> float:
    """Claim ``key`` for ``seconds``; return 0 when claimed, else the seconds until it frees."""
    if security_cache().add(key, now, timeout=seconds):
        return 0
    claimed_at = security_cache().get(key)
    if claimed_at is None or now - claimed_at >= seconds:
        security_cache().set(key, now, timeout=seconds)
        return 0
    return seconds - (now - claimed_at)


def _claim_ip_slot(ip: str, *, now: float) -> None:
    """Take one of the IP's send slots for an hour, or raise ``VerificationThrottled``."""
    waits = []
    for slot in range(IP_SENDS_PER_WINDOW):
        wait = _claim(_key("ip", ip, str(slot)), now=now, seconds=IP_WINDOW_SECONDS)
        if not wait:
            return
        waits.append(wait)
    raise VerificationThrottled(scope="ip", retry_after=math.ceil(min(waits)))


def _sms_text(purpose: Purpose, code: str) -> str:
    minutes = CODE_TTL_SECONDS // 60
    if purpose is Purpose.REGISTER:
        text = _(
            "[Chongqing Approval Hall] Your registration code is %(code)s, valid for %(minutes)d minutes. "
            "Never tell it to anyone."
        )
    else:
        text = _(
            "[Chongqing Approval Hall] Your password reset code is %(code)s, valid for %(minutes)d minutes. "
            "If you did not ask for it, ignore this message."
        )
    return text % {"code": code, "minutes": minutes}


def verification_send(*, mobile: str, purpose: str, ip: str) -> None:
    """Text a fresh code for ``purpose`` to ``mobile``, replacing any earlier one.

    Raise ``VerificationThrottled`` when a rate limit refuses. For a password reset the
    code is texted only if an active account uses the number; the limits, the stored
    code and the outcome are the same either way, so callers cannot tell.
    """
    purpose = Purpose(purpose)
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    now = _now()
    cooldown_key = _key("cooldown", mobile)
    wait = _claim(cooldown_key, now=now, seconds=RESEND_SECONDS)
    if wait:
        raise VerificationThrottled(scope="mobile", retry_after=math.ceil(wait))
    try:
        _claim_ip_slot(ip or "unknown", now=now)
    except VerificationThrottled:
        security_cache().delete(cooldown_key)
        raise

    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = {"digest": _code_digest(mobile=mobile, purpose=purpose, code=code), "expires_at": now + CODE_TTL_SECONDS}
    security_cache().set(_key("code", purpose, mobile), record, timeout=CODE_TTL_SECONDS)
    security_cache().delete(_key("tries", purpose, mobile))
    if purpose is Purpose.PASSWORD_RESET and not User.objects.filter(mobile=mobile, is_active=True).exists():
        return
    send_sms(mobile=mobile, text=_sms_text(purpose, code))


def _verification_verify(*, mobile: str, purpose: str, code: str) -> None:
    """Use up the code for ``purpose`` and ``mobile`` or raise ``VerificationFailed``."""
    purpose = Purpose(purpose)
    mobile = normalize_mobile(mobile)
    code_key = _key("code", purpose, mobile)
    tries_key = _key("tries", purpose, mobile)
    security_cache().add(tries_key, 0, timeout=CODE_TTL_SECONDS)
    try:
        tries = security_cache().incr(tries_key)
    except ValueError:  # the counter expired between add and incr
        security_cache().set(tries_key, 1, timeout=CODE_TTL_SECONDS)
        tries = 1
    if tries > CODE_MAX_TRIES:
        security_cache().delete(code_key)
        raise VerificationFailed("exhausted")
    record = security_cache().get(code_key)
    expected = _code_digest(mobile=mobile, purpose=purpose, code=(code or "").strip())
    if record is None or _now() >= record["expires_at"] or not constant_time_compare(record["digest"], expected):
        if tries == CODE_MAX_TRIES:
            security_cache().delete(code_key)
            raise VerificationFailed("exhausted")
        raise VerificationFailed("invalid")
    # Only one of two parallel requests with the right code gets to delete it.
    if not security_cache().delete(code_key):
        raise VerificationFailed("invalid")


def verification_check(*, mobile: str, purpose: str, code: str) -> bool:
    """Return whether ``code`` is the live code for ``purpose`` and ``mobile``; a right code is used up."""
    try:
        _verification_verify(mobile=mobile, purpose=purpose, code=code)
    except VerificationFailed:
        return False
    return True


def verification_error(reason: str) -> ValidationError:
    """Return the error shown for a failed code."""
    if reason == "exhausted":
        return ValidationError(_("Too many wrong codes: ask for a new code."), code="code_exhausted")
    return ValidationError(_("The code is wrong or has expired."), code="code_invalid")


def _verify_or_raise(*, mobile: str, purpose: Purpose, code: str) -> None:
    try:
        _verification_verify(mobile=mobile, purpose=purpose, code=code)
    except VerificationFailed as exc:
        raise ValidationError({"code": verification_error(exc.reason)}) from None


def cert_type_for(kind: str) -> str:
    """Return the certificate an account of ``kind`` registers with."""
    return User.CertType.CREDIT_CODE if kind == User.Kind.ENTERPRISE else User.CertType.RESIDENT_ID


def mobile_taken_error() -> ValidationError:
    return ValidationError(
        _("An account already uses this mobile number: log in, or reset its password."), code="mobile_taken"
    )


def cert_taken_error(cert_type: str) -> ValidationError:
    if cert_type == User.CertType.CREDIT_CODE:
        message = _("An account is already registered with this credit code.")
    else:
        message = _("An account is already registered with this ID number.")
    return ValidationError(message, code="cert_taken")


def _taken_errors(*, mobile: str, cert_type: str, cert_number: str) -> dict:
    errors = {}
    if User.objects.filter(mobile=mobile).exists():
        errors["mobile"] = mobile_taken_error()
    if User.objects.filter(User.cert_lookup(cert_type, cert_number)).exists():
        errors["cert_number"] = cert_taken_error(cert_type)
    return errors


def _new_username() -> str:
    while True:
        username = f"u{secrets.token_hex(6)}"
        if not User.objects.filter(username=username).exists():
            return username


@sensitive_variables("code", "cert_number", "password")
def account_register(*, kind: str, mobile: str, code: str, real_name: str, cert_number: str, password: str) -> User:
    """Create and return a real-name account for a verified mobile number.

    Raise ``ValidationError`` keyed by "mobile", "code", "real_name" or "cert_number".
    The code is checked last, so an account that could not be created leaves it unused.
    """
    kind = User.Kind(kind)
    mobile = normalize_mobile(mobile)
    real_name = (real_name or "").strip()
    if not real_name or len(real_name) > User._meta.get_field("real_name").max_length:
        raise ValidationError(
            {"real_name": ValidationError(_("Enter the name as on the certificate."), code="invalid")}
        )
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": exc}) from None
    cert_type = cert_type_for(kind)
    user = User(username=_new_username(), mobile=mobile, real_name=real_name, kind=kind)
    try:
        user.set_cert_number(cert_type, cert_number)
    except ValidationError as exc:
        raise ValidationError({"cert_number": exc}) from None
    user.set_password(password)
    with transaction.atomic():
        errors = _taken_errors(mobile=mobile, cert_type=cert_type, cert_number=cert_number)
        if errors:
            raise ValidationError(errors)
        _verify_or_raise(mobile=mobile, purpose=Purpose.REGISTER, code=code)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # Someone registered the same number between the check and the insert.
            raise ValidationError(
                _taken_errors(mobile=mobile, cert_type=cert_type, cert_number=cert_number)
                or {"mobile": mobile_taken_error()}
            ) from None
    logger.info("accounts: user %s registered as %s", user.pk, kind)
    return user


@sensitive_variables("password")
def account_password_set(*, user: User, password: str) -> User:
    """Set ``user``'s password and return the saved row; their other sessions end."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
    logger.info("accounts: user %s changed the password", locked.pk)
    return locked


def account_end_other_sessions(*, user: User) -> User:
    """End every session of ``user`` by raising the session generation; return the saved row.

    The caller keeps its own session with ``update_session_auth_hash``.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.session_epoch += 1
        locked.save(update_fields=["session_epoch"])
        audit.record("sessions_ended", actor=locked, obj=locked)
    logger.info("accounts: user %s ended their other sessions", locked.pk)
    return locked


@sensitive_variables("code", "password")
def password_reset_by_mobile(*, mobile: str, code: str, password: str) -> User:
    """Set a new password for the active account using ``mobile`` and return it.

    Raise ``ValidationError`` keyed by "code" when the code fails, and the very same
    error when no active account uses the number.
    """
    mobile = normalize_mobile(mobile)
    with transaction.atomic():
        _verify_or_raise(mobile=mobile, purpose=Purpose.PASSWORD_RESET, code=code)
        user = User.objects.select_for_update().filter(mobile=mobile, is_active=True).first()
        if user is None:
            raise ValidationError({"code": verification_error("invalid")})
        user.set_password(password)
        user.save(update_fields=["password"])
    logger.info("accounts: user %s reset the password by SMS", user.pk)
    return user


def account_email_change(*, user: User, email: str) -> User:
    """Set ``user``'s e-mail address (empty to remove it) and return the saved row."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.email = User.objects.normalize_email(email or "")
        locked.save(update_fields=["email"])
    return locked
