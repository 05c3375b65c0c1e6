"""Case pages: applying with drafts and uploads, one case per double post, the receipt, tracking, the desk."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import Case, CaseMaterial, FormField
from approvals.services import cases as services
from portal.models import AuditEvent, PersonalDataAccess
from tests.approvals.page_helpers import token_of
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory, UserFactory, make_id_number, pdf_upload

pytestmark = pytest.mark.django_db
S = Case.State


def apply_data(world, response, **extra):
    data = {"token": token_of(response), **extra}
    for material in world.implementation.materials.all():
        data.setdefault(f"m_{material.pk}", pdf_upload())
    return data


def test_apply_needs_login_and_a_published_item(client):
    world = World()
    url = reverse("approvals:apply", args=[world.implementation.code])
    assert client.get(url).status_code == 302
    client.force_login(world.applicant)
    assert client.get(url).status_code == 200
    draft = World(status="draft")
    assert client.get(reverse("approvals:apply", args=[draft.implementation.code])).status_code == 404


def test_save_a_draft_resume_it_and_submit(client):
    world = World()
    FormField.objects.create(implementation=world.implementation, name="shop", label="店名", kind="text")
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    first = client.get(url)
    response = client.post(url, {"token": token_of(first), "f_shop": "山城小面", "save": "1"})
    assert response.status_code == 302
    draft = Case.objects.get(applicant=world.applicant)
    assert draft.state == S.DRAFT and draft.form_data == {"shop": "山城小面"}
    again = client.get(url)
    assert token_of(again) == str(draft.submission_token)
    assert "山城小面" in again.content.decode()
    response = client.post(url, apply_data(world, again, f_shop="山城小面", submit="1"))
    draft.refresh_from_db()
    assert response.status_code == 302 and response.url == reverse("approvals:case_receipt", args=[draft.pk])
    assert draft.state == S.SUBMITTED and draft.supervision_code
    receipt = client.get(response.url).content.decode()
    assert draft.supervision_code in receipt and world.applicant.mobile_masked in receipt


def test_a_double_posted_submission_makes_one_case(client):
    world = World()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url)
    first = client.post(url, apply_data(world, page, submit="1"))
    second = client.post(url, apply_data(world, page, submit="1"))
    assert Case.objects.filter(applicant=world.applicant).count() == 1
    assert first.url == second.url


def test_required_fields_are_checked_on_submit_but_not_on_draft(client):
    world = World()
    FormField.objects.create(
        implementation=world.implementation, name="idn", label="法定代表人身份证", kind="id_number"
    )
    FormField.objects.create(implementation=world.implementation, name="size", label="面积", kind="number")
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url)
    response = client.post(url, apply_data(world, page, submit="1", f_idn="500103199001011230", f_size="x"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "f_idn" in errors and "f_size" in errors
    assert not Case.objects.exists()
    response = client.post(url, {"token": token_of(page), "save": "1"})
    assert response.status_code == 302 and Case.objects.get().state == S.DRAFT
    response = client.post(url, apply_data(world, page, submit="1", f_idn=make_id_number(), f_size="35.5"))
    case = Case.objects.get()
    assert case.state == S.SUBMITTED and case.form_data["size"] == "35.5"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("licence.pdf", b"<html><script>alert(1)</script></html>", "PDF"),
        ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PDF"),
        ("empty.pdf", b"", ""),
    ],
)
def test_wrong_files_are_refused_with_a_reason(client, name, content, reason):
    world = World()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    material = world.implementation.materials.first()
    data = apply_data(world, client.get(url), submit="1")
    data[f"m_{material.pk}"] = SimpleUploadedFile(name, content)
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"m_{material.pk}" in response.context["form"].errors
    assert reason in str(response.context["form"].errors[f"m_{material.pk}"])
    assert not Case.objects.exists()


def test_a_too_large_file_is_refused(client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    world = World()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    material = world.implementation.materials.first()
    data = apply_data(world, client.get(url), submit="1")
    data[f"m_{material.pk}"] = pdf_upload(content=b"%PDF-" + b"0" * 200)
    response = client.post(url, data)
    assert "100" in str(response.context["form"].errors[f"m_{material.pk}"])


def test_file_names_are_never_used_as_paths(client, settings):
    world = World()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    material = world.implementation.materials.first()
    data = apply_data(world, client.get(url), submit="1")
    data[f"m_{material.pk}"] = pdf_upload(name="../../../etc/passwd.pdf")
    client.post(url, data)
    stored = CaseMaterial.objects.get(material=material)
    assert stored.original_name == "passwd.pdf"
    assert ".." not in stored.file.name and "passwd" not in stored.file.name
    assert stored.file.name.startswith("cases/")
    path = Path(stored.file.path).resolve()
    assert path.is_file() and path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.BASE_DIR, "static").resolve())


def test_tracking_shows_status_and_a_masked_timeline(client):
    world = World()
    case = services.case_accept(case_id=world.submitted().pk, actor=world.clerk, comment="内部意见")
    url = reverse("approvals:track")
    response = client.post(url, {"code": case.supervision_code, "mobile_last4": world.applicant.mobile[-4:]})
    body = response.content.decode()
    assert response.context["tracked"].case == case
    assert "内部意见" not in body  # comments and staff names stay inside
    assert world.clerk.real_name not in body
    wrong = client.post(url, {"code": case.supervision_code, "mobile_last4": "0000"})
    unknown = client.post(url, {"code": "500000261127999999X", "mobile_last4": world.applicant.mobile[-4:]})
    assert wrong.context["tracked"] is None and unknown.context["tracked"] is None
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_tracking_draws_a_result_once_per_version_of_the_case(client):
    world = World()
    case = world.submitted()
    url = reverse("approvals:track")
    pair = {"code": case.supervision_code, "mobile_last4": world.applicant.mobile[-4:]}
    first = client.post(url, pair).content.decode()
    with CaptureQueriesContext(connection) as context:
        again = client.post(url, pair).content.decode()
    assert len(context.captured_queries) == 1  # the case's version, by its code: the result is kept
    assert again[again.index('id="result-heading"') :] == first[first.index('id="result-heading"') :]

    accepted = services.case_accept(case_id=case.pk, actor=world.clerk)
    body = client.post(url, pair).content.decode()
    assert accepted.get_state_display() in body and accepted.due_date.strftime("%Y-%m-%d") in body
    assert body.count('class="timeline-item"') == first.count('class="timeline-item"') + 1

    client.post(reverse("portal:language", args=["en"]), {"next": "/"})
    assert "Due by" in client.post(url, pair).content.decode()


def test_tracking_is_rate_limited(client):
    url = reverse("approvals:track")
    statuses = [
        client.post(url, {"code": "500000261127000001X", "mobile_last4": "1234"}).status_code for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]


def test_my_hall_lists_my_cases_with_the_next_step(client):
    world = World()
    case = services.case_request_supplement(
        case_id=world.accepted().pk, actor=world.clerk, items=[{"material": None, "name": "营业执照"}]
    )
    other = World().submitted()
    client.force_login(world.applicant)
    body = client.get(reverse("portal:me")).content.decode()
    assert case.supervision_code in body
    assert reverse("approvals:case_supplement", args=[case.pk]) in body
    assert other.supervision_code not in body


def test_the_applicant_supplements_through_the_page(client):
    world = World()
    material = world.implementation.materials.first()
    case = services.case_request_supplement(
        case_id=world.submitted().pk, actor=world.clerk, items=[{"material": material.pk, "name": material.name}]
    )
    client.force_login(world.applicant)
    url = reverse("approvals:case_supplement", args=[case.pk])
    assert material.name in client.get(url).content.decode()
    response = client.post(url, {f"m_{material.pk}": pdf_upload()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.SUBMITTED


def test_clerk_acts_through_the_case_page(client):
    world = World()
    case = world.submitted()
    client.force_login(world.clerk)
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("approvals:case_action", args=[case.pk, "accept"]) in page
    assert reverse("approvals:case_action", args=[case.pk, "approve"]) not in page  # not now, not a reviewer
    response = client.post(reverse("approvals:case_action", args=[case.pk, "refuse"]), {"refuse-reason": ""})
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    client.post(reverse("approvals:case_action", args=[case.pk, "accept"]), {"accept-comment": "材料齐全"})
    case.refresh_from_db()
    assert case.state == S.ACCEPTED
    response = client.post(reverse("approvals:case_action", args=[case.pk, "accept"]), {"accept-comment": ""})
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("not possible" in m or "不能" in m or "无法" in m for m in messages)


def test_reveal_is_recorded_and_only_for_the_handling_department(client):
    world = World()
    case = world.submitted()
    client.force_login(world.other_clerk)
    assert client.post(reverse("approvals:case_reveal", args=[case.pk])).status_code == 404
    client.force_login(world.clerk)
    response = client.post(reverse("approvals:case_reveal", args=[case.pk]), follow=True)
    assert world.applicant.reveal_cert_number() in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.subject, access.object_ref) == (world.clerk, world.applicant, case.supervision_code)
    page = client.get(case.get_absolute_url()).content.decode()
    assert world.applicant.reveal_cert_number() not in page


def test_case_urls_refuse_the_wrong_people(client):
    """Walk every URL that takes a case or file id; the wrong user gets 404 and nothing changes."""
    world = World()
    case = services.case_request_supplement(
        case_id=world.submitted().pk, actor=world.clerk, items=[{"material": None, "name": "x"}]
    )
    file_id = CaseMaterial.objects.filter(case=case).exclude(file="").first().pk
    stranger = UserFactory()
    other_department_clerk = world.other_clerk
    supervisor = StaffMembershipFactory(supervisor=True).user
    gets = [
        reverse("approvals:case_detail", args=[case.pk]),
        reverse("approvals:case_receipt", args=[case.pk]),
        reverse("approvals:case_supplement", args=[case.pk]),
        reverse("approvals:case_file", args=[file_id]),
    ]
    posts = [
        reverse("approvals:case_reveal", args=[case.pk]),
        *[reverse("approvals:case_action", args=[case.pk, action]) for action in ["accept", "withdraw", "refuse"]],
    ]
    for user in [stranger, other_department_clerk]:
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {"refuse-reason": "x"}).status_code == 404, (user, url)
    client.force_login(supervisor)
    assert client.get(reverse("approvals:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("approvals:case_file", args=[file_id])).status_code == 200
    client.post(reverse("approvals:case_action", args=[case.pk, "withdraw"]), {})
    assert client.post(reverse("approvals:case_reveal", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert case.state == S.SUPPLEMENT  # supervisors read, change nothing
    client.force_login(world.applicant)
    for url in gets:
        assert client.get(url).status_code == 200, url
    client.logout()
    for url in gets:
        assert client.get(url).status_code == 302


def test_the_receiving_window_and_co_review_department_can_see_the_case(client):
    world = World()
    window = StaffMembershipFactory()
    case = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=__import__("uuid").uuid4(),
        form_data={}, answers=world.answers(), submit=True, receiving_department=window.department,
        received_by=window.user,
    )  # fmt: skip
    assert case.department == world.department and case.receiving_department == window.department
    client.force_login(window.user)
    assert client.get(case.get_absolute_url()).status_code == 200
    response = client.get(reverse("approvals:staff_desk"), {"received": "1"})
    assert case in response.context["rows"]
    response = client.post(reverse("approvals:case_action", args=[case.pk, "accept"]), {})
    case.refresh_from_db()
    assert case.state == S.SUBMITTED  # the window records, the competent department decides


def test_desk_queue_is_scoped_and_paged_by_keyset(client):
    world = World()
    for _ in range(30):
        world.submitted()
    World().submitted()  # another department's case
    client.force_login(world.clerk)
    url = reverse("approvals:staff_desk")
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 25 and all(r.department_id == world.department.pk for r in rows)
    assert first.context["next_cursor"]
    with CaptureQueriesContext(connection) as deep_queries:
        second = client.get(url, {"after": first.context["next_cursor"]})
    assert len(second.context["rows"]) == 5 and not second.context["next_cursor"]
    assert not {r.pk for r in rows} & {r.pk for r in second.context["rows"]}
    sql = " ".join(q["sql"] for q in deep_queries.captured_queries if '"approvals_case"' in q["sql"]).upper()
    assert "OFFSET" not in sql and "COUNT(" not in sql
    assert len(deep_queries.captured_queries) == len(first_queries.captured_queries)


def test_desk_filters(client):
    world = World()
    accepted = world.accepted()
    submitted = world.submitted()
    client.force_login(world.clerk)
    url = reverse("approvals:staff_desk")
    assert client.get(url, {"state": "accepted"}).context["rows"] == [accepted]
    assert client.get(url, {"mine": "1"}).context["rows"] == [accepted]  # accepting assigns to the clerk
    assert submitted in client.get(url).context["rows"]
    assert client.get(url, {"light": "red"}).context["rows"] == []
    assert client.get(url, {"department": "999999"}).status_code == 404


def test_desk_filters_that_cannot_be_read_are_ignored_with_a_message(client):
    world = World()
    submitted = world.submitted()
    client.force_login(world.clerk)
    url = reverse("approvals:staff_desk")
    # "²" passes str.isdigit but not int(); "３" is a full-width digit: neither names a row.
    response = client.get(url, {"item": "²", "state": "bogus", "department": "３", "light": "red"})
    assert response.status_code == 200
    assert "以下筛选条件无法识别，已忽略：部门、办件状态、事项。" in response.content.decode()
    plain = client.get(url, {"state": "submitted"})
    assert submitted in plain.context["rows"] and "已忽略" not in plain.content.decode()


def test_assigning_a_case_is_audited_like_every_other_case_action():
    world = World()
    case = world.submitted()
    colleague = StaffMembershipFactory(department=world.department).user
    services.case_assign(case_id=case.pk, actor=world.clerk, assignee=colleague)
    row = AuditEvent.objects.get(action="case.assign", object_id=str(case.pk))
    assert row.actor_id == world.clerk.pk and row.detail.startswith("submitted → submitted")
    # The submission before it was audited by the same service path, once.
    assert AuditEvent.objects.filter(action="case.submit", object_id=str(case.pk)).count() == 1


def test_claim_and_assign_within_the_department(client):
    world = World()
    case = world.submitted()
    colleague = StaffMembershipFactory(department=world.department).user
    client.force_login(world.clerk)
    client.post(reverse("approvals:case_assign", args=[case.pk]))
    case.refresh_from_db()
    assert case.assigned_to == world.clerk
    client.post(reverse("approvals:case_assign", args=[case.pk]), {"assignee": colleague.pk})
    case.refresh_from_db()
    assert case.assigned_to == colleague
    client.post(reverse("approvals:case_assign", args=[case.pk]), {"assignee": world.other_clerk.pk})
    case.refresh_from_db()
    assert case.assigned_to == colleague  # not someone of another department
    client.force_login(world.other_clerk)
    assert client.post(reverse("approvals:case_assign", args=[case.pk])).status_code == 404


def test_applicants_see_staff_numbers_never_staff_names(client):
    world = World()
    case = world.accepted()
    client.force_login(world.applicant)
    body = client.get(case.get_absolute_url()).content.decode()
    assert world.clerk.real_name not in body
    assert world.clerk.memberships.get().staff_number in body


def test_case_page_query_count_does_not_grow_with_its_history(client):
    world = World()
    case = world.accepted()
    client.force_login(world.clerk)
    with CaptureQueriesContext(connection) as few:
        client.get(case.get_absolute_url())
    for _ in range(5):
        services.case_request_extension(case_id=case.pk, actor=world.clerk, days=1, reason="复杂")
        services.case_extend(case_id=case.pk, actor=world.reviewer, approve=True)
    with CaptureQueriesContext(connection) as many:
        client.get(case.get_absolute_url())
    assert len(many) == len(few)


def test_desk_queries_do_not_grow_with_assigned_cases(client):
    world = World()
    for _ in range(2):
        world.accepted()  # accepting assigns the case to the clerk, shown by staff number
    client.force_login(world.clerk)
    url = reverse("approvals:staff_desk")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        world.accepted()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert world.clerk.memberships.get().staff_number in response.content.decode()


def test_a_case_waiting_for_a_supplement_offers_the_supplement_page_not_a_dead_button(client):
    """The applicant supplements on the supplement page; the case page used to show a button that answered 404."""
    world = World()
    case = services.case_request_supplement(
        case_id=world.submitted().pk, actor=world.clerk, items=[{"name": "身份证", "reason": "不清晰"}]
    )
    client.force_login(world.applicant)
    page = client.get(reverse("approvals:case_detail", args=[case.pk])).content.decode()
    assert reverse("approvals:case_supplement", args=[case.pk]) in page
    assert reverse("approvals:case_action", args=[case.pk, "supplement"]) not in page
    assert reverse("approvals:case_action", args=[case.pk, "withdraw"]) in page
