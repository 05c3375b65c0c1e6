"""Citizen catalogue pages: facets with counts, the guide page, themes, departments, query counts, caching."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import Status
from tests.factories import (
    DepartmentFactory,
    ImplementationFactory,
    ItemFactory,
    LicenceTypeFactory,
    RegionFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def queries(client, url, data=None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def make_catalogue(n: int) -> None:
    theme = ThemeFactory()
    district = RegionFactory(district=True)
    for index in range(n):
        department = DepartmentFactory(region=district if index % 2 else RegionFactory())
        implementation = ImplementationFactory(department=department, visits=index % 3, item__kind="XK")
        implementation.item.themes.add(theme)


def test_catalogue_lists_only_published_implementations(client):
    published = ImplementationFactory(name="食品经营许可")
    draft = ImplementationFactory(name="草稿事项", draft=True)
    retired_item = ImplementationFactory(name="已取消事项", item__status=Status.RETIRED)
    body = client.get(reverse("approvals:catalogue")).content.decode()
    assert published.name in body
    assert draft.name not in body and retired_item.name not in body


def test_facet_counts_reflect_the_other_filters(client):
    city, district = RegionFactory(), RegionFactory(district=True)
    health = ThemeFactory(slug="health", name="医疗卫生")
    for region, visits in [(city, 0), (city, 1), (district, 0), (district, 0), (district, 2)]:
        ImplementationFactory(department=DepartmentFactory(region=region), visits=visits).item.themes.add(health)
    response = client.get(reverse("approvals:catalogue"), {"region": district.code})
    groups = {
        group["name"]: {o["value"]: o["count"] for o in group["options"]} for group in response.context["facet_groups"]
    }
    assert groups["visits"] == {"0": 2, "2": 1}  # within the district
    assert groups["region"] == {city.code: 2, district.code: 3}  # the region facet ignores its own filter
    assert groups["theme"] == {"health": 3}
    assert groups["kind"] == {"XK": 3}
    assert response.context["page"].paginator.count == 3


def test_facet_links_toggle_and_keep_other_filters(client):
    implementation = ImplementationFactory(visits=0)
    response = client.get(reverse("approvals:catalogue"), {"visits": "0", "q": implementation.name})
    groups = {group["name"]: group["options"] for group in response.context["facet_groups"]}
    selected = next(option for option in groups["visits"] if option["selected"])
    assert "visits" not in selected["url"] and "q=" in selected["url"]


def test_invalid_facet_value_gives_no_results_not_an_error(client):
    ImplementationFactory()
    response = client.get(reverse("approvals:catalogue"), {"visits": "x"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 0


def test_guide_page_has_everything_needed_before_applying(client):
    licence = LicenceTypeFactory()
    implementation = ImplementationFactory(
        name="公共场所卫生许可",
        conditions="经营场所符合卫生规范。",
        fees="不收费",
        statutory_limit_days=20,
        committed_limit_days=5,
        visits=0,
        process="申请\n受理\n决定",
        materials=0,
    )
    implementation.materials.create(name="营业执照副本", licence_type=licence, form="copy")
    implementation.materials.create(name="卫生管理制度", required=False)
    implementation.faqs.create(question="需要现场核查吗？", answer="需要。")
    body = client.get(implementation.get_absolute_url()).content.decode()
    for text in ["公共场所卫生许可", "经营场所符合卫生规范。", "不收费", "营业执照副本", "卫生管理制度", "营业执照",
                 "需要现场核查吗？", "75%", "一次不用跑", "受理", implementation.code, implementation.item.legal_basis,
                 implementation.department.name]:  # fmt: skip
        assert text in body, text


def test_guide_of_a_draft_or_unknown_code_is_404(client):
    draft = ImplementationFactory(draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("approvals:item_detail", args=["XK00000000"])).status_code == 404


def test_theme_and_department_pages(client):
    theme = ThemeFactory(slug="birth", name="生育")
    implementation = ImplementationFactory(name="出生医学证明办理")
    implementation.item.themes.add(theme)
    other = ImplementationFactory(name="排污许可证核发")
    body = client.get(reverse("approvals:theme_detail", args=["birth"])).content.decode()
    assert implementation.name in body and other.name not in body
    body = client.get(reverse("approvals:department_items", args=[other.department.code])).content.decode()
    assert other.name in body and implementation.name not in body
    assert "生育" in client.get(reverse("approvals:theme_list")).content.decode()


def test_home_shows_live_headline_figures_and_popular_items(client):
    ImplementationFactory(visits=0, name="热门事项", item__name="热门事项")
    for _ in range(3):
        ImplementationFactory(visits=1)
    popular = ImplementationFactory(visits=2)
    popular.case_count = 999
    popular.save(update_fields=["case_count"])
    response = client.get("/")
    headline = response.context["headline"]
    assert headline["items"] == 5
    assert headline["zero_percent"] == 20 and headline["one_percent"] == 60
    assert response.context["popular"][0] == popular


@pytest.mark.parametrize(
    ("name", "url", "params"),
    [
        ("catalogue", "approvals:catalogue", {}),
        ("search", "approvals:catalogue", {"q": "事项"}),
        ("facets", "approvals:catalogue", {"visits": "1", "kind": "XK"}),
        ("themes", "approvals:theme_list", {}),
        ("home", "portal:home", {}),
    ],
)
def test_catalogue_pages_query_count_does_not_grow_tenfold(client, name, url, params):
    make_catalogue(3)
    few = queries(client, reverse(url), params)
    make_catalogue(27)
    assert queries(client, reverse(url), params) == few


def test_guide_page_query_count_does_not_grow(client):
    small = ImplementationFactory(materials=2)
    few = queries(client, small.get_absolute_url())
    big = ImplementationFactory(materials=20)
    for index in range(10):
        big.faqs.create(question=f"问题{index}", answer="答")
        ImplementationFactory(item=big.item, department=DepartmentFactory(region=RegionFactory(district=True)))
    big.item.themes.add(ThemeFactory(), ThemeFactory())
    assert queries(client, big.get_absolute_url()) == few + 0


def test_anonymous_pages_are_cached_and_invalidated_on_change(client):
    implementation = ImplementationFactory(name="旧名称事项")
    url = implementation.get_absolute_url()
    assert "旧名称事项" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as context:
        assert "旧名称事项" in client.get(url).content.decode()
    assert len(context.captured_queries) == 0  # served from the cache

    catalogue_url = reverse("approvals:catalogue")
    client.get(catalogue_url)
    implementation.name = "新名称事项"
    implementation.save()
    assert "新名称事项" in client.get(url).content.decode()
    assert "新名称事项" in client.get(catalogue_url).content.decode()

    material = implementation.materials.first()
    material.name = "补充的新材料"
    material.save()
    assert "补充的新材料" in client.get(url).content.decode()


def test_logged_in_visitors_are_not_served_the_anonymous_cache(client):
    implementation = ImplementationFactory()
    client.get(implementation.get_absolute_url())
    user = UserFactory(real_name="张测试")
    client.force_login(user)
    body = client.get(implementation.get_absolute_url()).content.decode()
    assert reverse("portal:logout") in body


def test_cached_pages_carry_no_csrf_token(client):
    ImplementationFactory()
    for url in ["/", reverse("approvals:catalogue")]:
        assert "csrfmiddlewaretoken" not in client.get(url).content.decode()


def test_language_is_part_of_the_cache_key(client):
    implementation = ImplementationFactory()
    url = implementation.get_absolute_url()
    assert 'lang="zh-Hans"' in client.get(url).content.decode()
    client.post(reverse("portal:language", args=["en"]), {"next": "/"})
    body = client.get(url).content.decode()
    assert 'lang="en"' in body and "Materials" in body


def test_item_status_change_in_admin_action_invalidates(admin_client, client):
    implementation = ImplementationFactory(name="将被取消的事项")
    url = reverse("approvals:catalogue")
    assert "将被取消的事项" in client.get(url).content.decode()
    admin_client.post(
        reverse("admin:approvals_item_changelist"),
        {"action": "retire", "_selected_action": [implementation.item.pk]},
    )
    assert "将被取消的事项" not in client.get(url).content.decode()


def test_item_guide_lists_other_places(client):
    implementation = ImplementationFactory()
    district = RegionFactory(district=True)
    elsewhere = ImplementationFactory(item=implementation.item, department=DepartmentFactory(region=district))
    body = client.get(implementation.get_absolute_url()).content.decode()
    assert elsewhere.get_absolute_url() in body


def test_kind_facet_filters(client):
    item = ItemFactory(kind="GG", code="GG00001001")
    ImplementationFactory(item=item)
    response = client.get(reverse("approvals:catalogue"), {"kind": "GG"})
    assert response.context["page"].paginator.count == 1


def test_material_template_downloads_as_an_attachment(client, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    implementation = ImplementationFactory()
    material = implementation.materials.first()
    material.template.save("form.docx", ContentFile(b"PK\x03\x04 blank form"))
    url = reverse("approvals:material_template", args=[implementation.code, material.pk])
    assert url in client.get(implementation.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"PK\x03\x04 blank form"
    other = ImplementationFactory(draft=True)
    assert client.get(reverse("approvals:material_template", args=[other.code, material.pk])).status_code == 404


def test_department_facet_groups_district_counterparts_under_the_municipal_department(client):
    municipal = DepartmentFactory(name="重庆市市场监督管理局")
    district = DepartmentFactory(name="渝中区市场监管局", parent=municipal, region=RegionFactory(district=True))
    item = ItemFactory()
    ImplementationFactory(item=item, department=municipal)
    ImplementationFactory(item=item, department=district)
    ImplementationFactory()
    response = client.get(reverse("approvals:catalogue"))
    groups = {g["name"]: {o["value"]: o["count"] for o in g["options"]} for g in response.context["facet_groups"]}
    assert groups["department"][municipal.code] == 2
    assert district.code not in groups["department"]
    response = client.get(reverse("approvals:catalogue"), {"department": municipal.code})
    assert response.context["page"].paginator.count == 2


def test_audience_facet_counts_items_for_both_under_each(client):
    ImplementationFactory(item__audience="individual")
    ImplementationFactory(item__audience="enterprise")
    ImplementationFactory(item__audience="both")
    response = client.get(reverse("approvals:catalogue"))
    groups = {g["name"]: {o["value"]: o["count"] for o in g["options"]} for g in response.context["facet_groups"]}
    assert groups["audience"] == {"individual": 2, "enterprise": 2}
    response = client.get(reverse("approvals:catalogue"), {"audience": "individual"})
    assert response.context["page"].paginator.count == 2
