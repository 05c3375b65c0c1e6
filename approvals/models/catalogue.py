"""The catalogue (审批一标准): items, implementations, materials, FAQ, application forms and review steps."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.codes import implementation_code, validate_basic_code, validate_implementation_code
from departments.models import Department, Region, StaffMembership


class Theme(models.Model):
    """A life event (办事主题) such as starting a business or having a child."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["sort_order", "slug"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("approvals:theme_detail", args=[self.slug])


class LicenceType(models.Model):
    """A kind of electronic licence (电子证照), e.g. 营业执照; licences themselves come later."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    valid_years = models.PositiveSmallIntegerField(
        _("valid for (years)"), null=True, blank=True, help_text=_("Empty: licences of this type do not expire.")
    )
    number_prefix = models.CharField(
        _("number prefix"), max_length=10, blank=True, help_text=_("e.g. JY for 食品经营许可证")
    )

    class Meta:
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Audience(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuals")
    ENTERPRISE = "enterprise", _("Enterprises")
    BOTH = "both", _("Individuals and enterprises")


class Item(models.Model):
    """A basic catalogue item (基本目录): what the law defines, once for the whole city."""

    class Kind(models.TextChoices):
        LICENSING = "XK", _("Administrative licensing")
        CONFIRMATION = "QR", _("Administrative confirmation")
        PAYMENT = "GF", _("Administrative payment")
        AWARD = "JL", _("Administrative award")
        RULING = "CJ", _("Administrative ruling")
        OTHER = "QT", _("Other administrative power")
        PUBLIC_SERVICE = "GG", _("Public service")

    code = models.CharField(_("basic code"), max_length=10, unique=True, validators=[validate_basic_code])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=2, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.BOTH)
    legal_basis = models.TextField(_("legal basis"))
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("statutory limit (working days)"), help_text=_("法定时限: the longest the law allows.")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="items", verbose_name=_("themes"))
    keywords = models.CharField(
        _("keywords"),
        max_length=200,
        blank=True,
        help_text=_("Everyday words people search with, separated by spaces."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("basic catalogue item")
        verbose_name_plural = _("basic catalogue items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^(XK|QR|GF|JL|CJ|QT|GG)[0-9]{8}$"), name="item_code_format"
            ),
            models.CheckConstraint(condition=Q(code__startswith=F("kind")), name="item_code_matches_kind"),
            models.CheckConstraint(condition=Q(statutory_limit_days__gte=1), name="item_statutory_limit_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Implementation(models.Model):
    """An item as handled by one department in one region (实施清单): what a citizen applies to."""

    class Visits(models.IntegerChoices):
        ZERO = 0, _("No visit needed")
        ONE = 1, _("One visit at most")
        MORE = 2, _("Two or more visits")

    class OnlineDepth(models.IntegerChoices):
        INFORMATION = 1, _("Information online")
        CONSULTATION = 2, _("Forms and consultation online")
        PRE_REVIEW = 3, _("Online pre-review")
        FULLY_ONLINE = 4, _("Fully online")

    code = models.CharField(
        _("implementation code"), max_length=35, unique=True, validators=[validate_implementation_code], blank=True
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="implementations", verbose_name=_("item"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="implementations", verbose_name=_("department")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="implementations", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Usually the item's name."))
    conditions = models.TextField(_("conditions"))
    fees = models.CharField(_("fees"), max_length=300, default="不收费")
    is_free = models.BooleanField(_("free of charge"), default=True)
    statutory_limit_days = models.PositiveSmallIntegerField(_("statutory limit (working days)"))
    committed_limit_days = models.PositiveSmallIntegerField(
        _("committed limit (working days)"), help_text=_("承诺时限: must not exceed the statutory limit.")
    )
    visits = models.PositiveSmallIntegerField(_("visits needed"), choices=Visits.choices, default=Visits.ONE)
    online_depth = models.PositiveSmallIntegerField(
        _("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.PRE_REVIEW
    )
    location = models.CharField(_("where to go"), max_length=300, blank=True)
    office_hours = models.CharField(_("when"), max_length=200, blank=True)
    process = models.TextField(_("process steps"), blank=True, help_text=_("One step per line."))
    issues_licence = models.ForeignKey(
        LicenceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_by",
        verbose_name=_("issues licence"),
    )
    missing_grace_days = models.PositiveSmallIntegerField(
        _("grace period for missing materials (working days)"), default=10
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    case_count = models.PositiveIntegerField(
        _("cases handled"), default=0, editable=False, help_text=_("Kept up to date by the case workflow.")
    )
    search_text = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_text", "case_count"])

    class Meta:
        verbose_name = _("implementation")
        verbose_name_plural = _("implementations")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "department", "region"], name="implementation_unique_per_place"),
            models.CheckConstraint(
                condition=Q(committed_limit_days__lte=F("statutory_limit_days")),
                name="implementation_committed_within_statutory",
            ),
            models.CheckConstraint(condition=Q(committed_limit_days__gte=1), name="implementation_committed_positive"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^(XK|QR|GF|JL|CJ|QT|GG)[0-9]{14}[0-9A-Z]{19}$"),
                name="implementation_code_format",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-case_count"], name="impl_status_popular"),
            models.Index(fields=["status", "visits"], name="impl_status_visits"),
        ]

    def __str__(self):
        return f"{self.name} · {self.department}"

    def save(self, *args, **kwargs):
        self.code = self.expected_code()
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "code", "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("approvals:item_detail", args=[self.code])

    def clean(self):
        super().clean()
        if self.item_id and self.region_id and self.department_id:
            self.code = self.expected_code()  # derived, so constraint checks see the real value
        errors = {}
        if self.department_id and self.region_id and self.department.region_id != self.region_id:
            errors["region"] = _("The region must be the department's own region.")
        if (
            self.statutory_limit_days is not None
            and self.committed_limit_days is not None
            and self.committed_limit_days > self.statutory_limit_days
        ):
            errors["committed_limit_days"] = _("The committed limit cannot exceed the statutory limit.")
        if errors:
            raise ValidationError(errors)

    def expected_code(self) -> str:
        return implementation_code(self.item.code, self.region.code, self.department.code)

    def build_search_text(self) -> str:
        """Return what search matches: names, codes, department and keywords, lower-cased."""
        parts = [self.name, self.item.name, self.item.code, self.code, self.department.name, self.department.short_name]
        parts.append(self.item.keywords)
        return " ".join(part for part in parts if part).lower()

    @property
    def saving_percent(self) -> int:
        """Return how much shorter the committed limit is than the statutory one, in whole percent."""
        if not self.statutory_limit_days:
            return 0
        return round(100 * (self.statutory_limit_days - self.committed_limit_days) / self.statutory_limit_days)

    @property
    def process_steps(self) -> list[str]:
        return [line.strip() for line in self.process.splitlines() if line.strip()]


class Material(models.Model):
    """A document an applicant provides for an implementation."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        BOTH = "both", _("Original and copy")

    class Medium(models.TextChoices):
        PAPER = "paper", _("Paper")
        ELECTRONIC = "electronic", _("Electronic")
        BOTH = "both", _("Paper or electronic")

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="materials", verbose_name=_("implementation")
    )
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    form = models.CharField(_("original or copy"), max_length=16, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    medium = models.CharField(
        _("paper or electronic"), max_length=16, choices=Medium.choices, default=Medium.ELECTRONIC
    )
    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="materials",
        verbose_name=_("licence that stands in"),
        help_text=_("An electronic licence of this type can be used instead of the material."),
    )
    template = models.FileField(_("blank template"), upload_to="material-templates/", blank=True)
    commitment_allowed = models.BooleanField(
        _("commitment accepted instead"),
        default=False,
        help_text=_("告知承诺: the applicant may sign a commitment instead of providing this material."),
    )
    may_be_missing = models.BooleanField(
        _("may be supplied later"),
        default=False,
        help_text=_("容缺受理: the case may be accepted without it; it must be supplied within the grace period."),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["implementation", "name"], name="material_name_unique_per_implementation"),
            models.CheckConstraint(condition=Q(copies__gte=1), name="material_copies_positive"),
        ]

    def __str__(self):
        return self.name


class FAQ(models.Model):
    """A frequently asked question on an implementation's guide page."""

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="faqs", verbose_name=_("implementation")
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.question


class FormField(models.Model):
    """A field of an implementation's application form, defined by an admin."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("Phone")
        ADDRESS = "address", _("Address")
        FILE = "file", _("File")

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="form_fields", verbose_name=_("implementation")
    )
    name = models.SlugField(_("key"), max_length=50, help_text=_("Stored with the answers; letters, digits, _ or -."))
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("For a choice field: one option per line."))
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["implementation", "name"], name="form_field_name_unique")]

    def __str__(self):
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class ReviewStep(models.Model):
    """One step of an implementation's review, in order: owned by a department and role.

    A co-review step asks every listed department in parallel and waits for all opinions.
    A step without a department belongs to the case's handling department.
    """

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="review_steps", verbose_name=_("implementation")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        help_text=_("Empty: the department handling the case."),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=StaffMembership.Role.choices, default=StaffMembership.Role.REVIEWER
    )
    is_co_review = models.BooleanField(_("co-review"), default=False)
    co_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("co-review departments")
    )
    limit_days = models.PositiveSmallIntegerField(_("time limit for opinions (working days)"), default=5)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["implementation", "order"], name="review_step_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.name}"
