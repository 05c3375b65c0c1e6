"""The citizen shell's pages: home, my hall, the message centre and the language switcher."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Message
from tests.factories import DepartmentFactory, MessageFactory, RegionFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_home_page_shows_the_regions_and_department_count(client):
    district = RegionFactory(district=True, name="渝中区")
    DepartmentFactory(region=district)
    DepartmentFactory()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "渝中区" in body
    assert response.context["department_count"] == 2
    assert 'lang="zh-Hans"' in body


def test_home_page_queries_do_not_grow_with_data(client):
    DepartmentFactory.create_batch(2)
    RegionFactory(district=True)
    few = count_queries(client, reverse("portal:home"))
    for _ in range(5):
        DepartmentFactory(region=RegionFactory(district=True))
    DepartmentFactory.create_batch(20)
    assert count_queries(client, reverse("portal:home")) == few


def test_language_switcher_turns_the_page_english_and_back(client):
    response = client.post(reverse("portal:language", args=["en"]), {"next": "/departments/"})
    assert response.status_code == 302 and response.url == "/departments/"
    body = client.get("/").content.decode()
    assert 'lang="en"' in body
    assert "Browse the government like an online shop" in body
    client.post(reverse("portal:language", args=["zh-hans"]), {"next": "/"})
    assert "像逛淘宝一样逛政府" in client.get("/").content.decode()


def test_language_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.post(reverse("portal:language", args=["fr"])).status_code == 404
    response = client.post(reverse("portal:language", args=["en"]), {"next": "https://evil.example.com/"})
    assert response.url == "/"


def test_chinese_is_the_default_language(client):
    body = client.get("/").content.decode()
    assert "像逛淘宝一样逛政府" in body


def test_my_hall_needs_login_and_masks_personal_numbers(client):
    response = client.get(reverse("portal:me"))
    assert response.status_code == 302 and reverse("portal:login") in response.url

    user = UserFactory(with_id_number=True, mobile="13812345678")
    number = user.reveal_cert_number()
    client.force_login(user)
    body = client.get(reverse("portal:me")).content.decode()
    assert "138****5678" in body
    assert user.cert_masked in body
    assert number not in body
    assert "13812345678" not in body


def test_message_centre_lists_only_own_messages_and_counts_unread(client):
    user, other = UserFactory(), UserFactory()
    MessageFactory(recipient=user, title="我的消息")
    MessageFactory(recipient=other, title="别人的消息")
    client.force_login(user)
    body = client.get(reverse("portal:message_list")).content.decode()
    assert "我的消息" in body
    assert "别人的消息" not in body
    assert 'badge rounded-pill bg-warning text-dark ms-1">1<' in body


def test_a_message_of_another_user_is_not_found(client):
    message = MessageFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("portal:message_detail", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_opening_a_message_marks_it_read(client):
    message = MessageFactory()
    client.force_login(message.recipient)
    assert client.get(reverse("portal:message_detail", args=[message.pk])).status_code == 200
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_all_read_touches_only_own_messages(client):
    user = UserFactory()
    MessageFactory.create_batch(3, recipient=user)
    foreign = MessageFactory()
    client.force_login(user)
    response = client.post(reverse("portal:message_read_all"), {"next": "https://evil.example.com/"})
    assert response.status_code == 302 and response.url == reverse("portal:message_list")
    assert not Message.objects.filter(recipient=user, read_at__isnull=True).exists()
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_message_list_queries_do_not_grow_with_messages(client):
    user = UserFactory()
    MessageFactory.create_batch(2, recipient=user)
    client.force_login(user)
    few = count_queries(client, reverse("portal:message_list"))
    MessageFactory.create_batch(20, recipient=user)
    assert count_queries(client, reverse("portal:message_list")) == few


def test_navigation_adapts_to_roles(client):
    citizen = UserFactory()
    client.force_login(citizen)
    body = client.get("/").content.decode()
    assert reverse("approvals:staff_desk") not in body
    assert reverse("evaluations:overview") not in body
    assert reverse("admin:index") not in body

    client.force_login(StaffMembershipFactory().user)
    body = client.get("/").content.decode()
    assert reverse("approvals:staff_desk") in body
    assert reverse("evaluations:overview") not in body

    client.force_login(StaffMembershipFactory(supervisor=True).user)
    assert reverse("evaluations:overview") in client.get("/").content.decode()

    client.force_login(UserFactory(admin=True))
    assert reverse("admin:index") in client.get("/").content.decode()


def test_staff_desk_and_supervision_refuse_citizens(client):
    client.force_login(UserFactory())
    assert client.get(reverse("approvals:staff_desk")).status_code == 403
    assert client.get(reverse("evaluations:overview")).status_code == 403


def test_staff_desk_shows_the_clerks_departments(client):
    membership = StaffMembershipFactory()
    client.force_login(membership.user)
    body = client.get(reverse("approvals:staff_desk")).content.decode()
    assert membership.department.name in body


def test_supervision_is_for_supervisors(client):
    clerk = StaffMembershipFactory().user
    client.force_login(clerk)
    assert client.get(reverse("evaluations:overview")).status_code == 403
    client.force_login(StaffMembershipFactory(supervisor=True).user)
    assert client.get(reverse("evaluations:overview")).status_code == 200


def test_the_browser_language_does_not_override_chinese(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-Hans"' in body and "像逛淘宝一样逛政府" in body
