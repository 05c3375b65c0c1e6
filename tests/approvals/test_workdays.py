"""Working days: loading the official schedule, counting deadlines on it, and keeping it up to date.

Covers ``approvals.workdays`` with the calendar's selectors and services: loading a year from
chinese-calendar, counting working days across the Spring Festival and National Day with their
make-up working days, a year the package does not know, a year entered by hand, the query
budget, the calendar admin and the ``calendar_load`` command. The dates asserted were checked
against the State Council's notices for 2025 and 2026.
"""

import datetime
import io

import chinese_calendar
import pytest
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import approvals.admin.calendar  # noqa: F401  (registers the calendar admin, as approvals/admin/__init__.py does)
from approvals.models import CalendarDay, CalendarYear
from approvals.selectors.calendar import (
    add_working_days,
    calendar_missing_years,
    is_working_day,
    working_calendar,
    working_days_between,
)
from approvals.services.calendar import calendar_load_year, calendar_year_mark_official
from approvals.signals import calendar_year_changed

pytestmark = pytest.mark.django_db

LAST_KNOWN_YEAR = max(chinese_calendar.holidays).year


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def changed_years():
    """Collect the years ``calendar_year_changed`` is sent for."""
    years = []

    def receiver(sender, *, year, **kwargs):
        years.append(year)

    calendar_year_changed.connect(receiver, weak=False, dispatch_uid="test-workdays")
    yield years
    calendar_year_changed.disconnect(dispatch_uid="test-workdays")


@pytest.fixture
def loaded_2025_2026():
    assert calendar_load_year(year=2025)
    assert calendar_load_year(year=2026)


def snapshot() -> tuple:
    days = tuple(CalendarDay.objects.values_list("pk", "date", "is_working_day", "name"))
    years = tuple(CalendarYear.objects.values_list("pk", "year", "is_official", "source", "updated_at"))
    return days, years


# Loading a year


def test_loading_2026_stores_its_weekday_holidays_and_weekend_make_up_days(changed_years):
    assert calendar_load_year(year=2026) is True

    days = {row.date: (row.is_working_day, row.name) for row in CalendarDay.objects.all()}
    assert days[d("2026-01-01")] == (False, "元旦")
    assert days[d("2026-01-04")] == (True, "元旦调休")  # Sunday
    assert days[d("2026-02-14")] == (True, "春节调休")  # Saturday before the Spring Festival
    for day in ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]:
        assert days[d(day)] == (False, "春节"), day
    assert days[d("2026-02-28")] == (True, "春节调休")  # Saturday
    assert days[d("2026-05-01")] == (False, "劳动节")
    assert days[d("2026-05-09")] == (True, "劳动节调休")  # Saturday
    assert days[d("2026-09-20")] == (True, "国庆节调休")  # Sunday
    assert days[d("2026-09-25")] == (False, "中秋节")  # Friday
    for day in ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"]:
        assert days[d(day)] == (False, "国庆节"), day
    assert days[d("2026-10-10")] == (True, "国庆节调休")  # Saturday
    # A holiday on a weekend is a day off anyway: nothing to store.
    assert d("2026-10-03") not in days
    assert d("2026-02-15") not in days
    assert all(day.year == 2026 for day in days)
    assert all(working == (day.weekday() >= 5) for day, (working, _name) in days.items())

    assert CalendarYear.objects.filter(year=2026, is_official=True, source="chinese-calendar").exists()
    assert changed_years == [2026]


def test_every_day_of_2026_agrees_with_chinese_calendar():
    calendar_load_year(year=2026)

    calendar = working_calendar(d("2026-01-01"), d("2026-12-31"))
    day = d("2026-01-01")
    while day.year == 2026:
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


def test_loading_a_year_twice_changes_nothing(changed_years):
    calendar_load_year(year=2026)
    before = snapshot()

    assert calendar_load_year(year=2026) is True

    assert snapshot() == before
    assert changed_years == [2026]


def test_loading_again_repairs_a_year_edited_by_hand(changed_years):
    calendar_load_year(year=2026)
    before = {row.date: (row.is_working_day, row.name) for row in CalendarDay.objects.all()}
    CalendarDay.objects.filter(date=d("2026-10-01")).delete()
    CalendarDay.objects.filter(date=d("2026-10-10")).update(name="typo")
    CalendarDay.objects.create(date=d("2026-11-11"), is_working_day=False, name="not a holiday")
    CalendarYear.objects.filter(year=2026).update(source="admin")

    calendar_load_year(year=2026)

    assert {row.date: (row.is_working_day, row.name) for row in CalendarDay.objects.all()} == before
    assert CalendarYear.objects.get(year=2026).source == "chinese-calendar"
    assert changed_years == [2026, 2026]


def test_a_year_the_package_does_not_know_is_not_loaded(changed_years):
    assert LAST_KNOWN_YEAR == 2026  # chinese-calendar 1.11.0

    assert calendar_load_year(year=2027) is False

    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert changed_years == []


# Counting


@pytest.mark.usefixtures("loaded_2025_2026")
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-02-12", 1, "2026-02-13"),
        ("2026-02-12", 2, "2026-02-14"),  # make-up Saturday counts
        ("2026-02-12", 3, "2026-02-24"),  # 15-23 February are off
        ("2026-02-12", 5, "2026-02-26"),
        ("2026-02-13", 10, "2026-03-05"),  # 14, 24-27, 28 (make-up Saturday), 2-5 March
    ],
)
def test_add_working_days_across_the_2026_spring_festival(start, days, expected):
    assert add_working_days(d(start), days) == d(expected)


@pytest.mark.usefixtures("loaded_2025_2026")
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2025-09-26", 1, "2025-09-28"),  # make-up Sunday
        ("2025-09-26", 3, "2025-09-30"),
        ("2025-09-26", 4, "2025-10-09"),  # 1-8 October are off
        ("2025-09-26", 6, "2025-10-11"),  # make-up Saturday
        ("2025-09-26", 7, "2025-10-13"),
    ],
)
def test_add_working_days_across_national_day_2025(start, days, expected):
    assert add_working_days(d(start), days) == d(expected)


@pytest.mark.usefixtures("loaded_2025_2026")
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-09-18", 1, "2026-09-20"),  # make-up Sunday
        ("2026-09-24", 1, "2026-09-28"),  # Mid-autumn Friday is off
        ("2026-09-30", 1, "2026-10-08"),  # 1-7 October are off
        ("2026-09-30", 3, "2026-10-10"),  # make-up Saturday
        ("2026-09-30", 4, "2026-10-12"),
    ],
)
def test_add_working_days_across_national_day_2026(start, days, expected):
    assert add_working_days(d(start), days) == d(expected)


@pytest.mark.usefixtures("loaded_2025_2026")
def test_the_start_day_never_counts_even_on_a_holiday_or_a_make_up_day():
    assert add_working_days(d("2026-10-01"), 1) == d("2026-10-08")  # start on a holiday
    assert add_working_days(d("2026-10-03"), 1) == d("2026-10-08")  # start on a weekend holiday
    assert add_working_days(d("2026-10-10"), 1) == d("2026-10-12")  # start on a make-up Saturday
    assert add_working_days(d("2026-02-14"), 1) == d("2026-02-24")
    assert add_working_days(d("2026-10-01"), 0) == d("2026-10-01")
    assert is_working_day(d("2026-10-10")) is True
    assert is_working_day(d("2026-10-01")) is False
    assert is_working_day(d("2026-10-12")) is True


@pytest.mark.usefixtures("loaded_2025_2026")
def test_working_days_between_is_the_inverse_of_add_working_days():
    for start in [d("2025-09-20"), d("2025-12-31"), d("2026-02-13"), d("2026-02-15"), d("2026-10-10")]:
        for days in range(60):
            assert working_days_between(start, add_working_days(start, days)) == days, (start, days)

    assert working_days_between(d("2026-09-30"), d("2026-10-12")) == 4
    assert working_days_between(d("2026-09-30"), d("2026-10-07")) == 0
    assert working_days_between(d("2026-10-12"), d("2026-09-30")) == 0
    assert working_days_between(d("2026-10-12"), d("2026-10-12")) == 0


def test_a_negative_limit_or_a_datetime_is_refused():
    with pytest.raises(ValueError):
        add_working_days(d("2026-10-12"), -1)
    with pytest.raises(TypeError):
        add_working_days(timezone.now(), 1)


# A year the package does not know


def test_a_limit_running_into_2027_counts_monday_to_friday_there():
    calendar_load_year(year=2026)

    # 16-31 December: 12 working days; 1 January 2027 is a Friday and counts, as 2027 is not official.
    assert add_working_days(d("2026-12-15"), 20) == d("2027-01-12")
    assert calendar_missing_years(years=[2026, 2027]) == [2027]


def test_entering_2027_by_hand_and_marking_it_official_changes_the_deadline(changed_years):
    calendar_load_year(year=2026)
    changed_years.clear()
    CalendarDay.objects.create(date=d("2027-01-01"), is_working_day=False, name="元旦")

    # Days of a year that is not official yet are ignored.
    assert add_working_days(d("2026-12-15"), 20) == d("2027-01-12")

    calendar_year_mark_official(year=2027)

    assert add_working_days(d("2026-12-15"), 20) == d("2027-01-13")
    assert working_days_between(d("2026-12-15"), d("2027-01-13")) == 20
    assert calendar_missing_years(years=[2026, 2027]) == []
    assert CalendarYear.objects.get(year=2027).source == "admin"
    assert changed_years == [2027]


# Query budget


@pytest.mark.usefixtures("loaded_2025_2026")
def test_add_working_days_uses_one_query_however_long_the_limit(django_assert_num_queries):
    with django_assert_num_queries(1):
        short = add_working_days(d("2025-09-26"), 5)
    with django_assert_num_queries(1):
        long = add_working_days(d("2025-09-26"), 200)
    with django_assert_num_queries(1):
        add_working_days(d("2026-02-12"), 250)  # through the Spring Festival, into 2027
    with django_assert_num_queries(1):
        working_days_between(d("2025-01-01"), d("2026-12-31"))

    assert short == d("2025-10-10")
    assert working_days_between(d("2025-09-26"), long) == 200


@pytest.mark.usefixtures("loaded_2025_2026")
def test_a_working_calendar_answers_many_deadlines_with_one_query():
    starts = [d("2025-09-01") + datetime.timedelta(days=offset) for offset in range(400)]

    with CaptureQueriesContext(connection) as queries:
        calendar = working_calendar(d("2025-09-01"), d("2027-03-31"))
        due = [calendar.add(start, 20) for start in starts]
        counted = [calendar.between(start, end) for start, end in zip(starts, due, strict=True)]

    assert len(queries) == 1
    assert counted == [20] * len(starts)
    assert due[0] == add_working_days(starts[0], 20)


@pytest.mark.usefixtures("loaded_2025_2026")
def test_a_working_calendar_reads_more_days_when_asked_beyond_its_range():
    calendar = working_calendar(d("2026-09-01"), d("2026-09-10"))

    assert calendar.add(d("2026-09-30"), 4) == d("2026-10-12")
    assert calendar.between(d("2025-09-26"), d("2025-10-13")) == 7
    assert calendar.is_working_day(d("2025-09-28")) is True


# Admin


@pytest.fixture
def calendar_years():
    return [CalendarYear.objects.create(year=2026), CalendarYear.objects.create(year=2027)]


def post_action(admin_client, action, years):
    return admin_client.post(
        reverse("admin:approvals_calendaryear_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [calendar_year.pk for calendar_year in years]},
        follow=True,
    )


def test_the_admin_load_action_loads_known_years_and_warns_about_the_others(admin_client, calendar_years):
    response = post_action(admin_client, "load_official_schedule", calendar_years)

    assert response.status_code == 200
    assert list(CalendarYear.objects.filter(is_official=True).values_list("year", "source")) == [
        (2026, "chinese-calendar")
    ]
    assert CalendarDay.objects.filter(date=d("2026-10-01"), is_working_day=False).exists()
    sent = [(message.level, str(message)) for message in get_messages(response.wsgi_request)]
    assert [text for level, text in sent if level == messages.SUCCESS and "2026" in text]
    assert [text for level, text in sent if level == messages.WARNING and "2027" in text]


def test_the_admin_mark_official_action_marks_the_year_and_tells_the_workflow(
    admin_client, calendar_years, changed_years
):
    response = post_action(admin_client, "mark_official", calendar_years[1:])

    assert response.status_code == 200
    assert CalendarYear.objects.get(year=2027).is_official
    assert changed_years == [2027]


def test_editing_a_day_of_an_official_year_in_the_admin_tells_the_workflow(admin_client, changed_years):
    calendar_year_mark_official(year=2027)
    changed_years.clear()

    response = admin_client.post(
        reverse("admin:approvals_calendarday_add"), {"date": "2027-01-01", "is_working_day": "", "name": "元旦"}
    )

    assert response.status_code == 302
    assert add_working_days(d("2026-12-31"), 1) == d("2027-01-04")
    assert changed_years == [2027]


def test_the_admin_refuses_a_day_that_changes_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:approvals_calendarday_add"), {"date": "2027-01-02", "is_working_day": "", "name": "周六"}
    )

    assert response.status_code == 200
    assert "is_working_day" in response.context["adminform"].form.errors
    assert not CalendarDay.objects.exists()


def test_the_calendar_admin_pages_render(admin_client, calendar_years):
    calendar_load_year(year=2026)

    for url in [
        reverse("admin:approvals_calendaryear_changelist"),
        reverse("admin:approvals_calendaryear_change", args=[calendar_years[0].pk]),
        reverse("admin:approvals_calendarday_changelist") + "?q=春节&is_working_day__exact=0&date__year=2026",
    ]:
        assert admin_client.get(url).status_code == 200, url


# Management command


def test_the_command_loads_the_years_given_and_reports_the_unknown_ones():
    out = io.StringIO()

    call_command("calendar_load", "2026", "2027", stdout=out)

    assert list(CalendarYear.objects.values_list("year", "is_official")) == [(2026, True)]
    assert "Loaded from chinese-calendar: 2026." in out.getvalue()
    assert "2027: unknown to chinese-calendar" in out.getvalue()
    assert "Monday to Friday" in out.getvalue()


def test_the_command_loads_2020_through_next_year_by_default():
    out = io.StringIO()
    next_year = timezone.localdate().year + 1

    call_command("calendar_load", stdout=out)
    call_command("calendar_load", stdout=out)  # idempotent

    known = range(2020, min(next_year, LAST_KNOWN_YEAR) + 1)
    assert list(CalendarYear.objects.filter(is_official=True).values_list("year", flat=True)) == list(known)
    assert calendar_missing_years(years=range(2020, next_year + 1)) == list(range(LAST_KNOWN_YEAR + 1, next_year + 1))
    for year in range(LAST_KNOWN_YEAR + 1, next_year + 1):
        assert f"{year}: unknown to chinese-calendar" in out.getvalue()
