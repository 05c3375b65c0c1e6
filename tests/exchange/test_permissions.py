"""Every endpoint, three callers: the department's own system, another department's system, a revoked key."""

import pytest

from approvals.models import Licence, LicenceType
from exchange import api, services
from exchange.models import ApiKey
from tests.exchange.factories import client_for, make_key, make_system

pytestmark = pytest.mark.django_db

# A valid body of each of the API's case actions (those not listed take an empty one), by URL slug.
BODIES = {
    "refuse": {"reason": "不符合受理条件"},
    "request_supplement": {"items": [{"name": "委托书"}]},
    "deny": {"reason": "不符合法定条件"},
}
ACTIONS = {name.replace("_", "-"): BODIES.get(name, {}) for name in api.ACTIONS}

PUBLISH = {"licence_type": "food", "number": "N1", "holder_name": "甲", "issued_on": "2026-01-01"}

# (method, url template, body, statuses the own system may get, what another department's system gets)
ENDPOINTS = [
    ("get", "/api/v1/system/", None, {200}, 200),
    ("get", "/api/v1/cases/", None, {200}, "empty"),
    ("get", "/api/v1/cases/{case}/", None, {200}, 404),
    ("get", "/api/v1/cases/{case}/materials/{material}/file/", None, {200}, 404),
    *[("post", f"/api/v1/cases/{{case}}/{slug}/", body, {200, 409}, 404) for slug, body in ACTIONS.items()],
    ("get", "/api/v1/cases/{case}/shared-licences/", None, {200}, 404),
    ("get", "/api/v1/cases/{case}/shared-materials/", None, {200}, 404),
    ("get", "/api/v1/cases/{case}/shared-materials/{earlier}/file/", None, {200}, 404),
    ("get", "/api/v1/licences/", None, {200}, "empty"),
    ("post", "/api/v1/licences/", PUBLISH, {201}, 403),  # the type is this department's to issue
    ("get", "/api/v1/licences/{licence}/", None, {200}, 404),
]  # fmt: skip


@pytest.fixture
def objects(world):
    licence_type = LicenceType.objects.create(code="food", name="食品经营许可证")
    world.implementation.issues_licence = licence_type
    world.implementation.save(update_fields=["issues_licence"])
    earlier = world.submitted()
    case = world.submitted()
    licence = Licence.objects.create(
        licence_type=licence_type, number="JY1", holder_name="乙", issuing_department=world.department
    )
    return {
        "case": case.pk,
        "material": case.materials.first().pk,
        "earlier": earlier.materials.first().pk,
        "licence": licence.pk,
    }


def call(client, method, template, body, objects):
    url = template.format(**objects)
    return getattr(client, method)(url, body, format="json") if method == "post" else client.get(url)


@pytest.mark.parametrize("method, template, body, own, _other", ENDPOINTS, ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS])
def test_the_departments_own_system_is_served(api, objects, method, template, body, own, _other):
    response = call(api, method, template, body, objects)
    assert response.status_code in own, response.content


@pytest.mark.parametrize("method, template, body, _own, other", ENDPOINTS, ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS])
def test_another_departments_system_sees_nothing_of_this_department(objects, method, template, body, _own, other):
    stranger = client_for(make_key(make_system()))
    response = call(stranger, method, template, body, objects)
    if other == "empty":
        assert response.status_code == 200 and response.json()["results"] == []
    else:
        assert response.status_code == other, response.content
        if other == 404:
            assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method, template, body, _own, _other", ENDPOINTS, ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS])
def test_a_revoked_key_is_refused_everywhere(api, objects, method, template, body, _own, _other):
    services.api_key_revoke(key_id=ApiKey.objects.get().pk)
    response = call(api, method, template, body, objects)
    assert response.status_code == 401 and response.json()["error"]["code"] == "key_revoked"
    assert not Licence.objects.filter(number="N1").exists()
