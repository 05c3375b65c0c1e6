"""Changes to the working-day calendar: load a year's official schedule, or mark a hand-entered year official.

Every change goes through these two functions, which send ``approvals.signals.calendar_year_changed``
inside their transaction so open cases' due dates are recomputed with the change.
"""

from django.db import transaction

from approvals.models import CalendarDay, CalendarYear
from approvals.signals import calendar_year_changed
from approvals.workdays import official_schedule
from portal import audit

SOURCE_CHINESE_CALENDAR = "chinese-calendar"
SOURCE_ADMIN = "admin"


def calendar_load_year(*, year: int) -> bool:
    """Make ``year`` match the official schedule in ``chinese-calendar`` and mark it official.

    Days of the year that are not in the schedule (typed in by hand) are removed. Running it again
    changes nothing and sends no signal. Return False, writing nothing, if the package does not know
    the year.
    """
    schedule = official_schedule(year)
    if schedule is None:
        return False
    with transaction.atomic():
        calendar_year, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
        existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(date__year=year)}
        to_create, to_update = [], []
        for day, (working, name) in schedule.items():
            row = existing.pop(day, None)
            if row is None:
                to_create.append(CalendarDay(date=day, is_working_day=working, name=name))
            elif (row.is_working_day, row.name) != (working, name):
                row.is_working_day, row.name = working, name
                to_update.append(row)
        CalendarDay.objects.bulk_create(to_create)
        CalendarDay.objects.bulk_update(to_update, ["is_working_day", "name"])
        if existing:
            CalendarDay.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
        changed = bool(to_create or to_update or existing)
        if not calendar_year.is_official or calendar_year.source != SOURCE_CHINESE_CALENDAR:
            calendar_year.is_official = True
            calendar_year.source = SOURCE_CHINESE_CALENDAR
            calendar_year.save(update_fields=["is_official", "source", "updated_at"])
            changed = True
        if changed:
            calendar_year_changed.send(sender=CalendarYear, year=year)
            audit.record("calendar.load", obj=calendar_year, detail=str(year))
    return True


def calendar_year_mark_official(*, year: int, actor=None) -> None:
    """Record that every holiday and make-up working day of ``year`` has been entered by hand.

    Always sends ``calendar_year_changed``, also for a year that already was official: this is how an
    admin says "I have finished editing the days of this year, recompute the due dates".
    """
    with transaction.atomic():
        calendar_year, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
        if not calendar_year.is_official:
            calendar_year.is_official = True
            calendar_year.source = calendar_year.source or SOURCE_ADMIN
            calendar_year.save(update_fields=["is_official", "source", "updated_at"])
        calendar_year_changed.send(sender=CalendarYear, year=year)
        audit.record("calendar.mark_official", actor=actor, obj=calendar_year, detail=str(year))
