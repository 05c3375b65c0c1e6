"""Idempotency-Key: a repeated request returns the first answer and changes nothing twice."""

import threading

import pytest
from django.db import connection, connections

from approvals.models import Case, CaseEvent, Licence, LicenceType
from exchange.models import ApiCallLog, IdempotencyRecord
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.exchange.test_auth import assert_error

S = Case.State


@pytest.mark.django_db
def test_a_repeated_transition_returns_the_first_answer_and_changes_nothing(api, world):
    case = world.submitted()
    url = f"/api/v1/cases/{case.pk}/accept/"
    first = api.post(url, {"comment": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="accept-1")
    counts = (CaseEvent.objects.count(), Notification.objects.count())
    second = api.post(url, {"comment": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="accept-1")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert (CaseEvent.objects.count(), Notification.objects.count()) == counts
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    log = ApiCallLog.objects.order_by("id").last()
    assert log.replayed and log.object_ref == f"case:{case.pk}"


@pytest.mark.django_db
def test_without_a_key_a_repeat_is_a_new_request(api, world):
    case = world.submitted()
    url = f"/api/v1/cases/{case.pk}/accept/"
    assert api.post(url, {}, format="json").status_code == 200
    assert_error(api.post(url, {}, format="json"), 409, "transition_refused")


@pytest.mark.django_db
def test_a_refusal_is_replayed_too_even_after_the_case_moved_on(api, world):
    case = world.accepted()
    url = f"/api/v1/cases/{case.pk}/start-review/"
    refused = api.post(f"/api/v1/cases/{case.pk}/complete/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 409
    assert api.post(url, {}, format="json").status_code == 200
    again = api.post(f"/api/v1/cases/{case.pk}/complete/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 409 and again.content == refused.content


@pytest.mark.django_db
def test_whitespace_and_key_order_of_the_body_do_not_make_another_request(api, world):
    case = world.submitted()
    url = f"/api/v1/cases/{case.pk}/refuse/"
    first = api.post(url, b'{"reason": "r"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    second = api.post(url, b'{ "reason" :  "r" }', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 200 and second["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_422(api, world):
    case, other = world.submitted(), world.submitted()
    assert api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    response = api.post(f"/api/v1/cases/{other.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(response, 422, "idempotency_key_reused")
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", {"comment": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(response, 422, "idempotency_key_reused")
    assert Case.objects.get(pk=other.pk).state == S.SUBMITTED


@pytest.mark.django_db
def test_keys_are_per_system(api, world):
    case = world.submitted()
    other_api = client_for(make_key(make_system()))
    assert api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    # The same key from another system is its own request (and that system may not see the case).
    response = other_api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_error(response, 404, "not_found")
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "a" * 256, "with space", "tab\tinside"])
def test_a_malformed_idempotency_key_is_400(api, world, bad):
    case = world.submitted()
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY=bad)
    assert_error(response, 400, "invalid_idempotency_key")
    assert Case.objects.get(pk=case.pk).state == S.SUBMITTED


@pytest.mark.django_db
def test_publishing_a_licence_twice_with_one_key_creates_one_licence(api, world):
    licence_type = LicenceType.objects.create(code="food", name="食品经营许可证", number_prefix="JY")
    world.implementation.issues_licence = licence_type
    world.implementation.save(update_fields=["issues_licence"])
    body = {"licence_type": "food", "number": "JY150010320260001", "holder_name": "山城餐饮", "issued_on": "2026-01-05"}
    first = api.post("/api/v1/licences/", body, format="json", HTTP_IDEMPOTENCY_KEY="pub-1")
    second = api.post("/api/v1/licences/", body, format="json", HTTP_IDEMPOTENCY_KEY="pub-1")
    assert first.status_code == second.status_code == 201 and first.content == second.content
    assert Licence.objects.count() == 1
    assert ApiCallLog.objects.order_by("id").last().object_ref == f"licence:{Licence.objects.get().pk}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_two_identical_requests_at_the_same_moment_apply_once():
    world = World()
    key = make_key(make_system(world.department))
    case = world.submitted()
    barrier = threading.Barrier(2)
    results = [None, None]

    def call(index):
        try:
            barrier.wait(timeout=10)
            results[index] = client_for(key).post(
                f"/api/v1/cases/{case.pk}/accept/", {"comment": "c"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in results] == [200, 200]
    assert results[0].content == results[1].content
    assert sorted(r.get("Idempotent-Replayed", "") for r in results) == ["", "true"]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
