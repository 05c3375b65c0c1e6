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
from departments.models import StaffMembership
from evaluations import rollups
from evaluations.models import DailyStat, Inquiry
from evaluations.selectors import supervision as selectors
from evaluations.services import inquiry_create, rating_submit, rectification_step
from tests.approvals.workflow_helpers import World
from tests.factories import DepartmentFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}


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


# --- 6. consultations and complaints that name only a department ---------------------------


def test_complaints_and_consultations_naming_only_a_department_count_for_that_department():
    world = World()
    with at("2026-03-03"):
        for kind in (Inquiry.Kind.COMPLAINT, Inquiry.Kind.COMPLAINT, Inquiry.Kind.CONSULTATION):
            inquiry_create(asker=world.applicant, kind=kind, subject="窗口", question="排队太久",
                           department=world.department)  # fmt: skip
        inquiry_create(asker=world.applicant, kind=Inquiry.Kind.COMPLAINT, subject="材料", question="要求重复提交",
                       implementation=world.implementation)  # fmt: skip
    figures = month("2026-03-01", "2026-03-31", department=world.department)
    # Before: the three that name only the department were dropped (1 complaint, 0 consultations).
    assert (figures["complaints"], figures["consultations"]) == (3, 1)
    rows = {row["name"]: row for row in selectors.breakdown(by="department", **MARCH)}
    assert rows[world.department.name]["complaints"] == 3
    regions = {row["key"]: row for row in selectors.breakdown(by="region", **MARCH)}
    assert regions[world.department.region_id]["consultations"] == 1
    # The item breakdown of the department still adds up to its own row: one row without an item.
    items = selectors.breakdown(by="implementation", department=world.department, **MARCH)
    assert sum(row["complaints"] for row in items) == 3
    assert [(row["key"], row["complaints"]) for row in items if row["key"] is None] == [(None, 2)]
    assert DailyStat.objects.filter(implementation=None).count() == 1  # one row per day and department
    assert_rebuild_agrees()


# --- 5. appeals ----------------------------------------------------------------------------


def rate(case, applicant, stars):
    return rating_submit(case_id=case.pk, applicant=applicant, stars=stars, efficiency=stars, attitude=stars,
                         guide_accuracy=stars, convenience=stars)  # fmt: skip


def steps(rectification, actor, *actions):
    notes = {"call_back": "已回访", "rectify": "已整改", "appeal": "恶意差评"}
    for action in actions:
        rectification_step(rectification_id=rectification.pk, actor=actor, action=action, note=notes.get(action, ""))


def test_an_upheld_appeal_removes_the_review_and_a_rejected_one_still_needs_rectification():
    world = World()
    supervisor = StaffMembershipFactory(supervisor=True).user
    with at("2026-03-03"):
        cases = [complete(world, decided(world)) for _ in range(4)]
        rate(cases[0], world.applicant, 5)
        malicious = rate(cases[1], world.applicant, 1).rectification
        fair = rate(cases[2], world.applicant, 2).rectification
        fixed = rate(cases[3], world.applicant, 1).rectification
    with at("2026-03-05"):
        steps(malicious, world.clerk, "appeal")
        steps(malicious, supervisor, "uphold")
        steps(fair, world.clerk, "appeal")
        steps(fair, supervisor, "reject")  # back to the department, not yet rectified
        steps(fixed, world.clerk, "verify", "call_back", "rectify", "close")
    figures = month("2026-03-01", "2026-03-31", department=world.department)
    # Before: 4 ratings, 1 satisfied (25 %), 3 bad reviews of which 2 "rectified" (the rejected appeal
    # closed at once counted): 66.7 %. Now the upheld review is gone, the rejected appeal must be
    # rectified before it can be closed, and only the real fix counts.
    assert (figures["ratings"], figures["ratings_satisfied"], figures["stars"]) == (3, 1, 8)
    assert figures["satisfaction_rate"] == pytest.approx(100 / 3)
    assert (figures["bad_reviews"], figures["rectified"]) == (2, 1)
    assert figures["rectification_rate"] == 50
    assert_rebuild_agrees()


def test_an_upheld_appeal_of_the_only_review_of_a_day_leaves_no_row_behind():
    world = World()
    supervisor = StaffMembershipFactory(supervisor=True).user
    with at("2026-03-03"):
        case = complete(world, decided(world))
    with at("2026-03-04"):
        rectification = rate(case, world.applicant, 1).rectification
    with at("2026-03-05"):
        steps(rectification, world.clerk, "verify", "appeal")
        steps(rectification, supervisor, "uphold")
    assert not DailyStat.objects.filter(day=datetime.date(2026, 3, 4)).exists()
    figures = month("2026-03-01", "2026-03-31")
    assert figures["ratings"] == 0 and figures["satisfaction_rate"] is None and figures["rectification_rate"] is None
    assert_rebuild_agrees()


# --- 2. transfers --------------------------------------------------------------------------


def test_a_transferred_case_counts_received_included_for_the_department_that_handled_it_to_the_end():
    world = World()
    third = DepartmentFactory()
    third_clerk = StaffMembershipFactory(department=third).user
    third_reviewer = StaffMembershipFactory(department=third, role=StaffMembership.Role.REVIEWER).user
    with at("2026-03-03"):
        stays = world.submitted()
        case = services.case_transfer(case_id=world.submitted().pk, actor=world.clerk,
                                      to_department=world.other_department, reason="移送")  # fmt: skip
    with at("2026-03-04"):
        services.case_transfer(case_id=case.pk, actor=world.other_clerk, to_department=third, reason="再移送")
        services.case_accept(case_id=case.pk, actor=third_clerk)
        services.case_start_review(case_id=case.pk, actor=third_clerk)
        services.case_approve(case_id=case.pk, actor=third_reviewer)
        services.case_complete(case_id=case.pk, actor=third_clerk)
        rate(case, world.applicant, 4)
    assert stays.department_id == world.department.pk
    rows = {row["key"]: row for row in selectors.breakdown(by="department", **MARCH)}
    # Before: received 2 for the first department, accepted, completed and rated for the third.
    first, last = rows[world.department.pk], rows[third.pk]
    assert (first["received"], first["accepted"], first["completed"]) == (1, 0, 0)
    assert (last["received"], last["accepted"], last["completed"], last["ratings"]) == (1, 1, 1, 1)
    assert world.other_department.pk not in rows  # the department it only passed through counts nothing
    # Received stays on the submit day.
    assert DailyStat.objects.get(department=third, received=1).day == datetime.date(2026, 3, 3)
    assert_rebuild_agrees()
