"""Reads of licences: one licence for the people who may see it."""

from approvals.models import Licence
from approvals.selectors.cases import access_for


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
