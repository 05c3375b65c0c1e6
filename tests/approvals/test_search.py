"""Chinese search in the catalogue: 1-, 2- and 3+-character queries, ranking, codes, the trigram index."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from tests.factories import DepartmentFactory, ImplementationFactory, ItemFactory

pytestmark = pytest.mark.django_db

ITEMS = [
    ("普通护照签发", "护照 出国", "重庆市公安局"),
    ("机动车驾驶证换证", "驾照 驾驶证", "重庆市公安局交通管理局"),
    ("企业设立登记", "营业执照 开公司 营业", "重庆市市场监督管理局"),
    ("食品经营许可", "餐饮 开店", "重庆市市场监督管理局"),
    ("食品经营许可变更", "餐饮", "重庆市市场监督管理局"),
    ("小作坊食品经营许可登记", "作坊", "重庆市市场监督管理局"),
    ("药品零售企业经营许可", "药店", "重庆市药品监督管理局"),
    ("医疗机构执业登记", "医院 诊所 医", "重庆市卫生健康委员会"),
    ("排污许可证核发", "排污 环保", "重庆市生态环境局"),
]


@pytest.fixture
def catalogue():
    cache.clear()
    departments = {}
    made = {}
    for name, keywords, department_name in ITEMS:
        if department_name not in departments:
            departments[department_name] = DepartmentFactory(name=department_name)
        item = ItemFactory(name=name, keywords=keywords)
        made[name] = ImplementationFactory(item=item, name=name, department=departments[department_name])
    return made


def search(client, q) -> list[str]:
    response = client.get(reverse("approvals:catalogue"), {"q": q})
    assert response.status_code == 200
    return [implementation.name for implementation in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("医", "医疗机构执业登记"),  # one character
        ("护照", "普通护照签发"),  # two characters
        ("驾照", "机动车驾驶证换证"),  # two characters, found through a keyword only
        ("营业", "企业设立登记"),
        ("排污许可", "排污许可证核发"),  # three or more characters
        ("食品经营许可", "食品经营许可"),  # the exact name ranks first
    ],
)
def test_short_and_long_queries_find_the_right_item_first(client, catalogue, q, first):
    results = search(client, q)
    assert results and results[0] == first


def test_exact_then_prefix_then_contained(client, catalogue):
    assert search(client, "食品经营许可") == ["食品经营许可", "食品经营许可变更", "小作坊食品经营许可登记"]


def test_search_by_department_name(client, catalogue):
    assert set(search(client, "药品监督")) == {"药品零售企业经营许可"}


def test_several_words_must_all_match(client, catalogue):
    assert search(client, "食品 变更") == ["食品经营许可变更"]


def test_no_match_says_so(client, catalogue):
    response = client.get(reverse("approvals:catalogue"), {"q": "不存在的事项名称"})
    assert response.context["page"].paginator.count == 0


def test_a_full_implementation_code_jumps_to_its_guide(client, catalogue):
    implementation = catalogue["普通护照签发"]
    response = client.get(reverse("approvals:catalogue"), {"q": f"  {implementation.code.lower()} "})
    assert response.status_code == 302 and response.url == implementation.get_absolute_url()


def test_a_basic_code_lists_its_implementations(client, catalogue):
    item = catalogue["排污许可证核发"].item
    assert search(client, item.code) == ["排污许可证核发"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_search_uses_the_trigram_index_on_postgresql(catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM approvals_implementation WHERE search_text LIKE %s", ["%食品经营%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "impl_search_trgm" in plan


def test_the_city_level_implementation_comes_before_district_ones(client, catalogue):
    from tests.factories import RegionFactory

    passport = catalogue["普通护照签发"]
    district = RegionFactory(district=True)
    ImplementationFactory(item=passport.item, name=passport.name, department=DepartmentFactory(region=district))
    response = client.get(reverse("approvals:catalogue"), {"q": "护照"})
    regions = [implementation.region.code for implementation in response.context["page"].object_list]
    assert regions == [passport.region.code, district.code]


def test_a_repeated_search_is_answered_from_the_cache_and_a_change_is_seen_at_once(client, catalogue):
    from django.test.utils import CaptureQueriesContext

    from approvals.selectors.catalogue import CatalogueFilters, catalogue_search

    filters = CatalogueFilters(q="食品")
    first = catalogue_search(filters, page_number=1, per_page=20)
    first_ids = [i.pk for i in first.page.object_list]
    with CaptureQueriesContext(connection) as context:
        again = catalogue_search(filters, page_number=1, per_page=20)
        assert len(context.captured_queries) == 0
        assert [i.pk for i in again.page.object_list] == first_ids
    assert len(context.captured_queries) == 1  # the page's own rows, once they are used
    assert again.facets == first.facets

    renamed = catalogue["药品零售企业经营许可"]
    renamed.name = "食品药品零售经营许可"
    renamed.save()
    names = [i.name for i in catalogue_search(filters, page_number=1, per_page=20).page.object_list]
    assert "食品药品零售经营许可" in names

    # Other filters and other words are other entries.
    department = catalogue["食品经营许可"].department.code
    narrowed = catalogue_search(CatalogueFilters(q="食品", department=department), page_number=1, per_page=20)
    assert "食品药品零售经营许可" not in [i.name for i in narrowed.page.object_list]
    assert search(client, "护照") == ["普通护照签发"]


def test_the_search_page_keeps_its_facets_and_results_as_fragments_per_language(client, catalogue):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    url = reverse("approvals:catalogue")
    first = client.get(url, {"q": "许可"}).content.decode()
    with CaptureQueriesContext(connection) as context:
        again = client.get(url, {"q": "许可"}).content.decode()
    assert not [q for q in context.captured_queries if "approvals_implementation" in q["sql"]]
    assert again.count("item-card") == first.count("item-card") > 0
    assert again[again.index('id="facets"') :] == first[first.index('id="facets"') :]

    client.post(reverse("portal:language", args=["en"]), {"next": "/"})
    english = client.get(url, {"q": "许可"}).content.decode()
    assert "working days" in english and "Department" in english

    renamed = catalogue["排污许可证核发"]
    renamed.name = "排污许可证重新核发"
    renamed.save()
    assert "排污许可证重新核发" in client.get(url, {"q": "许可"}).content.decode()
