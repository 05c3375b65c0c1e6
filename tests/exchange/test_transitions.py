"""Transitions through the API: the same services as the desk, so the same state, deadline, timeline,
notifications and supervision figures; refusals are 409 and change nothing; bad bodies are 4xx."""

import dataclasses

import pytest
from django import forms
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from approvals.forms.cases import CASE_ACTIONS
from approvals.models import Case, CaseEvent, Licence, LicenceType, ReviewStep
from approvals.workflow import APPLICANT, OWN_PAGE, TRANSITIONS
from evaluations.models import DailyStat
from exchange.api import ACTIONS
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.exchange.test_auth import assert_error

pytestmark = pytest.mark.django_db

S = Case.State


@pytest.fixture
def world(db):
    """A world whose implementation issues a licence, so completion covers licence issue too."""
    licence_type = LicenceType.objects.create(code="food", name="食品经营许可证", valid_years=5, number_prefix="JY")
    return World(issues_licence=licence_type)


def stat_totals(department) -> dict:
    rows = DailyStat.objects.filter(department=department, day=timezone.localdate())
    totals = rows.aggregate(**{name: Sum(name) for name in DailyStat.COUNTERS})
    return {name: value or 0 for name, value in totals.items()}


def delta(before: dict, after: dict) -> dict:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def outcome(case: Case, world: World) -> dict:
    """What a transition did to the case, in terms that do not depend on who took it."""
    case.refresh_from_db()
    notifications = Notification.objects.filter(event_key__startswith=f"case:{case.pk}:event:")
    return {
        "state": case.state,
        "due_date": case.due_date,
        "paused_remaining_days": case.paused_remaining_days,
        "result": case.result,
        "decision_reason": case.decision_reason,
        "is_overdue": case.is_overdue,
        "working_days_used": case.working_days_used,
        "accepted": case.accepted_at is not None,
        "decided": case.decided_at is not None,
        "completed": case.completed_at is not None,
        "timeline": [
            (e.action, e.from_state, e.to_state, e.comment, e.actor_department_id)
            for e in CaseEvent.objects.filter(case=case).order_by("id")
        ],
        "notifications": sorted(
            (n.kind, "applicant" if n.recipient_id == world.applicant.pk else f"department:{n.department_id}")
            for n in notifications
        ),
        "supplement_items": [r.items for r in case.supplement_requests.all()],
        "licence": Licence.objects.filter(case=case).values_list("licence_type__code", "issuing_department").first(),
    }


# Every action of the API: (state before, the desk's form, the API's body, desk actor)
PARITY = {
    "accept": (S.SUBMITTED, {"accept-comment": "材料齐全"}, {"comment": "材料齐全"}, "clerk"),
    "refuse": (S.SUBMITTED, {"refuse-reason": "不属于本部门职权范围"}, {"reason": "不属于本部门职权范围"}, "clerk"),
    "request_supplement": (
        S.ACCEPTED,
        {"sup-pick_{m}": "on", "sup-why_{m}": "扫描件模糊", "sup-comment": "请补正"},
        {"items": [{"material": "{m}", "reason": "扫描件模糊"}], "comment": "请补正"},
        "clerk",
    ),
    "start_review": (S.ACCEPTED, {"start_review-comment": ""}, {}, "clerk"),
    "approve": (S.UNDER_REVIEW, {"approve-comment": "同意"}, {"comment": "同意"}, "reviewer"),
    "deny": (S.UNDER_REVIEW, {"deny-reason": "不符合法定条件"}, {"reason": "不符合法定条件"}, "reviewer"),
    "complete": (S.APPROVED, {"complete-comment": ""}, {"comment": ""}, "clerk"),
}


def fill(value, material_id: int):
    if isinstance(value, dict):
        return {fill(k, material_id): fill(v, material_id) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, material_id) for v in value]
    if value == "{m}":
        return material_id
    return value.replace("{m}", str(material_id)) if isinstance(value, str) else value


def test_the_parity_covers_every_action_of_the_api():
    assert set(PARITY) == set(ACTIONS)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_transition_through_the_api_does_what_the_desk_does(client, world, action):
    state, desk_form, api_body, desk_actor = PARITY[action]
    material_id = world.implementation.materials.first().pk
    system = make_system(world.department)
    api = client_for(make_key(system))
    by_desk, by_api = world.in_state(state), world.in_state(state)

    before = stat_totals(world.department)
    client.force_login(getattr(world, desk_actor))
    response = client.post(reverse("approvals:case_action", args=[by_desk.pk, action]), fill(desk_form, material_id))
    assert response.status_code == 302
    desk_delta = delta(before, stat_totals(world.department))

    before = stat_totals(world.department)
    slug = action.replace("_", "-")
    response = api.post(f"/api/v1/cases/{by_api.pk}/{slug}/", fill(api_body, material_id), format="json")
    assert response.status_code == 200, response.content
    api_delta = delta(before, stat_totals(world.department))

    desk, through_api = outcome(by_desk, world), outcome(by_api, world)
    assert through_api == desk
    assert through_api["state"] != state
    assert api_delta == desk_delta
    assert response.json()["state"] == through_api["state"]
    last = CaseEvent.objects.filter(case=by_api).latest("id")
    assert last.action == action and last.actor == system.service_user  # the timeline names the system


def test_the_parity_covers_counted_figures_and_the_licence(client, world):
    """Guard the parametrised test above: completion through the API counts and issues like the desk."""
    api = client_for(make_key(make_system(world.department)))
    case = world.in_state(S.APPROVED)
    before = stat_totals(world.department)
    assert api.post(f"/api/v1/cases/{case.pk}/complete/", {}, format="json").status_code == 200
    assert delta(before, stat_totals(world.department))["completed"] == 1
    body = api.get(f"/api/v1/cases/{case.pk}/").json()
    licence = Licence.objects.get(case=case)
    assert body["licence"] == {"id": licence.pk, "number": licence.number,
                               "verification_code": licence.verification_code}  # fmt: skip
    assert Notification.objects.filter(recipient=world.applicant, kind="licence.issued").exists()


def test_accepting_through_the_api_assigns_the_case_to_the_system(api, world, system):
    case = world.submitted()
    api.post(f"/api/v1/cases/{case.pk}/accept/", format="json")
    case.refresh_from_db()
    assert case.state == S.ACCEPTED and case.assigned_to == system.service_user


def test_a_refused_transition_is_409_with_the_reason_and_changes_nothing(api, world):
    case = world.accepted()
    before = (Case.objects.get(pk=case.pk).updated_at, CaseEvent.objects.count(), Notification.objects.count())
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", {"comment": "again"}, format="json")
    body = assert_error(response, 409, "transition_refused")
    assert "accepted" in body["error"]["message"].lower() or "已受理" in body["error"]["message"]
    after = (Case.objects.get(pk=case.pk).updated_at, CaseEvent.objects.count(), Notification.objects.count())
    assert after == before


def test_deciding_before_the_configured_review_steps_are_done_is_409(api, world):
    ReviewStep.objects.create(implementation=world.implementation, order=1, name="现场核查")
    case = world.under_review()
    assert_error(api.post(f"/api/v1/cases/{case.pk}/approve/", {}, format="json"), 409, "transition_refused")
    assert Case.objects.get(pk=case.pk).state == S.UNDER_REVIEW


def test_a_final_case_refuses_every_transition(api, world):
    case = world.in_state(S.COMPLETED)
    for slug, body in [("accept", {}), ("refuse", {"reason": "x"}), ("approve", {}), ("complete", {}),
                       ("request-supplement", {"items": [{"name": "x"}]})]:  # fmt: skip
        assert_error(api.post(f"/api/v1/cases/{case.pk}/{slug}/", body, format="json"), 409, "transition_refused")


@pytest.mark.parametrize(
    "slug, body, field",
    [
        ("refuse", {}, "reason"),
        ("refuse", {"reason": "   "}, "reason"),
        ("refuse", {"reason": ["a", "b"]}, "reason"),
        ("accept", {"comment": "x" * 2001}, "comment"),
        ("request-supplement", {}, "items"),
        ("request-supplement", {"items": []}, "items"),
        ("request-supplement", {"items": [{"reason": "no name"}]}, "items"),
        ("request-supplement", {"items": [{"material": 999999}]}, "items"),
        ("request-supplement", {"items": "all of them"}, "items"),
    ],
)
def test_invalid_bodies_are_400_and_change_nothing(api, world, slug, body, field):
    case = world.submitted()
    response = api.post(f"/api/v1/cases/{case.pk}/{slug}/", body, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["error"]["fields"]
    assert Case.objects.get(pk=case.pk).state == S.SUBMITTED


@pytest.mark.parametrize("raw", [b"{", b"[1, 2", b"\xff\xfe", b'{"comment": "x"} trailing'])
def test_a_malformed_json_body_is_400(api, world, raw):
    case = world.submitted()
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", raw, content_type="application/json")
    assert_error(response, 400, "malformed_body")
    assert Case.objects.get(pk=case.pk).state == S.SUBMITTED


@pytest.mark.parametrize("raw", [b"[]", b'"accept"', b"null", b"42"])
def test_a_json_body_that_is_not_an_object_is_400(api, world, raw):
    case = world.submitted()
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", raw, content_type="application/json")
    assert_error(response, 400, "invalid")


def test_a_form_encoded_body_is_415(api, world):
    case = world.submitted()
    response = api.post(f"/api/v1/cases/{case.pk}/refuse/", {"reason": "x"})  # multipart by default
    assert_error(response, 415, "unsupported_media_type")


def test_a_supplement_request_names_the_materials_asked_for(api, world):
    case = world.accepted()
    material = world.implementation.materials.first()
    body = {"items": [{"material": material.pk, "reason": "模糊"}, {"name": "委托书"}], "comment": ""}
    response = api.post(f"/api/v1/cases/{case.pk}/request-supplement/", body, format="json")
    assert response.status_code == 200
    assert response.json()["supplement_requests"][0]["items"] == [
        {"material": material.pk, "name": material.name, "reason": "模糊"},
        {"material": None, "name": "委托书", "reason": ""},
    ]


def test_the_desk_does_not_offer_a_system_account_as_assignee(client, api, world, system):
    from approvals.selectors.cases import colleagues
    from approvals.services import cases as services

    case = world.accepted()
    offered = {membership.user_id for membership in colleagues(case=case)}
    assert world.clerk.pk in offered and system.service_user_id not in offered
    with pytest.raises(services.WorkflowError):
        services.case_assign(case_id=case.pk, actor=world.clerk, assignee=system.service_user)
    client.force_login(world.clerk)
    client.post(reverse("approvals:case_assign", args=[case.pk]), {"assignee": system.service_user_id})
    case.refresh_from_db()
    assert case.assigned_to != system.service_user


# --- the one table of case actions ---------------------------------------------------------


def test_every_transition_staff_take_has_an_entry_in_the_action_table():
    staff_actions = {name for name, rule in TRANSITIONS.items() if rule.actor != APPLICANT}
    assert staff_actions <= set(CASE_ACTIONS)
    # The applicant's submit and supplement have pages of their own; withdraw is a case-page action.
    assert set(CASE_ACTIONS) == set(TRANSITIONS) - OWN_PAGE
    assert all(name == action.name for name, action in CASE_ACTIONS.items())
    prefixes = [action.prefix for action in CASE_ACTIONS.values()]
    assert len(prefixes) == len(set(prefixes))


def test_the_api_exposes_only_actions_of_the_table_with_the_input_their_service_takes():
    assert set(ACTIONS) <= set(CASE_ACTIONS)
    for name, action in ACTIONS.items():
        assert set(CASE_ACTIONS[name].arguments) <= set(action.serializer().fields), name


def _valid_post(form: forms.Form, world) -> dict:
    """Fill every field of a desk form with a valid value."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.ModelMultipleChoiceField):
            data[key] = [world.other_department.pk]
        elif isinstance(field, forms.ModelChoiceField):
            data[key] = world.other_department.pk
        elif isinstance(field, forms.BooleanField):
            data[key] = "on"
        elif isinstance(field, forms.ChoiceField):
            data[key] = field.choices[0][0]
        elif isinstance(field, forms.IntegerField):
            data[key] = "3"
        else:
            data[key] = "理由"
    return data


@pytest.mark.parametrize("name", list(CASE_ACTIONS))
def test_each_desk_form_gives_what_its_service_takes(world, name):
    case = world.submitted()
    materials = list(world.implementation.materials.all())
    action = CASE_ACTIONS[name]
    form = action.desk_form(case=case, materials=materials, data=_valid_post(action.desk_form(
        case=case, materials=materials), world))  # fmt: skip
    assert form.is_valid(), form.errors
    assert set(action.arguments) <= set(form.cleaned_data)


def _recording(monkeypatch, name: str) -> list:
    """Replace the table's service of ``name`` by one that records its keyword arguments."""
    calls = []
    action = CASE_ACTIONS[name]
    monkeypatch.setitem(CASE_ACTIONS, name, dataclasses.replace(action, service=lambda **kwargs: calls.append(kwargs)))
    return calls


@pytest.mark.parametrize("name", list(CASE_ACTIONS))
def test_the_desk_takes_every_action_of_the_table_through_it(client, world, monkeypatch, name):
    case = world.submitted()
    calls = _recording(monkeypatch, name)
    action = CASE_ACTIONS[name]
    data = _valid_post(action.desk_form(case=case, materials=list(world.implementation.materials.all())), world)
    client.force_login(world.clerk)
    response = client.post(reverse("approvals:case_action", args=[case.pk, name]), data)
    assert response.status_code == 302
    assert len(calls) == 1 and calls[0]["case_id"] == case.pk and calls[0]["actor"] == world.clerk
    assert set(calls[0]) == {"case_id", "actor", *action.arguments}


@pytest.mark.parametrize("name", sorted(set(TRANSITIONS) - set(CASE_ACTIONS)))
def test_the_desk_has_no_action_outside_the_table(client, world, name):
    client.force_login(world.applicant)
    assert client.post(reverse("approvals:case_action", args=[world.submitted().pk, name])).status_code == 404


@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_api_takes_its_actions_through_the_table(api, world, monkeypatch, name):
    case = world.submitted()
    calls = _recording(monkeypatch, name)
    body = PARITY[name][2]
    response = api.post(f"/api/v1/cases/{case.pk}/{name.replace('_', '-')}/",
                        fill(body, world.implementation.materials.first().pk), format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert len(calls) == 1 and calls[0]["case_id"] == case.pk
    assert set(calls[0]) == {"case_id", "actor", *CASE_ACTIONS[name].arguments}
