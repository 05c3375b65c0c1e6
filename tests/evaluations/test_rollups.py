"""The supervision store: every counted fact updates DailyStat at once, and a rebuild from scratch agrees."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from approvals.services import cases as services
from evaluations import rollups
from evaluations.models import DailyStat, Inquiry
from evaluations.services import inquiry_create, rating_submit, rectification_step
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def totals() -> dict:
    return DailyStat.objects.aggregate(**{name: Sum(name) for name in DailyStat.COUNTERS})


def snapshot() -> set:
    fields = ["day", "department_id", "implementation_id", "region_id", "clerk_key", *DailyStat.COUNTERS]
    return {tuple(row) for row in DailyStat.objects.values_list(*fields)}


def rate(case, applicant, stars):
    return rating_submit(case_id=case.pk, applicant=applicant, stars=stars, efficiency=stars, attitude=stars,
                         guide_accuracy=stars, convenience=stars)  # fmt: skip


def test_counters_follow_the_workflow_as_it_happens():
    world = World(committed_limit_days=5, statutory_limit_days=20)
    case = world.submitted()
    assert totals()["received"] == 1 and totals()["accepted"] == 0
    services.case_accept(case_id=case.pk, actor=world.clerk)
    services.case_start_review(case_id=case.pk, actor=world.clerk)
    services.case_approve(case_id=case.pk, actor=world.reviewer)
    services.case_complete(case_id=case.pk, actor=world.clerk)
    t = totals()
    assert (t["accepted"], t["completed"], t["approved"], t["on_time"], t["overdue"]) == (1, 1, 1, 1, 0)
    assert t["days_committed"] == 5 and t["days_statutory"] == 20
    rate(case, world.applicant, 4)
    t = totals()
    assert (t["ratings"], t["ratings_satisfied"], t["stars"], t["bad_reviews"]) == (1, 1, 4, 0)
    clerk_row = DailyStat.objects.get(clerk_key=world.clerk.pk, completed=1)
    assert clerk_row.department_id == world.department.pk


def test_rebuild_equals_incremental_updates():
    world = World()
    other = World()
    supervisor = StaffMembershipFactory(supervisor=True).user
    done = [world.in_state("completed") for _ in range(3)]
    other.in_state("refused")
    other.in_state("accepted")
    transferred = world.in_state("transferred")
    services.case_accept(case_id=transferred.pk, actor=StaffMembershipFactory(department=world.other_department).user)
    denied = services.case_complete(case_id=world.in_state("denied").pk, actor=world.clerk)
    rate(done[0], world.applicant, 5)
    rate(done[1], world.applicant, 3)
    bad = rate(done[2], world.applicant, 1)
    rectification = bad.rectification
    for action, note in [("verify", ""), ("call_back", "已回访"), ("rectify", "已整改"), ("close", "")]:
        rectification_step(rectification_id=rectification.pk, actor=world.clerk, action=action, note=note)
    rate(denied, world.applicant, 2)
    appeal = denied.rating.rectification
    rectification_step(rectification_id=appeal.pk, actor=world.clerk, action="appeal", note="恶意差评")
    rectification_step(rectification_id=appeal.pk, actor=supervisor, action="uphold")
    inquiry_create(asker=world.applicant, kind=Inquiry.Kind.COMPLAINT, subject="态度", question="窗口态度差",
                   case=done[0])  # fmt: skip
    inquiry_create(asker=world.applicant, kind=Inquiry.Kind.CONSULTATION, subject="材料", question="需要什么？",
                   implementation=world.implementation)  # fmt: skip

    incremental = snapshot()
    t = totals()
    # The upheld appeal takes its review out of the counts: 3 ratings, 1 bad review (rectified).
    assert t["received"] == 7 and t["completed"] == 4 and t["refused"] == 1 and t["ratings"] == 3
    assert t["bad_reviews"] == 1 and t["rectified"] == 1 and t["complaints"] == 1 and t["consultations"] == 1
    assert rollups.rebuild() == len(incremental)
    assert snapshot() == incremental
    DailyStat.objects.update(received=0)
    call_command("rebuild_rollups", verbosity=0)
    assert snapshot() == incremental


def test_the_periodic_tasks_call_their_services(django_capture_on_commit_callbacks):
    from evaluations import tasks

    world = World()
    case = world.in_state("completed")
    Case = type(case)
    Case.objects.filter(pk=case.pk).update(completed_at=case.completed_at - __import__("datetime").timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.ratings_remind.apply().get() == 1
    assert tasks.rectifications_mark_overdue.apply().get() == 0
