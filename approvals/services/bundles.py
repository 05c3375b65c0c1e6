"""Bundles (一件事一次办): publishing, applying once for a whole life event, and reading its progress.

``bundle_submit`` takes one combined form and one set of uploads and, in one transaction,
issues the application's own supervision code and fans out into one ordinary case per
part through ``case_save_application`` (so every part gets its own code, its department's
queue, timeline and notifications). If any part is refused, nothing is kept.

The reads (the published list, the combined form, an application's progress) are in
``approvals.selectors.bundles``.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from approvals import uploads
from approvals.models import Bundle, BundleApplication, BundlePart, Case, Status
from approvals.selectors import bundles as bundle_selectors
from approvals.services.cases import MaterialAnswer, WorkflowError, _issue_code, case_save_application
from portal import audit

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


def bundle_publish(*, bundle: Bundle, actor=None) -> Bundle:
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
        audit.record("bundle.publish", actor=actor, obj=bundle)
    return bundle


def bundle_retire(*, bundle: Bundle, actor=None) -> Bundle:
    """Retire a bundle: no new applications; the cases already made carry on."""
    with transaction.atomic():
        bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
        if bundle.status != Status.RETIRED:
            bundle.status = Status.RETIRED
            bundle.save(update_fields=["status"])
            audit.record("bundle.retire", actor=actor, obj=bundle)
    return bundle


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
            parts = bundle_selectors.bundle_parts_for_form(bundle=bundle)
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
