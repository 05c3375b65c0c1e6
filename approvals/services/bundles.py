"""Bundles (一件事一次办): publishing, applying once for a whole life event, and reading its progress.

``bundle_submit`` takes one combined form and one set of uploads and, in one transaction,
issues the application's own supervision code and fans out into one ordinary case per
part through ``case_save_application`` (so every part gets its own code, its department's
queue, timeline and notifications). If any part is refused, nothing is kept.

The reads of bundles live here too (there is no bundle selectors module): the published
list, the combined form's fields and materials, an application with its cases, and the
aggregate state shown to the applicant.
"""

import copy
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from approvals import uploads
from approvals.codes import SUPERVISION_CODE_RE
from approvals.models import Bundle, BundleApplication, BundlePart, Case, FormField, Material, Status
from approvals.selectors.cases import Access, access_for
from approvals.services.cases import MaterialAnswer, WorkflowError, _issue_code, case_save_application
from approvals.workflow import FINAL_STATES

S = Case.State
MIN_PARTS = 2


# --- publishing ----------------------------------------------------------------------------


def _parts(bundle_id: int) -> list[BundlePart]:
    return list(
        BundlePart.objects.filter(bundle_id=bundle_id)
        .select_related("implementation__department", "implementation__region", "implementation__item")
        .order_by("order", "id")
    )


def _unpublished(parts: list[BundlePart]) -> list[str]:
    return [part.implementation.name for part in parts if part.implementation.status != Status.PUBLISHED]


def bundle_publish(*, bundle: Bundle) -> Bundle:
    """Publish a bundle: it needs at least two parts, every one of them a published implementation."""
    with transaction.atomic():
        bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
        if bundle.status == Status.PUBLISHED:
            return bundle
        parts = _parts(bundle.pk)
        if len(parts) < MIN_PARTS:
            raise ValidationError(_("%(name)s needs at least two parts before publishing.") % {"name": bundle})
        unpublished = _unpublished(parts)
        if unpublished:
            raise ValidationError(
                _("%(name)s has parts that are not published: %(parts)s.")
                % {"name": bundle, "parts": "、".join(unpublished)}
            )
        bundle.status = Status.PUBLISHED
        bundle.save(update_fields=["status"])
    return bundle


def bundle_retire(*, bundle: Bundle) -> Bundle:
    """Retire a bundle: no new applications; the cases already made carry on."""
    with transaction.atomic():
        bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
        if bundle.status != Status.RETIRED:
            bundle.status = Status.RETIRED
            bundle.save(update_fields=["status"])
    return bundle


# --- the combined form ---------------------------------------------------------------------


@dataclass
class CombinedMaterial:
    """One material name asked by one or more parts; one upload serves them all."""

    name: str
    required: bool
    materials: list[Material] = field(default_factory=list)

    @property
    def implementations(self) -> list:
        return [material.implementation for material in self.materials]


def bundle_parts_for_form(*, bundle: Bundle) -> list[BundlePart]:
    """Return the parts with their implementations, form fields and materials (three queries)."""
    return list(
        BundlePart.objects.filter(bundle=bundle)
        .select_related("implementation__department", "implementation__region")
        .prefetch_related(
            Prefetch("implementation__form_fields", queryset=FormField.objects.order_by("sort_order", "id")),
            Prefetch(
                "implementation__materials",
                queryset=Material.objects.select_related("implementation").order_by("sort_order", "id"),
            ),
        )
        .order_by("order", "id")
    )


def combined_fields(parts: list[BundlePart]) -> list[FormField]:
    """Return one definition per field ``name``, in part order; required if any part requires it."""
    by_name: dict[str, FormField] = {}
    for part in parts:
        for definition in part.implementation.form_fields.all():
            first = by_name.setdefault(definition.name, definition)
            if definition.required and not first.required:
                # A copy, so the part's own definition stays as the admin made it.
                by_name[definition.name] = copy.copy(first)
                by_name[definition.name].required = True
    return list(by_name.values())


def combined_materials(parts: list[BundlePart]) -> list[CombinedMaterial]:
    """Return one entry per material name, in part order; required if any part requires it."""
    by_name: dict[str, CombinedMaterial] = {}
    for part in parts:
        for material in part.implementation.materials.all():
            entry = by_name.setdefault(material.name, CombinedMaterial(name=material.name, required=False))
            entry.materials.append(material)
            entry.required = entry.required or material.required
    return list(by_name.values())


# --- applying ------------------------------------------------------------------------------


def part_token(token, part: BundlePart) -> uuid.UUID:
    """Return the case token of one part: derived, so a repeated post finds the same cases."""
    return uuid.uuid5(uuid.UUID(str(token)), f"bundle-part-{part.pk}")


def _upload_of(answer):
    """Return the upload of an answer given as a file or as a ``MaterialAnswer``-like object."""
    return getattr(answer, "upload", answer)


def _copies(answers: dict) -> dict[str, bytes]:
    """Check each combined upload once and keep its bytes, so every part stores its own copy.

    One ``UploadedFile`` cannot be handed to several cases: a temporary file on disk is
    moved, not copied, into storage by the first. Each file is at most ``UPLOAD_MAX_BYTES``.
    """
    contents = {}
    for name, answer in answers.items():
        upload = _upload_of(answer)
        if upload is None:
            continue
        uploads.check(upload)
        upload.seek(0)
        contents[name] = (upload.name, upload.read(), getattr(upload, "content_type", "") or "")
        upload.seek(0)
    return contents


def _part_answers(material_list, answers: dict, contents: dict) -> list[MaterialAnswer]:
    result = []
    for material in material_list:
        answer = answers.get(material.name)
        if answer is None:
            continue
        if material.name in contents:
            name, data, content_type = contents[material.name]
            result.append(MaterialAnswer(material=material, upload=SimpleUploadedFile(name, data, content_type)))
        elif getattr(answer, "commitment", False) and material.commitment_allowed:
            result.append(MaterialAnswer(material=material, commitment=True))
        elif getattr(answer, "later", False) and material.may_be_missing:
            result.append(MaterialAnswer(material=material, later=True))
    return result


def bundle_submit(*, applicant, bundle: Bundle, token, form_data: dict, answers: dict) -> BundleApplication:
    """Apply for every part of a published bundle at once; one application per ``token``, however often posted.

    ``form_data`` holds the combined answers by field name; each part's case gets the
    answers to its own fields. ``answers`` maps a material name to its upload (or to a
    ``MaterialAnswer``-like object with ``upload``, ``commitment``, ``later``); every part
    asking for a material of that name gets its own stored copy. A ``WorkflowError`` or
    ``ValidationError`` from any part rolls everything back, files stored for earlier parts
    included, and is raised.
    """
    try:
        with uploads.kept_only_if_saved(), transaction.atomic():
            application = BundleApplication.objects.select_for_update().filter(submission_token=token).first()
            if application is not None:
                if application.applicant_id != applicant.pk or application.bundle_id != bundle.pk:
                    raise WorkflowError(_("This form belongs to another application."))
                return application  # the same form posted again: the first post made everything
            bundle = Bundle.objects.get(pk=bundle.pk)
            parts = bundle_parts_for_form(bundle=bundle)
            if bundle.status != Status.PUBLISHED or len(parts) < MIN_PARTS:
                raise WorkflowError(_("This life event is not open for applications."))
            unpublished = _unpublished(parts)
            if unpublished:
                raise WorkflowError(
                    _("These items are not open for applications now: %(names)s.") % {"names": "、".join(unpublished)}
                )
            contents = _copies(answers)
            application = BundleApplication.objects.create(
                bundle=bundle,
                applicant=applicant,
                code=_issue_code(parts[0].implementation.region.code),
                submission_token=token,
                form_data=form_data,
            )
            for part in parts:
                implementation = part.implementation
                names = {definition.name for definition in implementation.form_fields.all()}
                case = case_save_application(
                    applicant=applicant,
                    implementation=implementation,
                    token=part_token(token, part),
                    form_data={key: value for key, value in form_data.items() if key in names},
                    answers=_part_answers(implementation.materials.all(), answers, contents),
                    submit=True,
                )
                # The one direct write to a case outside the workflow services: linking it to its
                # bundle changes no state, and it happens in this transaction, right after the
                # case was made, so the case and the link commit or roll back together.
                Case.objects.filter(pk=case.pk).update(bundle_application=application)
            return application
    except IntegrityError:
        # Two posts of a new form raced to create the application: the other one won.
        application = BundleApplication.objects.filter(submission_token=token, applicant=applicant).first()
        if application is None:
            raise
        return application


# --- reads ---------------------------------------------------------------------------------


def bundle_list_published() -> QuerySet[Bundle]:
    """Return the published bundles with their parts and departments (two queries)."""
    return Bundle.objects.filter(status=Status.PUBLISHED).prefetch_related(
        Prefetch(
            "parts",
            queryset=BundlePart.objects.select_related("implementation__department").order_by("order", "id"),
        )
    )


def bundle_get_published(*, slug: str) -> Bundle | None:
    return Bundle.objects.filter(slug=slug, status=Status.PUBLISHED).first()


def _with_cases() -> QuerySet[BundleApplication]:
    return BundleApplication.objects.select_related("bundle", "applicant").prefetch_related(
        Prefetch(
            "cases",
            queryset=Case.objects.select_related("implementation", "department", "receiving_department").order_by("pk"),
        )
    )


def bundle_application_get_for_user(
    *, user, application_id: int, access: Access | None = None
) -> BundleApplication | None:
    """Return the application with its cases if ``user`` may see it: the applicant, supervisors, and
    staff of a department handling (or having received) one of its cases; None otherwise."""
    application = _with_cases().filter(pk=application_id).first()
    if application is None:
        return None
    if application.applicant_id == user.pk:
        return application
    access = access or access_for(user)
    if access.supervisor:
        return application
    mine = set(access.department_ids)
    if any({case.department_id, case.receiving_department_id} & mine for case in application.cases.all()):
        return application
    return None


def bundle_application_list_for_applicant(*, user) -> list[BundleApplication]:
    """Return the applicant's bundle applications, newest first, each with ``.progress`` (for My hall)."""
    applications = list(_with_cases().filter(applicant=user))
    for application in applications:
        application.progress = bundle_state(application)
    return applications


def bundle_track(*, code: str, mobile_last4: str) -> BundleApplication | None:
    """Return the bundle application for a code and the last 4 digits of its applicant's mobile, or None.

    The same rule as ``case_track``: a wrong pair and an unknown code give the same None.
    """
    code = (code or "").strip().upper()
    if not SUPERVISION_CODE_RE.match(code) or not (mobile_last4.isdigit() and len(mobile_last4) == 4):
        return None
    application = _with_cases().filter(code=code).first()
    if application is None or not (application.applicant.mobile or "").endswith(mobile_last4):
        return None
    application.progress = bundle_state(application)
    return application


def _problem(case: Case) -> str:
    """Return why a part cannot be granted ("" if it still can)."""
    if case.state == S.REFUSED:
        return "refused"
    if case.result == Case.Result.DENIED:
        return "denied"
    if case.state == S.WITHDRAWN:
        return "withdrawn"
    return ""


def bundle_state(application: BundleApplication) -> dict:
    """Return each part's case with its state and the whole application's state.

    ``state`` is ``completed`` when every part is completed with approval, ``refused`` when a
    part was refused at acceptance or denied (those parts are in ``problems`` with their
    legal reason), ``closed`` when every part is over without that (a part was withdrawn),
    and ``in_progress`` otherwise. ``done`` counts the parts that are over (办结, refused or
    withdrawn). Uses the cases already loaded on ``application`` (no query if prefetched).
    """
    # Cases were made in part order; sorting here keeps the order whether or not they were prefetched.
    cases = sorted(application.cases.all(), key=lambda case: case.pk)
    parts = []
    for case in cases:
        problem = _problem(case)
        parts.append(
            {
                "case": case,
                "state": case.state,
                "department": case.department,
                "problem": problem,
                "reason": case.decision_reason if problem in {"refused", "denied"} else "",
                "done": case.state in FINAL_STATES,
            }
        )
    problems = [part for part in parts if part["problem"] in {"refused", "denied"}]
    done = sum(1 for part in parts if part["done"])
    if cases and all(case.state == S.COMPLETED and case.result == Case.Result.APPROVED for case in cases):
        state = "completed"
    elif problems:
        state = "refused"
    elif cases and done == len(cases):
        state = "closed"
    else:
        state = "in_progress"
    return {"parts": parts, "state": state, "problems": problems, "done": done, "total": len(cases)}
