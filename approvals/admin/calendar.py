"""Admin for the working-day calendar: load a year from chinese-calendar, or enter it by hand and mark it official.

A year's ``is_official`` flag is changed only by the actions, which call the services in
``approvals.services.calendar`` so the case workflow hears about it (``calendar_year_changed``). Editing a day
of a year that is already official sends the signal again.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import CalendarDay, CalendarYear
from approvals.selectors.calendar import calendar_missing_years, calendar_years_to_warn
from approvals.services.calendar import calendar_load_year, calendar_year_mark_official

_site_index = admin.site.index


def index_with_calendar_warning(request, extra_context=None):
    """The admin index, with the years whose official holidays are missing (``templates/admin/index.html``)."""
    context = {"calendar_missing_years": calendar_years_to_warn(today=timezone.localdate()), **(extra_context or {})}
    return _site_index(request, extra_context=context)


admin.site.index = index_with_calendar_warning


def _years(years) -> str:
    return ", ".join(str(year) for year in sorted(years))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "is_official", "source", "updated_at"]
    list_filter = ["is_official"]
    readonly_fields = ["is_official", "updated_at"]
    actions = ["load_official_schedule", "mark_official"]

    def get_readonly_fields(self, request, obj=None):
        # Renumbering a year would silently move its official flag onto other days.
        return [*self.readonly_fields, "year"] if obj else self.readonly_fields

    @admin.action(description=gettext_lazy("Load the official schedule from chinese-calendar"))
    def load_official_schedule(self, request, queryset):
        loaded, unknown_by_hand, unknown_missing = [], [], []
        for calendar_year in queryset:
            if calendar_load_year(year=calendar_year.year):
                loaded.append(calendar_year.year)
            elif calendar_year.is_official:
                unknown_by_hand.append(calendar_year.year)
            else:
                unknown_missing.append(calendar_year.year)
        if loaded:
            self.message_user(
                request, _("Loaded the official schedule of %(years)s.") % {"years": _years(loaded)}, messages.SUCCESS
            )
        if unknown_by_hand:
            self.message_user(
                request,
                _("chinese-calendar does not know %(years)s; the schedule entered by hand is kept.")
                % {"years": _years(unknown_by_hand)},
                messages.INFO,
            )
        if unknown_missing:
            self.message_user(
                request,
                _(
                    "chinese-calendar does not know %(years)s: deadlines there count Monday to Friday until you "
                    "enter the holidays and make-up working days under calendar days and mark the year official."
                )
                % {"years": _years(unknown_missing)},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Mark as official"))
    def mark_official(self, request, queryset):
        years = [calendar_year.year for calendar_year in queryset]
        for year in years:
            calendar_year_mark_official(year=year, actor=request.user)
        self.message_user(
            request,
            _("Marked %(years)s official: due dates are counted on the days entered.") % {"years": _years(years)},
            messages.SUCCESS,
        )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_working_day", "name"]

    def clean(self):
        cleaned_data = super().clean()
        day, working = cleaned_data.get("date"), cleaned_data.get("is_working_day")
        if day is not None and working is not None and working == (day.weekday() < 5):
            message = (
                _("%(date)s is a weekday: it is a working day already; only a holiday needs entering.")
                if working
                else _("%(date)s is a weekend day: it is a day off already; only a make-up working day needs entering.")
            )
            raise ValidationError({"is_working_day": message % {"date": date_format(day, "DATE_FORMAT")}})
        return cleaned_data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        years = {obj.date.year}
        if change and "date" in form.changed_data and form.initial.get("date"):
            years.add(form.initial["date"].year)
        self._years_changed(request, years)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._years_changed(request, {obj.date.year})

    def delete_queryset(self, request, queryset):
        years = {day.year for day in queryset.values_list("date", flat=True)}
        super().delete_queryset(request, queryset)
        self._years_changed(request, years)

    def _years_changed(self, request, years):
        """Tell the workflow about official years; remind the admin that other years still count Monday to Friday."""
        missing = calendar_missing_years(years=years)
        for year in sorted(set(years) - set(missing)):
            calendar_year_mark_official(year=year, actor=request.user)
        if missing:
            self.message_user(
                request,
                _(
                    "%(years)s is not official yet: deadlines there count Monday to Friday until the year is "
                    "marked official under calendar years."
                )
                % {"years": _years(missing)},
                messages.WARNING,
            )
