"""The demo city loads completely, and loading it again changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count

from approvals.models import Implementation, Item, Material
from departments.models import Department, Region, StaffMembership
from portal.models import User

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    models = [m for m in apps.get_models() if m._meta.app_label in {"portal", "departments", "approvals"}]
    state = {}
    for model in models:
        rows = list(model.objects.order_by("pk").values())
        for row in rows:
            row.pop("last_login", None)
        state[model._meta.label] = rows
    return state


def test_seed_demo_loads_the_city():
    call_command("seed_demo", verbosity=0)
    assert Region.objects.filter(level__in=["district", "county"]).count() == 38
    assert set(Region.objects.filter(level="zone").values_list("name", flat=True)) == {"两江新区", "重庆高新区"}
    towns = Region.objects.filter(level="town").values("parent").annotate(n=Count("id"))
    assert len(towns) == 40 and all(row["n"] >= 2 for row in towns)
    assert Department.objects.filter(region__code="500000").count() >= 20
    assert Department.objects.filter(parent__isnull=False).values("region").distinct().count() >= 5
    roles = set(StaffMembership.objects.values_list("role", flat=True))
    assert roles == {"clerk", "reviewer", "supervisor"}
    assert StaffMembership.objects.filter(role="clerk").values("department__region").distinct().count() >= 3
    assert User.objects.filter(kind="enterprise", cert_type="credit_code").count() == 1
    assert User.objects.filter(kind="individual", cert_type="resident_id").count() == 2
    assert User.objects.get(username="admin").is_superuser


def test_seed_demo_loads_a_real_catalogue():
    call_command("seed_demo", verbosity=0)
    items = Item.objects.filter(status="published")
    assert items.count() >= 60
    city_level = Implementation.objects.filter(region__code="500000")
    assert city_level.values("department").distinct().count() >= 15
    assert city_level.values("item").distinct().count() == items.count()  # every item at city level
    per_item = Implementation.objects.values("item").annotate(n=Count("id"))
    assert all(row["n"] >= 3 for row in per_item)  # and in several districts
    visits = dict(city_level.values_list("visits").annotate(n=Count("id")))
    total = sum(visits.values())
    assert 0.15 <= visits.get(0, 0) / total <= 0.35
    assert visits.get(1, 0) > visits.get(2, 0)
    assert (
        not Material.objects.filter(implementation__status="published")
        .values("implementation")
        .annotate(n=Count("id"))
        .filter(n=0)
    )
    for name in ["食品经营许可", "公共场所卫生许可", "普通护照签发"]:
        assert items.filter(name__contains=name).exists(), name


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first


def test_the_demo_citys_figures_read_right_to_a_supervisor():
    """No department ranked without completed cases, no rate above 100 %, lateness not hidden (docs/figures.md)."""
    import datetime

    from django.utils import timezone

    from evaluations.selectors import supervision

    call_command("seed_demo", verbosity=0)
    end = timezone.localdate()
    start = end - datetime.timedelta(days=364)
    ranking = supervision.performance(start=start, end=end)
    assert ranking.rows, "the demo city ranks its departments"
    assert all(row["completed"] >= ranking.minimum for row in ranking.rows)
    assert all(row["score"] is None or row["score"] < 100 or row["completed"] > 0 for row in ranking.rows)
    for row in supervision.breakdown(by="department", start=start, end=end):
        for rate in ("completion_rate", "on_time_rate", "overdue_rate", "satisfaction_rate", "rectification_rate"):
            assert row[rate] is None or 0 <= row[rate] <= 100, (row["name"], rate, row[rate])
    running = supervision.running_late()
    assert running["total"] > 0 and running["late"] <= running["total"]
