"""Supervision and disclosure: figures from DailyStat checked by hand, the performance score, who sees what,
CSV export, the one-code look-up, fixed query counts whatever the data, and the cached disclosure page."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from approvals.models import FAQ, Status
from evaluations.models import DailyStat, EvaluationSettings, Inquiry
from evaluations.selectors import supervision as selectors
from evaluations.services import rating_submit
from tests.approvals.workflow_helpers import World
from tests.factories import DepartmentFactory, ImplementationFactory, RegionFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("evaluations:overview")
PERFORMANCE = reverse("evaluations:performance")
LOOKUP = reverse("evaluations:lookup")
DISCLOSURE = reverse("evaluations:disclosure")


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages in English so that the assertions do not depend on the translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def stat(day, implementation, clerk=None, **counters) -> DailyStat:
    return DailyStat(
        day=day, department=implementation.department, implementation=implementation, region=implementation.region,
        clerk_key=clerk.pk if clerk else 0, **counters,
    )  # fmt: skip


class City:
    """Two departments in two districts over three days, with counters chosen to be checked by hand.

    Department A (totals): received 8, accepted 8 of which 7 completed since (5 of the 5
    accepted on the first day, 2 of the 3 of the second), completed 7 (6 on time, 1 late), 21
    working days used against 35 committed and 140 statutory, 4 ratings (5, 4, 3 and 1 stars; attitude
    16), 1 bad review rectified, 2 consultations, 1 complaint. It publishes two items, one with
    materials, process and an FAQ (a complete guide), one without an FAQ and needing no visit.

    Department B: received 5, accepted 4 (2 completed since), refused 1, completed 2 (1 late), 10
    days used against 10 committed and 20 statutory, 2 ratings (4 and 2 stars; attitude 6), 1 bad review, 1
    complaint. Its only item is retired, so it has nothing published.
    """

    def __init__(self):
        today = timezone.localdate()
        self.days = d1, d2, d3 = [today - datetime.timedelta(days=n) for n in (2, 1, 0)]
        self.region_a = RegionFactory(district=True)
        self.region_b = RegionFactory(district=True)
        self.item_a = ImplementationFactory(department=DepartmentFactory(region=self.region_a, name="甲局"))
        self.a = self.item_a.department
        FAQ.objects.create(implementation=self.item_a, question="要多久？", answer="五个工作日。")
        self.item_a2 = ImplementationFactory(department=self.a, zero_visits=True, name="甲局网办事项")
        self.item_b = ImplementationFactory(
            department=DepartmentFactory(region=self.region_b, name="乙局"), status=Status.RETIRED
        )
        self.b = self.item_b.department
        self.clerk_a = StaffMembershipFactory(department=self.a, staff_number="A001").user
        self.clerk_b = StaffMembershipFactory(department=self.b, staff_number="B001").user
        a, b, ca, cb = self.item_a, self.item_b, self.clerk_a, self.clerk_b
        DailyStat.objects.bulk_create([
            stat(d1, a, received=5),
            stat(d1, a, ca, accepted=5, accepted_completed=5),
            stat(d2, a, received=3, consultations=2),
            stat(d2, a, ca, accepted=3, accepted_completed=2, completed=4, on_time=4, days_used=12, days_committed=20,
                 days_statutory=80, ratings=2, ratings_satisfied=2, stars=9, attitude=9),
            stat(d3, a, ca, completed=3, on_time=2, overdue=1, days_used=9, days_committed=15, days_statutory=60,
                 ratings=2, ratings_satisfied=1, stars=4, attitude=7, bad_reviews=1, rectified=1),
            stat(d3, a, complaints=1),
            stat(d1, b, received=5),
            stat(d2, b, cb, accepted=4, accepted_completed=2, refused=1),
            stat(d3, b, cb, completed=2, on_time=1, overdue=1, days_used=10, days_committed=10, days_statutory=20,
                 ratings=2, ratings_satisfied=1, stars=6, attitude=6, bad_reviews=1),
            stat(d3, b, complaints=1),
        ])  # fmt: skip

    def period(self) -> dict:
        return {"start": self.days[0], "end": self.days[-1]}


@pytest.fixture
def city():
    return City()


def by_name(rows):
    return {row["name"]: row for row in rows}


# --- figures and breakdowns ----------------------------------------------------------------


def test_department_figures_are_the_hand_computed_ratios(city):
    rows = by_name(selectors.breakdown(by="department", **city.period()))
    a, b = rows["甲局"], rows["乙局"]
    assert (a["received"], a["accepted"], a["completed"], a["code"]) == (8, 8, 7, city.a.code)
    assert a["completion_rate"] == 100 * 7 / 8 == 87.5
    assert a["on_time_rate"] == 100 * 6 / 7 and a["overdue_rate"] == 100 * 1 / 7
    assert (a["avg_days_used"], a["avg_days_committed"], a["avg_days_statutory"]) == (3.0, 5.0, 20.0)
    assert a["time_saved_rate"] == 100 * (140 - 21) / 140 == 85.0
    assert a["satisfaction_rate"] == 100 * 3 / 4 == 75.0  # 5, 4 and 3 stars satisfied; 1 star not
    assert a["avg_stars"] == 13 / 4 and a["bad_reviews"] == 1 and a["rectification_rate"] == 100.0
    assert (a["consultations"], a["complaints"]) == (2, 1)
    assert (b["completion_rate"], b["on_time_rate"], b["overdue_rate"]) == (50.0, 50.0, 50.0)
    assert (b["avg_days_used"], b["avg_days_committed"], b["avg_days_statutory"]) == (5.0, 5.0, 10.0)
    assert (b["time_saved_rate"], b["satisfaction_rate"], b["avg_stars"]) == (50.0, 50.0, 3.0)
    assert (b["bad_reviews"], b["rectified"], b["rectification_rate"]) == (1, 0, 0.0)


def test_city_figures_sum_the_counters_before_dividing(city):
    total = selectors.figures(rows=DailyStat.objects.all())
    assert (total["received"], total["accepted"], total["completed"], total["refused"]) == (13, 12, 9, 1)
    assert total["completion_rate"] == 100 * 9 / 12 == 75.0
    assert total["on_time_rate"] == 100 * 7 / 9 and total["overdue_rate"] == 100 * 2 / 9
    assert total["avg_days_used"] == 31 / 9 and total["avg_days_statutory"] == 160 / 9
    assert total["time_saved_rate"] == 100 * (160 - 31) / 160
    assert total["satisfaction_rate"] == 100 * 4 / 6 and total["avg_stars"] == 19 / 6
    assert total["rectification_rate"] == 50.0 and (total["consultations"], total["complaints"]) == (2, 2)
    # The same from breakdown rows summed in Python, and from DailyStat objects.
    assert selectors.figures(rows=selectors.breakdown(by="clerk", **city.period())) == total
    assert selectors.figures(rows=list(DailyStat.objects.all())) == total


def test_rates_are_none_when_nothing_was_counted_to_divide_by():
    empty = selectors.figures(rows=[])
    rates = [
        "completion_rate", "on_time_rate", "overdue_rate", "avg_days_used", "avg_days_committed",
        "avg_days_statutory", "time_saved_rate", "satisfaction_rate", "avg_stars", "rectification_rate",
    ]  # fmt: skip
    assert all(empty[name] is None for name in rates)
    assert empty["received"] == 0


def test_breakdowns_by_day_clerk_region_item_and_month(city):
    d1, d2, d3 = city.days
    days = {row["key"]: row for row in selectors.breakdown(by="day", **city.period())}
    assert list(days) == [d1, d2, d3]
    # The completion rate of a day is the share of that day's acceptances completed since.
    assert (days[d1]["received"], days[d1]["accepted"], days[d1]["completion_rate"]) == (10, 5, 100.0)
    assert days[d2]["completion_rate"] == 100 * (2 + 2) / 7 and days[d3]["completion_rate"] is None
    assert days[d3]["satisfaction_rate"] == 100 * 2 / 4

    clerks = selectors.breakdown(by="clerk", **city.period())
    assert [row["name"] for row in clerks] == ["A001", "B001", "Not attributed to a clerk"]
    assert clerks[0]["completion_rate"] == 87.5 and clerks[1]["completion_rate"] == 50.0
    assert city.clerk_a.real_name not in str(clerks)
    assert clerks[2]["received"] == 13 and clerks[2]["complaints"] == 2

    regions = {row["code"]: row for row in selectors.breakdown(by="region", **city.period())}
    assert regions[city.region_a.code]["completed"] == 7 and regions[city.region_b.code]["completed"] == 2

    items = selectors.breakdown(by="implementation", department=city.a, **city.period())
    assert [(row["code"], row["parent"], row["received"]) for row in items] == [(city.item_a.code, "甲局", 8)]

    months = selectors.breakdown(by="month", **city.period())
    assert [row["key"] for row in months] == sorted({d.replace(day=1) for d in city.days})
    assert sum(row["completed"] for row in months) == 9

    assert selectors.breakdown(by="department", start=d3, end=d3, region=city.region_b)[0]["completed"] == 2


# --- performance ---------------------------------------------------------------------------


def set_weights(**weights):
    settings = EvaluationSettings.current()
    for name, value in weights.items():
        setattr(settings, f"weight_{name}", value)
    settings.save()


def test_performance_scores_with_known_weights(city):
    set_weights(disclosure=10, process=20, deadline=30, satisfaction=20, attitude=10, complaints=10)
    ranking = selectors.performance(**city.period())
    a, b = ranking.rows
    # A: guides 1/2 complete, 0 of 8 refused, 6/7 on time, 3/4 satisfied, attitude 16/(5×4), 1 complaint per 7 done.
    expected_a = 100 * (10 * 0.5 + 20 * 1 + 30 * 6 / 7 + 20 * 0.75 + 10 * 0.8 + 10 * (1 - 1 / 7)) / 100
    assert a["name"] == "甲局" and a["score"] == round(expected_a, 1) == 82.3 and a["rank"] == 1
    assert a["dimensions"] == {
        "disclosure": 50.0, "process": 100.0, "deadline": 100 * 6 / 7, "satisfaction": 75.0, "attitude": 80.0,
        "complaints": 100 * (1 - 1 / 7),
    }  # fmt: skip
    # B publishes nothing: disclosure is left out and the other weights (90) renormalised.
    expected_b = 100 * (20 * 0.8 + 30 * 0.5 + 20 * 0.5 + 10 * 0.6 + 10 * 0.5) / 90
    assert b["score"] == round(expected_b, 1) == 57.8 and b["rank"] == 2
    assert b["dimensions"]["disclosure"] is None
    assert [weight for _key, _label, weight in ranking.weights] == [10, 20, 30, 20, 10, 10]


def test_performance_skips_zero_weights_and_departments_without_data(city):
    set_weights(disclosure=0, process=0, deadline=100, satisfaction=0, attitude=0, complaints=0)
    idle = ImplementationFactory()
    DailyStat.objects.create(
        day=city.days[0], department=idle.department, implementation=idle, region=idle.region, received=2
    )
    ranking = selectors.performance(**city.period())
    rows = by_name(ranking.rows)
    assert rows["甲局"]["score"] == round(100 * 6 / 7, 1) and rows["乙局"]["score"] == 50.0
    # Nothing completed: not ranked at all (tests/evaluations/test_figure_rules.py), listed apart.
    assert idle.department.name not in rows
    assert [row["name"] for row in ranking.insufficient] == [idle.department.name]


def test_equal_scores_share_a_rank(city):
    set_weights(disclosure=0, process=0, deadline=0, satisfaction=0, attitude=0, complaints=100)
    city_rows = selectors.performance(**city.period()).rows
    assert [row["rank"] for row in city_rows] == [1, 2]
    DailyStat.objects.filter(department=city.b).update(complaints=0)
    DailyStat.objects.filter(department=city.a).update(complaints=0)
    assert [row["rank"] for row in selectors.performance(**city.period()).rows] == [1, 1]


# --- pages ---------------------------------------------------------------------------------


def test_supervision_pages_admit_supervisors_only(client, citizen, clerk, supervisor):
    pages = [OVERVIEW, PERFORMANCE, LOOKUP]
    for url in pages:
        assert client.get(url).status_code == 302  # to the log-in page
    for user in (citizen, clerk):
        client.force_login(user)
        assert [client.get(url).status_code for url in pages] == [403, 403, 403]
    client.force_login(supervisor)
    assert [client.get(url).status_code for url in pages] == [200, 200, 200]
    client.logout()
    assert client.get(DISCLOSURE).status_code == 200


def test_overview_shows_the_period_breakdown_charts_ranking_and_method(client, supervisor, city):
    client.force_login(supervisor)
    response = client.get(OVERVIEW)
    body = response.content.decode()
    assert response.context["period"].days == 30
    assert response.context["totals"]["completion_rate"] == 75.0
    assert {row["name"] for row in response.context["rows"]} == {"甲局", "乙局"}
    assert "87.5" in body and reverse("evaluations:sharing_log") in body
    assert 'id="chart-daily" type="application/json"' in body and 'data-chart-data="chart-daily"' in body
    assert 'data-chart-data="chart-satisfaction"' in body and "chart.umd.min.js" in body
    assert "<script>" not in body and " style=" not in body
    daily = response.context["daily_chart"]
    assert len(daily["labels"]) == 30 and daily["datasets"][0]["data"][-3:] == [10, 3, 0]
    assert response.context["satisfaction_chart"]["labels"] == ["甲局", "乙局"]  # by satisfaction, 75 % then 50 %
    assert [row["name"] for row in response.context["ranking_rows"]] == ["甲局", "乙局"]
    assert "of the cases accepted in the period, those completed so far" in body
    assert "Σ weight × dimension / Σ weight" in body


def test_breakdown_switches_and_drills_down(client, supervisor, city):
    client.force_login(supervisor)
    response = client.get(OVERVIEW, {"by": "region"})
    region_row = next(row for row in response.context["rows"] if row["code"] == city.region_b.code)
    _label, link = region_row["links"][0]
    drilled = client.get(OVERVIEW + link)
    assert drilled.context["by"] == "department" and [r["name"] for r in drilled.context["rows"]] == ["乙局"]
    department_row = by_name(client.get(OVERVIEW).context["rows"])["甲局"]
    (_items, items_link), (_clerks, clerks_link) = department_row["links"]
    assert [r["code"] for r in client.get(OVERVIEW + items_link).context["rows"]] == [city.item_a.code]
    assert [r["name"] for r in client.get(OVERVIEW + clerks_link).context["rows"]] == [
        "A001", "Not attributed to a clerk"
    ]  # fmt: skip
    assert client.get(OVERVIEW, {"department": "NOPE"}).status_code == 404
    assert client.get(OVERVIEW, {"by": "nonsense"}).context["by"] == "department"


def test_period_comes_from_the_query_and_quick_links(client, supervisor, city):
    client.force_login(supervisor)
    _d1, d2, d3 = city.days
    response = client.get(OVERVIEW, {"start": d3.isoformat(), "end": d2.isoformat()})  # reversed: swapped
    assert (response.context["period"].start, response.context["period"].end) == (d2, d3)
    assert response.context["totals"]["received"] == 3
    assert client.get(OVERVIEW, {"start": "garbage"}).context["period"].days == 30
    labels = [label for label, _query, _current in response.context["quick_periods"]]
    assert labels == ["Last 30 days", "This month", "Last month", "This year"]


def test_csv_export_of_the_current_breakdown(client, supervisor, city):
    client.force_login(supervisor)
    response = client.get(OVERVIEW, {"format": "csv", "by": "department", **city.period()})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:5] == ["Code", "Department", "Received", "Accepted", "Completed"]
    named = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    a, b = named["甲局"], named["乙局"]
    assert (a["Code"], a["Department"], a["Received"], a["Completion rate (%)"]) == (city.a.code, "甲局", "8", "87.5")
    assert (a["Satisfaction (%)"], a["Average stars"], a["Time saved vs statutory (%)"]) == ("75.0", "3.25", "85.0")
    assert (b["Department"], b["Overdue (%)"], b["Rectification progress (%)"]) == ("乙局", "50.0", "0.0")
    clerks = client.get(OVERVIEW, {"format": "csv", "by": "clerk", **city.period()}).content.decode("utf-8-sig")
    assert "A001" in clerks and city.clerk_a.real_name not in clerks


def test_performance_page_shows_the_ranking_and_the_method(client, supervisor, city):
    set_weights(disclosure=10, process=20, deadline=30, satisfaction=20, attitude=10, complaints=10)
    client.force_login(supervisor)
    response = client.get(PERFORMANCE, city.period())
    body = response.content.decode()
    assert [row["score"] for row in response.context["ranking_rows"]] == [82.3, 57.8]
    assert "82.3" in body and "Service attitude" in body
    assert "the other weights count in proportion" in body


def test_lookup_shows_a_case_timeline_rating_and_inquiries(client, supervisor):
    world = World()
    case = world.in_state("completed")
    rating_submit(case_id=case.pk, applicant=world.applicant, stars=2, efficiency=2, attitude=1, guide_accuracy=3,
                  convenience=2, comment="等太久")  # fmt: skip
    Inquiry.objects.create(
        kind=Inquiry.Kind.COMPLAINT, asker=world.applicant, department=world.department, case=case,
        subject="态度", question="窗口态度差", due_date=timezone.localdate(),
    )  # fmt: skip
    client.force_login(supervisor)
    response = client.get(LOOKUP, {"code": case.supervision_code.lower()})
    body = response.content.decode()
    assert response.status_code == 200 and response.context["case"] == case
    assert body.count('class="timeline-item"') == case.events.count() >= 5
    assert world.clerk.memberships.get().staff_number in body  # full timeline: staff numbers shown
    assert "等太久" in body and "窗口态度差" in body and "Dissatisfied" in body


def test_lookup_of_an_unknown_code_says_not_found(client, supervisor):
    client.force_login(supervisor)
    response = client.get(LOOKUP, {"code": "5001032611270000427"})
    assert response.status_code == 404
    assert "No case has the supervision code" in response.content.decode()


def test_disclosure_shows_city_and_department_figures(client, city):
    response = client.get(DISCLOSURE)
    assert response.status_code == 200
    assert response.context["totals"]["completion_rate"] == 75.0
    assert (response.context["published"], response.context["zero_visits"], response.context["one_visit"]) == (2, 1, 1)
    rows = by_name(response.context["rows"])
    assert (rows["甲局"]["published"], rows["甲局"]["zero_visits"], rows["甲局"]["one_visit"]) == (2, 1, 1)
    assert rows["乙局"]["published"] == 0 and rows["乙局"]["overdue_rate"] == 50.0
    assert rows["甲局"]["time_saved_rate"] == 85.0
    body = response.content.decode()
    assert "A001" not in body and city.clerk_a.real_name not in body  # no clerk on the public page


def test_disclosure_lists_one_departments_items(client, city):
    response = client.get(DISCLOSURE, {"department": city.a.code})
    items = {row["code"]: row for row in response.context["implementation_rows"]}
    assert set(items) == {city.item_a.code, city.item_a2.code}
    assert items[city.item_a.code]["completion_rate"] == 87.5
    assert items[city.item_a2.code]["completion_rate"] is None and items[city.item_a2.code]["visits"] == 0
    assert client.get(DISCLOSURE, {"department": "NOPE"}).status_code == 404


def test_disclosure_is_served_from_the_cache_to_anonymous_visitors(client, city, django_assert_num_queries):
    first = client.get(DISCLOSURE)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(DISCLOSURE)
    assert second.status_code == 200 and second.content == first.content


def test_disclosure_is_published_a_page_at_a_time_with_a_search_by_name_or_code(client):
    from evaluations.views.supervision import DISCLOSURE_PAGE_SIZE

    grow(DISCLOSURE_PAGE_SIZE + 5, days=1)
    first = client.get(DISCLOSURE)
    count = first.context["page"].paginator.count
    assert count >= DISCLOSURE_PAGE_SIZE + 5 and len(first.context["rows"]) == DISCLOSURE_PAGE_SIZE
    assert "page=2#departments-heading" in first.content.decode()
    second = client.get(DISCLOSURE, {"page": 2})
    assert len(second.context["rows"]) == count - DISCLOSURE_PAGE_SIZE
    assert not {r["key"] for r in first.context["rows"]} & {r["key"] for r in second.context["rows"]}

    names = [r["name"] for r in first.context["rows"] + second.context["rows"]]
    wanted = next(r for r in second.context["rows"] if sum(r["name"] in name for name in names) == 1)
    found = client.get(DISCLOSURE, {"q": wanted["name"]})
    assert [row["key"] for row in found.context["rows"]] == [wanted["key"]]
    by_code = client.get(DISCLOSURE, {"q": wanted["code"].lower()})
    assert [row["key"] for row in by_code.context["rows"]] == [wanted["key"]]
    nothing = client.get(DISCLOSURE, {"q": "没有这个部门"})
    assert nothing.context["rows"] == [] and "No department matches." in nothing.content.decode()


def test_disclosure_link_can_be_included_in_the_footer():
    from django.template.loader import render_to_string

    assert f'href="{DISCLOSURE}"' in render_to_string("evaluations/disclosure_link.html")


# --- query counts --------------------------------------------------------------------------


def grow(departments: int, days: int = 5) -> None:
    """Add ``departments`` departments, each with an item, two clerks and ``days`` days of counters."""
    today = timezone.localdate()
    rows = []
    for _ in range(departments):
        item = ImplementationFactory()
        FAQ.objects.create(implementation=item, question="问", answer="答")
        clerks = [StaffMembershipFactory(department=item.department).user for _ in range(2)]
        for offset in range(days):
            day = today - datetime.timedelta(days=offset)
            rows.append(stat(day, item, received=3, consultations=1))
            rows += [stat(day, item, clerk, accepted=2, completed=1, on_time=1, days_used=2, days_committed=5,
                          days_statutory=20, ratings=1, ratings_satisfied=1, stars=5, attitude=4, complaints=0)
                     for clerk in clerks]  # fmt: skip
    DailyStat.objects.bulk_create(rows)


def count_queries(client, url: str, params=None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_data(client, supervisor):
    grow(2)
    department = DailyStat.objects.first().department
    pages = [
        (OVERVIEW, None), (OVERVIEW, {"by": "clerk"}), (OVERVIEW, {"by": "month"}),
        (OVERVIEW, {"by": "implementation", "department": department.code}), (PERFORMANCE, None),
        (DISCLOSURE, None), (DISCLOSURE, {"department": department.code}),
    ]  # fmt: skip
    client.force_login(supervisor)
    few = [count_queries(client, url, params) for url, params in pages[:5]]
    client.logout()
    few += [count_queries(client, url, params) for url, params in pages[5:]]
    rows_before = DailyStat.objects.count()
    grow(20)
    assert DailyStat.objects.count() >= 10 * rows_before
    client.force_login(supervisor)
    many = [count_queries(client, url, params) for url, params in pages[:5]]
    client.logout()
    many += [count_queries(client, url, params) for url, params in pages[5:]]
    assert many == few
    # disclosure: one DailyStat aggregate, one implementation aggregate, the running cases' count
    assert few[-2] <= 3
