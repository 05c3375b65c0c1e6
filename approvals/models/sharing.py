"""The data-sharing log (数据交换日志): every read of an applicant's licences or earlier materials."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Department


class SharingLog(models.Model):
    """One read of a citizen's licences or materials by a department (append-only).

    On PostgreSQL a trigger refuses UPDATE and DELETE (migration 0006), so the log cannot be
    altered afterwards by the application or an admin.
    """

    class What(models.TextChoices):
        LICENCE = "licence", _("Licence")
        MATERIAL = "material", _("Material")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_reads", verbose_name=_("whose")
    )
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    object_id = models.PositiveBigIntegerField(_("object"))
    description = models.CharField(_("description"), max_length=200)
    case = models.ForeignKey(
        "approvals.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("for case"),
        help_text=_("Empty for a window receiving an application: the case does not exist yet (see the purpose)."),
    )  # fmt: skip
    purpose = models.CharField(_("why"), max_length=200)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("data-sharing log entry")
        verbose_name_plural = _("data-sharing log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="sharing_subject_recent"),
            models.Index(fields=["department", "-created_at"], name="sharing_department_recent"),
        ]

    def __str__(self):
        return f"{self.department} read {self.description}"
