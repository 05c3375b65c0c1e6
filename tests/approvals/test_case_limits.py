"""History stays history: the limits in force at acceptance are the case's, whatever the catalogue says later."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.db.models import Sum

from approvals.models import Case, Implementation
from approvals.services import calendar as calendar_services
from approvals.services import cases as services
from evaluations import rollups
from evaluations.models import DailyStat
from tests.approvals.workflow_helpers import World

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: int):
    """Freeze the clock on a day of June 2026 at 10:00 Beijing time."""
    return time_machine.travel(datetime.datetime(2026, 6, day, 10, tzinfo=SHANGHAI), tick=False)


def _complete(world, case):
    case = services.case_start_review(case_id=case.pk, actor=world.clerk)
    case = services.case_approve(case_id=case.pk, actor=world.reviewer)
    return services.case_complete(case_id=case.pk, actor=world.clerk)


def _totals():
    return DailyStat.objects.aggregate(
        committed=Sum("days_committed"), statutory=Sum("days_statutory"), overdue=Sum("overdue")
    )


def test_editing_a_limit_changes_neither_old_cases_nor_their_figures_after_a_rebuild():
    assert calendar_services.calendar_load_year(year=2026)
    world = World(committed_limit_days=5)  # statutory 20
    with at(1):  # Monday
        done = world.accepted()
        running = world.accepted()
    assert (done.committed_limit_days, done.statutory_limit_days) == (5, 20)
    with at(4):
        done = _complete(world, done)
    Implementation.objects.filter(pk=world.implementation.pk).update(committed_limit_days=2, statutory_limit_days=10)
    with at(5):  # 4 working days after acceptance: late against 2, on time against the 5 in force
        running = _complete(world, running)
        new = world.accepted()
    assert running.is_overdue is False and running.working_days_used == 4
    assert (new.committed_limit_days, new.statutory_limit_days, new.due_date) == (2, 10, datetime.date(2026, 6, 9))
    with at(8):
        _complete(world, new)
    incremental = _totals()
    assert incremental == {"committed": 5 + 5 + 2, "statutory": 20 + 20 + 10, "overdue": 0}
    rollups.rebuild()
    assert _totals() == incremental


def test_the_migration_backfills_accepted_cases_from_their_implementation():
    world = World(committed_limit_days=7)
    accepted = world.accepted()
    waiting = world.submitted()
    Case.objects.filter(pk=accepted.pk).update(committed_limit_days=None, statutory_limit_days=None)
    migration = importlib.import_module("approvals.migrations.0012_case_limits_at_acceptance")
    migration.backfill_limits(apps, None)
    accepted.refresh_from_db()
    waiting.refresh_from_db()
    assert (accepted.committed_limit_days, accepted.statutory_limit_days) == (7, 20)
    assert (waiting.committed_limit_days, waiting.statutory_limit_days) == (None, None)
