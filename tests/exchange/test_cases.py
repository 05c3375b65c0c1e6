"""Reading cases: the department's feed (cursor pages, updated_since), one case with its materials, scope."""

import base64
import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import Case, Material
from approvals.services import cases as services
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.exchange.test_auth import assert_error

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def all_pages(api, url, params=None):
    """Follow ``next`` to the end; return the ids in order and the number of pages."""
    ids, pages = [], 0
    response = api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        pages += 1
        if not body["next"]:
            return ids, pages
        response = api.get(body["next"])


def test_the_feed_lists_the_departments_submitted_cases_oldest_change_first(api, world):
    first, second = world.submitted(), world.submitted()
    world.in_state(Case.State.DRAFT)
    services.case_accept(case_id=first.pk, actor=world.clerk)  # first changed last
    other = World()
    other.submitted()
    body = api.get(CASES).json()
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    row = body["results"][1]
    assert row["state"] == "accepted" and row["supervision_code"] == first.supervision_code
    assert row["implementation"]["code"] == world.implementation.code
    assert row["applicant"]["cert_masked"] == world.applicant.cert_masked and "*" in row["applicant"]["mobile_masked"]
    assert row["url"].endswith(f"/api/v1/cases/{first.pk}/")


def test_cursor_pages_cover_every_case_once(api, world):
    made = [world.submitted().pk for _ in range(7)]
    ids, pages = all_pages(api, CASES, {"page_size": 3})
    assert sorted(ids) == sorted(made) and len(ids) == 7 and pages == 3


def test_cases_changed_during_paging_come_again_on_a_later_page(api, world):
    made = [world.submitted().pk for _ in range(4)]
    first_page = api.get(CASES, {"page_size": 2}).json()
    services.case_accept(case_id=first_page["results"][0]["id"], actor=world.clerk)
    rest, _pages = all_pages(api, first_page["next"])
    assert set(rest) == {*made[2:], first_page["results"][0]["id"]}


def test_updated_since_keeps_only_later_changes(api, world):
    old, new = world.submitted(), world.submitted()
    Case.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert [row["id"] for row in api.get(CASES, {"updated_since": since}).json()["results"]] == [new.pk]
    assert len(api.get(CASES, {"updated_since": "2000-01-01"}).json()["results"]) == 2


def test_the_state_filter(api, world):
    world.submitted()
    accepted = world.accepted()
    assert [row["id"] for row in api.get(CASES, {"state": "accepted"}).json()["results"]] == [accepted.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-13-45T99:00"}, "updated_since"),
        ({"updated_since": "0001-01-01"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+14:00"}, "updated_since"),
        ({"updated_since": "9999-12-31T23:59:59-14:00"}, "updated_since"),
        ({"state": "draft"}, "state"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, world, params, field):
    body = assert_error(api.get(CASES, params), 400, "invalid")
    assert field in body["error"]["fields"]


def forged(position) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "W10",
        forged(["x", 1]),
        forged(["2026-01-01T00:00:00", 1]),  # no time zone
        forged(["2026-01-01T00:00:00+08:00", -1]),
        forged(["2026-01-01T00:00:00+08:00", "1"]),
        forged(["0001-01-01T00:00:00+14:00", 1]),
        forged(["9999-12-31T23:59:59-14:00", 1]),
        forged({"p": 1}),
    ],
)
def test_a_forged_cursor_is_400(api, world, cursor):
    world.submitted()
    assert_error(api.get(CASES, {"cursor": cursor}), 400, "invalid_cursor")


def test_the_feed_costs_the_same_queries_however_many_cases(api, world):
    world.submitted()
    api.get(CASES)  # the first call of a key also records when it was used
    with CaptureQueriesContext(connection) as few:
        api.get(CASES)
    for _ in range(8):
        world.submitted()
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(CASES).json()["results"]) == 9
    assert len(many) == len(few)


def test_a_case_reads_with_its_materials_timeline_and_allowed_actions(api, world):
    case = world.accepted()
    body = api.get(f"{CASES}{case.pk}/").json()
    assert body["id"] == case.pk and body["state"] == "accepted"
    assert [m["material_name"] for m in body["materials"]] == [m.name for m in world.implementation.materials.all()]
    assert all(m["file_url"] and m["sha256"] for m in body["materials"])
    assert [e["action"] for e in body["events"]] == ["submit", "accept"]
    assert set(body["allowed_actions"]) == {"request_supplement", "start_review"}
    assert body["due_date"] == case.due_date.isoformat()


def test_a_material_file_downloads_as_an_attachment(api, world):
    case = world.submitted()
    row = case.materials.first()
    response = api.get(f"{CASES}{case.pk}/materials/{row.pk}/file/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_departments_case_reads_as_not_found(api, world):
    other = World()
    case = other.submitted()
    material = case.materials.first()
    assert_error(api.get(f"{CASES}{case.pk}/"), 404, "not_found")
    assert_error(api.get(f"{CASES}{case.pk}/materials/{material.pk}/file/"), 404, "not_found")
    assert_error(api.post(f"{CASES}{case.pk}/accept/", {}, format="json"), 404, "not_found")
    assert Case.objects.get(pk=case.pk).state == Case.State.SUBMITTED


def test_a_material_of_another_case_is_not_found_through_this_case(api, world):
    mine, also_mine = world.submitted(), world.submitted()
    material = also_mine.materials.first()
    assert_error(api.get(f"{CASES}{mine.pk}/materials/{material.pk}/file/"), 404, "not_found")


def test_drafts_and_unknown_ids_are_not_found(api, world):
    draft = world.in_state(Case.State.DRAFT)
    assert_error(api.get(f"{CASES}{draft.pk}/"), 404, "not_found")
    assert_error(api.get(f"{CASES}{2**62}/"), 404, "not_found")
    assert_error(api.get(f"{CASES}{10**30}/"), 404, "not_found")


def test_a_system_of_another_department_sees_none_of_these_cases(world):
    world.submitted()
    stranger = client_for(make_key(make_system()))
    assert stranger.get(CASES).json()["results"] == []


def test_an_empty_updated_since_is_400_not_ignored(api, world):
    assert_error(api.get(CASES, {"updated_since": ""}), 400, "invalid")


def test_reading_a_case_costs_the_same_queries_however_many_materials_and_events(api, world):
    small = world.accepted()
    api.get(f"{CASES}{small.pk}/")
    with CaptureQueriesContext(connection) as few:
        api.get(f"{CASES}{small.pk}/")
    for n in range(6):
        Material.objects.create(implementation=world.implementation, name=f"更多材料{n}", sort_order=10 + n)
    big = services.case_request_supplement(
        case_id=world.accepted().pk, actor=world.clerk, items=[{"material": None, "name": "补充"}]
    )
    with CaptureQueriesContext(connection) as many:
        body = api.get(f"{CASES}{big.pk}/").json()
    assert len(body["materials"]) == 8 and len(body["events"]) == 3
    assert len(many) == len(few)
