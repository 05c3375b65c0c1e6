"""Pages of the case workflow: applying, the receipt, tracking, the case page, the clerk's desk."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from approvals import uploads
from approvals.forms.cases import CASE_ACTIONS, ApplicationForm, DeskFilters, SupplementForm, TrackForm, action_forms
from approvals.models import Case
from approvals.selectors import bundles as bundle_selectors
from approvals.selectors import cases, catalogue
from approvals.selectors import sharing as sharing_selectors
from approvals.services import cases as services
from approvals.services import sharing
from approvals.workflow import TRANSITIONS
from departments.decorators import membership_required
from portal import crypto, ratelimit
from portal import services as portal_services
from portal.params import int_param
from portal.validators import normalize_mobile

# Tracking look-ups per client address and window (a wrong pair costs as much as a right one).
TRACK_LIMIT = 10
TRACK_WINDOW_SECONDS = 600
# A case's tracking result is drawn once per version of the case and language (track.html).
TRACK_RESULT_SECONDS = 600


def _application_form(request, implementation, *, applicant, window=None, draft=None, data=None, files=None):
    """Build the form; offer what the applicant's records hold and pre-fill what the profile knows.

    At a receiving ``window`` the clerk sees the applicant's records only through the logged
    sharing service, and the form is pre-filled from the profile alone.
    """
    fields = catalogue.form_field_list(implementation_id=implementation.pk)
    materials = catalogue.material_list(implementation_id=implementation.pk)
    token = draft.submission_token if draft else uuid.uuid4()
    if window is None:
        offers = sharing_selectors.material_offers(applicant=applicant, implementation=implementation)
    else:
        purpose = _("Receiving an application for %(item)s at %(window)s") % {
            "item": implementation.name,
            "window": window.name,
        }
        offers = sharing.window_offers(
            actor=request.user, window=window, applicant=applicant, implementation=implementation, purpose=purpose
        )
    answers = (
        draft.form_data
        if draft
        else sharing_selectors.prefill(applicant=applicant, fields=fields, from_licences=window is None)
    )
    return ApplicationForm(
        data,
        files,
        fields=fields,
        materials=materials,
        draft_answers=answers,
        offers=offers,
        initial={"token": token},
    )


def _answers(form: ApplicationForm) -> list[services.MaterialAnswer]:
    """Turn the form into one answer per material: a new upload wins over a consented offer."""
    result = []
    for material in form.material_list:
        upload = form.cleaned_data.get(f"m_{material.pk}") or None
        use_offer = not upload and form.cleaned_data.get(f"u_{material.pk}")
        result.append(
            services.MaterialAnswer(
                material=material,
                upload=upload,
                commitment=bool(form.cleaned_data.get(f"c_{material.pk}")),
                later=bool(form.cleaned_data.get(f"l_{material.pk}")),
                offer=form.offers.get(material.pk) if use_offer else None,
            )
        )
    return result


def _apply(request, implementation, *, applicant, receiving_department=None, template_extra=None):
    """Show and handle the application form for ``applicant`` (themselves, or at a staff window).

    A window starts an application of its own: the applicant's draft is theirs alone.
    """
    draft = None
    if receiving_department is None:
        draft = cases.draft_get_for_applicant(applicant=applicant, implementation=implementation)
    if request.method == "POST":
        form = _application_form(
            request, implementation, applicant=applicant, window=receiving_department, draft=draft,
            data=request.POST, files=request.FILES,
        )  # fmt: skip
        submit = "submit" in request.POST or receiving_department is not None
        # Fail open: the applicant is logged in and the limit only slows a flood; refusing every
        # application while the security store is down would lose what people came to send.
        if not ratelimit.hit(
            key=f"apply:{request.user.pk}",
            limit=settings.APPLY_RATE_LIMIT,
            window_seconds=settings.APPLY_RATE_WINDOW,
            fail_open=True,
        ):
            # Nothing is stored; the form comes back with what was typed (files must be chosen again).
            form.is_valid()
            form.add_error(None, _("Too many applications from you in the last hour. Try again later."))
            return _render_apply(request, implementation, form, draft, applicant, template_extra, status=429)
        if form.is_valid() and not (submit and form.required_field_errors()):
            try:
                case = services.case_save_application(
                    applicant=applicant,
                    implementation=implementation,
                    token=form.cleaned_data["token"],
                    form_data=form.answers(),
                    answers=_answers(form),
                    submit=submit,
                    receiving_department=receiving_department,
                    received_by=request.user if receiving_department else None,
                )
            except services.WorkflowError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if case.state == Case.State.DRAFT:
                    messages.success(request, _("Draft saved. You can come back and finish it from My hall."))
                    return redirect(request.get_full_path())
                return redirect("approvals:case_receipt", pk=case.pk)
    else:
        form = _application_form(request, implementation, applicant=applicant, window=receiving_department, draft=draft)
    return _render_apply(request, implementation, form, draft, applicant, template_extra)


def _render_apply(request, implementation, form, draft, applicant, template_extra, status=200):
    """Render the application form with what the draft already provides."""
    provided = {row.material_id: row for row in cases.case_material_list(case=draft)} if draft else {}
    context = {
        "implementation": implementation,
        "form": form,
        "draft": draft,
        "provided": provided,
        "applicant": applicant,
        "filled_count": len(form.offers),
        "material_count": len(form.material_list),
        **(template_extra or {}),
    }
    return render(request, "approvals/case_apply.html", context, status=status)


@login_required
def apply(request, code: str):
    implementation = catalogue.implementation_get_published(code=code.upper())
    if implementation is None:
        raise Http404
    return _apply(request, implementation, applicant=request.user)


@membership_required("clerk", "reviewer", "department_admin", allow_superuser=False)
def staff_receive(request):
    """A window registers an application for an item of any department or region (异地代收代办)."""
    access = cases.access_for(request.user)
    code = (request.GET.get("code") or "").strip().upper()
    mobile = normalize_mobile(request.GET.get("mobile") or "")
    window_id = int_param(request.GET.get("window"), default=access.department_ids[0])
    if window_id not in access.departments:
        raise PermissionDenied
    implementation = catalogue.implementation_get_published(code=code) if code else None
    applicant = cases.applicant_get_by_mobile(mobile=mobile)
    if implementation is None or applicant is None:
        if code or mobile:
            messages.error(
                request, _("Enter a published implementation code and the mobile of a registered applicant.")
            )
        return render(
            request,
            "approvals/staff_receive.html",
            {"code": code, "mobile": mobile, "windows": cases.membership_departments(access)},
        )
    window = cases.window_get(access=access, department_id=window_id)
    if window is None:
        raise PermissionDenied
    return _apply(
        request, implementation, applicant=applicant, receiving_department=window, template_extra={"window": window}
    )


@login_required
def case_receipt(request, pk: int):
    case = cases.case_get_for_user(user=request.user, case_id=pk)
    if case is None or case.state == Case.State.DRAFT:
        raise Http404
    return render(request, "approvals/case_receipt.html", {"case": case})


def track(request):
    """Anyone with the code and the last four digits of the applicant's mobile sees status and a masked timeline."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(
            key=f"track:{ratelimit.client_ip(request)}", limit=TRACK_LIMIT, window_seconds=TRACK_WINDOW_SECONDS
        ):
            messages.error(request, _("Too many look-ups from this address. Try again in 10 minutes."))
            return render(request, "approvals/track.html", {"form": form}, status=429)
        pair = {"code": form.cleaned_data["code"], "mobile_last4": form.cleaned_data["mobile_last4"]}
        tracked = cases.case_track(**pair)
        bundle_application = None if tracked else bundle_selectors.bundle_track(**pair)
        if tracked is None and bundle_application is None:
            form.add_error(None, _("No case matches this code and these digits."))
        context = {
            "form": form,
            "tracked": tracked,
            "bundle_application": bundle_application,
            "fragment_seconds": TRACK_RESULT_SECONDS,
        }
        return render(request, "approvals/track.html", context)
    return render(request, "approvals/track.html", {"form": form, "tracked": None})


@login_required
def case_detail(request, pk: int):
    access = cases.access_for(request.user)
    case = cases.case_get_for_user(user=request.user, case_id=pk, access=access)
    if case is None:
        raise Http404
    actions = cases.available_actions(case=case, user=request.user, access=access)
    is_staff_view = case.applicant_id != request.user.pk
    materials = catalogue.material_list(implementation_id=case.implementation_id)
    context = {
        "case": case,
        "actions": actions,
        "forms": action_forms(case=case, actions=actions, materials=materials),
        "is_staff_view": is_staff_view,
        "light": cases.light(case, cases.light_threshold()),
        "fields": catalogue.form_field_list(implementation_id=case.implementation_id),
        "open_supplement": cases.supplement_request_get_open(case=case),
        "can_reveal": is_staff_view and case.department_id in access.departments,
        "colleagues": cases.colleagues(case=case) if case.department_id in access.departments else [],
    }
    return render(request, "approvals/case_detail.html", context)


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    """Validate the action's desk form and take the action through its service (``CASE_ACTIONS``)."""
    if action not in CASE_ACTIONS:
        raise Http404
    case = cases.case_get_for_user(user=request.user, case_id=pk)
    if case is None:
        raise Http404
    taken = CASE_ACTIONS[action]
    materials = catalogue.material_list(implementation_id=case.implementation_id)
    form = taken.desk_form(case=case, materials=materials, data=request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("approvals:case_detail", pk=pk)
    try:
        taken.call(case_id=case.pk, actor=request.user, data=form.cleaned_data)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
    return redirect("approvals:case_detail", pk=pk)


@login_required
def case_supplement(request, pk: int):
    """The applicant uploads what the open supplement request asked for."""
    case = cases.case_get_for_user(user=request.user, case_id=pk)
    if case is None or case.applicant_id != request.user.pk:
        raise Http404
    request_row = cases.supplement_request_get_open(case=case)
    if case.state != Case.State.SUPPLEMENT or request_row is None:
        messages.info(request, _("Nothing is waiting for a supplement on this case."))
        return redirect("approvals:case_detail", pk=pk)
    materials = cases.supplement_material_list(case=case, request_row=request_row)
    form = SupplementForm(request.POST or None, request.FILES or None, materials=materials)
    if request.method == "POST" and form.is_valid():
        answers = [services.MaterialAnswer(material=m, upload=form.cleaned_data[f"m_{m.pk}"]) for m in materials]
        try:
            services.case_supplement(case_id=case.pk, actor=request.user, answers=answers)
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Materials supplemented. The department has been told."))
            return redirect("approvals:case_detail", pk=pk)
    return render(request, "approvals/case_supplement.html", {"case": case, "form": form, "request_row": request_row})


@login_required
def case_material_file(request, pk: int):
    """Serve an applicant's file to those who may see its case, as an attachment, never inline."""
    row = cases.case_material_get_for_user(user=request.user, material_id=pk)
    if row is None:
        raise Http404
    response = FileResponse(
        row.file.open("rb"), as_attachment=True, filename=uploads.download_name(row.original_name, row.content_type)
    )
    response["Content-Type"] = row.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def case_assign(request, pk: int):
    """Claim a case, or give it to a colleague of the handling department."""
    access = cases.access_for(request.user)
    case = cases.case_get_for_user(user=request.user, case_id=pk, access=access)
    if case is None or case.department_id not in access.departments:
        raise Http404
    assignee = request.user
    if request.POST.get("assignee"):
        assignee = cases.colleague_get(case=case, user_id=int_param(request.POST["assignee"], default=0))
    try:
        if assignee is None:
            raise services.WorkflowError(_("The assignee does not work in the handling department."))
        services.case_assign(case_id=case.pk, actor=request.user, assignee=assignee)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Assigned."))
    return redirect("approvals:case_detail", pk=pk)


@login_required
@require_POST
def case_reveal(request, pk: int):
    """Show a handling clerk the applicant's full certificate number once, and record that they saw it."""
    access = cases.access_for(request.user)
    case = cases.case_get_for_user(user=request.user, case_id=pk, access=access)
    if case is None or case.department_id not in access.departments:
        raise Http404
    try:
        number = portal_services.cert_number_reveal(
            actor=request.user,
            subject=case.applicant,
            purpose=_("Identity check on case"),
            object_ref=case.supervision_code or "",
        )
    except crypto.UndecryptableError:
        messages.error(
            request,
            _(
                "The full number cannot be shown: it does not decrypt with the configured keys. "
                "Please tell the administrator."
            ),
        )
        return redirect("approvals:case_detail", pk=pk)
    messages.info(
        request,
        _("%(type)s: %(number)s (this view was recorded)")
        % {"type": case.applicant.get_cert_type_display(), "number": number},
    )
    return redirect("approvals:case_detail", pk=pk)


@membership_required()
def staff_desk(request):
    """The clerk's desk: the department's queue with filters and keyset pages, and the co-review inbox."""
    access = cases.access_for(request.user)
    departments = cases.membership_departments(access)
    if not departments:
        return render(request, "approvals/staff_desk.html", {"departments": [], "supervisor_only": True})
    desk = DeskFilters.read(request.GET)
    department_id = departments[0].pk if desk.department_id is None else desk.department_id
    if department_id not in access.departments:
        raise Http404
    if desk.ignored:
        messages.warning(
            request,
            _("These filters could not be read and were ignored: %(names)s.")
            % {"names": pgettext("list separator", ", ").join(str(label) for label in desk.ignored)},
        )
    filters = desk.queue_filters()
    rows, next_cursor = cases.case_queue(
        access=access, department_id=department_id, after=request.GET.get("after", ""), **filters
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "departments": departments,
        "department_id": department_id,
        "rows": rows,
        "next_cursor": next_cursor,
        "base_query": params.urlencode(),
        "filters": filters,
        "states": [(value, label) for value, label in Case.State.choices if value in cases.QUEUE_STATES],
        "inbox": cases.co_review_inbox(access=access)[:20],
        "implementations": cases.department_implementations(department_id=department_id),
        "missing_years": cases.calendar_warning(),
    }
    return render(request, "approvals/staff_desk.html", context)
