"""Bundles (一件事一次办): one life-event application that fans out into cases at several departments."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from approvals.models.catalogue import Implementation, Status


class Bundle(models.Model):
    """A life event served by several implementations with one form and one set of materials."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    implementations = models.ManyToManyField(
        Implementation, through="BundlePart", related_name="bundles", verbose_name=_("implementations")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("approvals:bundle_detail", args=[self.slug])


class BundlePart(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="parts")
    implementation = models.ForeignKey(Implementation, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("bundle part")
        verbose_name_plural = _("bundle parts")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "implementation"], name="bundle_part_unique"),
        ]

    def __str__(self):
        return f"{self.bundle}: {self.implementation}"


class BundleApplication(models.Model):
    """One citizen's application to a bundle; its parts are ordinary cases linked to it."""

    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bundle_applications"
    )
    code = models.CharField(_("supervision code"), max_length=19, unique=True)
    submission_token = models.UUIDField(unique=True)
    form_data = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bundle application")
        verbose_name_plural = _("bundle applications")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("approvals:bundle_application", args=[self.pk])
