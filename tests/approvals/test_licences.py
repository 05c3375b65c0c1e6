"""Electronic licences: issued on completion, the wallet and material library, the printable licence with its
QR code, public verification (rate-limited), revocation by the issuing department, expiry reminders and the admin.
"""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import approvals.admin.licences  # noqa: F401 - registers the licence admin before the URLs load
from approvals.models import Case, CaseMaterial, Licence, LicenceType, SharingLog
from approvals.services import cases as case_services
from approvals.services import licences as services
from approvals.views import licences as licence_views
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Case.State


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()


@pytest.fixture
def client(client):
    """A client reading the English pages, so assertions do not depend on the Chinese catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def food_world() -> World:
    world = World()
    world.implementation.issues_licence, _created = LicenceType.objects.get_or_create(
        code="food", defaults={"name": "食品经营许可证", "valid_years": 5, "number_prefix": "JY"}
    )
    world.implementation.save()
    return world


def issued(world: World) -> Licence:
    """Complete an approved case of ``world`` and return the licence its completion issued."""
    case = case_services.case_complete(case_id=world.in_state(S.APPROVED).pk, actor=world.clerk)
    return Licence.objects.get(case=case)


def make_licence(*, holder, department, licence_type, number: str, **fields) -> Licence:
    """Store a licence directly, for list pages that need many (issuing is covered through the workflow)."""
    return Licence.objects.create(
        licence_type=licence_type, number=number, holder=holder, holder_name=holder.real_name,
        issuing_department=department, **fields,
    )  # fmt: skip


# --- issuing on completion -----------------------------------------------------------------


def test_completing_an_approved_case_issues_exactly_one_licence():
    world = food_world()
    case = case_services.case_complete(case_id=world.in_state(S.APPROVED).pk, actor=world.clerk)
    licences = list(Licence.objects.filter(case=case))
    assert len(licences) == 1
    licence = licences[0]
    today = timezone.localdate()
    assert licence.holder == world.applicant
    assert licence.holder_name == world.applicant.real_name
    assert licence.holder_cert_masked == world.applicant.cert_masked
    assert licence.issuing_department == world.department
    assert licence.number.startswith(f"JY{world.implementation.region.code}{today:%Y}")
    assert licence.issued_on == today
    assert licence.valid_until == datetime.date(today.year + 5, today.month, today.day) - datetime.timedelta(days=1)
    assert licence.status == Licence.Status.VALID
    assert len(licence.verification_code) == 16


def test_the_licence_is_issued_in_the_completing_transaction(monkeypatch):
    world = food_world()
    approved = world.in_state(S.APPROVED)

    def fail(*args, **kwargs):
        raise RuntimeError("numbering is down")

    monkeypatch.setattr(services, "_next_number", fail)
    with pytest.raises(RuntimeError):
        case_services.case_complete(case_id=approved.pk, actor=world.clerk)
    approved.refresh_from_db()
    assert approved.state == S.APPROVED and approved.completed_at is None
    assert not Licence.objects.exists()


def test_a_denied_case_issues_no_licence():
    world = food_world()
    case = case_services.case_complete(case_id=world.in_state(S.DENIED).pk, actor=world.clerk)
    assert case.state == S.COMPLETED
    assert not Licence.objects.exists()


def test_an_implementation_without_a_licence_type_issues_none():
    world = World()
    world.in_state(S.COMPLETED)
    assert not Licence.objects.exists()


# --- verification --------------------------------------------------------------------------


def verify(client, code: str):
    return client.get(reverse("approvals:licence_verify"), {"code": code})


def test_verifying_a_valid_licence_shows_it_with_the_holder_masked(client):
    world = food_world()
    licence = issued(world)
    response = verify(client, licence.verification_code.lower())
    body = response.content.decode()
    assert response.status_code == 200 and response.context["result"] == "valid"
    assert 'data-result="valid"' in body and "Valid: this licence is genuine and in force." in body
    assert licence.number in body and "食品经营许可证" in body and world.department.name in body
    assert f"{licence.holder_name[0]}**" in body and licence.holder_name not in body
    assert licence.holder_cert_masked in body


def test_verifying_an_expired_licence_says_expired(client):
    licence = issued(food_world())
    Licence.objects.filter(pk=licence.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    body = verify(client, licence.verification_code).content.decode()
    assert 'data-result="expired"' in body and "Expired: this licence is genuine but no longer in force." in body
    assert licence.number in body


def test_verifying_a_revoked_licence_gives_the_reason_and_date(client):
    world = food_world()
    licence = issued(world)
    services.licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="以欺骗手段取得许可")
    body = verify(client, licence.verification_code).content.decode()
    assert 'data-result="revoked"' in body and "Revoked: this licence was withdrawn" in body
    assert "以欺骗手段取得许可" in body and timezone.localdate().isoformat() in body


def test_an_unknown_code_says_only_unknown(client):
    licence = issued(food_world())
    response = verify(client, "ZZZZZZZZZZZZZZZZ")
    body = response.content.decode()
    assert response.context["result"] == "unknown" and response.context["licence"] is None
    assert 'data-result="unknown"' in body and "Unknown: no licence has this verification code." in body
    assert licence.number not in body and "食品经营许可证" not in body


def test_the_verify_page_without_a_code_shows_the_form(client):
    response = client.get(reverse("approvals:licence_verify"))
    assert response.status_code == 200 and response.context["result"] is None
    assert 'name="code"' in response.content.decode()


def test_verification_is_rate_limited_per_address(client):
    statuses = [verify(client, f"CODE{n:012d}").status_code for n in range(32)]
    assert statuses[:30] == [200] * 30 and statuses[30:] == [429, 429]
    other = client.get(reverse("approvals:licence_verify"), {"code": "X"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_holder_name_keeps_only_its_first_character():
    assert licence_views.mask_holder_name("重庆山城餐饮管理有限公司") == "重**"
    assert licence_views.mask_holder_name("李明") == "李**"
    assert licence_views.mask_holder_name("") == ""


# --- revocation ----------------------------------------------------------------------------


def test_a_reviewer_of_the_issuing_department_revokes_and_verification_shows_it_at_once(client):
    world = food_world()
    licence = issued(world)
    client.force_login(world.reviewer)
    response = client.post(reverse("approvals:licence_revoke", args=[licence.pk]), {"reason": "许可被撤销"})
    assert response.status_code == 302 and response.url == reverse("approvals:staff_licences")
    licence.refresh_from_db()
    assert licence.revoked_at and licence.revoke_reason == "许可被撤销"
    assert verify(client, licence.verification_code).context["result"] == "revoked"
    assert Notification.objects.filter(recipient=world.applicant, kind="licence.revoked").count() == 1


def test_revocation_is_refused_to_a_clerk_another_department_and_a_second_time():
    world = food_world()
    licence = issued(world)
    other_reviewer = StaffMembershipFactory(department=world.other_department, reviewer=True).user
    with pytest.raises(services.LicenceError):
        services.licence_revoke(licence_id=licence.pk, actor=world.clerk, reason="理由")
    with pytest.raises(services.LicenceError):
        services.licence_revoke(licence_id=licence.pk, actor=other_reviewer, reason="理由")
    with pytest.raises(services.LicenceError):
        services.licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="  ")
    services.licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="理由")
    with pytest.raises(services.LicenceError):
        services.licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="再次")
    licence.refresh_from_db()
    assert licence.revoke_reason == "理由"


def test_the_revoke_page_shows_refusals_and_hides_other_departments(client):
    world = food_world()
    licence = issued(world)
    url = reverse("approvals:licence_revoke", args=[licence.pk])
    client.force_login(world.clerk)
    response = client.post(url, {"reason": "理由"}, follow=True)
    assert "Only a reviewer of the issuing department can revoke this licence." in response.content.decode()
    client.force_login(world.reviewer)
    response = client.post(url, {"reason": ""}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    client.force_login(world.other_clerk)
    assert client.post(url, {"reason": "理由"}).status_code == 404
    client.force_login(world.applicant)
    assert client.post(url, {"reason": "理由"}).status_code == 403
    licence.refresh_from_db()
    assert licence.revoked_at is None


def test_the_staff_list_shows_the_departments_licences_with_revoke_forms_for_reviewers(client):
    world = food_world()
    licence = issued(world)
    foreign = issued(food_world())
    url = reverse("approvals:staff_licences")
    client.force_login(world.reviewer)
    response = client.get(url)
    body = response.content.decode()
    assert [row.pk for row in response.context["page"]] == [licence.pk]
    assert foreign.number not in body
    assert reverse("approvals:licence_revoke", args=[licence.pk]) in body
    client.force_login(world.clerk)
    body = client.get(url).content.decode()
    assert licence.number in body and reverse("approvals:licence_revoke", args=[licence.pk]) not in body
    client.force_login(world.applicant)
    assert client.get(url).status_code == 403


def test_the_staff_list_searches_by_number_and_keeps_the_search_after_revoking(client):
    world = food_world()
    licence_type = world.implementation.issues_licence
    for n in range(3):
        make_licence(holder=UserFactory(), department=world.department, licence_type=licence_type, number=f"JYX{n}")
    client.force_login(world.reviewer)
    response = client.get(reverse("approvals:staff_licences"), {"q": "jyx1"})
    assert [row.number for row in response.context["page"]] == ["JYX1"]
    target = response.context["page"][0]
    response = client.post(reverse("approvals:licence_revoke", args=[target.pk]), {"reason": "吊销", "back": "q=jyx1"})
    assert response.url == reverse("approvals:staff_licences") + "?q=jyx1"


def test_the_staff_list_pages_keep_the_search(client):
    from approvals.views import licences as licence_views

    world = food_world()
    licence_type = world.implementation.issues_licence
    for n in range(licence_views.STAFF_PAGE_SIZE + 1):
        make_licence(holder=UserFactory(), department=world.department, licence_type=licence_type, number=f"JYP{n}")
    client.force_login(world.reviewer)
    body = client.get(reverse("approvals:staff_licences"), {"q": "jyp"}).content.decode()
    assert 'href="?q=jyp&amp;page=2"' in body
    second = client.get(reverse("approvals:staff_licences"), {"q": "jyp", "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_the_staff_list_keeps_its_query_count_as_licences_grow(client):
    world = food_world()
    licence_type = world.implementation.issues_licence
    client.force_login(world.reviewer)
    url = reverse("approvals:staff_licences")

    def add(count, start):
        for n in range(start, start + count):
            make_licence(holder=UserFactory(), department=world.department, licence_type=licence_type, number=f"N{n}")

    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"]) == 2
    add(18, 2)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"]) == 20
    assert len(many) == len(few)


# --- expiry reminders ----------------------------------------------------------------------


def test_holders_are_reminded_once_thirty_days_before_expiry():
    world = food_world()
    licence_type = world.implementation.issues_licence
    today = timezone.localdate()
    holders = [UserFactory(), UserFactory()]
    in_30, in_31 = today + datetime.timedelta(days=30), today + datetime.timedelta(days=31)
    for n, holder in enumerate(holders):
        make_licence(holder=holder, department=world.department, licence_type=licence_type, number=f"E{n}",
                     valid_until=in_30)  # fmt: skip
    later, revoked = UserFactory(), UserFactory()
    make_licence(holder=later, department=world.department, licence_type=licence_type, number="L1", valid_until=in_31)
    make_licence(holder=revoked, department=world.department, licence_type=licence_type, number="R1",
                 valid_until=in_30, revoked_at=timezone.now(), revoke_reason="撤销")  # fmt: skip
    assert services.licences_remind_expiring() == 2
    services.licences_remind_expiring()
    for holder in holders:
        assert Notification.objects.filter(recipient=holder, kind="licence.expiring").count() == 1
    assert not Notification.objects.filter(recipient__in=[later, revoked], kind="licence.expiring").exists()


# --- the printable licence -----------------------------------------------------------------


def test_the_licence_page_is_shown_to_holder_issuing_staff_and_supervisors_only(client):
    world = food_world()
    licence = issued(world)
    url = reverse("approvals:licence_detail", args=[licence.pk])
    assert client.get(url).status_code == 302  # log in first
    allowed = [world.applicant, world.clerk, world.reviewer, StaffMembershipFactory(supervisor=True).user]
    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in [UserFactory(), world.other_clerk]:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(world.applicant)
    assert client.get(reverse("approvals:licence_detail", args=[licence.pk + 1000])).status_code == 404


def test_the_licence_page_prints_the_licence_with_a_qr_code_of_the_verify_url(client, monkeypatch):
    world = food_world()
    licence = issued(world)
    encoded = []
    real_make = licence_views.segno.make

    def spy(data, **kwargs):
        encoded.append(data)
        return real_make(data, **kwargs)

    monkeypatch.setattr(licence_views.segno, "make", spy)
    client.force_login(world.applicant)
    response = client.get(licence.get_absolute_url())
    body = response.content.decode()
    verify_url = f"http://testserver/licences/verify/?code={licence.verification_code}"
    assert encoded == [verify_url] and response.context["verify_url"] == verify_url
    assert '<svg width="' in body and 'class="licence-qr"' in body and "<path " in body
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "style" not in svg
    assert "<script" not in body.split("</head>", 1)[1] and "style=" not in body
    assert "data-print" in body and licence.verification_code in body
    assert licence.number in body and licence.holder_name in body and "食品经营许可证" in body
    assert world.department.name in body and licence.valid_until.isoformat() in body


def test_the_verify_url_helper_builds_the_absolute_verification_link():
    world = food_world()
    licence = issued(world)
    request = RequestFactory().get("/licences/1/", HTTP_HOST="localhost", secure=True)
    url = licence_views.licence_verify_url(request, licence)
    assert url == f"https://localhost/licences/verify/?code={licence.verification_code}"


def test_the_qr_svg_has_no_inline_style():
    svg = licence_views.qr_svg("https://hall.example.gov.cn/licences/verify/?code=ABC", title="<b>验证</b>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style" not in svg and "<b>" not in svg


# --- the wallet ----------------------------------------------------------------------------


def test_my_licences_lists_only_mine_with_status(client):
    world = food_world()
    mine = issued(world)
    revoked = issued(world)
    services.licence_revoke(licence_id=revoked.pk, actor=world.reviewer, reason="吊销原因")
    theirs = issued(food_world())
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:wallet_licences"))
    body = response.content.decode()
    assert {licence.pk for licence in response.context["page"]} == {mine.pk, revoked.pk}
    assert theirs.number not in body
    assert mine.get_absolute_url() in body and world.department.name in body
    assert 'data-status="valid"' in body and 'data-status="revoked"' in body and "吊销原因" in body


def test_my_licences_needs_login(client):
    assert client.get(reverse("approvals:wallet_licences")).status_code == 302


def test_my_licences_keeps_its_query_count_as_licences_grow(client):
    world = food_world()
    holder, licence_type = world.applicant, world.implementation.issues_licence
    client.force_login(holder)
    url = reverse("approvals:wallet_licences")
    for n in range(2):
        make_licence(holder=holder, department=world.department, licence_type=licence_type, number=f"W{n}")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"]) == 2
    for n in range(2, 20):
        make_licence(holder=holder, department=world.department, licence_type=licence_type, number=f"W{n}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"]) == 20
    assert len(many) == len(few)


def test_the_material_library_lists_uploads_of_earlier_cases_with_their_origin(client):
    world = World()
    earlier = world.submitted()
    draft = world.in_state(S.DRAFT)
    stranger_case = World().submitted()
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:wallet_materials"))
    body = response.content.decode()
    rows = list(response.context["page"])
    assert {row.case_id for row in rows} == {earlier.pk}
    assert len(rows) == world.implementation.materials.count()
    assert earlier.supervision_code in body and earlier.implementation.name in body
    assert reverse("approvals:case_detail", args=[earlier.pk]) in body
    assert reverse("approvals:case_file", args=[rows[0].pk]) in body
    assert "scan.pdf" in body and "申请材料1" in body
    assert not CaseMaterial.objects.filter(case__in=[draft, stranger_case], pk__in=[r.pk for r in rows]).exists()
    assert client.get(reverse("approvals:case_file", args=[rows[0].pk])).status_code == 200


def test_the_material_library_leaves_out_replaced_files(client):
    world = World()
    case = world.submitted()
    replaced = case.materials.first()
    CaseMaterial.objects.filter(pk=replaced.pk).update(replaced=True)
    client.force_login(world.applicant)
    rows = list(client.get(reverse("approvals:wallet_materials")).context["page"])
    assert replaced.pk not in {row.pk for row in rows} and rows


def test_the_material_library_keeps_its_query_count_as_cases_grow(client):
    world = World()
    world.submitted()
    client.force_login(world.applicant)
    url = reverse("approvals:wallet_materials")
    with CaptureQueriesContext(connection) as few:
        first = len(client.get(url).context["page"])
    for _ in range(5):
        world.submitted()
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"]) == first * 6
    assert len(many) == len(few)


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_shows_licences_and_the_sharing_log_read_only(admin_client):
    world = food_world()
    licence = issued(world)
    SharingLog.objects.create(
        actor=world.clerk, department=world.department, subject=world.applicant, what=SharingLog.What.LICENCE,
        object_id=licence.pk, description=f"食品经营许可证 {licence.number}", case=licence.case, purpose="核验",
    )  # fmt: skip
    body = admin_client.get(reverse("admin:approvals_licence_changelist")).content.decode()
    assert licence.number in body
    assert (
        admin_client.get(reverse("admin:approvals_licence_changelist"), {"q": licence.verification_code})
        .context["cl"]
        .result_count
        == 1
    )
    assert admin_client.get(reverse("admin:approvals_licence_change", args=[licence.pk])).status_code == 200
    assert admin_client.get(reverse("admin:approvals_licence_add")).status_code == 403
    log = admin_client.get(reverse("admin:approvals_sharinglog_changelist"), {"q": licence.case.supervision_code})
    assert log.context["cl"].result_count == 1
    assert admin_client.get(reverse("admin:approvals_sharinglog_add")).status_code == 403
    entry = SharingLog.objects.get()
    change = admin_client.post(reverse("admin:approvals_sharinglog_change", args=[entry.pk]), {"description": "x"})
    assert change.status_code == 403
    assert admin_client.get(reverse("admin:approvals_sharinglog_delete", args=[entry.pk])).status_code == 403
    types = admin_client.get(reverse("admin:approvals_licencetype_changelist"), {"q": "food"})
    assert types.context["cl"].result_count == 1 and "JY" in types.content.decode()
