"""The benchmark's pieces: its set-based rollup counts what the supervision store counts, it refuses any
database not named for it, and its baselines exist only in benchmark mode.
"""

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from approvals.models import Case
from bench import data
from evaluations import rollups
from evaluations.models import DailyStat, Inquiry
from evaluations.services import inquiry_create, rating_submit, rectification_step
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
S = Case.State


def snapshot() -> set:
    fields = ["day", "department_id", "implementation_id", "region_id", "clerk_key", *DailyStat.COUNTERS]
    return {tuple(row) for row in DailyStat.objects.values_list(*fields)}


def rate(case, stars):
    return rating_submit(case_id=case.pk, applicant=case.applicant, stars=stars, efficiency=stars, attitude=stars,
                         guide_accuracy=stars, convenience=stars)  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator's SQL is PostgreSQL's")
def test_the_set_based_rollup_counts_what_the_rebuild_counts():
    world, other = World(), World()
    done = [world.in_state(S.COMPLETED) for _ in range(3)]
    other.in_state(S.REFUSED)
    other.in_state(S.ACCEPTED)
    world.in_state(S.WITHDRAWN)
    rate(done[0], 5)
    bad = rate(done[1], 1)
    for action in ("verify", "call_back", "rectify", "close"):
        rectification_step(rectification_id=bad.rectification.pk, actor=world.clerk, action=action, note="已处理")
    inquiry_create(asker=world.applicant, kind=Inquiry.Kind.COMPLAINT, subject="慢", question="为何未办结？",
                   case=done[2])  # fmt: skip
    inquiry_create(asker=world.applicant, kind=Inquiry.Kind.CONSULTATION, subject="材料", question="要原件吗？",
                   implementation=world.implementation)  # fmt: skip
    # The counting rules of docs/figures.md: an upheld appeal, a complaint naming only a department,
    # a transferred case (received moves with it), a completion counted against its acceptance.
    malicious = rate(world.in_state(S.COMPLETED), 1)
    rectification_step(rectification_id=malicious.rectification.pk, actor=world.clerk, action="appeal", note="恶意")
    supervisor = StaffMembershipFactory(supervisor=True).user
    rectification_step(rectification_id=malicious.rectification.pk, actor=supervisor, action="uphold")
    inquiry_create(asker=world.applicant, kind=Inquiry.Kind.COMPLAINT, subject="态度", question="窗口态度差",
                   department=other.department)  # fmt: skip
    world.in_state(S.TRANSFERRED)
    rollups.rebuild()
    expected = snapshot()
    assert len(expected) >= 4  # two departments, each with its clerk and the unattributed row
    assert data.rebuild_rollups_sql() == len(expected)
    assert snapshot() == expected


def test_the_generator_refuses_a_database_not_named_for_the_benchmark(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "portal")
    with pytest.raises(RuntimeError, match="named \\*bench\\*"):
        data.ensure_bench_database()


def test_sizes_follow_the_number_of_cases():
    size = data.Size.for_cases(1_000_000)
    assert (size.cases, size.users, size.licences, size.items) == (1_000_000, 100_000, 200_000, 420)
    assert data.Size.for_cases(50_000, users=7_000).users == 7_000


def test_the_baselines_exist_only_in_benchmark_mode(client):
    with pytest.raises(NoReverseMatch):
        reverse("bench_b0")
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert client.get("/bench/b0/").content == b"ok"
        case = World().submitted()
        assert client.get("/bench/b1/", {"id": case.pk}).content.decode() == f"submitted {case.supervision_code}"
        assert client.get("/bench/b1/", {"id": case.pk + 1000}).status_code == 404
        assert client.get(reverse("portal:home")).status_code == 200  # the portal is all there too
