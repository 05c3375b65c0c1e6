"""The calendar's edge: entering a year's official holidays recounts every open case, paused or extended.

2027 is not in the package (when this was written, and in these tests it is never loaded):
until an admin enters it, its days count Monday to Friday. 1 January 2027 (Friday) is a holiday.
"""

import datetime

import pytest
from django.urls import reverse

from approvals.models import CalendarDay, CalendarYear, CaseEvent
from approvals.selectors import calendar as calendar_selectors
from approvals.services import calendar as calendar_services
from approvals.services import cases as services
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def no_2027():
    assert calendar_services.calendar_load_year(year=2026)
    CalendarYear.objects.filter(year=2027).delete()
    CalendarDay.objects.filter(date__year=2027).delete()


def enter_2027():
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    calendar_services.calendar_year_mark_official(year=2027)


def test_paused_extended_and_stopped_cases_are_recounted_and_the_applicant_told(
    no_2027, on_day, django_capture_on_commit_callbacks
):
    world = World(committed_limit_days=20)
    on_day(D(2026, 12, 1))  # Tuesday
    plain = world.accepted()
    paused_once = world.accepted()
    extended = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    stopped = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    assert plain.due_date == D(2026, 12, 29)
    on_day(D(2026, 12, 3))
    services.case_request_supplement(case_id=paused_once.pk, actor=world.clerk, items=[{"name": "x"}])
    services.case_request_extension(case_id=extended.pk, actor=world.clerk, days=5, reason="核查")
    extended = services.case_extend(case_id=extended.pk, actor=world.reviewer, approve=True)
    assert extended.due_date == D(2027, 1, 5)  # counted Monday to Friday across 1 January
    on_day(D(2026, 12, 8))  # the pause lasted 3 working days (4, 7, 8 Dec)
    paused_once = services.case_supplement(
        case_id=paused_once.pk,
        actor=world.applicant,
        answers=[services.MaterialAnswer(material=None, upload=pdf_upload())],
    )
    assert paused_once.due_date == D(2027, 1, 1)  # 18 left counted from 8 Dec, Monday to Friday
    on_day(D(2026, 12, 21))
    stopped = services.case_suspend(case_id=stopped.pk, actor=world.clerk, reason="听证")
    assert stopped.paused_remaining_days == 6  # 22 Dec to 29 Dec

    with django_capture_on_commit_callbacks(execute=True):
        enter_2027()
    plain.refresh_from_db()
    paused_once.refresh_from_db()
    extended.refresh_from_db()
    stopped.refresh_from_db()
    assert plain.due_date == D(2026, 12, 29)  # untouched by 2027
    assert paused_once.due_date == D(2027, 1, 4)  # 1 January is a holiday: the next working day
    assert extended.due_date == D(2027, 1, 6)
    assert stopped.paused_remaining_days == 6  # its rest ends before 2027
    for case, due in [(paused_once, paused_once.due_date), (extended, extended.due_date)]:
        assert calendar_selectors.is_working_day(due)
        event = CaseEvent.objects.get(case=case, action="recompute_due_date")
        assert due.isoformat() in event.comment
        message = Notification.objects.get(
            recipient=world.applicant, kind="case.due_date_changed", link=case.get_absolute_url()
        )
        assert due.isoformat() in message.title
    assert not CaseEvent.objects.filter(case=plain, action="recompute_due_date").exists()


def test_a_rest_in_working_days_needs_no_correction_when_it_was_counted_before_the_year(no_2027, on_day):
    world = World(committed_limit_days=20)
    on_day(D(2026, 12, 10))  # Thursday: due 7 January 2027, Monday to Friday
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    assert case.due_date == D(2027, 1, 7)
    on_day(D(2026, 12, 14))
    case = services.case_suspend(case_id=case.pk, actor=world.clerk, reason="专家评审")
    assert case.paused_remaining_days == 18
    enter_2027()
    case.refresh_from_db()
    assert case.paused_remaining_days == 18  # working days: the holiday moves the date, counted on resuming
    assert not CaseEvent.objects.filter(case=case, action="recompute_due_date").exists()
    on_day(D(2027, 1, 4))
    case = services.case_resume(case_id=case.pk, actor=world.clerk)
    assert case.due_date == D(2027, 1, 28)


def test_a_rest_counted_in_the_unknown_year_is_corrected_and_a_late_case_stays_late(no_2027, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 12, 28))  # due 31 December
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    on_day(D(2027, 1, 5))  # late on 1 (counted Monday to Friday), 4 and 5 January
    case = services.case_suspend(case_id=case.pk, actor=world.clerk, reason="检测")
    assert (case.paused_remaining_days, case.is_overdue) == (-3, True)
    enter_2027()
    case.refresh_from_db()
    assert (case.paused_remaining_days, case.is_overdue) == (-2, True)  # 1 January is a holiday


@pytest.mark.parametrize(
    ("today", "years"),
    [(D(2026, 9, 30), [2026]), (D(2026, 10, 1), [2026, 2027]), (D(2026, 12, 31), [2026, 2027])],
)
def test_the_years_to_warn_of_start_on_1_october_of_the_year_before(today, years):
    CalendarYear.objects.filter(year__in=[2026, 2027]).delete()
    assert calendar_selectors.calendar_years_to_warn(today=today) == years


def test_the_admin_index_warns_of_a_missing_year_from_1_october(client, admin_user, no_2027, on_day):
    def index_page(day):
        on_day(day)
        client.force_login(admin_user)  # a session of that day
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200
        return response.content.decode()

    assert 'id="calendar-warning"' not in index_page(D(2026, 9, 30))
    page = index_page(D(2026, 10, 1))
    assert 'id="calendar-warning"' in page and "2027" in page
    assert reverse("admin:approvals_calendaryear_changelist") in page
    enter_2027()
    assert 'id="calendar-warning"' not in index_page(D(2026, 10, 2))
