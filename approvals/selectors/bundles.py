"""Reads of bundles (一件事一次办): the published list, the combined form, and an application's progress.

The combined form asks each field and each material once, however many parts ask for it:
``combined_fields`` and ``combined_materials`` fold the parts' definitions by name.
``bundle_state`` is the aggregate state the applicant and the desk are shown.
"""

import copy
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from approvals.codes import SUPERVISION_CODE_RE
from approvals.models import Bundle, BundleApplication, BundlePart, Case, FormField, Material, Status
from approvals.selectors.cases import Access, access_for
from approvals.workflow import FINAL_STATES

S = Case.State


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


# --- applications and their progress -------------------------------------------------------


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
