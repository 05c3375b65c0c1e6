"""Models of the approvals app: the catalogue, the working-day calendar and cases."""

from approvals.models.bundles import Bundle, BundleApplication, BundlePart
from approvals.models.calendar import CalendarDay, CalendarYear
from approvals.models.cases import (
    Case,
    CaseEvent,
    CaseMaterial,
    CodeSequence,
    CoReviewRequest,
    ExtensionRequest,
    FormField,
    ReviewStep,
    SupplementRequest,
)
from approvals.models.catalogue import FAQ, Audience, Implementation, Item, LicenceType, Material, Status, Theme
from approvals.models.licences import Licence, SharingLog

__all__ = [
    "FAQ",
    "Audience",
    "Bundle",
    "BundleApplication",
    "BundlePart",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseEvent",
    "CaseMaterial",
    "CoReviewRequest",
    "CodeSequence",
    "ExtensionRequest",
    "FormField",
    "Implementation",
    "Item",
    "Licence",
    "LicenceType",
    "Material",
    "ReviewStep",
    "SharingLog",
    "Status",
    "SupplementRequest",
    "Theme",
]
