"""Once-only: records offered on the apply form with consent, the logged sharing service, the append-only log."""

import datetime
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import Case, CaseMaterial, FormField, Licence, LicenceType, SharingLog
from approvals.selectors import sharing as sharing_selectors
from approvals.services import cases as services
from approvals.services import sharing
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_with_licence():
    """An implementation whose first material an 营业执照 can replace, and an applicant holding one."""
    world = World()
    licence_type = LicenceType.objects.create(code="business", name="营业执照")
    material = world.implementation.materials.first()
    material.licence_type = licence_type
    material.save()
    licence = Licence.objects.create(
        licence_type=licence_type, number="91500103MA0001", holder=world.applicant,
        holder_name=world.applicant.real_name, issuing_department=world.other_department,
        data={"address": "重庆市渝中区解放碑"},
    )  # fmt: skip
    world.licence_type, world.licence, world.material = licence_type, licence, material
    return world


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_a_valid_licence_is_offered_and_used_with_consent(client, world_with_licence):
    world = world_with_licence
    second = world.implementation.materials.exclude(pk=world.material.pk).first()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url)
    body = page.content.decode()
    assert "91500103MA0001" in body and "1" in str(page.context["filled_count"])
    assert page.context["filled_count"] == 1 and page.context["material_count"] == 2
    from tests.factories import pdf_upload

    response = client.post(
        url, {"token": token_of(page), f"u_{world.material.pk}": "on", f"m_{second.pk}": pdf_upload(), "submit": "1"}
    )
    assert response.status_code == 302
    used = CaseMaterial.objects.get(material=world.material, replaced=False)
    assert used.source == CaseMaterial.Source.LICENCE and used.licence == world.licence


def test_without_consent_the_material_must_be_uploaded(client, world_with_licence):
    world = world_with_licence
    second = world.implementation.materials.exclude(pk=world.material.pk).first()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    from tests.factories import pdf_upload

    response = client.post(url, {"token": token_of(client.get(url)), f"m_{second.pk}": pdf_upload(), "submit": "1"})
    assert response.status_code == 200
    assert world.material.name in response.content.decode()
    assert not Case.objects.filter(state=Case.State.SUBMITTED).exists()


@pytest.mark.parametrize("problem", ["expired", "revoked", "someone_else"])
def test_expired_revoked_or_foreign_licences_are_not_offered(world_with_licence, problem):
    world = world_with_licence
    if problem == "expired":
        world.licence.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    elif problem == "revoked":
        world.licence.revoked_at = timezone.now()
    else:
        world.licence.holder = World().applicant
    world.licence.save()
    assert sharing_selectors.material_offers(applicant=world.applicant, implementation=world.implementation) == {}


def test_an_earlier_upload_is_offered_from_the_library(world_with_licence):
    world = world_with_licence
    earlier = world.submitted()
    offers = sharing_selectors.material_offers(applicant=world.applicant, implementation=world.implementation)
    second = world.implementation.materials.exclude(pk=world.material.pk).get()
    assert offers[world.material.pk].kind == "licence"
    assert offers[second.pk].kind == "library"
    assert offers[second.pk].case_material.case == earlier
    case = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=__import__("uuid").uuid4(),
        form_data={}, submit=True,
        answers=[services.MaterialAnswer(material=m, offer=offers[m.pk]) for m in world.implementation.materials.all()],
    )  # fmt: skip
    reused = case.materials.get(material=second, replaced=False)
    assert (
        reused.source == CaseMaterial.Source.LIBRARY and reused.file.name == offers[second.pk].case_material.file.name
    )


def test_form_fields_are_prefilled_from_profile_and_licences(client, world_with_licence):
    world = world_with_licence
    FormField.objects.create(implementation=world.implementation, name="contact_phone", label="电话", kind="phone")
    FormField.objects.create(implementation=world.implementation, name="address", label="地址", kind="address")
    client.force_login(world.applicant)
    form = client.get(reverse("approvals:apply", args=[world.implementation.code])).context["form"]
    assert form.initial["f_contact_phone"] == world.applicant.mobile
    assert form.initial["f_address"] == "重庆市渝中区解放碑"


def test_the_guide_tells_a_logged_in_applicant_what_is_left_to_upload(client, world_with_licence):
    world = world_with_licence
    client.force_login(world.applicant)
    body = client.get(world.implementation.get_absolute_url()).content.decode()
    second = world.implementation.materials.exclude(pk=world.material.pk).get()
    assert "91500103MA0001" in body and second.name in body


def test_the_handling_department_reads_through_the_service_and_every_read_is_logged(world_with_licence):
    world = world_with_licence
    world.submitted()  # an earlier application with uploads
    case = world.submitted()
    licences = sharing.shared_licences_for_case(actor=world.clerk, case=case, purpose="核验")
    materials = sharing.shared_materials_for_case(actor=world.clerk, case=case, purpose="核验")
    assert licences == [world.licence]
    assert materials and all(m.case != case for m in materials)
    log = SharingLog.objects.filter(subject=world.applicant)
    assert log.count() == 1 + len(materials)
    entry = log.filter(what="licence").get()
    assert (entry.actor, entry.department, entry.case, entry.purpose) == (world.clerk, world.department, case, "核验")


def test_a_department_without_a_case_is_refused_and_nothing_is_logged(world_with_licence):
    world = world_with_licence
    case = world.submitted()
    with pytest.raises(sharing.SharingRefused):
        sharing.shared_licences_for_case(actor=world.other_clerk, case=case, purpose="好奇")
    supervisor = StaffMembershipFactory(department=world.department, supervisor=True).user
    with pytest.raises(sharing.SharingRefused):
        sharing.shared_licences_for_case(actor=supervisor, case=case, purpose="x")
    closed = services.case_refuse(case_id=world.submitted().pk, actor=world.clerk, reason="不符合")
    with pytest.raises(sharing.SharingRefused):
        sharing.shared_licences_for_case(actor=world.clerk, case=closed, purpose="x")
    assert not SharingLog.objects.exists()


def test_a_co_review_department_may_read_while_its_opinion_is_open(world_with_licence):
    world = world_with_licence
    case = services.case_request_co_review(case_id=world.under_review().pk, actor=world.clerk,
                                           departments=[world.other_department])  # fmt: skip
    assert sharing.shared_licences_for_case(actor=world.other_clerk, case=case, purpose="会签") == [world.licence]


def test_the_case_page_button_reads_through_the_log_and_the_applicant_sees_it(client, world_with_licence):
    world = world_with_licence
    case = world.submitted()
    client.force_login(world.clerk)
    response = client.post(reverse("approvals:case_records", args=[case.pk]))
    assert "91500103MA0001" in response.content.decode()
    client.force_login(world.other_clerk)
    assert client.post(reverse("approvals:case_records", args=[case.pk])).status_code == 404
    client.force_login(world.applicant)
    body = client.get(reverse("portal:me")).content.decode()
    assert world.department.name in body and "营业执照 91500103MA0001" in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL")
def test_the_log_refuses_updates_and_deletes(world_with_licence):
    world = world_with_licence
    case = world.submitted()
    sharing.shared_licences_for_case(actor=world.clerk, case=case, purpose="核验")
    entry = SharingLog.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        SharingLog.objects.filter(pk=entry.pk).update(purpose="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        SharingLog.objects.filter(pk=entry.pk).delete()
    assert SharingLog.objects.get().purpose == "核验"


def test_apply_page_queries_do_not_grow_with_records(client, world_with_licence):
    world = world_with_licence
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(8):
        Licence.objects.create(licence_type=world.licence_type, number=f"X{index}", holder=world.applicant,
                               holder_name="x", issuing_department=world.department)  # fmt: skip
        world.submitted()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
