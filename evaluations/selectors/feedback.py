"""Reads of ratings, rectifications and inquiries, scoped to the user who asks."""

from django.db.models import Prefetch, Q, QuerySet

from approvals.models import Case
from approvals.selectors.cases import Access
from evaluations.models import Inquiry, Rating, Rectification, RectificationEvent
from evaluations.workflow import RECTIFICATION_TRANSITIONS


def _visible(access: Access, applicant_field: str) -> Q:
    if access.supervisor:
        return Q()
    return Q(**{applicant_field: access.user_id}) | Q(department_id__in=access.department_ids)


def case_get_for_applicant(*, applicant, case_id: int) -> Case | None:
    """Return the case if ``applicant`` applied for it, with its implementation and department; else None."""
    return Case.objects.filter(pk=case_id, applicant=applicant).select_related("implementation", "department").first()


def rating_get_for_case(*, case: Case) -> Rating | None:
    """Return the case's rating with its rectification, or None while it is not rated."""
    return Rating.objects.filter(case=case).select_related("rectification").first()


def rectification_get_for_user(*, access: Access, rectification_id: int, full: bool = False) -> Rectification | None:
    """Return the rectification if its applicant, its department's staff or a supervisor asks; else None."""
    rectifications = Rectification.objects.filter(_visible(access, "rating__applicant_id"), pk=rectification_id)
    if full:
        rectifications = rectifications.select_related(
            "rating__case__implementation", "rating__department", "department"
        ).prefetch_related(
            Prefetch("events", queryset=RectificationEvent.objects.prefetch_related("actor__memberships"))
        )
    return rectifications.first()


def inquiry_get_for_user(*, access: Access, inquiry_id: int) -> Inquiry | None:
    """Return the inquiry if its asker, the department's staff or a supervisor asks; else None."""
    return (
        Inquiry.objects.filter(_visible(access, "asker_id"), pk=inquiry_id)
        .select_related("department", "implementation", "case")
        .first()
    )


def inquiry_list_for_asker(*, asker) -> QuerySet[Inquiry]:
    """Return ``asker``'s own consultations and complaints, newest first, with what the list shows."""
    return Inquiry.objects.filter(asker=asker).select_related("department", "implementation", "case")


def rectification_steps(*, rectification: Rectification, access: Access) -> list[str]:
    """Return the steps of ``RECTIFICATION_TRANSITIONS`` this user may take now."""
    allowed = []
    for action, (sources, _target, who) in RECTIFICATION_TRANSITIONS.items():
        if rectification.state not in sources:
            continue
        if (who == "department" and rectification.department_id in access.departments) or (
            who == "supervisor" and access.supervisor
        ):
            allowed.append(action)
    return allowed
