"""Authentication, scope, rate limit and the call log of the exchange API."""

import datetime
import hashlib

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from exchange import services
from exchange.models import ApiCallLog, ApiKey
from tests.exchange.factories import client_for, make_key, make_system

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], body
    return body


def test_a_call_without_a_key_is_401_with_the_bearer_challenge(world):
    response = client_for(None).get(CASES)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Token hall_abcdefgh_x", "Basic dXNlcjpwYXNz", "Bearer hall_short", "Bearer 密钥"],
)
def test_a_malformed_authorization_header_is_401(world, header):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get(CASES), 401, "invalid_key")


def test_an_unknown_key_is_401(key):
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_error(client_for(forged).get(CASES), 401, "invalid_key")
    assert_error(client_for("hall_00000000_" + "A" * 43).get(CASES), 401, "invalid_key")


def test_an_expired_key_is_401_and_the_refusal_is_logged_for_its_system(system):
    key = make_key(system, expires_in=datetime.timedelta(days=1))
    ApiKey.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_error(client_for(key).get(CASES), 401, "key_expired")
    log = ApiCallLog.objects.get()
    assert (log.system, log.status_code, log.result) == (system, 401, "key_expired")


def test_a_revoked_key_is_401_at_once(system, key):
    api = client_for(key)
    assert api.get(CASES).status_code == 200
    services.api_key_revoke(key_id=ApiKey.objects.get().pk)
    assert_error(api.get(CASES), 401, "key_revoked")


def test_a_disabled_system_is_401(system, key):
    services.system_update(system_id=system.pk, name=system.name, rate_limit="", contact="", is_active=False)
    assert_error(client_for(key).get(CASES), 401, "system_disabled")


def test_only_the_digest_of_a_key_is_stored(system, key):
    row = ApiKey.objects.get()
    assert key.startswith(f"hall_{row.prefix}_") and len(row.prefix) == 8
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.values().get())


def test_using_a_key_records_when_it_was_last_used(api):
    assert ApiKey.objects.get().last_used_at is None
    api.get(CASES)
    assert ApiKey.objects.get().last_used_at is not None


def test_the_system_endpoint_names_the_system_and_its_department(api, system):
    body = api.get("/api/v1/system/").json()
    assert body["code"] == system.code and body["department"] == system.department.name
    assert body["rate_limit"] == "600/min" and body["key_prefix"] == ApiKey.objects.get().prefix


def test_the_service_account_cannot_log_in(system, client):
    user = system.service_user
    assert not user.has_usable_password() and not user.is_staff
    membership = user.memberships.get()
    assert membership.department == system.department and membership.role == services.SERVICE_ROLE


def test_every_call_is_logged_with_system_endpoint_object_result_and_time(api, system, world):
    case = world.submitted()
    api.get(f"/api/v1/cases/{case.pk}/")
    api.get("/api/v1/cases/999999/")
    api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")
    logs = list(ApiCallLog.objects.order_by("id"))
    assert [(log.endpoint, log.object_ref, log.status_code, log.result) for log in logs] == [
        ("exchange:case_detail", f"case:{case.pk}", 200, "ok"),
        ("exchange:case_detail", "case:999999", 404, "not_found"),
        ("exchange:case_accept", f"case:{case.pk}", 200, "ok"),
    ]
    assert all(log.system == system and log.method in {"GET", "POST"} and log.duration_ms >= 0 for log in logs)


@override_settings(EXCHANGE_RATE="3/min")
def test_the_rate_limit_is_per_system_and_answers_429(api, world):
    other = client_for(make_key(make_system()))
    assert [api.get(CASES).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get(CASES)
    body = assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0 and body["error"]["retry_after"] > 0
    assert other.get(CASES).status_code == 200  # another system has its own budget
    assert ApiCallLog.objects.filter(status_code=429).count() == 1


def test_a_system_of_its_own_rate_overrides_the_default(world):
    system = make_system(world.department, rate_limit="1/min")
    api = client_for(make_key(system))
    assert api.get(CASES).status_code == 200
    assert api.get(CASES).status_code == 429


def test_an_unknown_path_under_api_answers_a_json_404(api):
    response = api.get("/api/v1/nothing-here/")
    assert_error(response, 404, "not_found")
    assert api.get("/api/v1/cases").status_code == 404  # no redirect that would lose a POST body


def test_an_unsupported_method_is_405_with_the_error_body(api):
    assert_error(api.delete(CASES), 405, "method_not_allowed")


def test_html_is_not_offered(api):
    assert_error(api.get(CASES, HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_the_schema_and_the_documentation_page_are_served(client):
    schema = client.get(reverse("exchange:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/cases/{id}/accept/" in schema.json()["paths"]
    docs = client.get(reverse("exchange:docs"))
    body = docs.content.decode()
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/" in body
    assert "cdn" not in body.lower() and "<script>" not in body and "<style" not in body
    assert "/static/exchange/swagger.css" in body
    script = client.get(reverse("exchange:docs"), {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_a_post_to_a_path_that_matches_nothing_is_a_json_404_not_a_csrf_page(api):
    assert_error(api.post("/api/v1/cases/abc/accept/", {}, format="json"), 404, "not_found")


def test_a_body_over_the_upload_limit_is_413(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    case = world.submitted()
    response = api.post(f"{CASES}{case.pk}/accept/", {"comment": "x" * 2000}, format="json")
    assert_error(response, 413, "body_too_large")
