"""Models of the approvals app: the catalogue, the working-day calendar and cases."""

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

__all__ = [
    "FAQ",
    "Audience",
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
    "LicenceType",
    "Material",
    "ReviewStep",
    "Status",
    "SupplementRequest",
    "Theme",
]
