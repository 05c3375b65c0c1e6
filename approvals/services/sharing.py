"""Once-only data sharing (数据共享): the one door through which departments read a citizen's records.

A department reads an applicant's licences and earlier materials only through
``shared_licences_for_case`` and ``shared_materials_for_case``. Each checks that the reader
handles (or was asked to review) an open case of that citizen whose implementation needs
such records, and writes one ``SharingLog`` row per item read, in the same transaction.
A window receiving an application for the applicant sees the offers of the apply form only
through ``window_offers``, which logs each one (no case exists yet, so the row names none).
The applicant's own use of their records (the apply form's offers) needs no log.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from approvals.models import Case, CaseMaterial, Implementation, Licence, Material, SharingLog
from approvals.workflow import FINAL_STATES
from departments.models import StaffMembership


class SharingRefused(Exception):
    """The reader has no case of this citizen that needs the data; nothing was read or logged."""


def _reading_membership(*, actor, case: Case) -> StaffMembership:
    if case.state in FINAL_STATES or case.state == Case.State.DRAFT:
        raise SharingRefused(_("The case is not open: its applicant's records cannot be read for it."))
    departments = {
        case.department_id,
        *case.co_reviews.filter(answered_at__isnull=True).values_list("department_id", flat=True),
    }
    membership = (
        StaffMembership.objects.filter(user=actor, department_id__in=departments, is_active=True)
        .exclude(role=StaffMembership.Role.SUPERVISOR)
        .select_related("department")
        .first()
    )
    if membership is None:
        raise SharingRefused(_("Your department handles no open case of this applicant that needs these records."))
    return membership


def shared_licences_for_case(*, actor, case: Case, purpose: str) -> list[Licence]:
    """Return the applicant's licences that the case's materials accept, logging each read."""
    with transaction.atomic():
        membership = _reading_membership(actor=actor, case=case)
        types = Material.objects.filter(implementation_id=case.implementation_id, licence_type__isnull=False).values(
            "licence_type_id"
        )
        licences = list(
            Licence.objects.filter(holder_id=case.applicant_id, licence_type_id__in=types).select_related(
                "licence_type", "issuing_department"
            )
        )
        SharingLog.objects.bulk_create(
            [
                SharingLog(
                    actor=actor, department=membership.department, subject_id=case.applicant_id,
                    what=SharingLog.What.LICENCE, object_id=licence.pk,
                    description=f"{licence.licence_type.name} {licence.number}", case=case, purpose=purpose[:200],
                )
                for licence in licences
            ]
        )  # fmt: skip
    return licences


def shared_materials_for_case(*, actor, case: Case, purpose: str) -> list[CaseMaterial]:
    """Return materials from the applicant's other cases that match this case's materials, logging each read."""
    with transaction.atomic():
        membership = _reading_membership(actor=actor, case=case)
        names = list(Material.objects.filter(implementation_id=case.implementation_id).values_list("name", flat=True))
        rows = list(
            CaseMaterial.objects.filter(case__applicant_id=case.applicant_id, material__name__in=names, replaced=False)
            .exclude(case=case)
            .exclude(file="")
            .select_related("material", "case")
            .order_by("-uploaded_at")
        )
        SharingLog.objects.bulk_create(
            [
                SharingLog(
                    actor=actor, department=membership.department, subject_id=case.applicant_id,
                    what=SharingLog.What.MATERIAL, object_id=row.pk,
                    description=f"{row.material.name} ({row.case.supervision_code})", case=case, purpose=purpose[:200],
                )
                for row in rows
            ]
        )  # fmt: skip
    return rows


def shared_material_get(*, actor, case: Case, material_id: int, purpose: str) -> CaseMaterial:
    """Return one earlier material of the case's applicant for download, logging the read."""
    with transaction.atomic():
        membership = _reading_membership(actor=actor, case=case)
        names = Material.objects.filter(implementation_id=case.implementation_id).values("name")
        row = (
            CaseMaterial.objects.filter(
                pk=material_id, case__applicant_id=case.applicant_id, material__name__in=names, replaced=False
            )
            .exclude(file="")
            .select_related("material", "case")
            .first()
        )
        if row is None:
            raise SharingRefused(_("This material is not one this case needs."))
        SharingLog.objects.create(
            actor=actor, department=membership.department, subject_id=case.applicant_id, what=SharingLog.What.MATERIAL,
            object_id=row.pk, description=f"{row.material.name} ({row.case.supervision_code})", case=case,
            purpose=purpose[:200],
        )  # fmt: skip
    return row


# --- the applicant's own records, offered on the apply form ---------------------------------


@dataclass(frozen=True)
class Offer:
    """Something the government already holds that can stand in for a material."""

    material_id: int
    kind: str  # "licence" or "library"
    licence: Licence | None = None
    case_material: CaseMaterial | None = None

    @property
    def what(self) -> str:
        return SharingLog.What.LICENCE if self.licence is not None else SharingLog.What.MATERIAL

    @property
    def object_id(self) -> int:
        return self.licence.pk if self.licence is not None else self.case_material.pk

    @property
    def label(self) -> str:
        if self.licence is not None:
            return f"{self.licence.licence_type.name} {self.licence.number}"
        return f"{self.case_material.original_name} ({self.case_material.case.supervision_code})"


def material_offers(*, applicant, implementation: Implementation) -> dict[int, Offer]:
    """Return, per material of ``implementation``, a valid licence or an earlier upload that can fill it.

    Three queries whatever the number of materials: the materials, the applicant's licences
    of the needed types, the applicant's earlier uploads with the same material names.
    """
    if not applicant.is_authenticated:
        return {}
    materials = list(Material.objects.filter(implementation=implementation))
    type_ids = {m.licence_type_id for m in materials if m.licence_type_id}
    licences: dict[int, Licence] = {}
    if type_ids:
        for licence in (
            Licence.objects.filter(holder=applicant, licence_type_id__in=type_ids, revoked_at__isnull=True)
            .select_related("licence_type")
            .order_by("-issued_on", "-pk")
        ):
            if licence.status == Licence.Status.VALID:
                licences.setdefault(licence.licence_type_id, licence)
    earlier: dict[str, CaseMaterial] = {}
    names = [m.name for m in materials]
    for row in (
        CaseMaterial.objects.filter(
            case__applicant=applicant, material__name__in=names, replaced=False, source="upload"
        )
        .filter(~Q(file=""), ~Q(case__state=Case.State.DRAFT))
        .select_related("material", "case")
        .order_by("-uploaded_at", "-pk")
    ):
        earlier.setdefault(row.material.name, row)
    offers = {}
    for material in materials:
        if material.licence_type_id in licences:
            offers[material.pk] = Offer(material.pk, "licence", licence=licences[material.licence_type_id])
        elif material.name in earlier:
            offers[material.pk] = Offer(material.pk, "library", case_material=earlier[material.name])
    return offers


def window_offers(*, actor, window, applicant, implementation: Implementation, purpose: str) -> dict[int, Offer]:
    """Return ``material_offers`` for a clerk receiving at ``window``, logging each licence and material shown."""
    with transaction.atomic():
        membership = (
            StaffMembership.objects.filter(user=actor, department=window, is_active=True, department__is_active=True)
            .exclude(role=StaffMembership.Role.SUPERVISOR)
            .first()
        )
        if membership is None:
            raise SharingRefused(_("You do not work at this window."))
        offers = material_offers(applicant=applicant, implementation=implementation)
        SharingLog.objects.bulk_create(
            [
                SharingLog(
                    actor=actor, department=window, subject=applicant, what=offer.what, object_id=offer.object_id,
                    description=offer.label[:200], purpose=purpose[:200],
                )
                for offer in offers.values()
            ]
        )  # fmt: skip
    return offers


def prefill(*, applicant, fields, from_licences: bool = True) -> dict[str, str]:
    """Return initial answers for form fields the profile or (with ``from_licences``) a licence already knows."""
    if not applicant.is_authenticated:
        return {}
    known = {
        "name": applicant.real_name,
        "applicant_name": applicant.real_name,
        "contact_name": applicant.real_name,
        "enterprise_name": applicant.real_name if applicant.kind == "enterprise" else "",
        "phone": applicant.mobile or "",
        "mobile": applicant.mobile or "",
        "contact_phone": applicant.mobile or "",
        "email": applicant.email,
    }
    licences = Licence.objects.filter(holder=applicant, revoked_at__isnull=True)
    for licence in licences.order_by("issued_on") if from_licences else []:
        for key, value in (licence.data or {}).items():
            if value:
                known[key] = value
    return {f.name: known[f.name] for f in fields if known.get(f.name)}
