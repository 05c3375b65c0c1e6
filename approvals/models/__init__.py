"""Models of the approvals app by topic: catalogue, cases, licences, sharing, bundles, calendar."""

from approvals.models.bundles import Bundle, BundleApplication, BundlePart
from approvals.models.calendar import CalendarDay, CalendarYear
from approvals.models.cases import (
    Case,
    CaseEvent,
    CaseMaterial,
    CodeSequence,
    CoReviewRequest,
    ExtensionRequest,
    SupplementRequest,
)
from approvals.models.catalogue import (
    FAQ,
    Audience,
    FormField,
    Implementation,
    Item,
    LicenceType,
    Material,
    ReviewStep,
    Status,
    Theme,
)
from approvals.models.licences import Licence
from approvals.models.sharing import SharingLog

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
