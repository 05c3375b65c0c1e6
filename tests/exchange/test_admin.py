"""Admin: registering a system creates its service account; a key is shown once; revoking; read-only logs."""

import re

import pytest
from django.urls import reverse

from departments.models import StaffMembership
from exchange.keys import key_digest
from exchange.models import ApiCallLog, ApiKey, BusinessSystem
from tests.exchange.factories import client_for, make_key, make_system
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"hall_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_registering_a_system_creates_its_account_and_post(admin_client):
    department = DepartmentFactory()
    response = admin_client.post(
        reverse("admin:exchange_businesssystem_add"),
        {"name": "市场监管审批系统", "code": "scj-approval", "department": department.pk, "rate_limit": "",
         "contact": "信息中心 023-1234"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    system = BusinessSystem.objects.get(code="scj-approval")
    user = system.service_user
    assert user.username == "system-scj-approval" and user.real_name == "市场监管审批系统"
    assert not user.has_usable_password() and not user.is_staff
    assert StaffMembership.objects.get(user=user).department == department


def test_a_taken_code_is_a_form_error(admin_client):
    system = make_system()
    response = admin_client.post(
        reverse("admin:exchange_businesssystem_add"),
        {"name": "x", "code": system.code, "department": DepartmentFactory().pk, "rate_limit": "", "contact": ""},
    )
    assert response.status_code == 200 and "code" in response.context["adminform"].form.errors


def test_a_bad_rate_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:exchange_businesssystem_add"),
        {"name": "x", "code": "x1", "department": DepartmentFactory().pk, "rate_limit": "lots", "contact": ""},
    )
    assert response.status_code == 200 and "rate_limit" in response.context["adminform"].form.errors


def test_the_issue_action_shows_each_key_once_and_stores_only_its_digest(admin_client):
    system = make_system()
    response = admin_client.post(
        reverse("admin:exchange_businesssystem_changelist"), {"action": "issue_key", "_selected_action": [system.pk]}
    )
    assert response.status_code == 200
    keys = KEY_RE.findall(response.content.decode())
    assert len(keys) == 1
    row = ApiKey.objects.get(system=system)
    assert row.digest == key_digest(keys[0]) and row.created_by is not None
    assert client_for(keys[0]).get("/api/v1/system/").status_code == 200
    page = admin_client.get(reverse("admin:exchange_apikey_change", args=[row.pk]))
    assert page.status_code == 200 and keys[0] not in page.content.decode()


def test_the_key_add_view_issues_a_key_with_its_expiry(admin_client):
    system = make_system()
    response = admin_client.post(
        reverse("admin:exchange_apikey_add"),
        {"system": system.pk, "expires_at_0": "2099-06-30", "expires_at_1": "12:00:00"},
    )
    assert response.status_code == 200, response.content
    keys = KEY_RE.findall(response.content.decode())
    assert len(keys) == 1 and ApiKey.objects.get().expires_at.year == 2099


def test_a_key_expiring_in_the_past_is_refused(admin_client):
    system = make_system()
    response = admin_client.post(
        reverse("admin:exchange_apikey_add"),
        {"system": system.pk, "expires_at_0": "2000-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 200 and not ApiKey.objects.exists()


def test_the_revoke_action_stops_the_key(admin_client):
    system = make_system()
    key = make_key(system)
    row = ApiKey.objects.get()
    response = admin_client.post(
        reverse("admin:exchange_apikey_changelist"), {"action": "revoke", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by is not None
    assert client_for(key).get("/api/v1/system/").status_code == 401


def test_disabling_a_system_in_the_admin_stops_its_keys(admin_client):
    system = make_system()
    key = make_key(system)
    response = admin_client.post(
        reverse("admin:exchange_businesssystem_change", args=[system.pk]),
        {"name": system.name, "rate_limit": "", "contact": "", "keys-TOTAL_FORMS": "1", "keys-INITIAL_FORMS": "1",
         "keys-MIN_NUM_FORMS": "0", "keys-MAX_NUM_FORMS": "1000", "keys-0-id": ApiKey.objects.get().pk,
         "keys-0-system": system.pk},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    system.refresh_from_db()
    assert not system.is_active and not system.service_user.is_active
    assert client_for(key).get("/api/v1/system/").status_code == 401


def test_the_call_log_is_read_only(admin_client, api):
    api.get("/api/v1/system/")
    log = ApiCallLog.objects.get()
    assert admin_client.get(reverse("admin:exchange_apicalllog_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:exchange_apicalllog_change", args=[log.pk])).status_code == 200
    assert admin_client.post(reverse("admin:exchange_apicalllog_change", args=[log.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:exchange_apicalllog_add")).status_code == 403
