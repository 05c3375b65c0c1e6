"""The case workflow: one service function per transition.

Each runs in a transaction with the case row locked (``select_for_update``), checks the
transition table (``approvals.workflow``) and who is acting, changes the fields it owns,
writes a timeline event, sends ``case_event`` and queues notifications on commit.
Views, the exchange API, admin actions and tasks all call these functions.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import uploads
from approvals.codes import supervision_code
from approvals.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CodeSequence,
    CoReviewRequest,
    ExtensionRequest,
    Implementation,
    Material,
    ReviewStep,
    Status,
    SupplementRequest,
)
from approvals.models.cases import CASE_FILES_DIR, private_storage
from approvals.selectors import calendar as calendar_selectors
from approvals.services.licences import licence_issue_for_case
from approvals.signals import case_event
from approvals.workflow import APPLICANT, CLOCK_RUNNING, CO_REVIEWER, HANDLING, STAFF, TRANSITIONS, Transition
from departments import access
from departments.models import Department, StaffMembership
from portal import audit
from portal.services import notify

S = Case.State


class WorkflowError(Exception):
    """A transition that may not happen now; the message is shown to the person who tried."""


def today() -> datetime.date:
    return timezone.localdate()


# --- who may act ---------------------------------------------------------------------------


def _authorize(case: Case, actor, rule: Transition) -> StaffMembership | None:
    """Return the acting membership (None for the applicant) or raise ``WorkflowError``."""
    if rule.actor == APPLICANT:
        if case.applicant_id != actor.pk:
            raise WorkflowError(_("Only the applicant can do this."))
        return None
    if rule.actor == HANDLING:
        membership = access.post_for(actor, case.department_id, rule.roles)
        if membership is None:
            raise WorkflowError(_("Only staff of the handling department with the right role can do this."))
        return membership
    if rule.actor == CO_REVIEWER:
        for membership in access.posts(user=actor, roles=rule.roles):
            if case.co_reviews.filter(department_id=membership.department_id, answered_at__isnull=True).exists():
                return membership
        raise WorkflowError(_("No opinion is asked of your department on this case."))
    raise AssertionError(rule.actor)


def _lock(case_id: int) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise WorkflowError(_("This case does not exist."))
    return case


def _check(case: Case, action: str, actor) -> tuple[Transition, StaffMembership | None]:
    rule = TRANSITIONS[action]
    if case.state not in rule.sources:
        raise WorkflowError(
            _("“%(action)s” is not possible: the case is now “%(state)s”. Reload the page to see what changed.")
            % {"action": rule.label, "state": case.get_state_display()}
        )
    return rule, _authorize(case, actor, rule)


@dataclass
class _Change:
    """What a transition did, for the timeline and the notifications."""

    comment: str = ""
    fields: list[str] = field(default_factory=list)
    # Notification kinds (see portal.notifications) and the text's extra context.
    tell_applicant: str = ""
    tell_department: str = ""
    departments: list[int] = field(default_factory=list)  # whose inbox; the case's department when empty
    to_handler: bool = False  # to the assigned clerk in person when there is one, else the inbox
    context: dict = field(default_factory=dict)
    attachments: list[CaseMaterial] = field(default_factory=list)


def _audit(case: Case, event: CaseEvent) -> None:
    """Write the audit row of a case action, in the same transaction as its timeline event."""
    audit.record(
        f"case.{event.action}", actor=event.actor, obj=case,
        detail=f"{event.from_state} → {event.to_state} {case.supervision_code}",
    )  # fmt: skip


def _finish(case: Case, action: str, actor, membership, from_state: str, change: _Change) -> CaseEvent:
    """Save the case, write the timeline event, send ``case_event`` and queue notifications."""
    case.save(update_fields=sorted({*change.fields, "state", "updated_at"}))
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=actor,
        actor_department=membership.department if membership else None,
        department_id=case.department_id,
        comment=change.comment,
    )
    if change.attachments:
        event.attachments.set(change.attachments)
    _audit(case, event)
    case_event.send(sender=Case, case=case, event=event)
    _notify(case, event, change)
    return event


def _notify(case: Case, event: CaseEvent, change: _Change) -> None:
    context = {
        "code": case.supervision_code,
        "item": case.implementation.name,
        "department": case.department.name,
        "comment": change.comment,
        **change.context,
    }
    link = case.get_absolute_url()
    key = f"case:{case.pk}:event:{event.pk}"
    if change.tell_applicant:
        notify(change.tell_applicant, recipient=case.applicant, context=context, link=link, event_key=key)
    if change.tell_department:
        if change.to_handler and case.assigned_to_id:
            notify(change.tell_department, recipient=case.assigned_to, context=context, link=link, event_key=key)
            return
        for department in Department.objects.filter(pk__in=change.departments or [case.department_id]):
            notify(change.tell_department, department=department, context=context, link=link, event_key=key)


# --- clock ---------------------------------------------------------------------------------


def _committed_limit(case: Case) -> int:
    """Return the committed limit in force when the case was accepted (the implementation's before that)."""
    if case.committed_limit_days is not None:
        return case.committed_limit_days
    return case.implementation.committed_limit_days


def _total_limit(case: Case) -> int:
    return _committed_limit(case) + case.extended_days


def _stop_clock(case: Case, change: _Change) -> None:
    """Stop the clock: keep the working days left, negative when the case is already late.

    A case stopped three working days after its due date keeps -3, so that it resumes three
    working days late (see ``_restart_clock``) and its overdue flag stays set.
    """
    if case.due_date is not None:
        case.paused_remaining_days = calendar_selectors.working_days_signed(today(), case.due_date)
        case.is_overdue = case.paused_remaining_days < 0
        case.due_date = None
        change.fields += ["paused_remaining_days", "due_date", "is_overdue"]


def _restart_clock(case: Case, change: _Change) -> None:
    """Restart the clock: the due date is the days left counted from today, backwards when negative."""
    if case.paused_remaining_days is not None:
        case.due_date = calendar_selectors.shift_working_days(today(), case.paused_remaining_days)
        case.is_overdue = case.paused_remaining_days < 0
        case.paused_remaining_days = None
        change.fields += ["paused_remaining_days", "due_date", "is_overdue"]


def _working_days_used(case: Case) -> int:
    if case.due_date is None:
        return _total_limit(case) - (case.paused_remaining_days or 0)
    if case.due_date >= today():
        return _total_limit(case) - calendar_selectors.working_days_between(today(), case.due_date)
    return _total_limit(case) + calendar_selectors.working_days_between(case.due_date, today())


# --- applying ------------------------------------------------------------------------------


@dataclass
class MaterialAnswer:
    """What the applicant provides for one material: a file, a commitment, or 'later'."""

    material: Material
    upload: object | None = None  # an UploadedFile already checked by ``uploads.check``
    commitment: bool = False
    later: bool = False
    offer: object | None = None  # a ``sharing.Offer`` the applicant consented to use


def _issue_code(region_code: str) -> str:
    day = today()
    sequence, _created = CodeSequence.objects.select_for_update().get_or_create(region_code=region_code, day=day)
    CodeSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db(fields=["last"])
    return supervision_code(region_code, day, sequence.last)


def _store_upload(case: Case, material: Material | None, upload, actor) -> CaseMaterial:
    detected = uploads.check(upload)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    row = CaseMaterial(
        case=case,
        material=material,
        source=CaseMaterial.Source.UPLOAD,
        original_name=uploads.safe_name(upload.name),
        content_type=detected.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    row.file.save(f"upload{detected.extension}", upload, save=False)
    uploads.remember_stored(row.file.storage, row.file.name)
    if material is not None:
        CaseMaterial.objects.filter(case=case, material=material, replaced=False).update(replaced=True)
    row.save()
    return row


def _store_offer(case: Case, material: Material, offer, actor) -> CaseMaterial:
    """Attach a licence or an earlier upload of the applicant's own, with their consent (once-only)."""
    CaseMaterial.objects.filter(case=case, material=material, replaced=False).update(replaced=True)
    if offer.licence is not None:
        if offer.licence.holder_id != case.applicant_id:
            raise WorkflowError(_("This licence is not yours."))
        return CaseMaterial.objects.create(
            case=case, material=material, source=CaseMaterial.Source.LICENCE, licence=offer.licence,
            original_name=str(offer.licence), uploaded_by=actor,
        )  # fmt: skip
    earlier = offer.case_material
    if earlier.case.applicant_id != case.applicant_id or earlier.case.state == S.DRAFT:
        raise WorkflowError(_("This material is not yours."))
    return CaseMaterial.objects.create(
        case=case, material=material, source=CaseMaterial.Source.LIBRARY, reused_from=earlier, file=earlier.file.name,
        original_name=earlier.original_name, content_type=earlier.content_type, size=earlier.size,
        sha256=earlier.sha256, uploaded_by=actor,
    )  # fmt: skip


def case_save_application(
    *,
    applicant,
    implementation: Implementation,
    token,
    form_data: dict,
    answers: list[MaterialAnswer],
    submit: bool,
    receiving_department: Department | None = None,
    received_by=None,
) -> Case:
    """Save the applicant's draft and, when ``submit``, submit it: one case per token, however often posted.

    A second post of the same form (same ``token``) finds the case the first created and
    returns it unchanged once it is submitted. A window receiving for the applicant
    (``received_by`` at ``receiving_department``) acts on a case of its own, never the
    applicant's draft: a token belongs to the applicant alone or to the one clerk who started it.
    """
    if implementation.status != Status.PUBLISHED:
        raise WorkflowError(_("This item is not open for applications."))
    try:
        with uploads.kept_only_if_saved(), transaction.atomic():
            case = Case.objects.select_for_update().filter(submission_token=token).first()
            if case is None:
                case = Case.objects.create(
                    submission_token=token,
                    implementation=implementation,
                    department=implementation.department,
                    applicant=applicant,
                    receiving_department=receiving_department,
                    received_by=received_by,
                )
            if (
                case.applicant_id != applicant.pk
                or case.implementation_id != implementation.pk
                or case.received_by_id != (received_by.pk if received_by else None)
            ):
                raise WorkflowError(_("This form belongs to another application."))
            if case.state != S.DRAFT:
                return case  # the same form posted again: the first post already submitted it
            case.form_data = form_data
            case.save(update_fields=["form_data", "updated_at"])
            actor = received_by or applicant
            for answer in answers:
                if answer.upload is not None:
                    _store_upload(case, answer.material, answer.upload, actor)
                elif answer.offer is not None:
                    _store_offer(case, answer.material, answer.offer, actor)
                elif answer.commitment or answer.later:
                    source = CaseMaterial.Source.COMMITMENT if answer.commitment else CaseMaterial.Source.MISSING
                    CaseMaterial.objects.filter(case=case, material=answer.material, replaced=False).update(
                        replaced=True
                    )
                    CaseMaterial.objects.create(case=case, material=answer.material, source=source, uploaded_by=actor)
            if submit:
                case = case_submit(case_id=case.pk, actor=actor)
            return case
    except IntegrityError:
        # Two posts of a new form raced to create the case: the other one won.
        case = Case.objects.filter(submission_token=token, applicant=applicant).first()
        if case is None:
            raise
        return case


def missing_required_materials(case: Case) -> list[Material]:
    """Return required materials with nothing provided (no file, commitment or allowed 'later')."""
    provided = set(
        CaseMaterial.objects.filter(case=case, replaced=False, material__isnull=False).values_list(
            "material_id", flat=True
        )
    )
    return [m for m in case.implementation.materials.all() if m.required and m.pk not in provided]


def _check_submit(case: Case, actor) -> tuple[Transition, StaffMembership | None]:
    """Check a submission: by the applicant, or by the clerk who received it at a window (named on the timeline)."""
    if case.received_by_id is None:
        return _check(case, "submit", actor)
    rule = TRANSITIONS["submit"]
    if case.state not in rule.sources:
        return _check(case, "submit", actor)  # the same refusal as any late submission
    membership = (
        access.post_for(actor, case.receiving_department_id, STAFF) if actor.pk == case.received_by_id else None
    )
    if membership is None:
        raise WorkflowError(_("Only the clerk who received this application at the window can submit it."))
    return rule, membership


def case_submit(*, case_id: int, actor) -> Case:
    """Submit a draft: check the materials, issue the supervision code, put it in the department's queue."""
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check_submit(case, actor)
        missing = missing_required_materials(case)
        if missing:
            raise WorkflowError(
                _("These required materials are missing: %(names)s.") % {"names": "、".join(m.name for m in missing)}
            )
        provided = CaseMaterial.objects.filter(case=case, replaced=False)
        change = _Change(fields=["supervision_code", "submitted_at", "commitment_signed", "missing_due_date"])
        case.commitment_signed = provided.filter(source=CaseMaterial.Source.COMMITMENT).exists()
        if provided.filter(source=CaseMaterial.Source.MISSING).exists():
            case.missing_due_date = calendar_selectors.add_working_days(today(), case.implementation.missing_grace_days)
        case.supervision_code = _issue_code(case.implementation.region.code)
        case.submitted_at = timezone.now()
        from_state, case.state = case.state, rule.target
        change.tell_applicant, change.tell_department = "case.received", "case.submitted"
        if case.receiving_department_id:
            change.comment = _("Received at %(window)s for %(department)s.") % {
                "window": case.receiving_department.name,
                "department": case.department.name,
            }
        _finish(case, "submit", actor, membership, from_state, change)
        Implementation.objects.filter(pk=case.implementation_id).update(case_count=F("case_count") + 1)
    return case


def case_withdraw(*, case_id: int, actor, comment: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "withdraw", actor)
        from_state, case.state = case.state, rule.target
        change = _Change(comment=comment, tell_department="case.withdrawn", to_handler=True)
        _stop_clock(case, change)
        _finish(case, "withdraw", actor, membership, from_state, change)
    return case


# --- acceptance ----------------------------------------------------------------------------


def case_accept(*, case_id: int, actor, comment: str = "") -> Case:
    """Accept: the clock starts and the due date is the committed limit in working days from today."""
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "accept", actor)
        from_state, case.state = case.state, rule.target
        case.accepted_at = timezone.now()
        case.committed_limit_days = case.implementation.committed_limit_days
        case.statutory_limit_days = case.implementation.statutory_limit_days
        case.due_date = calendar_selectors.add_working_days(today(), _total_limit(case))
        case.assigned_to = case.assigned_to or actor
        change = _Change(
            comment=comment,
            fields=["accepted_at", "committed_limit_days", "statutory_limit_days", "due_date", "assigned_to"],
        )
        change.tell_applicant, change.context = "case.accepted", {"date": case.due_date.isoformat()}
        _finish(case, "accept", actor, membership, from_state, change)
    return case


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(message)
    return text


def case_refuse(*, case_id: int, actor, reason: str) -> Case:
    """Refuse at acceptance (不予受理); the legal reason is required and told to the applicant."""
    reason = _require(reason, _("Give the legal reason for refusing."))
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "refuse", actor)
        from_state, case.state = case.state, rule.target
        case.decision_reason = reason
        change = _Change(comment=reason, fields=["decision_reason"])
        change.tell_applicant = "case.refused"
        _finish(case, "refuse", actor, membership, from_state, change)
    return case


def case_request_supplement(*, case_id: int, actor, items: list[dict], comment: str = "") -> Case:
    """Ask for every missing or faulty material at once; the clock stops if it was running."""
    items = [i for i in items if (i.get("name") or "").strip()]
    if not items:
        raise WorkflowError(_("List at least one missing or faulty material."))
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "request_supplement", actor)
        from_state = case.state
        change = _Change(comment=comment or "；".join(f"{i['name']}：{i.get('reason', '')}" for i in items))
        change.fields.append("state_before_supplement")
        case.state_before_supplement = from_state
        if from_state in CLOCK_RUNNING:
            _stop_clock(case, change)
        case.state = rule.target
        SupplementRequest.objects.create(case=case, items=items, requested_by=actor)
        change.tell_applicant, change.context = "case.supplement_requested", {"count": len(items)}
        _finish(case, "request_supplement", actor, membership, from_state, change)
    return case


def case_supplement(*, case_id: int, actor, answers: list[MaterialAnswer], comment: str = "") -> Case:
    """The applicant supplies what was asked; the case returns to where it was and the clock resumes."""
    with uploads.kept_only_if_saved(), transaction.atomic():
        case = _lock(case_id)
        _rule, membership = _check(case, "supplement", actor)
        request = case.supplement_requests.filter(resolved_at__isnull=True).first()
        stored = [_store_upload(case, a.material, a.upload, actor) for a in answers if a.upload is not None]
        if not stored:
            raise WorkflowError(_("Upload the requested materials."))
        from_state = case.state
        case.state = case.state_before_supplement or S.SUBMITTED
        change = _Change(comment=comment, fields=["state_before_supplement"], attachments=stored)
        case.state_before_supplement = ""
        if case.state in CLOCK_RUNNING:
            _restart_clock(case, change)
        if request:
            request.resolved_at = timezone.now()
            request.save(update_fields=["resolved_at"])
        change.tell_department, change.to_handler = "case.supplemented", True
        _finish(case, "supplement", actor, membership, from_state, change)
    return case


def case_transfer(*, case_id: int, actor, to_department: Department, reason: str) -> Case:
    """Send the case to the competent department (移送); it waits there for acceptance."""
    reason = _require(reason, _("Give the reason for the transfer."))
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "transfer", actor)
        if to_department.pk == case.department_id or not to_department.is_active:
            raise WorkflowError(_("Choose another, active department."))
        from_state, case.state = case.state, rule.target
        previous = case.department
        case.department = to_department
        case.assigned_to = None
        change = _Change(
            comment=_("From %(from)s to %(to)s: %(reason)s")
            % {"from": previous.name, "to": to_department.name, "reason": reason},
            fields=["department", "assigned_to"],
        )
        change.tell_applicant, change.tell_department = "case.transferred", "case.transferred_in"
        change.context = {"from_department": previous.name}
        _finish(case, "transfer", actor, membership, from_state, change)
    return case


# --- review --------------------------------------------------------------------------------


def _steps(case: Case) -> list[ReviewStep]:
    return list(case.implementation.review_steps.prefetch_related("co_departments"))


def case_start_review(*, case_id: int, actor, comment: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "start_review", actor)
        from_state, case.state = case.state, rule.target
        case.current_step = 0
        change = _Change(comment=comment, fields=["current_step"])
        _finish(case, "start_review", actor, membership, from_state, change)
        _enter_step(case, actor, membership)
    return case


def _enter_step(case: Case, actor, membership) -> None:
    """If the step now reached is a co-review step, ask its departments at once."""
    steps = _steps(case)
    if case.current_step < len(steps) and steps[case.current_step].is_co_review:
        step = steps[case.current_step]
        _ask(case, actor, membership, list(step.co_departments.all()), step=step, question=step.name)


def case_pass_step(*, case_id: int, actor, comment: str = "") -> Case:
    """Record that the current configured review step is done, by its department and role."""
    with transaction.atomic():
        case = _lock(case_id)
        _check(case, "pass_step", actor)
        steps = _steps(case)
        if case.current_step >= len(steps):
            raise WorkflowError(_("Every review step is already done: approve or deny."))
        step = steps[case.current_step]
        department_id = step.department_id or case.department_id
        acting = access.post_for(actor, department_id, {step.role, StaffMembership.Role.DEPARTMENT_ADMIN})
        if acting is None:
            raise WorkflowError(_("This step belongs to %(role)s of another post.") % {"role": step.get_role_display()})
        case.current_step += 1
        change = _Change(comment=f"{step.name}：{comment}" if comment else step.name, fields=["current_step"])
        _finish(case, "pass_step", actor, acting, case.state, change)
        _enter_step(case, actor, acting)
    return case


def _ask(case: Case, actor, membership, departments, *, step=None, question: str = "") -> None:
    departments = [d for d in departments if d.pk != case.department_id]
    if not departments:
        raise WorkflowError(_("Choose at least one other department to ask."))
    round_ = (case.co_reviews.order_by("-round").values_list("round", flat=True).first() or 0) + 1
    limit = step.limit_days if step else 5
    due = calendar_selectors.add_working_days(today(), limit)
    for department in departments:
        CoReviewRequest.objects.create(
            case=case,
            department=department,
            step=step,
            round=round_,
            requested_by=actor,
            due_date=due,
            question=question,
        )
    from_state, case.state = case.state, S.CO_REVIEW
    change = _Change(comment=question, tell_department="co_review.requested", departments=[d.pk for d in departments])
    change.context = {"from_department": case.department.name, "date": due.isoformat()}
    _finish(case, "request_co_review", actor, membership, from_state, change)


def case_request_co_review(*, case_id: int, actor, departments: list[Department], question: str = "") -> Case:
    """Ask other departments for opinions in parallel; the case waits until all have answered."""
    with transaction.atomic():
        case = _lock(case_id)
        _rule, membership = _check(case, "request_co_review", actor)
        _ask(case, actor, membership, departments, question=question)
    return case


def case_give_opinion(*, case_id: int, actor, opinion: str, comment: str = "") -> Case:
    """Give the department's opinion; the last one returns the case to review (and passes a co-review step)."""
    if opinion not in CoReviewRequest.Opinion.values:
        raise WorkflowError(_("Choose agree or disagree."))
    with transaction.atomic():
        case = _lock(case_id)
        _rule, membership = _check(case, "give_opinion", actor)
        request = case.co_reviews.select_for_update().get(department=membership.department, answered_at__isnull=True)
        request.opinion, request.comment = opinion, comment
        request.answered_by, request.answered_at = actor, timezone.now()
        request.save(update_fields=["opinion", "comment", "answered_by", "answered_at"])
        from_state = case.state
        change = _Change(
            comment=f"{request.get_opinion_display()}：{comment}" if comment else request.get_opinion_display()
        )
        if not case.co_reviews.filter(answered_at__isnull=True).exists():
            case.state = S.UNDER_REVIEW
            if request.step_id:
                case.current_step += 1
                change.fields.append("current_step")
            change.tell_department, change.to_handler = "co_review.answered", True
            change.context = {"from_department": membership.department.name}
        _finish(case, "give_opinion", actor, membership, from_state, change)
        if case.state == S.UNDER_REVIEW:
            _enter_step(case, actor, membership)
    return case


def case_suspend(*, case_id: int, actor, reason: str) -> Case:
    """Start a special procedure (hearing, inspection, expert review; Art. 45): the clock stops."""
    reason = _require(reason, _("Name the special procedure and why it is needed."))
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "suspend", actor)
        from_state, case.state = case.state, rule.target
        change = _Change(comment=reason)
        _stop_clock(case, change)
        change.tell_applicant = "case.suspended"
        _finish(case, "suspend", actor, membership, from_state, change)
    return case


def case_resume(*, case_id: int, actor, comment: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "resume", actor)
        from_state, case.state = case.state, rule.target
        change = _Change(comment=comment)
        _restart_clock(case, change)
        _finish(case, "resume", actor, membership, from_state, change)
    return case


def case_request_extension(*, case_id: int, actor, days: int, reason: str) -> ExtensionRequest:
    reason = _require(reason, _("Give the reason for the extension."))
    if not 1 <= days <= 60:
        raise WorkflowError(_("An extension is 1 to 60 working days."))
    with transaction.atomic():
        case = _lock(case_id)
        _rule, membership = _check(case, "request_extension", actor)
        if case.extension_requests.filter(approved__isnull=True).exists():
            raise WorkflowError(_("An extension request is already waiting for a decision."))
        extension = ExtensionRequest.objects.create(case=case, days=days, reason=reason, requested_by=actor)
        change = _Change(comment=f"+{days}：{reason}")
        _finish(case, "request_extension", actor, membership, case.state, change)
    return extension


def case_extend(*, case_id: int, actor, approve: bool, comment: str = "") -> Case:
    """A reviewer decides the waiting extension request; approved days move the due date."""
    with transaction.atomic():
        case = _lock(case_id)
        _rule, membership = _check(case, "extend", actor)
        extension = case.extension_requests.select_for_update().filter(approved__isnull=True).first()
        if extension is None:
            raise WorkflowError(_("No extension request is waiting."))
        extension.approved, extension.decided_by, extension.decided_at = approve, actor, timezone.now()
        extension.save(update_fields=["approved", "decided_by", "decided_at"])
        change = _Change(comment=comment)
        if approve:
            case.extended_days += extension.days
            change.fields.append("extended_days")
            if case.due_date is not None:
                case.due_date = calendar_selectors.add_working_days(case.due_date, extension.days)
                case.is_overdue = case.due_date < today()
                change.fields += ["due_date", "is_overdue"]
            else:
                case.paused_remaining_days = (case.paused_remaining_days or 0) + extension.days
                case.is_overdue = case.paused_remaining_days < 0
                change.fields += ["paused_remaining_days", "is_overdue"]
            change.tell_applicant, change.context = "case.extended", {"days": extension.days}
        _finish(case, "extend" if approve else "extension_refused", actor, membership, case.state, change)
    return case


# --- decision and completion ---------------------------------------------------------------


def _decide(case_id: int, actor, action: str, result: str, reason: str) -> Case:
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, action, actor)
        if case.current_step < len(_steps(case)):
            raise WorkflowError(_("Finish every configured review step before deciding."))
        from_state, case.state = case.state, rule.target
        case.result, case.decision_reason, case.decided_at = result, reason, timezone.now()
        change = _Change(comment=reason, fields=["result", "decision_reason", "decided_at"])
        change.tell_applicant, change.context = "case.decided", {"approved": result == Case.Result.APPROVED}
        _finish(case, action, actor, membership, from_state, change)
    return case


def case_approve(*, case_id: int, actor, comment: str = "") -> Case:
    return _decide(case_id, actor, "approve", Case.Result.APPROVED, comment)


def case_deny(*, case_id: int, actor, reason: str) -> Case:
    """Deny (不予许可) with the legal reason, which the applicant is told."""
    return _decide(
        case_id, actor, "deny", Case.Result.DENIED, _require(reason, _("Give the legal reason for denying."))
    )


def case_complete(*, case_id: int, actor, comment: str = "") -> Case:
    """Complete (办结): the clock stops for good; whether it was on time is kept."""
    with transaction.atomic():
        case = _lock(case_id)
        rule, membership = _check(case, "complete", actor)
        from_state, case.state = case.state, rule.target
        case.completed_at = timezone.now()
        case.working_days_used = max(0, _working_days_used(case))
        case.is_overdue = case.working_days_used > _total_limit(case)
        change = _Change(comment=comment, fields=["completed_at", "working_days_used", "is_overdue"])
        change.tell_applicant = "case.completed"
        licence = licence_issue_for_case(case=case)
        if licence is not None:
            change.tell_applicant = "licence.issued"
            change.context = {
                "type": licence.licence_type.name,
                "number": licence.number,
                "valid_until": licence.valid_until.isoformat() if licence.valid_until else "—",
                "verification_code": licence.verification_code,
            }
        _finish(case, "complete", actor, membership, from_state, change)
    return case


# --- assignment ----------------------------------------------------------------------------


def case_assign(*, case_id: int, actor, assignee) -> Case:
    """Claim a case (``assignee`` is the actor) or give it to a colleague of the same department."""
    with transaction.atomic():
        case = _lock(case_id)
        if not access.may_act(actor, case.department_id, TRANSITIONS["accept"].roles):
            raise WorkflowError(_("Only staff of the handling department can assign its cases."))
        if not access.may_act(assignee, case.department_id, TRANSITIONS["accept"].roles):
            raise WorkflowError(_("The assignee does not work in the handling department."))
        if assignee != actor and hasattr(assignee, "business_system"):
            raise WorkflowError(_("A business system's account takes cases only through the data exchange."))
        if case.state not in {S.SUBMITTED, S.TRANSFERRED, S.ACCEPTED, S.UNDER_REVIEW, S.CO_REVIEW, S.SUSPENDED,
                              S.SUPPLEMENT, S.APPROVED, S.DENIED}:  # fmt: skip
            raise WorkflowError(_("A closed case cannot be assigned."))
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to", "updated_at"])
        event = CaseEvent.objects.create(
            case=case,
            action="assign",
            from_state=case.state,
            to_state=case.state,
            actor=actor,
            actor_department=case.department,
            department_id=case.department_id,
            comment=assignee.get_full_name(),
        )
        _audit(case, event)
    return case


# --- deadlines -----------------------------------------------------------------------------


def case_mark_overdue(*, batch_size: int = 1000) -> dict:
    """Flag running cases past their due date and warn about near-due ones; return counts.

    Warnings go to the assigned clerk (or the department's staff) once per case and day.
    """
    day = today()
    calendar = calendar_selectors.working_calendar(day, day + datetime.timedelta(days=30))
    near = calendar.add(day, 2)
    running = Case.objects.filter(state__in=CLOCK_RUNNING, due_date__isnull=False)
    newly = list(running.filter(due_date__lt=day, is_overdue=False).values_list("pk", flat=True)[:batch_size])
    Case.objects.filter(pk__in=newly).update(is_overdue=True, updated_at=timezone.now())
    warned = 0
    for case in running.filter(due_date__lte=near).select_related("assigned_to", "department", "implementation")[
        :batch_size
    ]:
        overdue = case.due_date < day
        recipients = {
            m.user_id: m.user
            for m in access.department_staff(case.department_id, [StaffMembership.Role.DEPARTMENT_ADMIN])
        }
        if case.assigned_to_id:
            recipients[case.assigned_to_id] = case.assigned_to
        context = {
            "code": case.supervision_code,
            "item": case.implementation.name,
            "department": case.department.name,
            "date": case.due_date.isoformat(),
        }
        for recipient in recipients.values():
            notify(
                "deadline.overdue" if overdue else "deadline.near_due",
                recipient=recipient,
                context=context,
                link=case.get_absolute_url(),
                event_key=f"case:{case.pk}:deadline:{day.isoformat()}",
            )
        if not recipients:  # nobody assigned and no head: the department inbox
            notify(
                "deadline.overdue" if overdue else "deadline.near_due",
                department=case.department,
                context=context,
                link=case.get_absolute_url(),
                event_key=f"case:{case.pk}:deadline:{day.isoformat()}",
            )
        warned += 1
    return {"overdue": len(newly), "warned": warned}


# Timeline actions that stop and restart the clock (see ``_stop_clock`` and ``_restart_clock``).
_PAUSING, _RESUMING = {"request_supplement", "suspend"}, {"supplement", "resume"}


def _clock_history(events, calendar) -> tuple[int, datetime.date | None]:
    """Replay a case's timeline since its acceptance: return (working days stopped, day of the open stop).

    ``events`` are the case's acceptance, pause and resume events in order (prefetched);
    ``calendar`` a ``WorkingCalendar``. The days stopped are the working days of each closed pause,
    counted on today's calendar; the open stop is the day the clock stopped if it is stopped now.
    """
    accepted = [i for i, event in enumerate(events) if event.action == "accept"]
    stopped, since = 0, None
    for event in events[accepted[-1] + 1 :] if accepted else events:
        day = timezone.localtime(event.created_at).date()
        if event.action in _PAUSING and event.from_state in CLOCK_RUNNING and since is None:
            since = day
        elif event.action in _RESUMING and event.to_state in CLOCK_RUNNING and since is not None:
            stopped += calendar.between(since, day)
            since = None
    return stopped, since


def case_recompute_due_dates(*, year: int) -> int:
    """Recompute open cases' deadlines after the calendar of ``year`` changed; return how many changed.

    Method: every deadline is re-derived from the case's history on today's calendar. The clock
    has run for the working days from the day of acceptance, less the working days of each
    pause (replayed from the timeline: a supplement request or special procedure stops it, the
    supplement or the end of the procedure restarts it); the case has the limit in force at
    acceptance plus its approved extensions. So, with K = limit + extensions + days paused:

    - a running case is due K working days after its acceptance day;
    - a stopped case has K less the working days from acceptance to the day it stopped left
      (negative when it stopped late), which corrects a rest counted across the unknown year.

    Working days add up (each is a difference of one count of working days), so this equals
    replaying every pause and extension one by one. A due date that moves is written on the
    timeline and told to the applicant.
    """
    changed = 0
    day = today()
    with transaction.atomic():
        running = Q(state__in=CLOCK_RUNNING, due_date__year__gte=year)
        stopped = Q(due_date__isnull=True, paused_remaining_days__isnull=False) & ~Q(
            state__in=[S.COMPLETED, S.WITHDRAWN]
        )
        clock = CaseEvent.objects.filter(action__in={"accept"} | _PAUSING | _RESUMING).order_by("created_at", "id")
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(running | stopped, accepted_at__isnull=False)
            .select_related("implementation", "department", "applicant")
            .prefetch_related(Prefetch("events", queryset=clock, to_attr="clock_events"))
        )
        if not cases:
            return 0
        # One read of the calendar for the whole batch (it reads more by itself if a date falls outside).
        first = min(timezone.localtime(case.accepted_at).date() for case in cases)
        calendar = calendar_selectors.working_calendar(first, day + datetime.timedelta(days=366))
        for case in cases:
            accepted = timezone.localtime(case.accepted_at).date()
            paused, since = _clock_history(case.clock_events, calendar)
            total = _total_limit(case) + paused
            change = _Change(fields=[])
            if case.due_date is not None and case.state in CLOCK_RUNNING:
                due = calendar.add(accepted, total)
                if calendar.signed(case.due_date, due) == 0:
                    continue  # the same working day (or the same run of days off)
                change.comment = _("Due date recomputed on the official holidays of %(year)s: %(old)s → %(new)s.") % {
                    "year": year,
                    "old": case.due_date.isoformat(),
                    "new": due.isoformat(),
                }
                change.tell_applicant = "case.due_date_changed"
                change.context = {"date": due.isoformat(), "previous": case.due_date.isoformat()}
                case.due_date, case.is_overdue = due, due < day
                change.fields += ["due_date", "is_overdue"]
            elif since is not None:
                remaining = total - calendar.signed(accepted, since)
                if remaining == case.paused_remaining_days:
                    continue
                change.comment = _(
                    "Working days left recomputed on the official holidays of %(year)s: %(old)s → %(new)s."
                ) % {"year": year, "old": case.paused_remaining_days, "new": remaining}
                case.paused_remaining_days, case.is_overdue = remaining, remaining < 0
                change.fields += ["paused_remaining_days", "is_overdue"]
            else:
                continue
            case.save(update_fields=[*change.fields, "updated_at"])
            event = CaseEvent.objects.create(
                case=case, action="recompute_due_date", from_state=case.state, to_state=case.state,
                department_id=case.department_id, comment=change.comment,
            )  # fmt: skip
            _notify(case, event, change)
            changed += 1
    return changed


# --- stored files --------------------------------------------------------------------------

# A file younger than this may belong to a submission still in its transaction: never removed.
UNREFERENCED_FILE_MIN_AGE = datetime.timedelta(days=1)


def _stored_case_files(storage, path: str = CASE_FILES_DIR):
    """Yield the name of every file under ``path`` of ``storage``, folder by folder."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for directory in directories:
        yield from _stored_case_files(storage, f"{path}/{directory}")


def case_files_purge_unreferenced(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Delete case files in the private storage that no material row names and that are over a day old.

    Such files are left by a process that died between storing a file and committing its row
    (a failed submission deletes its own files, see ``uploads.kept_only_if_saved``). Return how
    many were removed.
    """
    storage = private_storage()
    cutoff = (now or timezone.now()) - UNREFERENCED_FILE_MIN_AGE
    removed, batch = 0, []

    def purge(names: list[str]) -> int:
        referenced = set(CaseMaterial.objects.filter(file__in=names).values_list("file", flat=True))
        unreferenced = [name for name in names if name not in referenced]
        for name in unreferenced:
            storage.delete(name)
        return len(unreferenced)

    for name in _stored_case_files(storage):
        if storage.get_modified_time(name) < cutoff:
            batch.append(name)
        if len(batch) >= batch_size:
            removed, batch = removed + purge(batch), []
    if batch:
        removed += purge(batch)
    return removed
