"""Reads of licences: one licence for the people who may see it, the holder's wallet, the issuing department's list."""

from django.db.models import QuerySet

from approvals.models import Licence
from approvals.selectors.cases import Access, access_for


def licence_get_for_user(*, user, licence_id: int) -> Licence | None:
    """Return the licence if ``user`` holds it, works in its issuing department, or supervises; else None."""
    licence = (
        Licence.objects.filter(pk=licence_id)
        .select_related("licence_type", "issuing_department", "case__implementation")
        .first()
    )
    if licence is None:
        return None
    if licence.holder_id == user.pk:
        return licence
    access = access_for(user)
    if access.supervisor or licence.issuing_department_id in access.departments:
        return licence
    return None


def licence_list_for_holder(*, user) -> QuerySet[Licence]:
    """Return the licences ``user`` holds, with their type and issuing department (the wallet)."""
    return Licence.objects.filter(holder=user).select_related("licence_type", "issuing_department")


def licence_list_for_staff(*, access: Access, query: str = "") -> QuerySet[Licence]:
    """Return the licences the user's departments issued, newest first, narrowed to numbers containing ``query``."""
    licences = (
        Licence.objects.filter(issuing_department_id__in=access.department_ids)
        .select_related("licence_type", "issuing_department")
        .order_by("-issued_on", "-pk")
    )
    return licences.filter(number__icontains=query) if query else licences


def licence_exists_for_staff(*, access: Access, licence_id: int) -> bool:
    """Whether the licence was issued by one of the user's departments."""
    return Licence.objects.filter(pk=licence_id, issuing_department_id__in=access.department_ids).exists()
