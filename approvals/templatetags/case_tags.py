"""Template filters for case pages: how an answer or a member of staff is shown.

They decide nothing and read nothing beyond what the view loaded (``staff_label`` uses the
memberships the page prefetched).
"""

from django import template

from approvals.models import FormField

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
    return membership.staff_number if membership else ""
