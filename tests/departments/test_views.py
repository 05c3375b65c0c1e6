"""The public department directory."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_directory_filters_by_region_and_name(client):
    district = RegionFactory(district=True)
    local = DepartmentFactory(name="重庆市某区市场监督管理局", region=district)
    municipal = DepartmentFactory(name="重庆市公安局")
    body = client.get(reverse("departments:department_list"), {"region": district.code}).content.decode()
    assert local.name in body and municipal.name not in body
    body = client.get(reverse("departments:department_list"), {"q": "公安"}).content.decode()
    assert municipal.name in body and local.name not in body


def test_directory_queries_do_not_grow(client):
    DepartmentFactory.create_batch(2)
    url = reverse("departments:department_list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    DepartmentFactory.create_batch(20, region=RegionFactory(district=True))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_department_page_shows_contact_and_counterparts(client):
    parent = DepartmentFactory(name="重庆市市场监督管理局")
    child = DepartmentFactory(name="重庆市渝中区市场监督管理局", region=RegionFactory(district=True), parent=parent)
    body = client.get(parent.get_absolute_url()).content.decode()
    assert parent.address in body and parent.phone in body and child.name in body


def test_inactive_or_unknown_department_is_404(client):
    department = DepartmentFactory(is_active=False)
    assert client.get(department.get_absolute_url()).status_code == 404
    assert client.get(reverse("departments:department_detail", args=["nope"])).status_code == 404
