"""The published rules of the figures that do not depend on how cases are counted: rounding and ranking."""

import pytest
from django.template.loader import render_to_string

from evaluations.selectors import supervision as selectors
from evaluations.views.supervision import cell


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [(5, 16, "31.3"), (1, 8, "12.5"), (1, 3, "33.3"), (2, 3, "66.7"), (1, 400, "0.3"), (1, 16, "6.3"), (0, 7, "0.0")],
)
def test_every_place_rounds_a_rate_half_up_to_one_decimal(numerator, denominator, shown):
    """Before, 31.25 % was 31.2 in the tables and the CSV (Python's half-even) and 31.3 in the cards."""
    rate = selectors.ratio(numerator, denominator)
    assert cell(rate, "rate") == shown  # tables and CSV
    card = render_to_string("evaluations/dashboard_rate.html", {"value": rate, "digits": 1}).strip()
    assert card == shown  # cards, ranking and disclosure
    assert selectors.half_up(rate) == float(shown)  # scores and charts


def test_averages_round_half_up_to_two_decimals():
    assert cell(selectors.ratio(21, 8, 1), "avg") == "2.63"  # 2.625
    assert selectors.half_up_text(None) is None and cell(None, "rate") == "—"


@pytest.mark.django_db
def test_a_department_that_completed_too_little_is_listed_apart_not_ranked_first(client, supervisor):
    """Before, a department with no completed case scored 100 (nothing refused) and ranked first."""
    import datetime

    from django.urls import reverse

    from evaluations.models import DailyStat, EvaluationSettings
    from tests.factories import ImplementationFactory

    day = datetime.date(2026, 11, 2)
    idle, worked = ImplementationFactory(), ImplementationFactory()
    DailyStat.objects.create(
        day=day, department=idle.department, implementation=idle, region=idle.region, received=4, accepted=4
    )
    DailyStat.objects.create(
        day=day, department=worked.department, implementation=worked, region=worked.region, received=6, accepted=6,
        completed=6, on_time=5, overdue=1, ratings=6, ratings_satisfied=6, stars=30, attitude=30,
    )  # fmt: skip
    ranking = selectors.performance(start=day, end=day)
    assert [row["name"] for row in ranking.rows] == [worked.department.name]
    assert ranking.rows[0]["rank"] == 1 and ranking.rows[0]["score"] < 100
    assert [row["name"] for row in ranking.insufficient] == [idle.department.name]
    assert ranking.minimum == 1  # the default: at least one completed case

    settings_row = EvaluationSettings.current()
    settings_row.ranking_min_completed = 7
    settings_row.save()
    ranking = selectors.performance(start=day, end=day)
    assert ranking.rows == [] and len(ranking.insufficient) == 2

    client.force_login(supervisor)
    page = client.get(reverse("evaluations:performance"), {"start": day.isoformat(), "end": day.isoformat()})
    body = page.content.decode()
    assert idle.department.name in body and ("Insufficient data" in body or "数据不足" in body)


def test_stale_figures_are_recomputed_once_while_the_others_serve_the_previous_ones(settings):
    """Before, every worker that asked when the 60 s entry expired recomputed the dashboard (0.7–1.5 s each)."""
    import hashlib
    import time as clock

    import time_machine
    from django.core.cache import cache
    from django.utils.translation import get_language

    from evaluations.views import supervision as views

    settings.SUPERVISION_CACHE_SECONDS = 60
    cache.clear()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with time_machine.travel(clock.time(), tick=False) as traveller:
        assert views._figures_cached("k", compute) == 1
        assert views._figures_cached("k", compute) == 1 and len(calls) == 1  # fresh: shared
        traveller.shift(61)
        version = cache.get(views.FIGURES_VERSION_KEY, 0)
        # Another worker holds the lock (the key is the entry's, as _figures_cached makes it): this one
        # serves the previous figures without computing.
        entry = f"supervision:{version}:{get_language()}:{hashlib.sha256(b'k').hexdigest()}"
        assert cache.add(f"{entry}:computing", 1, 30)
        assert views._figures_cached("k", compute) == 1 and len(calls) == 1
        cache.delete(f"{entry}:computing")
        assert views._figures_cached("k", compute) == 2 and len(calls) == 2  # recomputed once, by this one
        views.figures_version_bump()  # a rebuild
        assert views._figures_cached("k", compute) == 3


@pytest.mark.django_db
def test_a_case_running_past_its_deadline_is_published_beside_the_overdue_rate(client, supervisor):
    """Before, the overdue rate counted completed cases only: a case still running late appeared nowhere."""
    import datetime

    import time_machine
    from django.urls import reverse

    from tests.approvals.workflow_helpers import World

    with time_machine.travel(datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC), tick=False) as traveller:
        world = World()
        late, on_time = world.accepted(), world.accepted()
        assert selectors.running_late() == {"total": 2, "late": 0, "rate": 0.0}
        traveller.move_to(datetime.datetime(2026, 12, 28, 10, tzinfo=datetime.UTC))  # both past due now
        late.refresh_from_db()
        assert late.due_date < datetime.date(2026, 12, 28)
        assert selectors.running_late(department=world.department) == {"total": 2, "late": 2, "rate": 100.0}
        client.force_login(supervisor)
        body = client.get(reverse("evaluations:overview")).content.decode()
        assert "running-late" in body
        assert client.get(reverse("evaluations:disclosure")).status_code == 200
    assert on_time.pk != late.pk
