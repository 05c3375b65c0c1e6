"""Once-only data sharing (数据共享): the one door through which departments read a citizen's records.

A department reads an applicant's licences and earlier materials only through
``shared_licences_for_case`` and ``shared_materials_for_case``. Each checks that the reader
handles (or was asked to review) an open case of that citizen whose implementation needs
such records, and writes one ``SharingLog`` row per item read, in the same transaction.
A window receiving an application for the applicant sees the offers of the apply form only
through ``window_offers``, which logs each one (no case exists yet, so the row names none).
The applicant's own use of their records (the apply form's offers) needs no log.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from approvals.models import Case, CaseMaterial, Implementation, Licence, Material, SharingLog
from approvals.selectors import sharing as sharing_selectors
from approvals.workflow import FINAL_STATES
from departments import access
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
        access.posts(user=actor, roles=access.CASE_ROLES)
        .filter(department_id__in=departments)
        .select_related("department")
        .first()
    )
    if membership is None:
        raise SharingRefused(_("Your department handles no open case of this applicant that needs these records."))
    return membership


def _licence_read(licence: Licence) -> tuple[str, int, str]:
    return SharingLog.What.LICENCE, licence.pk, f"{licence.licence_type.name} {licence.number}"


def _material_read(row: CaseMaterial) -> tuple[str, int, str]:
    return SharingLog.What.MATERIAL, row.pk, f"{row.material.name} ({row.case.supervision_code})"


def _log_reads(membership, case: Case, purpose: str, reads: list[tuple[str, int, str]]) -> None:
    """Write one ``SharingLog`` row per (what, object id, description) read for ``case``."""
    SharingLog.objects.bulk_create(
        SharingLog(
            actor_id=membership.user_id, department=membership.department, subject_id=case.applicant_id,
            what=what, object_id=object_id, description=description[:200], case=case, purpose=purpose[:200],
        )
        for what, object_id, description in reads
    )  # fmt: skip


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
        _log_reads(membership, case, purpose, [_licence_read(licence) for licence in licences])
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
        _log_reads(membership, case, purpose, [_material_read(row) for row in rows])
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
        _log_reads(membership, case, purpose, [_material_read(row)])
    return row


# --- the applicant's own records, offered on the apply form ---------------------------------


def window_offers(
    *, actor, window, applicant, implementation: Implementation, purpose: str
) -> dict[int, sharing_selectors.Offer]:
    """Return ``material_offers`` for a clerk receiving at ``window``, logging each licence and material shown."""
    with transaction.atomic():
        membership = access.post_for(actor, window.pk)
        if membership is None:
            raise SharingRefused(_("You do not work at this window."))
        offers = sharing_selectors.material_offers(applicant=applicant, implementation=implementation)
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
