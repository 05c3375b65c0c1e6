"""Pages of ratings, bad-review rectifications, consultations and complaints.

Who may see what: a rating page only its case's applicant; a rectification or an inquiry its
applicant (asker), the staff of the department concerned and supervisors. Anyone else gets
"not found". The buttons shown are the steps the user may take now; the services decide.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from approvals.models import Case
from approvals.selectors.cases import access_for
from evaluations import services
from evaluations.forms import (
    FixRatingForm,
    InquiryAnswerForm,
    InquiryFollowUpForm,
    InquiryForm,
    RatingForm,
    RectificationStepForm,
)
from evaluations.models import Inquiry, Rectification, RectificationEvent
from evaluations.selectors import feedback as selectors
from evaluations.workflow import RECTIFICATION_TRANSITIONS
from portal import ratelimit
from portal.params import int_param

STEP_LABELS = {
    "verify": gettext_lazy("Verify the review"),
    "call_back": gettext_lazy("Record the call back"),
    "rectify": gettext_lazy("Record the rectification"),
    "close": gettext_lazy("Close the rectification"),
    "appeal": gettext_lazy("Appeal as a malicious review"),
    "uphold": gettext_lazy("Uphold the appeal"),
    "reject": gettext_lazy("Reject the appeal"),
}


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _can_rate_fix(rectification: Rectification, user) -> bool:
    return (
        rectification.rating.applicant_id == user.pk
        and rectification.state in {Rectification.State.RECTIFIED, Rectification.State.CLOSED}
        and rectification.fix_stars is None
    )


def _actor_label(event: RectificationEvent, rectification: Rectification) -> str:
    """Name staff by staff number only (as everywhere citizens look), and the applicant as such."""
    if event.actor_id == rectification.rating.applicant_id:
        return _("Applicant")
    memberships = list(event.actor.memberships.all())
    own = next((m for m in memberships if m.department_id == rectification.department_id), None)
    if own:
        return _("Staff no. %(number)s") % {"number": own.staff_number}
    supervision = next((m for m in memberships if m.role == m.Role.SUPERVISOR), None)
    if supervision:
        return _("Supervision, staff no. %(number)s") % {"number": supervision.staff_number}
    return _("Supervision")


# --- rating ---------------------------------------------------------------------------------


@login_required
def rate(request, pk: int):
    """Let the applicant rate a completed case once; show the rating (and its rectification) afterwards."""
    case = selectors.case_get_for_applicant(applicant=request.user, case_id=pk)
    if case is None:
        raise Http404
    rating = selectors.rating_get_for_case(case=case)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.rating_submit(case_id=case.pk, applicant=request.user, **form.cleaned_data)
        except services.EvaluationError as exc:
            form.add_error(None, str(exc))
        else:
            if rating.is_bad:
                messages.warning(
                    request,
                    _(
                        "Thank you, and we are sorry the service fell short. A rectification has been opened: "
                        "%(department)s must look into your review and put it right by %(date)s. You can follow it "
                        "from this page."
                    )
                    % {"department": case.department.name, "date": rating.rectification.due_date.isoformat()},
                )
            else:
                messages.success(request, _("Thank you for rating the service."))
            return redirect("evaluations:rate", pk=case.pk)
    context = {
        "case": case,
        "rating": rating,
        "form": form,
        "can_rate": case.state == Case.State.COMPLETED and rating is None,
        "completed": case.state == Case.State.COMPLETED,
    }
    return render(request, "evaluations/rate.html", context)


# --- rectification --------------------------------------------------------------------------


@login_required
def rectification_detail(request, pk: int):
    access = access_for(request.user)
    rectification = selectors.rectification_get_for_user(access=access, rectification_id=pk, full=True)
    if rectification is None:
        raise Http404
    events = list(rectification.events.all())
    for event in events:
        event.actor_label = _actor_label(event, rectification)
    steps = [
        {"action": action, "label": STEP_LABELS[action], "form": RectificationStepForm(action=action)}
        for action in selectors.rectification_steps(rectification=rectification, access=access)
    ]
    context = {
        "rectification": rectification,
        "rating": rectification.rating,
        "case": rectification.rating.case,
        "events": events,
        "steps": steps,
        "fix_form": FixRatingForm(prefix="fix") if _can_rate_fix(rectification, request.user) else None,
        "is_applicant": rectification.rating.applicant_id == request.user.pk,
    }
    return render(request, "evaluations/rectification_detail.html", context)


@login_required
@require_POST
def rectification_step(request, pk: int, action: str):
    """Take one step (verify, call back, rectify, close, appeal, uphold, reject) and go back to the page."""
    if action not in RECTIFICATION_TRANSITIONS:
        raise Http404
    if selectors.rectification_get_for_user(access=access_for(request.user), rectification_id=pk) is None:
        raise Http404
    form = RectificationStepForm(request.POST, action=action)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("evaluations:rectification_detail", pk=pk)
    try:
        services.rectification_step(
            rectification_id=pk, actor=request.user, action=action, note=form.cleaned_data["note"]
        )
    except services.EvaluationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": STEP_LABELS[action]})
    return redirect("evaluations:rectification_detail", pk=pk)


@login_required
@require_POST
def rectification_rate_fix(request, pk: int):
    """The applicant rates how the bad review was put right (once)."""
    if selectors.rectification_get_for_user(access=access_for(request.user), rectification_id=pk) is None:
        raise Http404
    form = FixRatingForm(request.POST, prefix="fix")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("evaluations:rectification_detail", pk=pk)
    try:
        services.rectification_rate_fix(rectification_id=pk, applicant=request.user, stars=form.cleaned_data["stars"])
    except services.EvaluationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for rating the fix."))
    return redirect("evaluations:rectification_detail", pk=pk)


# --- consultations and complaints -----------------------------------------------------------


@login_required
def ask(request):
    """Ask a question or complain; ``?item=<code>``, ``?case=<pk>`` and ``?kind=complaint`` prefill the form."""
    initial = {"kind": Inquiry.Kind.CONSULTATION}
    if request.GET.get("kind") in Inquiry.Kind.values:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("item"):
        initial["implementation_code"] = request.GET["item"].strip().upper()[:35]
    if int_param(request.GET.get("case")) is not None:
        initial["case"] = int_param(request.GET["case"])
    form = InquiryForm(request.POST or None, asker=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Fail open, like applying: the asker is logged in, and a question must not be lost to a counter.
        if not ratelimit.hit(
            key=f"ask:{request.user.pk}",
            limit=settings.ASK_RATE_LIMIT,
            window_seconds=settings.ASK_RATE_WINDOW,
            fail_open=True,
        ):
            form.add_error(None, _("You have sent many questions in a short time. Please wait a while and try again."))
            return render(request, "evaluations/ask.html", {"form": form}, status=429)
        try:
            inquiry = services.inquiry_create(
                asker=request.user,
                kind=data["kind"],
                subject=data["subject"],
                question=data["question"],
                department=data["department"],
                implementation=data["implementation_code"],
                case=data["case"],
                allow_publish=data["allow_publish"],
            )
        except services.EvaluationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Sent to %(department)s. They answer by %(date)s; you will get a message.")
                % {"department": inquiry.department.name, "date": inquiry.due_date.isoformat()},
            )
            return redirect("evaluations:inquiry_detail", pk=inquiry.pk)
    return render(request, "evaluations/ask.html", {"form": form})


def _inquiry_step(request, *, inquiry: Inquiry, step: str, form) -> None:
    """Call the step's service and say how it went; the service decides whether the user may."""
    if not form.is_valid():
        messages.error(request, _errors(form))
        return
    data = form.cleaned_data
    try:
        if step == "answer":
            services.inquiry_answer(inquiry_id=inquiry.pk, actor=request.user, answer=data["answer"])
            messages.success(request, _("Answer sent."))
        else:
            services.inquiry_follow_up(
                inquiry_id=inquiry.pk, actor=request.user, note=data["note"], close=data["close"]
            )
            messages.success(request, _("Follow-up recorded."))
    except services.EvaluationError as exc:
        messages.error(request, str(exc))


@login_required
def inquiry_detail(request, pk: int):
    """Show a consultation or complaint; the department answers it here, supervision follows complaints up."""
    access = access_for(request.user)
    inquiry = selectors.inquiry_get_for_user(access=access, inquiry_id=pk)
    if inquiry is None:
        raise Http404
    can_answer = inquiry.department_id in access.departments and inquiry.state == Inquiry.State.OPEN
    can_follow_up = (
        access.supervisor and inquiry.kind == Inquiry.Kind.COMPLAINT and inquiry.state != Inquiry.State.CLOSED
    )
    answer_form = InquiryAnswerForm(prefix="answer")
    follow_up_form = InquiryFollowUpForm(prefix="follow")
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "answer":
            answer_form = form = InquiryAnswerForm(request.POST, prefix="answer")
            allowed = can_answer
        elif step == "follow_up":
            follow_up_form = form = InquiryFollowUpForm(request.POST, prefix="follow")
            allowed = can_follow_up
        else:
            raise Http404
        # An invalid form is shown again with its errors, unless the user could not see it.
        if form.is_valid() or not allowed:
            _inquiry_step(request, inquiry=inquiry, step=step, form=form)
            return redirect("evaluations:inquiry_detail", pk=inquiry.pk)
    context = {
        "inquiry": inquiry,
        "is_asker": inquiry.asker_id == request.user.pk,
        "answer_form": answer_form if can_answer else None,
        "follow_up_form": follow_up_form if can_follow_up else None,
        "S": Inquiry.State,
    }
    return render(request, "evaluations/inquiry_detail.html", context)


@login_required
def inquiry_list(request):
    """List the user's own consultations and complaints, newest first, with state and answer-by date."""
    page = Paginator(selectors.inquiry_list_for_asker(asker=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "evaluations/inquiry_list.html", {"page": page})
