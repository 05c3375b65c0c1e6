"""The working-day calendar (工作日) that deadlines are counted on.

One row per day that differs from the Monday-to-Friday rule: statutory holidays that fall
on weekdays and make-up working days (调休) that fall on weekends. A year is "official"
once its schedule has been loaded (from the ``chinese-calendar`` package or typed in by an
admin); for a year that is not, deadlines count Monday to Friday and the desk warns.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    is_official = models.BooleanField(
        _("official schedule entered"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered."),
    )
    source = models.CharField(_("source"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day whose working status differs from the Monday-to-Friday rule."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day on a weekend. Unticked: a holiday.")
    )
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 春节, 国庆节"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
