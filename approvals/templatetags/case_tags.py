"""Template helpers for case pages."""

from django import template

from approvals.models import Case, FormField
from departments.models import StaffMembership

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def answer(form_data: dict, field: FormField) -> str:
    """Show an answer; ID numbers only masked."""
    from portal.validators import mask_id_number

    value = (form_data or {}).get(field.name, "")
    if field.kind == FormField.Kind.ID_NUMBER and value:
        return mask_id_number(value)
    return value if value not in (None, "") else "—"


@register.filter
def staff_label(user, department_id) -> str:
    """Show a staff member by staff number, never the full name, to whoever looks."""
    if user is None:
        return ""
    membership = next((m for m in user.memberships.all() if m.department_id == department_id), None)
    if membership is None:
        membership = StaffMembership.objects.filter(user=user, department_id=department_id).first()
    return membership.staff_number if membership else ""


@register.inclusion_tag("approvals/includes/my_cases.html", takes_context=True)
def my_cases(context, user):
    """List the applicant's cases with state, deadline light and the next step (for My hall)."""
    from approvals.selectors import cases as case_selectors

    threshold = case_selectors.light_threshold()
    rows = list(case_selectors.case_list_for_applicant(user=user)[:50])
    for case in rows:
        case.light = case_selectors.light(case, threshold)
    return {"cases": rows, "S": Case.State, "request": context.get("request")}


@register.inclusion_tag("approvals/includes/data_reads.html")
def my_data_reads(user, limit: int = 10):
    """List who read the user's licences and materials, for which case and why (My hall)."""
    from approvals.models import SharingLog

    rows = list(
        SharingLog.objects.filter(subject=user)
        .select_related("department", "case")
        .prefetch_related("actor__memberships")
        .order_by("-created_at", "-id")[:limit]
    )
    return {"rows": rows}


@register.inclusion_tag("approvals/includes/still_to_upload.html", takes_context=True)
def still_to_upload(context, implementation):
    """Tell a logged-in applicant which materials their records already cover and which they must upload."""
    from approvals.services.sharing import material_offers

    user = context["request"].user
    if not user.is_authenticated:
        return {"show": False}
    offers = material_offers(applicant=user, implementation=implementation)
    materials = list(implementation.materials.all())
    return {
        "show": True,
        "covered": [(m, offers[m.pk]) for m in materials if m.pk in offers],
        "to_upload": [m for m in materials if m.pk not in offers and m.required],
    }


@register.inclusion_tag("approvals/bundle_my_applications.html")
def my_bundle_applications(user):
    """List the applicant's one-thing applications with each part's progress (My hall)."""
    from approvals.services.bundles import bundle_application_list_for_applicant

    return {"bundle_applications": bundle_application_list_for_applicant(user=user)}
