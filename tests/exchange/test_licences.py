"""Licences issued outside the hall: published through the API, verifiable on the public page, scoped reads."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import Licence, LicenceType
from tests.exchange.factories import client_for, make_key, make_system
from tests.exchange.test_auth import assert_error
from tests.factories import ImplementationFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

LICENCES = "/api/v1/licences/"


@pytest.fixture
def licence_type(world):
    """The type the world's department issues (its implementation's licence)."""
    licence_type = LicenceType.objects.create(code="food", name="食品经营许可证", valid_years=5, number_prefix="JY")
    world.implementation.issues_licence = licence_type
    world.implementation.save(update_fields=["issues_licence"])
    return licence_type


def body(**overrides) -> dict:
    return {
        "licence_type": "food",
        "number": "JY15001032026000001",
        "holder_name": "重庆山城餐饮管理有限公司",
        "issued_on": "2026-01-05",
        "valid_until": "2031-01-04",
        "data": {"address": "重庆市渝中区解放碑", "business_scope": "热食类食品制售"},
        **overrides,
    }


def test_a_published_licence_is_issued_by_the_systems_department_and_verifies(api, world, system, licence_type):
    response = api.post(LICENCES, body(), format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    licence = Licence.objects.get(pk=row["id"])
    assert licence.issuing_department == world.department and licence.source == system.code
    assert licence.case is None and licence.holder is None and len(licence.verification_code) == 16
    assert row["verification_code"] == licence.verification_code and row["status"] == "valid"
    assert row["verify_url"].endswith(f"{reverse('approvals:licence_verify')}?code={licence.verification_code}")
    page = client_for(None).get(reverse("approvals:licence_verify"), {"code": licence.verification_code})
    assert page.status_code == 200 and page.context["result"] == "valid"
    assert "JY15001032026000001" in page.content.decode()


def test_the_systems_own_verification_code_is_kept(api, world, licence_type):
    response = api.post(LICENCES, body(verification_code="ab12-cd34-ef56-gh78"), format="json")
    assert response.status_code == 201
    assert response.json()["verification_code"] == "AB12CD34EF56GH78"
    page = client_for(None).get(reverse("approvals:licence_verify"), {"code": "ab12 cd34 ef56 gh78"})
    assert page.context["result"] == "valid"


def test_the_holder_is_linked_to_the_account_with_the_same_certificate_number(api, world, licence_type):
    number = make_id_number()
    holder = UserFactory(cert=("resident_id", number))
    response = api.post(LICENCES, body(holder_cert_type="resident_id", holder_cert_number=number), format="json")
    licence = Licence.objects.get(pk=response.json()["id"])
    assert licence.holder == holder and licence.holder_cert_masked == holder.cert_masked
    assert number not in response.content.decode()


def test_the_holder_is_told_the_licence_is_in_their_wallet_and_nobody_else_is(
    api, world, licence_type, django_capture_on_commit_callbacks
):
    from portal.models import Message, Notification

    number = make_id_number()
    holder = UserFactory(cert=("resident_id", number))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(LICENCES, body(holder_cert_type="resident_id", holder_cert_number=number), format="json")
    licence = Licence.objects.get(pk=response.json()["id"])
    notification = Notification.objects.get(kind="licence.published")
    assert notification.recipient == holder and notification.link == licence.get_absolute_url()
    assert "JY15001032026000001" in notification.title and licence.verification_code in notification.body
    assert Message.objects.filter(recipient=holder, notification=notification).count() == 1

    api.post(LICENCES, body(number="JY15001032026000002"), format="json")  # no hall account to tell
    assert Notification.objects.filter(kind="licence.published").count() == 1


def test_a_duplicate_number_is_409(api, world, licence_type):
    assert api.post(LICENCES, body(), format="json").status_code == 201
    assert_error(api.post(LICENCES, body(), format="json"), 409, "duplicate_licence")
    assert Licence.objects.count() == 1


def test_a_duplicate_verification_code_is_409(api, world, licence_type):
    assert api.post(LICENCES, body(verification_code="AAAABBBBCCCC"), format="json").status_code == 201
    response = api.post(LICENCES, body(number="other", verification_code="AAAABBBBCCCC"), format="json")
    assert_error(response, 409, "duplicate_verification_code")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"licence_type": "nope"}, "licence_type"),
        ({"number": ""}, "number"),
        ({"issued_on": "05/01/2026"}, "issued_on"),
        ({"issued_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()}, "issued_on"),
        ({"valid_until": "2025-01-01"}, "valid_until"),
        ({"holder_cert_type": "resident_id"}, "holder_cert_number"),
        ({"holder_cert_type": "resident_id", "holder_cert_number": "500103199001011234"}, "holder_cert_number"),
        ({"holder_cert_type": "passport", "holder_cert_number": "E1234"}, "holder_cert_type"),
        ({"verification_code": "short"}, "verification_code"),
        ({"data": {"k": {"nested": 1}}}, "data"),
        ({"data": {f"k{n}": "v" for n in range(31)}}, "data"),
        ({"data": ["not", "a", "dict"]}, "data"),
        ({"data": {"nul\u0000": "v"}}, "data"),
        ({"data": {"k": "nul\u0000"}}, "data"),
        ({"number": "JY\u00001"}, "number"),
    ],
)
def test_invalid_licences_are_400_naming_the_field(api, world, licence_type, overrides, field):
    error = assert_error(api.post(LICENCES, body(**overrides), format="json"), 400, "invalid")
    assert field in error["error"]["fields"]
    assert not Licence.objects.exists()


def test_a_type_the_department_does_not_issue_is_403_and_nothing_is_published(api, world, licence_type):
    other = ImplementationFactory(issues_licence=LicenceType.objects.create(code="drugs", name="药品经营许可证"))
    assert other.department != world.department
    error = assert_error(api.post(LICENCES, body(licence_type="drugs"), format="json"), 403, "licence_type_not_issued")
    assert "药品经营许可证" in error["error"]["message"]
    stranger = client_for(make_key(make_system()))  # a department that issues no licence type at all
    assert_error(stranger.post(LICENCES, body(), format="json"), 403, "licence_type_not_issued")
    assert not Licence.objects.exists()
    own = client_for(make_key(make_system(other.department)))
    assert own.post(LICENCES, body(licence_type="drugs"), format="json").status_code == 201
    assert Licence.objects.get().issuing_department == other.department


def test_the_list_and_detail_show_the_departments_licences_only(api, world, licence_type):
    mine = api.post(LICENCES, body(), format="json").json()
    stranger = client_for(make_key(make_system(ImplementationFactory(issues_licence=licence_type).department)))
    theirs = stranger.post(LICENCES, body(number="JY2"), format="json").json()
    assert [row["id"] for row in api.get(LICENCES).json()["results"]] == [mine["id"]]
    assert api.get(f"{LICENCES}{mine['id']}/").json()["number"] == mine["number"]
    assert_error(api.get(f"{LICENCES}{theirs['id']}/"), 404, "not_found")


def test_the_licence_list_costs_the_same_queries_however_many_licences(api, world, licence_type):
    api.post(LICENCES, body(), format="json")
    with CaptureQueriesContext(connection) as few:
        api.get(LICENCES)
    for n in range(8):
        api.post(LICENCES, body(number=f"JY-{n}"), format="json")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(LICENCES).json()["results"]) == 9
    assert len(many) == len(few)
