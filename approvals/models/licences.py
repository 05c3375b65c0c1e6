"""Electronic licences (电子证照)."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models.catalogue import LicenceType
from departments.models import Department

VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_verification_code() -> str:
    """Return 16 unambiguous characters (about 79 bits): unguessable, easy to type from paper."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(16))


class Licence(models.Model):
    """An electronic licence held by a citizen or enterprise."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.PROTECT, related_name="licences", verbose_name=_("type")
    )
    number = models.CharField(_("licence number"), max_length=50)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="licences",
        verbose_name=_("holder"),
    )  # fmt: skip
    holder_name = models.CharField(_("holder name"), max_length=100)
    holder_cert_masked = models.CharField(_("holder's certificate number"), max_length=32, blank=True)
    issuing_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="issued_licences", verbose_name=_("issuing department")
    )
    issued_on = models.DateField(_("issue date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no expiry."))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    case = models.OneToOneField(
        "approvals.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licence",
        verbose_name=_("case"),
    )
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, default=new_verification_code, editable=False
    )
    data = models.JSONField(_("licence data"), default=dict, blank=True, help_text=_("Fields printed on the licence."))
    source = models.CharField(
        _("source"), max_length=20, default="hall", help_text=_("hall, or the business system that published it")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "number"], name="licence_number_unique_per_type"),
        ]
        indexes = [
            models.Index(fields=["holder", "licence_type"], name="licence_holder_type"),
            models.Index(fields=["valid_until"], name="licence_valid_until"),
        ]

    def __str__(self):
        return f"{self.licence_type} {self.number}"

    def get_absolute_url(self):
        return reverse("approvals:licence_detail", args=[self.pk])

    def status_on(self, day=None) -> str:
        """Return valid, expired or revoked as of ``day`` (today by default)."""
        if self.revoked_at:
            return self.Status.REVOKED
        if self.valid_until and self.valid_until < (day or timezone.localdate()):
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return self.Status(self.status).label
