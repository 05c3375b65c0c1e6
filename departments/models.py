"""Regions (全域一张网) and the departments and staff that serve in them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.validators import normalize_credit_code, validate_credit_code


class Region(models.Model):
    """A node of the region tree keyed by its administrative division code.

    Cities, districts, counties and development zones have 6-digit codes (GB/T 2260;
    development zones, which have none, get portal-assigned codes in the 5001 9x range),
    towns 9 digits and villages 12, each extending its parent's code.
    """

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        ZONE = "zone", _("Development zone")
        TOWN = "town", _("Town or sub-district")
        VILLAGE = "village", _("Village or community")

    CODE_LENGTHS = {
        Level.CITY: 6,
        Level.DISTRICT: 6,
        Level.COUNTY: 6,
        Level.ZONE: 6,
        Level.TOWN: 9,
        Level.VILLAGE: 12,
    }

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level__in=["city", "district", "county", "zone"], code__regex=r"^[0-9]{6}$")
                    | Q(level="town", code__regex=r"^[0-9]{9}$")
                    | Q(level="village", code__regex=r"^[0-9]{12}$")
                ),
                name="region_code_matches_level",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        expected = self.CODE_LENGTHS.get(self.level)
        if expected and len(self.code or "") != expected:
            raise ValidationError({"code": _("A region of this level has a %(n)d-digit code.") % {"n": expected}})
        if self.parent_id and self.code:
            # Below a city only the province digits are shared; below anything else the full code.
            prefix = self.parent.code[:2] if self.parent.level == self.Level.CITY else self.parent.code
            if not self.code.startswith(prefix):
                raise ValidationError({"code": _("The code must extend the parent region's code.")})


class Department(models.Model):
    """A government department at one level of the region tree.

    ``code`` is the department's unified social credit code (GB 32100, government bodies
    start with 11), unique across the city; service codes of items build on it.
    """

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    code = models.CharField(_("credit code"), max_length=18, unique=True, validators=[validate_credit_code])
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("region"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("higher department"),
        help_text=_("The department at the level above that this one answers to, if any."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    hours = models.CharField(_("office hours"), max_length=200, blank=True)
    duty_email = models.EmailField(
        _("duty e-mail"),
        blank=True,
        help_text=_("Messages to the department inbox are also sent here, for whoever is on duty."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_name_unique_in_region"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("departments:department_detail", args=[self.code])

    def clean(self):
        # After the field validators, which accept any spelling: store and compare the one spelling.
        super().clean()
        self.code = normalize_credit_code(self.code)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class StaffMembership(models.Model):
    """A user's post in a department, with the role that decides what they may do there."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        REVIEWER = "reviewer", _("Reviewer / section chief")
        DEPARTMENT_ADMIN = "department_admin", _("Department admin")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    staff_number = models.CharField(
        _("staff number"), max_length=20, unique=True, help_text=_("Shown to citizens instead of the full name.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="membership_user_department_unique")]

    def __str__(self):
        return f"{self.staff_number} {self.department} ({self.get_role_display()})"
