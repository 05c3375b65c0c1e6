"""Django admin for regions, departments, staff and users: pages load, search works, numbers stay masked."""

import pytest
from django.urls import reverse

from portal.models import User
from tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["departments_region", "departments_department", "departments_staffmembership", "portal_user",
     "portal_notification", "portal_message"],
)  # fmt: skip
def test_changelists_load_with_search(admin_client, name):
    StaffMembershipFactory()
    response = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "重庆"})
    assert response.status_code == 200


def test_department_change_page_loads(admin_client):
    department = DepartmentFactory()
    assert admin_client.get(reverse("admin:departments_department_change", args=[department.pk])).status_code == 200


def test_user_admin_shows_numbers_masked_and_sets_new_ones(admin_client):
    user = UserFactory(with_id_number=True, mobile="13812345678")
    number = user.reveal_cert_number()
    body = admin_client.get(reverse("admin:portal_user_changelist")).content.decode()
    assert "138****5678" in body and number not in body
    change_url = reverse("admin:portal_user_change", args=[user.pk])
    assert number not in admin_client.get(change_url).content.decode()

    new_number = make_id_number()
    response = admin_client.post(
        change_url,
        {"username": user.username, "real_name": user.real_name, "kind": "individual", "mobile": "13812345678",
         "email": "", "cert_type": "resident_id", "new_cert_number": new_number, "is_active": "on",
         "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.reveal_cert_number() == new_number


def test_user_admin_refuses_a_bad_number(admin_client):
    user = UserFactory()
    response = admin_client.post(
        reverse("admin:portal_user_change", args=[user.pk]),
        {"username": user.username, "kind": "individual", "cert_type": "resident_id",
         "new_cert_number": "500103199001011230", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).cert_cipher == ""
