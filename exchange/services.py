"""Writes of the exchange app: registering systems, issuing and revoking keys, the call log, idempotency,
and licences that a department's own system issued outside the hall.

Case transitions and data sharing are not here: the API calls the same services as the
clerk's desk (``approvals.services.cases`` and ``approvals.services.sharing``) with the
system's service account as the actor.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Implementation, Licence, LicenceType
from departments.models import Department, StaffMembership
from exchange import selectors
from exchange.keys import key_digest, new_key
from exchange.models import ApiCallLog, ApiKey, BusinessSystem, IdempotencyRecord
from portal import audit
from portal.models import User
from portal.services import notify
from portal.validators import mask_id_number, normalize_credit_code, normalize_id_number

# The service account's post: a reviewer may accept, refuse, ask for supplements, decide and
# complete (see ``approvals.workflow``), and is not told of deadlines meant for department heads.
SERVICE_ROLE = StaffMembership.Role.REVIEWER
# How often ``last_used_at`` is written at most, so that a busy key does not write on every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ExchangeError(Exception):
    """A change that may not happen; ``code`` is the API's error code, the message is for people."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


class ExchangeRefused(ExchangeError):
    """A change the system's department has no authority for (the API answers 403)."""


# --- systems and keys ----------------------------------------------------------------------


def system_register(
    *, name: str, code: str, department: Department, rate_limit: str = "", contact: str = "", actor=None
) -> BusinessSystem:
    """Register a department's business system with its service account and post in the department."""
    with transaction.atomic():
        if selectors.system_code_taken(code=code):
            raise ExchangeError(_("A system with this code already exists."), code="duplicate_system")
        user = User(username=selectors.service_username(code), real_name=name, mobile=None, is_staff=False)
        user.set_unusable_password()
        user.save()
        StaffMembership.objects.create(
            user=user, department=department, role=SERVICE_ROLE, staff_number=f"SYS-{code}"[:20]
        )
        system = BusinessSystem.objects.create(
            name=name, code=code, department=department, service_user=user, rate_limit=rate_limit, contact=contact
        )
        audit.record("exchange.system_register", actor=actor, obj=system, detail=code)
        return system


def system_update(
    *, system_id: int, name: str, rate_limit: str, contact: str, is_active: bool, actor=None
) -> BusinessSystem:
    """Change a system's name, rate limit, contact or activity; its account and post follow."""
    with transaction.atomic():
        system = BusinessSystem.objects.select_for_update().get(pk=system_id)
        system.name, system.rate_limit, system.contact, system.is_active = name, rate_limit, contact, is_active
        system.save(update_fields=["name", "rate_limit", "contact", "is_active"])
        User.objects.filter(pk=system.service_user_id).update(real_name=name, is_active=is_active)
        StaffMembership.objects.filter(user_id=system.service_user_id, department_id=system.department_id).update(
            is_active=is_active
        )
        audit.record("exchange.system_update", actor=actor, obj=system, detail="active" if is_active else "disabled")
    return system


def api_key_issue(*, system_id: int, actor=None, expires_at: datetime.datetime | None = None) -> tuple[ApiKey, str]:
    """Issue a new key for a system; return the row and the key, which is never shown again."""
    if expires_at is None:
        expires_at = timezone.now() + datetime.timedelta(days=settings.EXCHANGE_KEY_DAYS)
    with transaction.atomic():
        system = BusinessSystem.objects.select_for_update().get(pk=system_id)
        if not system.is_active:
            raise ExchangeError(_("The system is disabled: enable it before issuing a key."), code="system_disabled")
        prefix, key = new_key()
        row = ApiKey.objects.create(
            system=system, prefix=prefix, digest=key_digest(key), expires_at=expires_at, created_by=actor
        )
        audit.record("exchange.key_issue", actor=actor, obj=row, detail=f"{system.code} {prefix}")
    return row, key


def api_key_revoke(*, key_id: int, actor=None) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key_id)
        if key.revoked_at is None:
            key.revoked_at, key.revoked_by = timezone.now(), actor
            key.save(update_fields=["revoked_at", "revoked_by"])
            audit.record("exchange.key_revoke", actor=actor, obj=key, detail=key.prefix)
    return key


def api_key_mark_used(*, key: ApiKey) -> None:
    """Remember when a key was last used, at most once a minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


# --- the call log and idempotency ----------------------------------------------------------


def call_log_write(
    *, key: ApiKey | None, method: str, endpoint: str, path: str, object_ref: str, status_code: int, result: str,
    duration_ms: int, replayed: bool = False,
) -> ApiCallLog:  # fmt: skip
    return ApiCallLog.objects.create(
        system_id=key.system_id if key else None, key=key, method=method[:10], endpoint=endpoint[:100],
        path=path[:300], object_ref=object_ref[:100], status_code=status_code, result=result[:50],
        duration_ms=max(0, duration_ms), replayed=replayed,
    )  # fmt: skip


def idempotency_claim(
    *, system_id: int, key: str, method: str, path: str, fingerprint: str
) -> tuple[IdempotencyRecord, bool]:
    """Return (the record of ``key``, whether it is new); call inside the transaction that does the work.

    A new record is inserted at once, so a concurrent request with the same key waits on the
    unique constraint until this transaction ends and then finds the stored answer.
    """
    existing = IdempotencyRecord.objects.select_for_update().filter(system_id=system_id, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                system_id=system_id, key=key, method=method, path=path[:300], fingerprint=fingerprint
            )
    except IntegrityError:
        return IdempotencyRecord.objects.select_for_update().get(system_id=system_id, key=key), False
    return record, True


def idempotency_store(*, record: IdempotencyRecord, status_code: int, body: str) -> None:
    record.status_code, record.response_body = status_code, body
    record.save(update_fields=["status_code", "response_body"])


def exchange_purge(*, now: datetime.datetime | None = None) -> dict:
    """Drop idempotency records and call-log rows past their keeping time; return how many."""
    now = now or timezone.now()
    records, _detail = IdempotencyRecord.objects.filter(
        created_at__lt=now - datetime.timedelta(days=settings.EXCHANGE_IDEMPOTENCY_DAYS)
    ).delete()
    calls, _detail = ApiCallLog.objects.filter(
        created_at__lt=now - datetime.timedelta(days=settings.EXCHANGE_LOG_KEEP_DAYS)
    ).delete()
    return {"idempotency_records": records, "calls": calls}


# --- licences issued outside the hall ------------------------------------------------------


def licence_publish(
    *,
    system: BusinessSystem,
    licence_type: LicenceType,
    number: str,
    holder_name: str,
    holder_cert_type: str = "",
    holder_cert_number: str = "",
    issued_on: datetime.date,
    valid_until: datetime.date | None = None,
    data: dict | None = None,
    verification_code: str = "",
) -> Licence:
    """Publish a licence the system's department issued in its own system, so the hall can share and verify it.

    The holder is linked to the hall account with the same certificate number, if there is
    one. Without a verification code of its own the licence gets a new one from the hall.
    Only a type the department issues (one of its implementations issues it) may be published.
    """
    if not Implementation.objects.filter(department_id=system.department_id, issues_licence=licence_type).exists():
        raise ExchangeRefused(
            _("Your department does not issue “%(type)s”: it cannot publish licences of this type.")
            % {"type": licence_type.name},
            code="licence_type_not_issued",
        )
    holder, cert_masked = None, ""
    if holder_cert_number:
        normalize = normalize_id_number if holder_cert_type == User.CertType.RESIDENT_ID else normalize_credit_code
        number_clear = normalize(holder_cert_number)
        holder = User.objects.filter(User.cert_lookup(holder_cert_type, number_clear)).first()
        cert_masked = mask_id_number(number_clear)
    own_code = {"verification_code": verification_code} if verification_code else {}
    with transaction.atomic():
        if Licence.objects.filter(licence_type=licence_type, number=number).exists():
            raise ExchangeError(_("A licence of this type with this number already exists."), code="duplicate_licence")
        if verification_code and Licence.objects.filter(verification_code=verification_code).exists():
            raise ExchangeError(
                _("Another licence already has this verification code."), code="duplicate_verification_code"
            )
        try:
            with transaction.atomic():
                licence = Licence.objects.create(
                    licence_type=licence_type, number=number, holder=holder, holder_name=holder_name,
                    holder_cert_masked=cert_masked, issuing_department_id=system.department_id, issued_on=issued_on,
                    valid_until=valid_until, data=data or {}, source=system.code, **own_code,
                )  # fmt: skip
        except IntegrityError:  # the same licence published twice at the same moment
            raise ExchangeError(
                _("A licence of this type with this number already exists."), code="duplicate_licence"
            ) from None
        if holder is not None:
            notify(
                "licence.published",
                recipient=holder,
                context={
                    "type": licence_type.name,
                    "number": number,
                    "department": system.department.name,
                    "date": issued_on.isoformat(),
                    "verification_code": licence.verification_code,
                },
                link=licence.get_absolute_url(),
                event_key=f"licence:{licence.pk}:published",
            )
        audit.record("licence.publish", actor=system.service_user, obj=licence, detail=f"{system.code} {number}")
        return licence
