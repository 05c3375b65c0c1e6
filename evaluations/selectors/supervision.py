"""Reads for supervision and public disclosure: every figure comes from the ``DailyStat`` store.

No page of supervision or disclosure scans the case table. A figure is a ratio of counters
summed over ``DailyStat`` rows (one aggregate query per table or chart), so its cost depends
on the number of departments, items or days shown, never on the number of cases.

Figures (rates in percent, ``None`` when the denominator is 0, shown "—"):

- completion rate = of the cases accepted in the period, the share completed by now
  (accepted_completed / accepted: a cohort rate, never above 100 %);
- on-time rate = completed on time / completed; overdue rate = completed late / completed;
- average working days used = days used / completed, against the average committed and
  statutory limits of the same cases; time saved = (statutory − used) / statutory;
- satisfaction rate = ratings of 5, 4 or 3 stars / all ratings; average stars = stars / ratings;
- rectification progress = bad reviews rectified / bad reviews (≤ 2 stars).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import FAQ, Case, CaseEvent, Implementation, Material, SharingLog, Status
from approvals.workflow import CLOCK_RUNNING
from departments.models import Department, Region, StaffMembership
from evaluations.models import DailyStat, EvaluationSettings, Inquiry

COUNTERS = DailyStat.COUNTERS
BREAKDOWNS = {
    "department": _("Department"),
    "implementation": _("Item"),
    "region": _("Region"),
    "clerk": _("Clerk"),
    "month": _("Month"),
    "day": _("Day"),
}

# The columns each breakdown groups by (besides the counters), and how its rows are ordered.
_GROUPS = {
    "department": (["department_id", "department__name", "department__code"], ["department__name", "department_id"]),
    "implementation": (
        ["implementation_id", "implementation__name", "implementation__code", "implementation__department__name"],
        ["implementation__name", "implementation_id"],
    ),
    "region": (["region_id", "region__name", "region__code"], ["region__code"]),
    "clerk": (["clerk_key"], ["clerk_key"]),
    "month": (["period"], ["period"]),
    "day": (["day"], ["day"]),
}


def ratio(numerator: int, denominator: int, scale: float = 100.0) -> float | None:
    """Return ``scale × numerator / denominator``, None when there is nothing to divide by.

    One division of integers: the float is the nearest to the exact quotient, so its shortest
    decimal form (``repr``) is the exact figure whenever that has a short decimal form (5/16 is
    31.25 exactly), which is what ``half_up`` rounds.
    """
    return None if not denominator else scale * numerator / denominator


def half_up_text(value, places: int = 1) -> str | None:
    """The one rounding rule of every published figure: half up, to ``places`` decimals (31.25 → "31.3").

    Python's own ``f"{x:.1f}"`` rounds the binary value half to even (31.25 → "31.2"); Django's
    ``floatformat`` rounds half up from ``repr``, as this does, so tables, CSV, cards, ranking and
    disclosure all agree.
    """
    if value is None:
        return None
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def half_up(value, places: int = 1) -> float | None:
    """``half_up_text`` as a number (for scores and charts)."""
    return None if value is None else float(half_up_text(value, places))


def _sum_counters(rows) -> dict[str, int]:
    """Return the counters summed over ``rows``: a DailyStat queryset, one mapping, or an iterable of either."""
    if isinstance(rows, QuerySet):
        summed = rows.aggregate(**{name: Sum(name) for name in COUNTERS})
        return {name: summed[name] or 0 for name in COUNTERS}
    if isinstance(rows, Mapping):
        rows = [rows]
    totals = dict.fromkeys(COUNTERS, 0)
    for row in rows:
        for name in COUNTERS:
            totals[name] += (row.get(name) if isinstance(row, Mapping) else getattr(row, name)) or 0
    return totals


def figures(*, rows) -> dict:
    """Return the counters summed over ``rows`` and the rates and averages derived from them.

    ``rows`` is a DailyStat queryset (summed in one query), a mapping of summed counters
    (a breakdown row) or an iterable of such mappings or DailyStat objects (summed here).
    """
    c = _sum_counters(rows)
    return {
        **c,
        "completion_rate": ratio(c["accepted_completed"], c["accepted"]),
        "on_time_rate": ratio(c["on_time"], c["completed"]),
        "overdue_rate": ratio(c["overdue"], c["completed"]),
        "avg_days_used": ratio(c["days_used"], c["completed"], 1),
        "avg_days_committed": ratio(c["days_committed"], c["completed"], 1),
        "avg_days_statutory": ratio(c["days_statutory"], c["completed"], 1),
        "time_saved_rate": ratio(c["days_statutory"] - c["days_used"], c["days_statutory"]),
        "satisfaction_rate": ratio(c["ratings_satisfied"], c["ratings"]),
        "avg_stars": ratio(c["stars"], c["ratings"], 1),
        "rectification_rate": ratio(c["rectified"], c["bad_reviews"]),
    }


def _stats(*, start: datetime.date, end: datetime.date, department=None, region=None, implementation=None):
    rows = DailyStat.objects.filter(day__gte=start, day__lte=end)
    if department is not None:
        rows = rows.filter(department=department)
    if region is not None:
        rows = rows.filter(region=region)
    if implementation is not None:
        rows = rows.filter(implementation=implementation)
    return rows


def _staff_numbers(stats: QuerySet, department=None) -> dict[int, str]:
    """Map the clerk keys found in ``stats`` to staff numbers (one query; the filtered department's first)."""
    department_id = getattr(department, "pk", department)
    memberships = (
        StaffMembership.objects.filter(user_id__in=stats.exclude(clerk_key=0).values("clerk_key"))
        .order_by("-is_active", "created_at", "pk")
        .values_list("user_id", "department_id", "staff_number")
    )
    numbers: dict[int, str] = {}
    for user_id, membership_department_id, staff_number in memberships:
        if user_id not in numbers or membership_department_id == department_id:
            numbers[user_id] = staff_number
    return numbers


def breakdown(
    *,
    by: str,
    start: datetime.date,
    end: datetime.date,
    department=None,
    region=None,
    implementation=None,
) -> list[dict]:
    """Return the figures of the period grouped by ``by``, one row per department, item, region, clerk, month or day.

    One aggregate query over DailyStat with the names joined in; the clerk breakdown adds
    one query for the staff numbers (clerks are never shown by name). Filters take a model
    instance or a primary key. Each row carries ``key``, ``name``, ``code`` (and for items
    ``parent``, the department) and everything ``figures`` returns.
    """
    if by not in _GROUPS:
        raise ValueError(f"unknown breakdown: {by}")
    columns, ordering = _GROUPS[by]
    stats = _stats(start=start, end=end, department=department, region=region, implementation=implementation)
    grouped = stats.annotate(period=TruncMonth("day")) if by == "month" else stats
    raw = list(
        grouped.values(*columns).annotate(**{name: Sum(name) for name in COUNTERS}).order_by(*ordering)
    )  # fmt: skip
    numbers = _staff_numbers(stats, department) if by == "clerk" else {}
    rows = []
    for row in raw:
        labels = _labels(by, row, numbers)
        rows.append({**labels, **figures(rows={name: row[name] for name in COUNTERS})})
    if by == "clerk":
        rows.sort(key=lambda r: (r["key"] == 0, r["name"]))
    return rows


def _labels(by: str, row: dict, numbers: dict[int, str]) -> dict:
    if by == "department":
        return {"key": row["department_id"], "name": row["department__name"], "code": row["department__code"]}
    if by == "implementation":
        if row["implementation_id"] is None:  # consultations and complaints that name only a department
            return {"key": None, "name": str(_("No item named")), "code": "", "parent": ""}
        return {
            "key": row["implementation_id"],
            "name": row["implementation__name"],
            "code": row["implementation__code"],
            "parent": row["implementation__department__name"],
        }
    if by == "region":
        return {"key": row["region_id"], "name": row["region__name"], "code": row["region__code"]}
    if by == "clerk":
        key = row["clerk_key"]
        name = numbers.get(key, "") if key else ""
        return {"key": key, "name": name or ("—" if key else str(_("Not attributed to a clerk"))), "code": name}
    day = row["period"] if by == "month" else row["day"]
    if isinstance(day, datetime.datetime):  # TruncMonth of a date may come back as a datetime on some backends
        day = day.date()
    return {"key": day, "name": day.strftime("%Y-%m" if by == "month" else "%Y-%m-%d"), "code": day.isoformat()}


# --- published implementations ------------------------------------------------------------


def implementation_summary() -> dict[int, dict]:
    """Return, per department, counts over its published implementations (one aggregate query).

    ``published``; ``complete_guides``: with at least one material, process steps and an FAQ;
    ``zero_visits`` and ``one_visit``; ``committed_days`` and ``statutory_days``: the sums of
    their limits (the promised saving against the law).
    """
    materials = Material.objects.filter(implementation=OuterRef("pk"))
    faqs = FAQ.objects.filter(implementation=OuterRef("pk"))
    complete = Q(Exists(materials), Exists(faqs)) & ~Q(process="")
    rows = (
        Implementation.objects.filter(status=Status.PUBLISHED)
        .values("department_id", "department__name", "department__code")
        .annotate(
            published=Count("id"),
            complete_guides=Count("id", filter=complete),
            zero_visits=Count("id", filter=Q(visits=Implementation.Visits.ZERO)),
            one_visit=Count("id", filter=Q(visits=Implementation.Visits.ONE)),
            committed_days=Sum("committed_limit_days"),
            statutory_days=Sum("statutory_limit_days"),
        )
        .order_by()
    )
    return {row["department_id"]: row for row in rows}


def department_implementations(*, department) -> list[dict]:
    """Return a department's published implementations with their limits and visits (one query)."""
    return list(
        Implementation.objects.filter(department=department, status=Status.PUBLISHED)
        .values("pk", "code", "name", "visits", "committed_limit_days", "statutory_limit_days")
        .order_by("name", "pk")
    )


# --- performance ---------------------------------------------------------------------------


DIMENSIONS = (
    ("disclosure", "weight_disclosure", _("Disclosure (guide completeness)")),
    ("process", "weight_process", _("Process standardization")),
    ("deadline", "weight_deadline", _("Deadline legality")),
    ("satisfaction", "weight_satisfaction", _("Satisfaction")),
    ("attitude", "weight_attitude", _("Service attitude")),
    ("complaints", "weight_complaints", _("Consultations and complaints")),
)


@dataclass
class Ranking:
    """Departments ranked by performance score, with the weights that were used."""

    rows: list[dict] = field(default_factory=list)
    weights: list[tuple[str, str, int]] = field(default_factory=list)  # (dimension, label, weight)
    # Departments active in the period with too few completed cases to be ranked, by name.
    insufficient: list[dict] = field(default_factory=list)
    minimum: int = 1


def _dimensions(counters: Mapping, guides: Mapping | None) -> dict[str, float | None]:
    """Return each dimension of one department as a share from 0 to 1, or None without data."""
    c = counters
    return {
        "disclosure": ratio(guides["complete_guides"], guides["published"], 1) if guides else None,
        "process": max(0.0, 1 - c["refused"] / c["received"]) if c["received"] else None,
        "deadline": ratio(c["on_time"], c["completed"], 1),
        "satisfaction": ratio(c["ratings_satisfied"], c["ratings"], 1),
        "attitude": ratio(c["attitude"], 5 * c["ratings"], 1),
        "complaints": max(0.0, 1 - c["complaints"] / c["completed"]) if c["completed"] else None,
    }


def performance(*, start: datetime.date, end: datetime.date, department_rows: list[dict] | None = None) -> Ranking:
    """Score every department active in the period from 0 to 100 and rank them, best first.

    Six dimensions, each a share from 0 to 1:

    1. disclosure: published implementations whose guide has at least one material, process
       steps and an FAQ / all its published implementations;
    2. process standardization: 1 − refused at acceptance / received;
    3. deadline legality: completed on time / completed (the on-time rate);
    4. satisfaction: ratings of 3 stars or more / ratings (the satisfaction rate);
    5. service attitude: average attitude score / 5;
    6. consultations and complaints: 1 − complaints per 100 completed cases / 100, at least 0
       (consultations do not count against a department).

    score = 100 × Σ weightᵢ × dimensionᵢ / Σ weightᵢ with the weights of ``EvaluationSettings``,
    summed over the dimensions that have data: a dimension whose denominator is 0 is left out
    and the other weights are renormalised. A department with no dimension has no score and
    ranks last. Equal scores share a rank.

    Only a department with at least ``EvaluationSettings.ranking_min_completed`` completed cases in
    the period (never fewer than 1) is ranked. The others are listed apart as "insufficient data"
    (``Ranking.insufficient``): before, a department that had completed nothing scored 100 on the
    process dimension alone and ranked first. ``department_rows`` may pass an unfiltered
    ``breakdown(by="department")`` of the same period to save its query.

    Queries: the department breakdown, the settings row and one aggregate over implementations.
    """
    settings = EvaluationSettings.current()
    weights = [(key, label, getattr(settings, attribute)) for key, attribute, label in DIMENSIONS]
    if department_rows is None:
        department_rows = breakdown(by="department", start=start, end=end)
    guides = implementation_summary()
    minimum = max(1, settings.ranking_min_completed)
    rows, insufficient = [], []
    for department in department_rows:
        if department["completed"] < minimum:
            insufficient.append({"name": department["name"], "code": department["code"], **department})
            continue
        shares = _dimensions(department, guides.get(department["key"]))
        used = [(shares[key], weight) for key, _label, weight in weights if shares[key] is not None and weight]
        total_weight = sum(weight for _share, weight in used)
        score = half_up(100 * sum(share * weight for share, weight in used) / total_weight) if total_weight else None
        rows.append(
            {
                "key": department["key"],
                "name": department["name"],
                "code": department["code"],
                "completed": department["completed"],
                "score": score,
                "dimensions": {key: None if share is None else 100 * share for key, share in shares.items()},
                "cells": [None if shares[key] is None else 100 * shares[key] for key, _label, _weight in weights],
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank if row["score"] is not None else None
    insufficient.sort(key=lambda r: r["name"])
    return Ranking(
        rows=rows,
        weights=[(key, str(label), weight) for key, label, weight in weights],
        insufficient=insufficient,
        minimum=minimum,
    )


def running_late(*, department=None, region=None, implementation=None) -> dict:
    """Return the cases whose clock runs now and how many of them are past their due date (one query).

    The overdue rate counts completed cases only; a case still running past its deadline is
    published beside it, so that lateness not yet ended is not hidden. It is a figure of now, not
    of a period: ``{"total": running, "late": past due, "rate": late / running in percent}``.
    """
    cases = Case.objects.filter(state__in=CLOCK_RUNNING)
    if department is not None:
        cases = cases.filter(department=department)
    if region is not None:
        cases = cases.filter(implementation__region=region)
    if implementation is not None:
        cases = cases.filter(implementation=implementation)
    counts = cases.aggregate(total=Count("pk"), late=Count("pk", filter=Q(due_date__lt=timezone.localdate())))
    return {**counts, "rate": ratio(counts["late"], counts["total"])}


# --- the scope of a page: a department, region or item named by its code ------------------

SCOPE_MODELS = {"department": Department, "region": Region, "implementation": Implementation}


def scope_get(*, kind: str, code: str) -> Department | Region | Implementation | None:
    """Return the department, region or item (``kind``, a key of ``SCOPE_MODELS``) with this code, or None.

    Only its key, code and name are read: that is all a breakdown narrows by and shows.
    """
    return SCOPE_MODELS[kind].objects.filter(code=code).only("pk", "code", "name").first()


# --- the one-code look-up ------------------------------------------------------------------


def case_for_supervision(*, code: str) -> Case | None:
    """Return the case with this supervision code with its timeline, rating and inquiries, or None.

    Supervisors see every case, read-only; this reads one case by its unique code.
    """
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        Case.objects.filter(supervision_code=code)
        .select_related(
            "implementation", "department", "receiving_department", "rating__rectification",
        )
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.select_related("actor", "actor_department").prefetch_related(
                    "attachments", "actor__memberships"
                ),
            ),
            Prefetch("inquiries", queryset=Inquiry.objects.order_by("created_at", "pk")),
            "rating__clerk__memberships",
        )
        .first()
    )  # fmt: skip


def overdue_rectification_count() -> int:
    """Return how many rectifications are past their deadline and not yet done (a small table, one query)."""
    from evaluations.models import Rectification

    return Rectification.objects.filter(
        is_overdue=True,
        state__in=[Rectification.State.OPEN, Rectification.State.VERIFIED, Rectification.State.CALLED_BACK],
    ).count()


# --- the data-sharing log ------------------------------------------------------------------


def sharing_log_search(*, query: str = "", limit: int = 100) -> QuerySet[SharingLog]:
    """Return the newest ``limit`` data-sharing rows, narrowed by case code, department name or description."""
    rows = SharingLog.objects.select_related("department", "actor", "subject", "case").order_by("-created_at", "-id")
    if query:
        rows = rows.filter(
            Q(case__supervision_code=query.upper())
            | Q(department__name__contains=query)
            | Q(description__contains=query)
        )
    return rows[:limit]
