"""Chinese working days (工作日): the official schedule, and deadlines counted on it.

Counting convention: a limit of N working days accepted on day S ends on the N-th working day
*after* S. S itself never counts, whether or not it is a working day; a limit of 0 ends on S.
``working_days_between(S, E)`` counts the working days in (S, E], so it is the inverse:
``working_days_between(S, add_working_days(S, N)) == N``. Going backwards,
``subtract_working_days(E, N)`` is the working day D with ``working_days_between(D, E) == N``:
a case due on D is N working days late on E.

A day is a working day when the schedule's exceptions say so (a holiday on a weekday, a make-up
working Saturday), and otherwise when it falls Monday to Friday.

This module is pure date arithmetic: it reads no database. ``WorkingCalendar`` is given a reader
that returns the exceptions of a stretch of dates; ``approvals.selectors.calendar`` builds it on the
official ``CalendarDay`` rows and offers ``add_working_days`` and ``working_days_between``, and
``approvals.services.calendar`` writes the calendar.
"""

import bisect
import datetime
from collections.abc import Callable, Iterable

import chinese_calendar

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


def _holiday_name(english: str | None) -> str:
    if not english:
        return ""
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    try:
        return chinese_calendar.Holiday(english).chinese[:50]
    except ValueError:
        return english[:50]


def official_schedule(year: int) -> dict[datetime.date, tuple[bool, str]] | None:
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


def check_date(value: datetime.date) -> datetime.date:
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
    """The working days of a stretch of dates, read at once.

    ``read(first, last)`` returns the exceptions to Monday-to-Friday between two dates, as
    ``(date, is_working_day)`` pairs. Build the calendar once for the dates a batch of deadlines
    will touch, then ask it as often as needed. Asking about a date outside the stretch reads the
    missing dates (one more read) rather than guessing, so answers are always right and a
    well-sized stretch costs exactly one read.
    """

    def __init__(self, read: Callable[[datetime.date, datetime.date], Iterable[tuple[datetime.date, bool]]]):
        self._reader = read
        self.first: datetime.date | None = None
        self.last: datetime.date | None = None
        self._exceptions: dict[datetime.date, bool] = {}
        self._sorted: list[datetime.date] = []

    @classmethod
    def for_range(cls, first: datetime.date, last: datetime.date, read) -> "WorkingCalendar":
        """Return a calendar with the days ``first`` through ``last`` read."""
        first, last = check_date(first), check_date(last)
        if last < first:
            raise ValueError("last must not be before first")
        calendar = cls(read)
        calendar._read(first, last)
        calendar.first, calendar.last = first, last
        return calendar

    def _read(self, first: datetime.date, last: datetime.date) -> None:
        self._exceptions.update(self._reader(first, last))
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
        day = check_date(day)
        if not self.first <= day <= self.last:
            self._cover(day, day)
        return self._exceptions.get(day, day.weekday() < 5)

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """Return the ``days``-th working day after ``start`` (``start`` never counts; 0 returns ``start``)."""
        start = check_date(start)
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def subtract(self, end: datetime.date, days: int) -> datetime.date:
        """Return the working day ``d`` before ``end`` with ``between(d, end) == days`` (0 returns ``end``).

        The inverse of ``add`` going backwards: a case due ``days`` working days before ``end``
        is that late on ``end``. When ``end`` is a working day it is the ``days``-th working day
        before it (one before a Monday is the Friday); from a weekend, the days of the weekend
        do not count, so one before a Sunday is the Thursday (the Friday is the day late).
        """
        end = check_date(end)
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return end
        day = end
        while days:
            if self.is_working_day(day):
                days -= 1
            day -= ONE_DAY
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    def signed(self, start: datetime.date, end: datetime.date) -> int:
        """Return the working days from ``start`` to ``end``, negative when ``end`` is before ``start``."""
        return self.between(start, end) if check_date(end) >= check_date(start) else -self.between(end, start)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Return the number of working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        start, end = check_date(start), check_date(end)
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


def span_for(days: int) -> datetime.timedelta:
    """Return a stretch of calendar days that holds ``days`` working days even across the longest holidays."""
    return datetime.timedelta(days=days * 7 // 5 + days // 20 + 21)
