"""Reads of the working-day calendar, and deadlines counted on it.

A day is a working day when a ``CalendarDay`` row of an *official* ``CalendarYear`` says so, and
otherwise when it falls Monday to Friday. Rows of a year that is not official are ignored, so a
half-entered year keeps counting Monday to Friday until an admin marks it official. The counting
convention is in ``approvals.workdays``.
"""

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.db.models.functions import ExtractYear

from approvals.models import CalendarDay, CalendarYear
from approvals.workdays import ONE_DAY, WorkingCalendar, check_date, span_for


def calendar_exceptions(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, bool]]:
    """Return the official days from ``first`` to ``last`` that break the Monday-to-Friday rule (one query)."""
    official = CalendarYear.objects.filter(is_official=True, year=ExtractYear(OuterRef("date")))
    rows = CalendarDay.objects.filter(Exists(official), date__range=(first, last))
    return list(rows.values_list("date", "is_working_day"))


def working_calendar(first: datetime.date, last: datetime.date) -> WorkingCalendar:
    """Return the official calendar of ``first`` through ``last``, for many questions at one query."""
    return WorkingCalendar.for_range(first, last, calendar_exceptions)


def is_working_day(day: datetime.date) -> bool:
    return working_calendar(day, day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return the ``days``-th working day after ``start`` (``start`` never counts; 0 returns ``start``)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return working_calendar(start, check_date(start) + span_for(days)).add(start, days)


def subtract_working_days(end: datetime.date, days: int) -> datetime.date:
    """Return the working day ``d`` with ``working_days_between(d, end) == days`` (0 returns ``end``)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return working_calendar(check_date(end) - span_for(days), end).subtract(end, days)


def shift_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return ``add_working_days`` for ``days >= 0`` and ``subtract_working_days`` by ``-days`` otherwise."""
    return add_working_days(start, days) if days >= 0 else subtract_working_days(start, -days)


def working_days_signed(start: datetime.date, end: datetime.date) -> int:
    """Return the working days from ``start`` to ``end``: negative when ``end`` is before ``start``.

    ``shift_working_days(start, working_days_signed(start, end))`` counts as ``end`` (the same
    working day, or the working day before a run of days off).
    """
    first, last = sorted((check_date(start), check_date(end)))
    return working_calendar(first + ONE_DAY, last).signed(start, end) if first < last else 0


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Return the number of working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    if check_date(end) <= check_date(start):
        return 0
    return working_calendar(start + ONE_DAY, end).between(start, end)


def calendar_missing_years(*, years: Iterable[int]) -> list[int]:
    """Return, sorted, the years among ``years`` without an official schedule (counted Monday to Friday)."""
    wanted = set(years)
    official = set(CalendarYear.objects.filter(year__in=wanted, is_official=True).values_list("year", flat=True))
    return sorted(wanted - official)


# From this day of a year (month, day) the next year's schedule is due: the State Council
# publishes it in the autumn, and deadlines of cases accepted then already reach into it.
NEXT_YEAR_WARNING_FROM = (10, 1)


def calendar_years_to_warn(*, today: datetime.date) -> list[int]:
    """Return the years whose missing schedule an admin should be warned of: this year, and next from 1 October."""
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_WARNING_FROM:
        years.append(today.year + 1)
    return calendar_missing_years(years=years)
