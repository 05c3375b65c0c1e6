"""Cases (办件): application forms, the case and its materials, timeline, co-review and supplements."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from approvals.models.catalogue import Implementation, Material, ReviewStep
from departments.models import Department

# The states a case waits in on a department's desk (the clerk's default queue).
QUEUE_STATES = [
    "submitted", "transferred", "accepted", "supplement_requested", "under_review", "co_review", "suspended",
    "approved", "denied",
]  # fmt: skip


class Case(models.Model):
    """An application and everything that happens to it, found by its supervision code."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        TRANSFERRED = "transferred", _("Transferred")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused at acceptance")
        SUPPLEMENT = "supplement_requested", _("Supplement requested")
        UNDER_REVIEW = "under_review", _("Under review")
        CO_REVIEW = "co_review", _("In co-review")
        SUSPENDED = "suspended", _("Special procedure")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Result(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    supervision_code = models.CharField(_("supervision code"), max_length=19, unique=True, null=True, blank=True)
    implementation = models.ForeignKey(
        Implementation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("implementation")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="cases", verbose_name=_("handling department")
    )
    receiving_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_cases",
        verbose_name=_("receiving window"),
        help_text=_("The window that took the application for another department (异地代收)."),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases", verbose_name=_("applicant")
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("receiving clerk"), help_text=_("The clerk who took the application at the receiving window."),
    )  # fmt: skip
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.DRAFT)
    state_before_supplement = models.CharField(max_length=24, choices=State.choices, blank=True)
    form_data = models.JSONField(_("answers"), default=dict, blank=True)
    submission_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commitment_signed = models.BooleanField(_("commitment signed"), default=False)
    missing_due_date = models.DateField(_("missing materials due"), null=True, blank=True)
    current_step = models.PositiveSmallIntegerField(_("review step reached"), default=0)
    bundle_application = models.ForeignKey(
        "approvals.BundleApplication",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("bundle application"),
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    due_date = models.DateField(_("due date"), null=True, blank=True)
    paused_remaining_days = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Working days left when the clock stopped, negative when it stopped after the due date; "
            "empty while it runs."
        ),
    )
    extended_days = models.PositiveSmallIntegerField(_("extended by (working days)"), default=0)
    # The implementation's limits in force when the case was accepted: a later edit of the
    # implementation changes neither the case's deadline nor the figures it was counted in.
    committed_limit_days = models.PositiveSmallIntegerField(
        _("committed limit at acceptance (working days)"), null=True, blank=True
    )
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("statutory limit at acceptance (working days)"), null=True, blank=True
    )
    is_overdue = models.BooleanField(_("overdue"), default=False)
    working_days_used = models.PositiveSmallIntegerField(_("working days used"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(supervision_code__isnull=False), name="case_submitted_has_code"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "state", "submitted_at", "id"], name="case_queue"),
            models.Index(fields=["receiving_department", "submitted_at", "id"], name="case_received_queue"),
            models.Index(fields=["applicant", "-created_at"], name="case_applicant_recent"),
            models.Index(fields=["state", "due_date"], name="case_state_due"),
            # The desk's default queue (every open state), read in order a page at a time: no sort.
            models.Index(
                fields=["department", "submitted_at", "id"],
                condition=Q(state__in=QUEUE_STATES),
                name="case_queue_open",
            ),
        ]

    def __str__(self):
        return self.supervision_code or f"draft {self.pk}"

    def get_absolute_url(self):
        return reverse("approvals:case_detail", args=[self.pk])


def private_storage():
    """Return the storage for applicants' files: outside the static tree and never served directly."""
    return storages["private"]


# Every applicant's file is stored under this folder of the private storage (and nothing else is).
CASE_FILES_DIR = "cases"


def private_upload_to(instance, filename: str) -> str:
    """Store under a random name; the original name is kept in the row, never used as a path."""
    return f"{CASE_FILES_DIR}/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class CaseMaterial(models.Model):
    """A document provided with a case: uploaded, signed as a commitment, or taken from the records."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        COMMITMENT = "commitment", _("Commitment signed")
        MISSING = "missing", _("To be supplied later")
        LIBRARY = "library", _("From my material library")
        LICENCE = "licence", _("From an electronic licence")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.UPLOAD)
    file = models.FileField(storage=private_storage, upload_to=private_upload_to, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced = models.BooleanField(default=False, help_text=_("Superseded by a later upload for the same material."))
    licence = models.ForeignKey(
        "approvals.Licence", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The e-licence that stands in for the material (source: licence)."),
    )  # fmt: skip
    reused_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text=_("The earlier material this one reuses (source: library)."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["material__sort_order", "id"]

    def __str__(self):
        return self.original_name or self.get_source_display()


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=24, choices=Case.State.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=Case.State.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, related_name="+",
        help_text=_("The case's handling department when the event happened (supervision counts it there)."),
    )  # fmt: skip
    comment = models.TextField(_("comment"), blank=True)
    attachments = models.ManyToManyField(CaseMaterial, blank=True, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="case_event_timeline")]

    def __str__(self):
        return f"{self.case} {self.action}"


class CoReviewRequest(models.Model):
    """An opinion asked of another department (会签), with its own deadline."""

    class Opinion(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="co_reviews")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="co_review_requests")
    step = models.ForeignKey(ReviewStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(_("answer by"))
    question = models.TextField(_("question"), blank=True)
    opinion = models.CharField(_("opinion"), max_length=16, choices=Opinion.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-review request")
        verbose_name_plural = _("co-review requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department", "round"], name="co_review_once_per_round"),
        ]
        indexes = [models.Index(fields=["department", "answered_at", "due_date"], name="co_review_inbox")]

    def __str__(self):
        return f"{self.case} → {self.department}"


class SupplementRequest(models.Model):
    """Everything missing or faulty, asked for at once (一次性告知)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_requests")
    items = models.JSONField(_("items"), help_text=_("[{material: id or null, name, reason}]"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.case} ({len(self.items)})"


class ExtensionRequest(models.Model):
    """A clerk's request for more working days; a reviewer of the department decides."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approved = models.BooleanField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.case} +{self.days}"


class CodeSequence(models.Model):
    """The last serial issued for supervision codes of one region on one day."""

    region_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="code_sequence_unique")]

    def __str__(self):
        return f"{self.region_code} {self.day} {self.last}"
