"""The counting rules of the supervision figures (issue 19), each checked incrementally and by a rebuild.

Every test builds its cases through the services, with the clock frozen where the day matters,
reads the figure the pages show, and checks that ``rollups.rebuild()`` gives the counters the
incremental path wrote.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from approvals.services import cases as services
from evaluations import rollups
from evaluations.models import DailyStat
from evaluations.selectors import supervision as selectors
from tests.approvals.workflow_helpers import World

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10):
    """Freeze the clock at ``hour`` o'clock of ``day`` (YYYY-MM-DD) in Shanghai."""
    moment = datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def snapshot() -> set:
    fields = ["day", "department_id", "implementation_id", "region_id", "clerk_key", *DailyStat.COUNTERS]
    return {tuple(row) for row in DailyStat.objects.values_list(*fields)}


def assert_rebuild_agrees() -> None:
    incremental = snapshot()
    assert rollups.rebuild() == len(incremental)
    assert snapshot() == incremental


def month(start: str, end: str, **scope) -> dict:
    return selectors.figures(
        rows=selectors._stats(start=datetime.date.fromisoformat(start), end=datetime.date.fromisoformat(end), **scope)
    )


def decided(world: World):
    return services.case_approve(case_id=services.case_start_review(case_id=world.accepted().pk, actor=world.clerk).pk,
                                 actor=world.reviewer)  # fmt: skip


def complete(world: World, case):
    return services.case_complete(case_id=case.pk, actor=world.clerk)


# --- 1. completion rate: a cohort rate, never above 100 % ----------------------------------


def test_the_completion_rate_is_the_share_of_the_cases_accepted_in_the_period_completed_by_now():
    world = World()
    with at("2026-02-26"):
        early = decided(world)  # accepted in February
    with at("2026-03-03"):
        march = decided(world)  # accepted in March
        complete(world, early)
        complete(world, march)
        waiting = world.accepted()  # accepted in March, completed in April
    with at("2026-04-07"):
        services.case_start_review(case_id=waiting.pk, actor=world.clerk)
        services.case_approve(case_id=waiting.pk, actor=world.reviewer)
        complete(world, waiting)

    february = month("2026-02-01", "2026-02-28", department=world.department)
    march_figures = month("2026-03-01", "2026-03-31", department=world.department)
    # Before: completed in March (2) / accepted in March (2) = 100 %, and February 0 / 1; a month with
    # more completions than acceptances went above 100 %. Now each month counts its own acceptances.
    assert (february["accepted"], february["accepted_completed"], february["completion_rate"]) == (1, 1, 100)
    assert (march_figures["accepted"], march_figures["completed"]) == (2, 2)
    assert march_figures["accepted_completed"] == 2 and march_figures["completion_rate"] == 100
    april = month("2026-04-01", "2026-04-30", department=world.department)
    assert april["accepted"] == 0 and april["completed"] == 1 and april["completion_rate"] is None
    assert_rebuild_agrees()


def test_more_completions_than_acceptances_in_a_period_no_longer_give_more_than_100_percent():
    world = World()
    with at("2026-02-26"):
        backlog = [decided(world) for _ in range(3)]
    with at("2026-03-03"):
        for case in backlog:
            complete(world, case)
        fresh = world.accepted()  # accepted in March, not completed
        decided_now = decided(world)
        complete(world, decided_now)
    march = month("2026-03-01", "2026-03-31")
    assert (march["completed"], march["accepted"]) == (4, 2)  # the old rate: 4 / 2 = 200 %
    assert march["accepted_completed"] == 1 and march["completion_rate"] == 50
    rows = selectors.breakdown(by="clerk", start=datetime.date(2026, 2, 1), end=datetime.date(2026, 3, 31))
    assert all(row["completion_rate"] is None or row["completion_rate"] <= 100 for row in rows)
    assert fresh.state == "accepted"
    assert_rebuild_agrees()
