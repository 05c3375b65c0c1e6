"""Chinese working days (工作日): the official schedule, and deadlines counted on it.

Counting convention: a limit of N working days accepted on day S ends on the N-th working day
*after* S. S itself never counts, whether or not it is a working day; a limit of 0 ends on S.
``working_days_between(S, E)`` counts the working days in (S, E], so it is the inverse:
``working_days_between(S, add_working_days(S, N)) == N``.

A day is a working day when a ``CalendarDay`` row of an *official* ``CalendarYear`` says so, and
otherwise when it falls Monday to Friday. Rows of a year that is not official are ignored, so a
half-entered year keeps counting Monday to Friday until an admin marks it official.

Every change to the calendar goes through ``calendar_load_year`` or ``calendar_year_mark_official``,
which send ``calendar_year_changed`` so open cases' due dates can be recomputed.
"""

import bisect
import datetime
from collections.abc import Iterable

import chinese_calendar
import django.dispatch
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import ExtractYear

from approvals.models import CalendarDay, CalendarYear

SOURCE_CHINESE_CALENDAR = "chinese-calendar"
SOURCE_ADMIN = "admin"
MAKE_UP_SUFFIX = "调休"
ONE_DAY = datetime.timedelta(days=1)

# The names the State Council's yearly notice uses, keyed by chinese_calendar's English names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

calendar_year_changed = django.dispatch.Signal()
"""Sent with ``year=`` when the working days of that year may have changed.

Sent inside the transaction that changed the calendar (sender: ``CalendarYear``), so whatever a
receiver writes commits or rolls back with the change; slow work belongs in ``transaction.on_commit``.
"""


def _holiday_name(english: str | None) -> str:
    if not english:
        return ""
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    try:
        return chinese_calendar.Holiday(english).chinese[:50]
    except ValueError:
        return english[:50]


def _official_schedule(year: int) -> dict[datetime.date, tuple[bool, str]] | None:
    """Return the days of ``year`` that break the Monday-to-Friday rule, or None if the package does not know it."""
    schedule = {}
    day = datetime.date(year, 1, 1)
    try:
        while day.year == year:
            on_holiday, english = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if weekend and not on_holiday:
                schedule[day] = (True, _holiday_name(english) + MAKE_UP_SUFFIX)
            elif not weekend and on_holiday:
                schedule[day] = (False, _holiday_name(english))
            day += ONE_DAY
    except NotImplementedError:
        return None
    return schedule


def calendar_load_year(*, year: int) -> bool:
    """Make ``year`` match the official schedule in ``chinese-calendar`` and mark it official.

    Days of the year that are not in the schedule (typed in by hand) are removed. Running it again
    changes nothing and sends no signal. Return False, writing nothing, if the package does not know
    the year.
    """
    schedule = _official_schedule(year)
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
    return True


def calendar_year_mark_official(*, year: int) -> None:
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


def calendar_missing_years(*, years: Iterable[int]) -> list[int]:
    """Return, sorted, the years among ``years`` without an official schedule (counted Monday to Friday)."""
    wanted = set(years)
    official = set(CalendarYear.objects.filter(year__in=wanted, is_official=True).values_list("year", flat=True))
    return sorted(wanted - official)


def _check_date(value: datetime.date) -> datetime.date:
    # A datetime is a date too, but it would never match a CalendarDay and its calendar day depends on
    # the time zone: make the caller decide (timezone.localdate).
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _weekdays_through(day: datetime.date) -> int:
    """Return the number of Mondays to Fridays from 0001-01-01 (a Monday) through ``day``."""
    ordinal = day.toordinal()
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


class WorkingCalendar:
    """The working days of a stretch of dates, read with one query.

    Build it once for the dates a batch of deadlines will touch, then ask it as often as needed.
    Asking about a date outside the stretch reads the missing dates (one more query) rather than
    guessing, so answers are always right and a well-sized stretch costs exactly one query.
    """

    def __init__(self):
        self.first: datetime.date | None = None
        self.last: datetime.date | None = None
        self._exceptions: dict[datetime.date, bool] = {}
        self._sorted: list[datetime.date] = []

    @classmethod
    def for_range(cls, first: datetime.date, last: datetime.date) -> "WorkingCalendar":
        """Return a calendar with the days ``first`` through ``last`` read."""
        first, last = _check_date(first), _check_date(last)
        if last < first:
            raise ValueError("last must not be before first")
        calendar = cls()
        calendar._read(first, last)
        calendar.first, calendar.last = first, last
        return calendar

    def _read(self, first: datetime.date, last: datetime.date) -> None:
        official = CalendarYear.objects.filter(is_official=True, year=ExtractYear(OuterRef("date")))
        rows = CalendarDay.objects.filter(Exists(official), date__range=(first, last))
        self._exceptions.update(rows.values_list("date", "is_working_day"))
        self._sorted = sorted(self._exceptions)

    def _cover(self, first: datetime.date, last: datetime.date) -> None:
        """Read whatever part of ``first`` through ``last`` is not read yet, in generous steps."""
        span = max((self.last - self.first).days + 1, 31)
        if first < self.first:
            start = min(first, self.first - datetime.timedelta(days=span))
            self._read(start, self.first - ONE_DAY)
            self.first = start
        if last > self.last:
            end = max(last, self.last + datetime.timedelta(days=span))
            self._read(self.last + ONE_DAY, end)
            self.last = end

    def is_working_day(self, day: datetime.date) -> bool:
        day = _check_date(day)
        if not self.first <= day <= self.last:
            self._cover(day, day)
        return self._exceptions.get(day, day.weekday() < 5)

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """Return the ``days``-th working day after ``start`` (``start`` never counts; 0 returns ``start``)."""
        start = _check_date(start)
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Return the number of working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        start, end = _check_date(start), _check_date(end)
        if end <= start:
            return 0
        if start + ONE_DAY < self.first or end > self.last:
            self._cover(start + ONE_DAY, end)
        count = _weekdays_through(end) - _weekdays_through(start)
        low = bisect.bisect_right(self._sorted, start)
        high = bisect.bisect_right(self._sorted, end)
        for day in self._sorted[low:high]:
            working, weekday = self._exceptions[day], day.weekday() < 5
            if working != weekday:
                count += 1 if working else -1
        return count


def _span_for(days: int) -> datetime.timedelta:
    """Return a stretch of calendar days that holds ``days`` working days even across the longest holidays."""
    return datetime.timedelta(days=days * 7 // 5 + days // 20 + 21)


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar.for_range(day, day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return the ``days``-th working day after ``start`` (``start`` never counts; 0 returns ``start``)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return WorkingCalendar.for_range(start, _check_date(start) + _span_for(days)).add(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Return the number of working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    if _check_date(end) <= _check_date(start):
        return 0
    return WorkingCalendar.for_range(start + ONE_DAY, end).between(start, end)
