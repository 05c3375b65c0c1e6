"""Electronic licences: issued on completion, verified by code, revoked by the issuing department."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Case, CodeSequence, Licence
from departments import access
from portal import audit
from portal.services import notify


class LicenceError(Exception):
    """A licence operation that may not happen; the message is shown to the person who tried."""


def _next_number(licence_type, region_code: str, day: datetime.date) -> str:
    key = f"L{licence_type.pk:05d}"[:6]
    sequence, _created = CodeSequence.objects.select_for_update().get_or_create(
        region_code=key, day=day.replace(month=1, day=1)
    )
    CodeSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db(fields=["last"])
    return f"{licence_type.number_prefix}{region_code}{day:%Y}{sequence.last:06d}"


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def licence_issue_for_case(*, case: Case) -> Licence | None:
    """Issue the implementation's licence for an approved case; call inside the completing transaction."""
    licence_type = case.implementation.issues_licence
    if licence_type is None or case.result != Case.Result.APPROVED:
        return None
    today = timezone.localdate()
    applicant = case.applicant
    return Licence.objects.create(
        licence_type=licence_type,
        number=_next_number(licence_type, case.implementation.region.code, today),
        holder=applicant,
        holder_name=applicant.real_name or applicant.username,
        holder_cert_masked=applicant.cert_masked,
        issuing_department=case.department,
        issued_on=today,
        valid_until=_add_years(today, licence_type.valid_years) if licence_type.valid_years else None,
        case=case,
        data={
            key: value
            for key, value in (case.form_data or {}).items()
            if key in {"name", "shop_name", "address", "business_scope", "legal_representative"} and value
        },
    )


def licence_revoke(*, licence_id: int, actor, reason: str) -> Licence:
    """Revoke a licence: only staff of the issuing department, with a reason; verification shows it at once."""
    reason = (reason or "").strip()
    if not reason:
        raise LicenceError(_("Give the reason for revoking the licence."))
    with transaction.atomic():
        licence = (
            Licence.objects.select_for_update(of=("self",)).select_related("holder", "licence_type").get(pk=licence_id)
        )
        if not access.may_act(actor, licence.issuing_department_id, access.DECIDING_ROLES):
            raise LicenceError(_("Only a reviewer of the issuing department can revoke this licence."))
        if licence.revoked_at:
            raise LicenceError(_("This licence is already revoked."))
        licence.revoked_at, licence.revoke_reason = timezone.now(), reason
        licence.save(update_fields=["revoked_at", "revoke_reason"])
        if licence.holder:
            notify(
                "licence.revoked",
                recipient=licence.holder,
                context={
                    "type": licence.licence_type.name,
                    "number": licence.number,
                    "department": licence.issuing_department.name,
                    "comment": reason,
                },
                link=licence.get_absolute_url(),
                event_key=f"licence:{licence.pk}:revoked",
            )
        audit.record("licence.revoke", actor=actor, obj=licence, detail=licence.number)
    return licence


def licence_verify(*, code: str) -> Licence | None:
    """Return the licence with this verification code, or None."""
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return Licence.objects.filter(verification_code=code).select_related("licence_type", "issuing_department").first()


def licences_remind_expiring(*, days_ahead: int = 30) -> int:
    """Tell holders whose licence expires in ``days_ahead`` days; once per licence and expiry date."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    count = 0
    for licence in Licence.objects.filter(
        valid_until=day, revoked_at__isnull=True, holder__isnull=False
    ).select_related("licence_type", "holder", "issuing_department"):
        notify(
            "licence.expiring",
            recipient=licence.holder,
            context={
                "type": licence.licence_type.name,
                "number": licence.number,
                "department": licence.issuing_department.name,
                "date": day.isoformat(),
            },
            link=licence.get_absolute_url(),
            event_key=f"licence:{licence.pk}:expiring:{day.isoformat()}",
        )
        count += 1
    return count
