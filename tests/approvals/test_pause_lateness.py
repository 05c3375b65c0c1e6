"""Lateness survives every pause: a case stopped after its due date resumes exactly as late.

Time is frozen with time-machine on each day of the story (the timeline's times and the
services' "today" agree), on the official 2026 calendar.
"""

import datetime
import importlib

import pytest
from django.apps import apps

from approvals.models import Case
from approvals.selectors import calendar as calendar_selectors
from approvals.services import calendar as calendar_services
from approvals.services import cases as services
from tests.approvals.workflow_helpers import World
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def calendar_2026():
    assert calendar_services.calendar_load_year(year=2026)


def _supplement(world, case):
    return services.case_supplement(
        case_id=case.pk, actor=world.applicant, answers=[services.MaterialAnswer(material=None, upload=pdf_upload())]
    )


def _ask_supplement(world, case):
    return services.case_request_supplement(case_id=case.pk, actor=world.clerk, items=[{"material": None, "name": "x"}])


def _finish(world, case):
    case = services.case_approve(case_id=case.pk, actor=world.reviewer)
    return services.case_complete(case_id=case.pk, actor=world.clerk)


# A 3-day case accepted on Monday 1 June 2026 is due on Thursday 4 June.
@pytest.mark.parametrize(
    ("pause_day", "remaining", "due_after", "late", "used"),
    [
        (D(2026, 6, 2), 2, D(2026, 6, 17), False, 1),  # before: 2 left, counted from Mon 15 June
        (D(2026, 6, 4), 0, D(2026, 6, 15), False, 3),  # on the due date: due the day it resumes
        (D(2026, 6, 9), -3, D(2026, 6, 10), True, 6),  # 3 late (5, 8, 9 June): still 3 late on 15 June
    ],
)
def test_supplement_keeps_the_lateness(calendar_2026, on_day, pause_day, remaining, due_after, late, used):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = world.accepted()
    assert case.due_date == D(2026, 6, 4)
    on_day(pause_day)
    case = _ask_supplement(world, case)
    assert case.paused_remaining_days == remaining
    assert case.is_overdue is late
    on_day(D(2026, 6, 15))
    case = _supplement(world, case)
    assert (case.due_date, case.is_overdue) == (due_after, late)
    case = services.case_start_review(case_id=case.pk, actor=world.clerk)
    case = _finish(world, case)
    # Completed on the day it resumed: as late as when it stopped, never "on time" by the pause.
    assert case.working_days_used == used
    assert case.is_overdue is late


def test_the_night_job_does_not_clear_a_resumed_late_case(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = world.accepted()
    on_day(D(2026, 6, 9))
    case = _ask_supplement(world, case)
    on_day(D(2026, 6, 15))
    _supplement(world, case)
    on_day(D(2026, 6, 16))
    services.case_mark_overdue()
    case.refresh_from_db()
    assert case.is_overdue and case.due_date == D(2026, 6, 10)


def test_special_procedure_after_the_due_date_keeps_the_lateness(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    on_day(D(2026, 6, 8))  # 2 working days late (5 and 8 June)
    case = services.case_suspend(case_id=case.pk, actor=world.clerk, reason="专家评审")
    assert (case.paused_remaining_days, case.is_overdue) == (-2, True)
    on_day(D(2026, 6, 12))
    case = services.case_resume(case_id=case.pk, actor=world.clerk)
    assert case.due_date == D(2026, 6, 10)  # 11 and 12 June: 2 late
    assert calendar_selectors.working_days_between(case.due_date, D(2026, 6, 12)) == 2
    assert case.is_overdue
    case = _finish(world, case)
    assert (case.working_days_used, case.is_overdue) == (5, True)


def test_an_extension_while_paused_late_counts_from_the_lateness(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = services.case_start_review(case_id=world.accepted().pk, actor=world.clerk)
    on_day(D(2026, 6, 9))  # 3 late
    case = services.case_suspend(case_id=case.pk, actor=world.clerk, reason="听证")
    services.case_request_extension(case_id=case.pk, actor=world.clerk, days=2, reason="听证")
    case = services.case_extend(case_id=case.pk, actor=world.reviewer, approve=True)
    assert (case.paused_remaining_days, case.is_overdue) == (-1, True)  # still 1 late
    services.case_request_extension(case_id=case.pk, actor=world.clerk, days=4, reason="再延")
    case = services.case_extend(case_id=case.pk, actor=world.reviewer, approve=True)
    assert (case.paused_remaining_days, case.is_overdue) == (3, False)  # 3 left of 3 + 6
    on_day(D(2026, 6, 15))
    case = services.case_resume(case_id=case.pk, actor=world.clerk)
    assert (case.due_date, case.is_overdue) == (D(2026, 6, 18), False)


def test_an_extension_of_a_running_late_case_leaves_it_late_by_the_rest(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    case = world.accepted()
    on_day(D(2026, 6, 10))  # 4 late (5, 8, 9, 10)
    services.case_request_extension(case_id=case.pk, actor=world.clerk, days=2, reason="核查")
    case = services.case_extend(case_id=case.pk, actor=world.reviewer, approve=True)
    assert (case.due_date, case.is_overdue) == (D(2026, 6, 8), True)
    case = _ask_supplement(world, case)
    assert case.paused_remaining_days == -2


@pytest.mark.parametrize(
    ("resume_day", "due_after"),
    [
        (D(2026, 10, 8), D(2026, 9, 29)),  # late on 30 Sep and 8 Oct; 1-7 Oct are the holiday
        (D(2026, 10, 11), D(2026, 10, 8)),  # a Sunday: 9 and 10 Oct (a make-up Saturday) are the days late
        (D(2026, 10, 12), D(2026, 10, 9)),  # 10 Oct (Sat) is a make-up working day
    ],
)
def test_a_late_pause_across_national_day(calendar_2026, on_day, resume_day, due_after):
    world = World(committed_limit_days=3)
    on_day(D(2026, 9, 21))
    case = world.accepted()
    assert case.due_date == D(2026, 9, 24)
    on_day(D(2026, 9, 29))  # 2 late: 28 and 29 Sep (25 Sep is the Mid-Autumn Festival)
    case = _ask_supplement(world, case)
    assert case.paused_remaining_days == -2
    on_day(resume_day)
    case = _supplement(world, case)
    assert case.due_date == due_after
    assert calendar_selectors.working_days_between(case.due_date, resume_day) == 2
    assert case.is_overdue


def test_the_migration_repairs_running_cases_whose_flag_was_cleared(calendar_2026, on_day):
    world = World(committed_limit_days=3)
    on_day(D(2026, 6, 1))
    wrong = world.accepted()
    right = world.accepted()
    paused = _ask_supplement(world, world.accepted())
    on_day(D(2026, 6, 10))
    Case.objects.filter(pk=right.pk).update(due_date=D(2026, 6, 10))
    migration = importlib.import_module("approvals.migrations.0011_signed_paused_remaining_days")
    migration.repair_overdue_flags(apps, None)
    assert Case.objects.get(pk=wrong.pk).is_overdue is True
    assert Case.objects.get(pk=right.pk).is_overdue is False  # due today: not late yet
    assert Case.objects.get(pk=paused.pk).is_overdue is False  # stopped in time


def test_subtracting_working_days_is_the_inverse_of_counting_them(calendar_2026):
    for end in [D(2026, 10, 8), D(2026, 10, 11), D(2026, 2, 24), D(2026, 6, 15)]:
        for days in range(0, 12):
            start = calendar_selectors.subtract_working_days(end, days)
            assert calendar_selectors.working_days_between(start, end) == days
            assert days == 0 or calendar_selectors.is_working_day(start)
            assert calendar_selectors.shift_working_days(end, -days) == start
            assert calendar_selectors.working_days_signed(end, start) == -days
