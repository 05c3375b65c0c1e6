"""Writes of evaluations: ratings, rectifications of bad reviews, consultations and complaints.

Each change is one function in a transaction with its row locked; counted facts go to the
supervision store (``evaluations.rollups``) in the same transaction; people are told through
``notify`` on commit.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Case
from approvals.selectors import calendar as calendar_selectors
from departments import access
from departments.models import Department
from evaluations import rollups
from evaluations.models import EvaluationSettings, Inquiry, Rating, Rectification, RectificationEvent
from evaluations.workflow import RECTIFICATION_TRANSITIONS
from portal import audit
from portal.services import notify


class EvaluationError(Exception):
    """A rating, rectification or inquiry step that may not happen; the message is shown."""


def _case_context(case: Case) -> dict:
    return {"code": case.supervision_code, "item": case.implementation.name, "department": case.department.name}


# --- ratings -------------------------------------------------------------------------------


def rating_invite(*, case: Case) -> None:
    """Invite the applicant to rate a completed case (sent on commit, once per case)."""
    from django.urls import reverse

    notify(
        "rating.invite",
        recipient=case.applicant,
        context=_case_context(case),
        link=reverse("evaluations:rate", args=[case.pk]),
        event_key=f"case:{case.pk}:rating-invite",
    )


def rating_submit(
    *, case_id: int, applicant, stars: int, efficiency: int, attitude: int, guide_accuracy: int, convenience: int,
    comment: str = "",
) -> Rating:  # fmt: skip
    """Rate a completed case: its applicant only, once. A bad review (≤ 2) opens a rectification."""
    values = [stars, efficiency, attitude, guide_accuracy, convenience]
    if any(not isinstance(v, int) or not 1 <= v <= 5 for v in values):
        raise EvaluationError(_("Every score is 1 to 5 stars."))
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("implementation").filter(pk=case_id).first()
        if case is None or case.applicant_id != applicant.pk:
            raise EvaluationError(_("Only the applicant can rate this case."))
        if case.state != Case.State.COMPLETED:
            raise EvaluationError(_("A case can be rated once it is completed."))
        if Rating.objects.filter(case=case).exists():
            raise EvaluationError(_("This case has already been rated."))
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    case=case, applicant=applicant, stars=stars, efficiency=efficiency, attitude=attitude,
                    guide_accuracy=guide_accuracy, convenience=convenience, comment=comment.strip()[:1000],
                    clerk=case.assigned_to, department=case.department, implementation=case.implementation,
                    region_id=case.implementation.region_id,
                )  # fmt: skip
        except IntegrityError:
            raise EvaluationError(_("This case has already been rated.")) from None
        rollups.on_rating(rating)
        if rating.is_bad:
            _open_rectification(rating)
        audit.record("rating.submit", actor=applicant, obj=rating, detail=f"{rating.stars} stars")
    return rating


def _open_rectification(rating: Rating) -> Rectification:
    from django.urls import reverse

    days = EvaluationSettings.current().rectification_days
    rectification = Rectification.objects.create(
        rating=rating,
        department=rating.department,
        due_date=calendar_selectors.add_working_days(timezone.localdate(), days),
    )
    notify(
        "rectification.assigned",
        department=rating.department,
        context={**_case_context(rating.case), "stars": rating.stars, "date": rectification.due_date.isoformat()},
        link=reverse("evaluations:rectification_detail", args=[rectification.pk]),
        event_key=f"rectification:{rectification.pk}:assigned",
    )
    return rectification


def ratings_remind(*, after_days: int = 3) -> int:
    """Remind applicants of cases completed ``after_days`` days ago that are still unrated (once)."""
    from django.urls import reverse

    cutoff = timezone.now() - datetime.timedelta(days=after_days)
    cases = Case.objects.filter(
        state=Case.State.COMPLETED, completed_at__lte=cutoff, completed_at__gt=cutoff - datetime.timedelta(days=30),
        rating__isnull=True,
    ).select_related("applicant", "implementation", "department")  # fmt: skip
    count = 0
    for case in cases[:1000]:
        notify(
            "rating.reminder",
            recipient=case.applicant,
            context=_case_context(case),
            link=reverse("evaluations:rate", args=[case.pk]),
            event_key=f"case:{case.pk}:rating-reminder",
        )
        count += 1
    return count


# --- rectification -------------------------------------------------------------------------

R = Rectification.State


def rectification_step(*, rectification_id: int, actor, action: str, note: str = "") -> Rectification:
    """Move a rectification one step: verify, call back, rectify, close; appeal and its decision."""
    if action not in RECTIFICATION_TRANSITIONS:
        raise EvaluationError(_("Unknown step."))
    sources, target, who = RECTIFICATION_TRANSITIONS[action]
    note = (note or "").strip()
    if action in {"call_back", "rectify", "appeal"} and not note:
        raise EvaluationError(_("Write what was done or why."))
    with transaction.atomic():
        rectification = (
            Rectification.objects.select_for_update().select_related("rating__case").get(pk=rectification_id)
        )
        if rectification.state not in sources:
            raise EvaluationError(
                _("This step is not possible now: the rectification is “%(state)s”.")
                % {"state": rectification.get_state_display()}
            )
        if who == "department" and not access.may_act(actor, rectification.department_id):
            raise EvaluationError(_("Only staff of the department concerned can do this."))
        if who == "supervisor" and not access.is_supervisor(actor):
            raise EvaluationError(_("Only a supervisor decides an appeal."))
        from_state, rectification.state = rectification.state, target
        fields = ["state"]
        if action == "appeal":
            rectification.appeal_reason = note
            fields.append("appeal_reason")
        if target in {R.CLOSED, R.UPHELD}:
            rectification.closed_at = timezone.now()
            fields.append("closed_at")
        rectification.save(update_fields=fields)
        RectificationEvent.objects.create(
            rectification=rectification, action=action, from_state=from_state, to_state=target, actor=actor, note=note
        )
        if target == R.CLOSED:
            rollups.on_rectification_closed(rectification)
        if target == R.UPHELD:
            rollups.on_appeal_upheld(rectification)
        audit.record(f"rectification.{action}", actor=actor, obj=rectification, detail=f"{from_state} → {target}")
    return rectification


def rectification_rate_fix(*, rectification_id: int, applicant, stars: int) -> Rectification:
    """The applicant rates how the bad review was put right (once the fix is done)."""
    if not 1 <= stars <= 5:
        raise EvaluationError(_("Every score is 1 to 5 stars."))
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().select_related("rating").get(pk=rectification_id)
        if rectification.rating.applicant_id != applicant.pk:
            raise EvaluationError(_("Only the applicant can rate the fix."))
        if rectification.state not in {R.RECTIFIED, R.CLOSED} or rectification.fix_stars is not None:
            raise EvaluationError(_("The fix can be rated once, after it is done."))
        rectification.fix_stars = stars
        rectification.save(update_fields=["fix_stars"])
        audit.record("rectification.rate_fix", actor=applicant, obj=rectification, detail=f"{stars} stars")
    return rectification


def rectifications_mark_overdue() -> int:
    """Flag open rectifications past their due date."""
    return Rectification.objects.filter(
        due_date__lt=timezone.localdate(), is_overdue=False, state__in=[R.OPEN, R.VERIFIED, R.CALLED_BACK]
    ).update(is_overdue=True)


# --- consultations and complaints ----------------------------------------------------------


def inquiry_create(
    *, asker, kind: str, subject: str, question: str, department: Department | None = None, implementation=None,
    case: Case | None = None, allow_publish: bool = False,
) -> Inquiry:  # fmt: skip
    """Ask a question or complain, about an implementation, a case (the asker's own) or a department."""
    from django.urls import reverse

    if kind not in Inquiry.Kind.values:
        raise EvaluationError(_("Choose consultation or complaint."))
    if case is not None and case.applicant_id != asker.pk:
        raise EvaluationError(_("You can only refer to your own cases."))
    department = (
        department or (case.department if case else None) or (implementation.department if implementation else None)
    )
    if department is None:
        raise EvaluationError(_("Say which item, case or department this is about."))
    limits = EvaluationSettings.current()
    days = limits.complaint_days if kind == Inquiry.Kind.COMPLAINT else limits.consultation_days
    with transaction.atomic():
        implementation = implementation or (case.implementation if case else None)
        inquiry = Inquiry.objects.create(
            kind=kind, asker=asker, department=department, implementation=implementation,
            case=case, subject=subject.strip()[:100], question=question.strip()[:2000], allow_publish=allow_publish,
            due_date=calendar_selectors.add_working_days(timezone.localdate(), days),
        )  # fmt: skip
        rollups.on_inquiry(inquiry)
        notify(
            "complaint.assigned" if kind == Inquiry.Kind.COMPLAINT else "consultation.assigned",
            department=department,
            context={"subject": inquiry.subject, "date": inquiry.due_date.isoformat()},
            link=reverse("evaluations:inquiry_detail", args=[inquiry.pk]),
            event_key=f"inquiry:{inquiry.pk}:created",
        )
        audit.record(f"inquiry.create_{kind}", actor=asker, obj=inquiry)
    return inquiry


def inquiry_answer(*, inquiry_id: int, actor, answer: str) -> Inquiry:
    """The department answers; the asker is told."""
    from django.urls import reverse

    answer = (answer or "").strip()
    if not answer:
        raise EvaluationError(_("Write the answer."))
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry_id)
        if not access.may_act(actor, inquiry.department_id):
            raise EvaluationError(_("Only staff of the department asked can answer."))
        if inquiry.state != Inquiry.State.OPEN:
            raise EvaluationError(_("This has already been answered."))
        inquiry.answer, inquiry.answered_by, inquiry.answered_at = answer, actor, timezone.now()
        inquiry.state = Inquiry.State.ANSWERED
        inquiry.save(update_fields=["answer", "answered_by", "answered_at", "state"])
        notify(
            "inquiry.answered",
            recipient=inquiry.asker,
            context={"subject": inquiry.subject, "department": inquiry.department.name, "answer": answer},
            link=reverse("evaluations:inquiry_detail", args=[inquiry.pk]),
            event_key=f"inquiry:{inquiry.pk}:answered",
        )
        audit.record("inquiry.answer", actor=actor, obj=inquiry)
    return inquiry


def inquiry_follow_up(*, inquiry_id: int, actor, note: str, close: bool = False) -> Inquiry:
    """A supervisor follows up a complaint (and may close it)."""
    note = (note or "").strip()
    if not note:
        raise EvaluationError(_("Write the follow-up."))
    if not access.is_supervisor(actor):
        raise EvaluationError(_("Only a supervisor follows up complaints."))
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry_id)
        if inquiry.kind != Inquiry.Kind.COMPLAINT:
            raise EvaluationError(_("Only complaints are followed up."))
        inquiry.follow_up = f"{inquiry.follow_up}\n{note}".strip()
        inquiry.state = Inquiry.State.CLOSED if close else Inquiry.State.FOLLOWED_UP
        inquiry.save(update_fields=["follow_up", "state"])
        audit.record("inquiry.follow_up", actor=actor, obj=inquiry, detail=inquiry.state)
    return inquiry


# --- supervision digest --------------------------------------------------------------------


def supervision_digest_send(*, day: datetime.date | None = None) -> int:
    """Send every supervisor the figures of ``day`` (yesterday by default) and what is late now; once per day."""
    from approvals.workflow import CLOCK_RUNNING
    from evaluations.models import DailyStat
    from evaluations.selectors import supervision as selectors

    day = day or timezone.localdate() - datetime.timedelta(days=1)
    totals = selectors.figures(rows=DailyStat.objects.filter(day=day))
    satisfaction = totals["satisfaction_rate"]
    context = {
        "day": day.isoformat(),
        "submitted": totals["received"],
        "accepted": totals["accepted"],
        "completed": totals["completed"],
        "overdue": totals["overdue"],
        "satisfaction": "—" if satisfaction is None else f"{satisfaction:.1f}%",
        "bad_reviews": totals["bad_reviews"],
        "running_overdue": Case.objects.filter(state__in=CLOCK_RUNNING, is_overdue=True).count(),
        "rectifications_overdue": selectors.overdue_rectification_count(),
        "complaints_open": Inquiry.objects.filter(kind=Inquiry.Kind.COMPLAINT, state=Inquiry.State.OPEN).count(),
    }
    from django.urls import reverse

    supervisors = access.supervisors()
    count = 0
    with transaction.atomic():
        for supervisor in supervisors:
            notify(
                "supervision.digest",
                recipient=supervisor,
                context=context,
                link=reverse("evaluations:overview"),
                event_key=f"digest:{day.isoformat()}",
            )
            count += 1
    return count
