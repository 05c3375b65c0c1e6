"""Sharing through the API: the hall's sharing service, so the same authority check and the same log."""

import pytest

from approvals.models import Case, CaseMaterial, Licence, LicenceType, SharingLog
from approvals.services import cases as services
from exchange import services as exchange_services
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.exchange.test_auth import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(world):
    """A licence of the applicant's that the world's first material accepts."""
    licence_type = LicenceType.objects.create(code="business", name="营业执照")
    material = world.implementation.materials.first()
    material.licence_type = licence_type
    material.save()
    return Licence.objects.create(
        licence_type=licence_type, number="91500103MA0001", holder=world.applicant,
        holder_name=world.applicant.real_name, issuing_department=world.other_department,
    )  # fmt: skip


def test_reading_the_applicants_licences_is_logged_for_the_system(api, world, system, licence):
    case = world.submitted()
    response = api.get(f"/api/v1/cases/{case.pk}/shared-licences/", {"purpose": "核验营业执照"})
    assert response.status_code == 200
    assert [row["number"] for row in response.json()] == [licence.number]
    log = SharingLog.objects.get()
    assert (log.actor, log.department, log.subject, log.case, log.what, log.object_id) == (
        system.service_user, world.department, world.applicant, case, SharingLog.What.LICENCE, licence.pk,
    )  # fmt: skip
    assert log.purpose == "核验营业执照"


def test_without_a_purpose_the_log_says_which_case_it_was_for(api, world, licence):
    case = world.submitted()
    api.get(f"/api/v1/cases/{case.pk}/shared-licences/")
    assert case.supervision_code in SharingLog.objects.get().purpose


def test_earlier_materials_are_shared_and_each_read_logged(api, world):
    earlier = world.submitted()
    case = world.submitted()
    response = api.get(f"/api/v1/cases/{case.pk}/shared-materials/")
    rows = response.json()
    assert response.status_code == 200 and {row["from_case"] for row in rows} == {earlier.supervision_code}
    assert SharingLog.objects.filter(what=SharingLog.What.MATERIAL, case=case).count() == len(rows) == 2
    download = api.get(rows[0]["file_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert SharingLog.objects.filter(what=SharingLog.What.MATERIAL, case=case).count() == 3


def test_a_closed_case_gives_no_authority_to_read_and_nothing_is_logged(api, world, licence):
    case = world.submitted()
    services.case_refuse(case_id=case.pk, actor=world.clerk, reason="不予受理")
    body = assert_error(api.get(f"/api/v1/cases/{case.pk}/shared-licences/"), 403, "sharing_refused")
    assert body["error"]["message"]
    assert_error(api.get(f"/api/v1/cases/{case.pk}/shared-materials/"), 403, "sharing_refused")
    assert not SharingLog.objects.exists()


def test_a_material_the_case_does_not_need_is_refused(api, world):
    unrelated = World()
    other_case = unrelated.submitted()
    row = CaseMaterial.objects.filter(case=other_case).first()
    case = world.submitted()
    response = api.get(f"/api/v1/cases/{case.pk}/shared-materials/{row.pk}/file/")
    assert_error(response, 403, "sharing_refused")
    assert not SharingLog.objects.exists()


def test_another_departments_case_is_not_found_and_nothing_is_read(world, licence):
    case = world.submitted()
    stranger = client_for(make_key(make_system()))
    assert_error(stranger.get(f"/api/v1/cases/{case.pk}/shared-licences/"), 404, "not_found")
    assert_error(stranger.get(f"/api/v1/cases/{case.pk}/shared-materials/"), 404, "not_found")
    assert not SharingLog.objects.exists()


def test_a_disabled_system_loses_its_authority_with_its_post(api, world, system, licence):
    case = world.submitted()
    exchange_services.system_update(system_id=system.pk, name=system.name, rate_limit="", contact="", is_active=False)
    assert_error(api.get(f"/api/v1/cases/{case.pk}/shared-licences/"), 401, "system_disabled")
    assert not system.service_user.memberships.filter(is_active=True).exists()
    assert Case.objects.get(pk=case.pk).state == Case.State.SUBMITTED


def test_a_too_long_purpose_is_400(api, world):
    case = world.submitted()
    body = assert_error(api.get(f"/api/v1/cases/{case.pk}/shared-licences/", {"purpose": "x" * 201}), 400, "invalid")
    assert "purpose" in body["error"]["fields"]
