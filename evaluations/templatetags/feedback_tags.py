"""Template tags of ratings, rectifications and inquiries, to place on pages of other apps.

Load with ``{% load feedback_tags %}``. Each inclusion tag runs a fixed number of queries,
however many rows it shows.
"""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from approvals.models import Case
from evaluations.forms import LEVEL_NAMES
from evaluations.models import Inquiry, Rating, Rectification

register = template.Library()

R = Rectification.State
# Rectifications still waiting for someone: the department, or supervision on an appeal.
RECTIFICATION_OPEN = [R.OPEN, R.VERIFIED, R.CALLED_BACK, R.RECTIFIED, R.APPEALED, R.REJECTED]
INBOX_LIMIT = 50
STATE_CLASSES = {
    R.OPEN: "text-bg-danger",
    R.VERIFIED: "text-bg-warning",
    R.CALLED_BACK: "text-bg-warning",
    R.RECTIFIED: "text-bg-info",
    R.CLOSED: "text-bg-success",
    R.APPEALED: "text-bg-secondary",
    R.UPHELD: "text-bg-success",
    R.REJECTED: "text-bg-warning",
    Inquiry.State.ANSWERED: "text-bg-success",
    Inquiry.State.FOLLOWED_UP: "text-bg-info",
}


@register.filter
def star_glyphs(value) -> str:
    """Show 1 to 5 stars as ★ filled and ☆ empty, e.g. 3 → ★★★☆☆ (hide it from screen readers)."""
    try:
        count = max(0, min(5, int(value)))
    except (TypeError, ValueError):
        return ""
    return "★" * count + "☆" * (5 - count)


@register.filter
def level_name(value) -> str:
    """Return the official Chinese name of a rating level, e.g. 5 → 非常满意."""
    return LEVEL_NAMES.get(value, "")


@register.filter
def state_class(state: str) -> str:
    """Return the Bootstrap badge class of a rectification or inquiry state ("open" is red)."""
    return STATE_CLASSES.get(state, "text-bg-danger" if state == "open" else "text-bg-secondary")


@register.inclusion_tag("evaluations/includes/feedback_inbox.html")
def department_inbox(user):
    """List what the staff member's departments owe: open rectifications and unanswered inquiries.

    For the staff desk: ``{% department_inbox request.user %}``. One list, oldest due date
    first, each row linking to its page; overdue rows (past their due date, or flagged by
    ``rectifications_mark_overdue``) are highlighted. Shows nothing for users without a
    department post. Three queries (memberships, rectifications, inquiries), at most 50 of each.
    """
    from approvals.selectors.cases import access_for

    department_ids = access_for(user).department_ids
    if not department_ids:
        return {"show": False}
    today = timezone.localdate()
    rectifications = (
        Rectification.objects.filter(department_id__in=department_ids, state__in=RECTIFICATION_OPEN)
        .select_related("rating__case", "department")
        .order_by("due_date", "pk")[:INBOX_LIMIT]
    )
    inquiries = (
        Inquiry.objects.filter(department_id__in=department_ids, state=Inquiry.State.OPEN)
        .select_related("department")
        .order_by("due_date", "pk")[:INBOX_LIMIT]
    )
    rows = [
        {
            "kind": "rectification",
            "object": r,
            "due_date": r.due_date,
            "overdue": r.is_overdue or r.due_date < today,
        }
        for r in rectifications
    ] + [{"kind": i.kind, "object": i, "due_date": i.due_date, "overdue": i.due_date < today} for i in inquiries]
    rows.sort(key=lambda row: (row["due_date"], row["kind"], row["object"].pk))
    return {"show": True, "rows": rows, "several_departments": len(department_ids) > 1}


@register.inclusion_tag("evaluations/includes/feedback_published_answers.html")
def published_answers(implementation, limit: int = 10):
    """Show answered consultations about ``implementation`` whose askers allowed publishing (newest 10).

    For the guide page (``approvals/item_detail.html``): ``{% published_answers implementation %}``.
    Only the subject, question, answer and date are shown, never who asked. One query.
    """
    answers = list(
        Inquiry.objects.filter(
            implementation=implementation,
            kind=Inquiry.Kind.CONSULTATION,
            allow_publish=True,
            answered_at__isnull=False,
        )
        .exclude(answer="")
        .only("subject", "question", "answer", "answered_at")
        .order_by("-answered_at", "-pk")[:limit]
    )
    return {"answers": answers, "implementation": implementation}


@register.inclusion_tag("evaluations/includes/feedback_rating_link.html")
def rating_link(case, user):
    """Show the applicant of a completed case a "Rate the service" button, or their stars and rectification.

    For My hall (``approvals/includes/my_cases.html``, in the "Next step" cell) and the case
    page: ``{% rating_link case request.user %}``. Shows nothing to anyone but the applicant
    or before the case is completed. One query, or none when the caller loaded the case with
    ``select_related("rating__rectification")``.
    """
    if user is None or case.applicant_id != user.pk or case.state != Case.State.COMPLETED:
        return {"show": False}
    if Case.rating.is_cached(case):
        rating = getattr(case, "rating", None)
    else:
        rating = Rating.objects.filter(case_id=case.pk).select_related("rectification").first()
    rectification = None
    if rating is not None:
        try:
            rectification = rating.rectification
        except ObjectDoesNotExist:
            rectification = None
    return {"show": True, "case": case, "rating": rating, "rectification": rectification}
