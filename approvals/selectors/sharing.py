"""Reads of what the government already holds about an applicant, and who read it.

``material_offers`` and ``prefill`` read the applicant's own records for the applicant (nothing
is logged: a person reading their own data). A member of staff reads someone else's through
the services in ``approvals.services.sharing``, which log every read in ``SharingLog``;
``sharing_log_for_subject`` shows that log to the person it is about.
"""

from dataclasses import dataclass

from django.db.models import Q

from approvals.models import Case, CaseMaterial, Implementation, Licence, Material, SharingLog


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


def upload_plan(*, applicant, implementation: Implementation) -> dict | None:
    """Tell a logged-in applicant which materials their records already cover and which they must upload.

    None for an anonymous visitor (the guide page is then the same for everyone and cached).
    """
    if not applicant.is_authenticated:
        return None
    offers = material_offers(applicant=applicant, implementation=implementation)
    materials = list(implementation.materials.all())
    return {
        "covered": [(m, offers[m.pk]) for m in materials if m.pk in offers],
        "to_upload": [m for m in materials if m.pk not in offers and m.required],
    }


def sharing_log_for_subject(*, user, limit: int = 10) -> list[SharingLog]:
    """Return the latest reads of ``user``'s licences and materials: who, for which case and why (My hall)."""
    return list(
        SharingLog.objects.filter(subject=user)
        .select_related("department", "case")
        .prefetch_related("actor__memberships")
        .order_by("-created_at", "-id")[:limit]
    )
