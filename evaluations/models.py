"""Ratings (好差评), rectifications, consultations and complaints, and the supervision rollups."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from approvals.models import Case, Implementation
from departments.models import Department, Region

STARS = [MinValueValidator(1), MaxValueValidator(5)]


class EvaluationSettings(models.Model):
    """Settings admins change without a deploy: rectification deadline and performance weights (one row)."""

    rectification_days = models.PositiveSmallIntegerField(_("rectification deadline (working days)"), default=5)
    consultation_days = models.PositiveSmallIntegerField(
        _("answer deadline for consultations (working days)"), default=3
    )
    complaint_days = models.PositiveSmallIntegerField(_("answer deadline for complaints (working days)"), default=5)
    weight_disclosure = models.PositiveSmallIntegerField(_("weight: disclosure (guide completeness)"), default=10)
    weight_process = models.PositiveSmallIntegerField(_("weight: process standardization"), default=15)
    weight_deadline = models.PositiveSmallIntegerField(_("weight: deadline legality"), default=25)
    weight_satisfaction = models.PositiveSmallIntegerField(_("weight: satisfaction"), default=25)
    weight_attitude = models.PositiveSmallIntegerField(_("weight: service attitude"), default=15)
    weight_complaints = models.PositiveSmallIntegerField(_("weight: consultations and complaints"), default=10)
    ranking_min_completed = models.PositiveSmallIntegerField(
        _("completed cases needed to be ranked"),
        default=1,
        help_text=_(
            "A department with fewer completed cases in the period is listed apart as “insufficient data”, not ranked."
        ),
    )

    class Meta:
        verbose_name = _("evaluation settings")
        verbose_name_plural = _("evaluation settings")

    def __str__(self):
        return str(_("Evaluation settings"))

    @classmethod
    def current(cls) -> "EvaluationSettings":
        return cls.objects.order_by("pk").first() or cls()


class Rating(models.Model):
    """The applicant's rating of a completed case: 1 to 5 stars on the whole and on four dimensions."""

    class Level(models.IntegerChoices):
        VERY_SATISFIED = 5, _("Very satisfied")
        SATISFIED = 4, _("Satisfied")
        FAIRLY_SATISFIED = 3, _("Fairly satisfied")
        DISSATISFIED = 2, _("Dissatisfied")
        VERY_DISSATISFIED = 1, _("Very dissatisfied")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating", verbose_name=_("case"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings")
    stars = models.PositiveSmallIntegerField(_("overall"), choices=Level.choices, validators=STARS)
    efficiency = models.PositiveSmallIntegerField(_("efficiency"), validators=STARS)
    attitude = models.PositiveSmallIntegerField(_("attitude"), validators=STARS)
    guide_accuracy = models.PositiveSmallIntegerField(_("guide accuracy"), validators=STARS)
    convenience = models.PositiveSmallIntegerField(_("convenience"), validators=STARS)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="ratings_received"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ratings")
    implementation = models.ForeignKey(Implementation, on_delete=models.PROTECT, related_name="ratings")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ratings")
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_range"),
            models.CheckConstraint(
                condition=Q(efficiency__range=(1, 5), attitude__range=(1, 5), guide_accuracy__range=(1, 5),
                            convenience__range=(1, 5)),
                name="rating_dimensions_range",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["clerk", "created_at"], name="rating_clerk_recent")]

    def __str__(self):
        return f"{self.case} ★{self.stars}"

    @property
    def is_bad(self) -> bool:
        return self.stars <= 2


class Rectification(models.Model):
    """The putting-right of a bad review (差评整改), handled by the department that served the case."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        VERIFIED = "verified", _("Verified")
        CALLED_BACK = "called_back", _("Called back")
        RECTIFIED = "rectified", _("Rectified")
        CLOSED = "closed", _("Closed")
        APPEALED = "appealed", _("Appealed as malicious")
        UPHELD = "upheld", _("Appeal upheld")
        REJECTED = "rejected", _("Appeal rejected")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rectifications")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    due_date = models.DateField(_("due date"))
    is_overdue = models.BooleanField(_("overdue"), default=False)
    fix_stars = models.PositiveSmallIntegerField(_("rating of the fix"), null=True, blank=True, validators=STARS)
    appeal_reason = models.TextField(_("appeal reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["department", "state", "due_date"], name="rectification_inbox")]

    def __str__(self):
        return f"{self.rating.case} ({self.get_state_display()})"


class RectificationEvent(models.Model):
    """One step of a rectification: who did what, when, with what note."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=16, choices=Rectification.State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=Rectification.State.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.rectification_id} {self.action}"


class Inquiry(models.Model):
    """A consultation (咨询) or complaint (投诉), linked to an implementation, a case or a department."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        COMPLAINT = "complaint", _("Complaint")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        FOLLOWED_UP = "followed_up", _("Followed up by supervision")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inquiries")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="inquiries")
    implementation = models.ForeignKey(
        Implementation, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries")
    subject = models.CharField(_("subject"), max_length=100)
    question = models.TextField(_("question"), max_length=2000)
    allow_publish = models.BooleanField(_("may be published with the answer"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    due_date = models.DateField(_("answer by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.TextField(_("supervision follow-up"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation or complaint")
        verbose_name_plural = _("consultations and complaints")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state", "due_date"], name="inquiry_inbox"),
            models.Index(fields=["implementation", "kind", "state"], name="inquiry_published"),
        ]

    def __str__(self):
        return self.subject


class DailyStat(models.Model):
    """The supervision store: counts per day, department, implementation and clerk, kept incrementally.

    Written in the same transaction as the case event, rating or complaint it counts (see
    ``evaluations.rollups``); ``manage.py rebuild_rollups`` recomputes it from scratch.
    ``clerk_key`` is the clerk's id or 0. ``implementation`` is empty only on the rows of
    consultations and complaints that name a department and no item; the unique key treats
    that empty value as one value (``NULLS NOT DISTINCT``), so a day and department has one such row.
    ``accepted_completed`` sits in the row of the case's acceptance (day, department, clerk):
    the cases accepted then that have been completed since, the numerator of the completion rate.
    """

    day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    implementation = models.ForeignKey(Implementation, on_delete=models.CASCADE, null=True, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    clerk_key = models.PositiveBigIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_completed = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    days_used = models.PositiveIntegerField(default=0)
    days_committed = models.PositiveIntegerField(default=0)
    days_statutory = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    ratings_satisfied = models.PositiveIntegerField(default=0)
    stars = models.PositiveIntegerField(default=0)
    attitude = models.PositiveIntegerField(default=0)
    bad_reviews = models.PositiveIntegerField(default=0)
    rectified = models.PositiveIntegerField(default=0)
    consultations = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)

    COUNTERS = (
        "received", "accepted", "accepted_completed", "refused", "completed", "approved", "on_time", "overdue",
        "days_used", "days_committed", "days_statutory", "ratings", "ratings_satisfied", "stars", "attitude",
        "bad_reviews", "rectified", "consultations", "complaints",
    )  # fmt: skip

    class Meta:
        verbose_name = _("daily statistic")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "implementation", "clerk_key"],
                name="daily_stat_unique_key",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["department", "day"], name="daily_stat_department_day"),
            models.Index(fields=["region", "day"], name="daily_stat_region_day"),
            models.Index(fields=["implementation", "day"], name="daily_stat_implementation_day"),
            models.Index(fields=["clerk_key", "day"], name="daily_stat_clerk_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.department_id}/{self.implementation_id}/{self.clerk_key}"
