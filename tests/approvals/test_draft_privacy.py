"""Drafts belong to their applicant alone: no staff or supervisor page, file, reveal, receive form or API call
shows or acts on one; a window receiving for an applicant starts an application of its own, records itself and
its clerk, and sees the applicant's records only through the logged sharing service."""

import uuid

import pytest
from django.urls import reverse

from approvals.models import Case, CaseEvent, FormField, Licence, LicenceType, SharingLog
from approvals.services import cases as services
from portal.models import PersonalDataAccess
from tests.approvals.page_helpers import token_of
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.factories import StaffMembershipFactory, pdf_upload

pytestmark = pytest.mark.django_db
S = Case.State


@pytest.fixture
def world():
    """A world whose applicant has a saved draft with a secret answer and a file named after it."""
    world = World()
    FormField.objects.create(implementation=world.implementation, name="shop", label="店名", kind="text")
    world.draft = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=uuid.uuid4(),
        form_data={"shop": "草稿里的秘密店名"},
        answers=[services.MaterialAnswer(material=m, upload=pdf_upload("草稿私密文件.pdf"))
                 for m in world.implementation.materials.all()[:1]],
        submit=False,
    )  # fmt: skip
    assert world.draft.state == S.DRAFT
    world.draft_file = world.draft.materials.get()
    world.supervisor = StaffMembershipFactory(supervisor=True).user
    return world


def receive_url(world, window=None) -> str:
    query = {"code": world.implementation.code, "mobile": world.applicant.mobile}
    if window is not None:
        query["window"] = window.pk
    return f"{reverse('approvals:staff_receive')}?{'&'.join(f'{k}={v}' for k, v in query.items())}"


@pytest.mark.parametrize("who", ["clerk", "reviewer", "other_clerk", "supervisor"])
def test_no_staff_or_supervisor_page_file_or_reveal_shows_a_draft(client, world, who):
    case = world.draft
    client.force_login(getattr(world, who))
    assert client.get(reverse("approvals:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("approvals:case_file", args=[world.draft_file.pk])).status_code == 404
    assert client.get(reverse("approvals:case_receipt", args=[case.pk])).status_code == 404
    assert client.post(reverse("approvals:case_reveal", args=[case.pk])).status_code == 404
    assert client.post(reverse("approvals:case_records", args=[case.pk])).status_code == 404
    assert client.post(reverse("approvals:case_action", args=[case.pk, "accept"]), {}).status_code == 404
    assert client.post(reverse("approvals:case_assign", args=[case.pk])).status_code == 404
    assert not PersonalDataAccess.objects.exists()
    case.refresh_from_db()
    assert case.state == S.DRAFT and case.assigned_to is None
    assert list(case.events.values_list("action", flat=True)) == []


def test_the_applicant_still_opens_their_own_draft_and_its_file(client, world):
    client.force_login(world.applicant)
    assert client.get(reverse("approvals:case_detail", args=[world.draft.pk])).status_code == 200
    assert client.get(reverse("approvals:case_file", args=[world.draft_file.pk])).status_code == 200


def test_the_exchange_api_answers_404_for_a_draft(world):
    api = client_for(make_key(make_system(world.department)))
    assert api.get(f"/api/v1/cases/{world.draft.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{world.draft.pk}/materials/{world.draft_file.pk}/file/").status_code == 404
    assert api.post(f"/api/v1/cases/{world.draft.pk}/accept/", {}, format="json").status_code == 404
    assert Case.objects.get(pk=world.draft.pk).state == S.DRAFT


def test_a_window_of_another_department_never_sees_the_applicants_draft(client, world):
    client.force_login(world.other_clerk)
    page = client.get(receive_url(world))
    assert page.status_code == 200
    body = page.content.decode()
    assert page.context["draft"] is None and page.context["provided"] == {}
    assert "草稿里的秘密店名" not in body and "草稿私密文件" not in body
    assert token_of(page) != str(world.draft.submission_token)
    assert not SharingLog.objects.exists()  # the applicant holds no licence and no earlier material


def test_a_window_starts_an_application_of_its_own_and_is_named_on_the_timeline(client, world):
    client.force_login(world.other_clerk)
    page = client.get(receive_url(world))
    data = {"token": token_of(page), "f_shop": "窗口代收的店名"}
    for material in world.implementation.materials.all():
        data[f"m_{material.pk}"] = pdf_upload("窗口扫描件.pdf")
    response = client.post(receive_url(world), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    received = Case.objects.exclude(pk=world.draft.pk).get()
    assert received.state == S.SUBMITTED and received.form_data == {"shop": "窗口代收的店名"}
    assert received.applicant == world.applicant
    assert received.receiving_department == world.other_department and received.received_by == world.other_clerk
    submit = received.events.get(action="submit")
    assert (submit.actor, submit.actor_department) == (world.other_clerk, world.other_department)
    assert set(received.materials.values_list("uploaded_by", flat=True)) == {world.other_clerk.pk}
    draft = Case.objects.get(pk=world.draft.pk)
    assert draft.state == S.DRAFT and draft.form_data == {"shop": "草稿里的秘密店名"}
    assert list(draft.materials.values_list("pk", flat=True)) == [world.draft_file.pk]
    assert not CaseEvent.objects.filter(case=draft).exists()


def test_a_window_posting_the_drafts_token_cannot_submit_the_draft(client, world):
    client.force_login(world.other_clerk)
    data = {"token": str(world.draft.submission_token), "f_shop": "窗口代收的店名"}
    for material in world.implementation.materials.all():
        data[f"m_{material.pk}"] = pdf_upload()
    response = client.post(receive_url(world), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    draft = Case.objects.get(pk=world.draft.pk)
    assert draft.state == S.DRAFT and draft.supervision_code is None
    assert list(draft.materials.values_list("pk", flat=True)) == [world.draft_file.pk]
    assert Case.objects.count() == 1


def test_the_window_sees_the_applicants_records_only_through_the_logged_sharing_service(client, world):
    licence_type = LicenceType.objects.create(code="business", name="营业执照")
    first, second = world.implementation.materials.all()
    first.licence_type = licence_type
    first.save(update_fields=["licence_type"])
    licence = Licence.objects.create(
        licence_type=licence_type, number="91500103MA0001", holder=world.applicant,
        holder_name=world.applicant.real_name, issuing_department=world.department,
    )  # fmt: skip
    earlier = world.submitted()
    earlier_row = earlier.materials.get(material=second)
    client.force_login(world.other_clerk)
    page = client.get(receive_url(world))
    body = page.content.decode()
    assert "91500103MA0001" in body and earlier.supervision_code in body
    rows = SharingLog.objects.order_by("what")
    assert [(r.what, r.object_id) for r in rows] == [("licence", licence.pk), ("material", earlier_row.pk)]
    for row in rows:
        assert (row.actor, row.department, row.subject) == (world.other_clerk, world.other_department, world.applicant)
        assert row.purpose and world.implementation.name in row.purpose
    # The applicant consents to use both; the case takes them, and the licence is still the applicant's.
    response = client.post(
        receive_url(world),
        {"token": token_of(page), "f_shop": "山城小面", f"u_{first.pk}": "on", f"u_{second.pk}": "on"},
    )
    assert response.status_code == 302
    received = Case.objects.get(receiving_department=world.other_department)
    assert received.materials.get(material=first).licence == licence
    assert received.materials.get(material=second).reused_from == earlier_row


def test_the_window_form_is_not_prefilled_from_the_applicants_licences_without_a_log(client):
    world = World()
    FormField.objects.create(implementation=world.implementation, name="address", label="地址", kind="address")
    Licence.objects.create(
        licence_type=LicenceType.objects.create(code="other", name="其他证照"), number="X1", holder=world.applicant,
        holder_name=world.applicant.real_name, issuing_department=world.department,
        data={"address": "重庆市渝中区解放碑"},
    )  # fmt: skip
    client.force_login(world.other_clerk)
    page = client.get(receive_url(world))
    assert "重庆市渝中区解放碑" not in page.content.decode()
    assert not SharingLog.objects.exists()
