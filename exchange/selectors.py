"""Reads of the exchange API, each scoped to the calling system's department.

A system sees its own department's submitted cases and nothing else: another department's
case, a draft or an unknown id all read as "not found", so the API tells nobody what exists
elsewhere.
"""

import datetime
import hmac

from django.db.models import Prefetch, QuerySet

from approvals.models import Case, CaseEvent, CaseMaterial, Licence
from exchange.keys import key_digest, key_prefix
from exchange.models import ApiKey, BusinessSystem
from portal.models import User

# Why a key was not accepted, as the error code the API answers with.
INVALID_KEY = "invalid_key"
KEY_EXPIRED = "key_expired"
KEY_REVOKED = "key_revoked"
SYSTEM_DISABLED = "system_disabled"


def api_key_check(*, token: str) -> tuple[ApiKey | None, str]:
    """Return (the key, "") for a usable key; else (the key if one matched, the reason it is refused)."""
    prefix = key_prefix(token)
    if prefix is None:
        return None, INVALID_KEY
    key = ApiKey.objects.filter(prefix=prefix).select_related("system__service_user", "system__department").first()
    if key is None or not hmac.compare_digest(key.digest, key_digest(token)):
        return None, INVALID_KEY
    if key.revoked_at is not None:
        return key, KEY_REVOKED
    if key.is_expired:
        return key, KEY_EXPIRED
    system = key.system
    if not system.is_active or not system.service_user.is_active or not system.department.is_active:
        return key, SYSTEM_DISABLED
    return key, ""


def _system_cases(system: BusinessSystem) -> QuerySet[Case]:
    return Case.objects.filter(department_id=system.department_id).exclude(state=Case.State.DRAFT)


def case_list_for_system(
    *, system: BusinessSystem, updated_since: datetime.datetime | None = None, state: str = ""
) -> QuerySet[Case]:
    """Return the department's cases, oldest change first (the order a system syncs in)."""
    cases = _system_cases(system).select_related("implementation", "applicant")
    if updated_since is not None:
        cases = cases.filter(updated_at__gte=updated_since)
    if state:
        cases = cases.filter(state=state)
    return cases.order_by("updated_at", "id")


def case_get_for_system(*, system: BusinessSystem, case_id: int) -> Case | None:
    """Return one of the department's cases with its materials, timeline and requests, or None."""
    return (
        _system_cases(system)
        .filter(pk=case_id)
        .select_related("implementation", "applicant", "assigned_to", "receiving_department", "licence__licence_type")
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=CaseMaterial.objects.filter(replaced=False).select_related(
                    "material", "licence__licence_type"
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "actor_department")),
            "supplement_requests",
            "implementation__review_steps",
            "extension_requests",
            "co_reviews",
        )
        .first()
    )


def case_material_get_for_system(*, system: BusinessSystem, case_id: int, material_id: int) -> CaseMaterial | None:
    """Return a file provided with one of the department's cases, or None."""
    return (
        CaseMaterial.objects.filter(pk=material_id, case_id=case_id, case__in=_system_cases(system))
        .exclude(file="")
        .first()
    )


def licence_list_for_system(*, system: BusinessSystem) -> QuerySet[Licence]:
    """Return the licences the system's department issued, in the hall or published through the API."""
    return (
        Licence.objects.filter(issuing_department_id=system.department_id)
        .select_related("licence_type", "issuing_department", "case")
        .order_by("created_at", "id")
    )


def licence_get_for_system(*, system: BusinessSystem, licence_id: int) -> Licence | None:
    return licence_list_for_system(system=system).filter(pk=licence_id).first()


def service_username(code: str) -> str:
    """Return the user name of a business system's service account."""
    return f"system-{code}"


def system_code_taken(*, code: str) -> bool:
    """Return whether ``code`` names a system already, or its service account's name is taken."""
    return (
        BusinessSystem.objects.filter(code=code).exists()
        or User.objects.filter(username=service_username(code)).exists()
    )
