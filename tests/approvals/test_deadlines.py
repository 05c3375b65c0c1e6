"""Deadlines in working days: the Spring Festival and National Day with make-up days, pauses, extensions, lights."""

import datetime

import pytest
from django.utils import timezone

from approvals.models import CalendarDay, Case
from approvals.selectors import calendar as calendar_selectors
from approvals.selectors import cases as case_selectors
from approvals.services import calendar as calendar_services
from approvals.services import cases as services
from portal.models import Notification
from tests.approvals.workflow_helpers import World

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def calendar_2026():
    assert calendar_services.calendar_load_year(year=2026)


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today is a given date for the workflow (``on_day(date)``)."""

    def set_day(day):
        monkeypatch.setattr(services, "today", lambda: day)

    return set_day


def test_due_date_skips_the_spring_festival_and_counts_the_make_up_saturday(calendar_2026, on_day):
    world = World(committed_limit_days=5)
    on_day(D(2026, 2, 12))  # Thursday before the 2026 Spring Festival
    case = world.accepted()
    # 13 Feb (Fri), 14 Feb (Sat, make-up working day), holiday 15-23 Feb, then 24, 25, 26 Feb.
    assert case.due_date == D(2026, 2, 26)


def test_supplement_pauses_the_clock_across_national_day(calendar_2026, on_day):
    world = World(committed_limit_days=10)
    on_day(D(2026, 9, 28))
    case = world.accepted()
    assert case.due_date == D(2026, 10, 16)  # holiday 1-7 Oct; 10 Oct (Sat) is a make-up working day
    on_day(D(2026, 9, 29))
    case = services.case_request_supplement(case_id=case.pk, actor=world.clerk, items=[{"material": None, "name": "x"}])
    assert case.due_date is None and case.paused_remaining_days == 9
    on_day(D(2026, 10, 12))
    from tests.factories import pdf_upload

    case = services.case_supplement(
        case_id=case.pk, actor=world.applicant, answers=[services.MaterialAnswer(material=None, upload=pdf_upload())]
    )
    assert case.state == Case.State.ACCEPTED
    assert case.due_date == D(2026, 10, 23)  # nine working days from 12 Oct


def test_special_procedure_stops_and_resumes_the_clock(calendar_2026, on_day):
    world = World(committed_limit_days=5)
    on_day(D(2026, 3, 2))
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    assert case.due_date == D(2026, 3, 9)
    on_day(D(2026, 3, 3))
    case = services.case_suspend(case_id=case.pk, actor=world.clerk, reason="专家评审")
    assert case.paused_remaining_days == 4
    on_day(D(2026, 3, 20))
    case = services.case_resume(case_id=case.pk, actor=world.clerk)
    assert case.due_date == D(2026, 3, 26)


def test_an_extension_needs_a_reviewer_and_moves_the_due_date(calendar_2026, on_day):
    world = World(committed_limit_days=5)
    on_day(D(2026, 4, 1))
    case = world.accepted()
    due = case.due_date
    services.case_request_extension(case_id=case.pk, actor=world.clerk, days=3, reason="需现场核查")
    with pytest.raises(services.WorkflowError):
        services.case_extend(case_id=case.pk, actor=world.clerk, approve=True)  # a clerk cannot approve
    case = services.case_extend(case_id=case.pk, actor=world.reviewer, approve=True)
    assert case.due_date == calendar_selectors.add_working_days(due, 3)
    assert case.extended_days == 3


def test_an_unknown_year_counts_monday_to_friday_and_is_recomputed_when_entered(calendar_2026, on_day):
    world = World(committed_limit_days=20)
    on_day(D(2026, 12, 15))
    case = world.accepted()
    assert case.due_date == D(2027, 1, 12)  # 2027 not in the package: Monday to Friday
    accepted = timezone.make_aware(datetime.datetime(2026, 12, 15, 10, 0))
    Case.objects.filter(pk=case.pk).update(accepted_at=accepted)  # the moment "today" stood for
    assert calendar_selectors.calendar_missing_years(years=[2027]) == [2027]
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    calendar_services.calendar_year_mark_official(year=2027)
    case.refresh_from_db()
    assert case.due_date == D(2027, 1, 13)


def test_lights_and_overdue_marking_with_warnings(calendar_2026, on_day, django_capture_on_commit_callbacks):
    world = World(committed_limit_days=3)
    on_day(D(2026, 5, 11))
    late = world.accepted()
    soon = world.accepted()
    later = World(committed_limit_days=20)
    fine = later.accepted()
    assert late.due_date == D(2026, 5, 14)
    threshold = case_selectors.light_threshold(D(2026, 5, 13))
    assert case_selectors.light(late, threshold) == "yellow"
    assert case_selectors.light(fine, threshold) == "green"
    on_day(D(2026, 5, 15))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.case_mark_overdue()
    assert counts["overdue"] == 2
    late.refresh_from_db()
    soon.refresh_from_db()
    fine.refresh_from_db()
    assert late.is_overdue and soon.is_overdue and not fine.is_overdue
    # Each overdue case warns its assigned clerk in person, in the message centre.
    warned = Notification.objects.filter(kind="deadline.overdue", title__contains=late.supervision_code)
    assert set(warned.values_list("recipient_id", flat=True)) == {late.assigned_to_id}
    assert case_selectors.light(late, case_selectors.light_threshold(D(2026, 5, 15))) == "red"


def test_completion_records_working_days_used_and_lateness(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    case = services.case_approve(case_id=case.pk, actor=world.reviewer)
    on_day(D(2026, 6, 8))
    case = services.case_complete(case_id=case.pk, actor=world.clerk)
    assert case.working_days_used == 5  # 2,3,4,5 and 8 June
    assert case.is_overdue is True
