"""Departments' business systems joined to the hall, their API keys, the call log and idempotency records."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department

RATE_RE = r"^[1-9][0-9]{0,6}/(s|min|h|day)$"


class BusinessSystem(models.Model):
    """A department's own approval system that works the department's cases through the exchange API.

    It acts through ``service_user``: an account that cannot log in, holding a post in the
    department, so the case services authorise it exactly like a member of staff and the
    timeline names it as the actor.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"),
        max_length=16,
        unique=True,
        help_text=_("Short unique name, e.g. scj-food; marks the licences the system publishes."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="business_systems", verbose_name=_("department")
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="business_system",
        verbose_name=_("service account"),
        editable=False,
    )
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(RATE_RE, _("Write a number of calls per period, e.g. 600/min."))],
        help_text=_("Calls per period, e.g. 600/min; empty: the default (EXCHANGE_RATE)."),
    )
    contact = models.CharField(_("technical contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("business system")
        verbose_name_plural = _("business systems")
        ordering = ["department__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ApiKey(models.Model):
    """A secret a business system sends as ``Authorization: Bearer hall_<prefix>_<secret>``.

    Only the SHA-256 digest of the whole key is kept; the key is shown once, when issued.
    """

    system = models.ForeignKey(BusinessSystem, on_delete=models.CASCADE, related_name="keys", verbose_name=_("system"))
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("issued by"),
    )  # fmt: skip
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )  # fmt: skip
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"hall_{self.prefix}_…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class ApiCallLog(models.Model):
    """One call of the exchange API: which system, which endpoint and object, the result, how long."""

    system = models.ForeignKey(
        BusinessSystem, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("system")
    )
    key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("key"))
    method = models.CharField(_("method"), max_length=10)
    endpoint = models.CharField(_("endpoint"), max_length=100)
    path = models.CharField(_("path"), max_length=300)
    object_ref = models.CharField(_("object"), max_length=100, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"))
    result = models.CharField(_("result"), max_length=50)
    replayed = models.BooleanField(_("idempotent replay"), default=False)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API call log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["system", "-created_at"], name="api_call_system_recent"),
            models.Index(fields=["created_at"], name="api_call_created"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} {self.status_code}"


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed for repeats of that request."""

    system = models.ForeignKey(BusinessSystem, on_delete=models.CASCADE, related_name="+", verbose_name=_("system"))
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=300)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the method, path and body."))
    status_code = models.PositiveSmallIntegerField(_("status"), default=0)
    # The JSON exactly as first sent (text, not a JSON column, which would reorder its keys).
    response_body = models.TextField(_("response"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="idempotency_key_unique_per_system")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return self.key
