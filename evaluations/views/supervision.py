"""Supervision pages (dashboard, performance ranking, one-code look-up, data-sharing log) and disclosure.

Every figure comes from the ``DailyStat`` store through ``evaluations.selectors.supervision``,
so each page runs a fixed number of queries whatever the number of cases; the only read of
the case table is the look-up of one case by its supervision code.
"""

import csv
import datetime
import hashlib
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from approvals.models import Implementation
from departments.decorators import membership_required
from evaluations.forms import SupervisionQuery
from evaluations.selectors import supervision as selectors
from portal.cache import cache_page_for_anonymous

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366  # bounds the daily chart of a very long period
RANKING_ON_OVERVIEW = 10
BREAKDOWN_PAGE_SIZE = 50
SATISFACTION_CHART_DEPARTMENTS = 30
DISCLOSURE_MONTHS = 12
DISCLOSURE_CACHE_SECONDS = 600
# A city of thousands of departments is published a page at a time, with a search by name.
DISCLOSURE_PAGE_SIZE = 50

# The columns of a breakdown, in the table and in the CSV: (figure, heading, kind).
COLUMNS = (
    ("received", gettext_lazy("Received"), "count"),
    ("accepted", gettext_lazy("Accepted"), "count"),
    ("completed", gettext_lazy("Completed"), "count"),
    ("completion_rate", gettext_lazy("Completion rate (%)"), "rate"),
    ("on_time_rate", gettext_lazy("On time (%)"), "rate"),
    ("overdue_rate", gettext_lazy("Overdue (%)"), "rate"),
    ("avg_days_used", gettext_lazy("Working days used (avg.)"), "average"),
    ("avg_days_committed", gettext_lazy("Committed limit (avg.)"), "average"),
    ("avg_days_statutory", gettext_lazy("Statutory limit (avg.)"), "average"),
    ("time_saved_rate", gettext_lazy("Time saved vs statutory (%)"), "rate"),
    ("ratings", gettext_lazy("Ratings"), "count"),
    ("satisfaction_rate", gettext_lazy("Satisfaction (%)"), "rate"),
    ("avg_stars", gettext_lazy("Average stars"), "average"),
    ("bad_reviews", gettext_lazy("Bad reviews"), "count"),
    ("rectified", gettext_lazy("Rectified"), "count"),
    ("rectification_rate", gettext_lazy("Rectification progress (%)"), "rate"),
    ("consultations", gettext_lazy("Consultations"), "count"),
    ("complaints", gettext_lazy("Complaints"), "count"),
)


def cell(value, kind: str, empty: str = "—") -> str:
    """Format one figure: counts as they are, rates with one decimal, averages with two."""
    if value is None:
        return empty
    if kind == "count":
        return str(value)
    return selectors.half_up_text(value, 1 if kind == "rate" else 2)


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query(self, **extra) -> str:
        """Return a query string for this period and ``extra`` parameters (empty ones left out)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        params.update({key: value for key, value in extra.items() if value})
        return "?" + urlencode(params)


def period_from(request) -> Period:
    """Return the period of ``?start=&end=`` (ISO dates), by default the last 30 days up to today."""
    query = SupervisionQuery(request.GET).values()
    end = query["end"] or timezone.localdate()
    start = query["start"] or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return Period(max(start, end - datetime.timedelta(days=MAX_DAYS)), end)


def _month_start(day: datetime.date, months_back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def quick_periods(current: Period, **keep) -> list[tuple[str, str, bool]]:
    """Return (label, query string, is current) for the last 30 days, this month, last month and this year."""
    today = timezone.localdate()
    last_month_end = _month_start(today) - datetime.timedelta(days=1)
    periods = [
        (_("Last 30 days"), Period(today - datetime.timedelta(days=DEFAULT_DAYS - 1), today)),
        (_("This month"), Period(_month_start(today), today)),
        (_("Last month"), Period(_month_start(last_month_end), last_month_end)),
        (_("This year"), Period(today.replace(month=1, day=1), today)),
    ]
    return [(label, period.query(**keep), period == current) for label, period in periods]


# --- the dashboard -------------------------------------------------------------------------


def _scope(request) -> dict:
    """Return the department, region and item named by code in the query string (404 for an unknown code)."""
    scope = {}
    query = SupervisionQuery(request.GET).values()
    for key in selectors.SCOPE_MODELS:
        code = query[key]
        if code:
            found = selectors.scope_get(kind=key, code=code)
            if found is None:
                raise Http404
            scope[key] = found
    return scope


def _drill_links(by: str, row: dict, period: Period, codes: dict) -> list[tuple[str, str]]:
    """Return the drill-down links of one breakdown row: department → items and clerks, region → departments."""
    if by == "department":
        narrowed = {**codes, "department": row["code"]}
        return [
            (_("Items"), period.query(by="implementation", **narrowed)),
            (_("Clerks"), period.query(by="clerk", **narrowed)),
        ]
    if by == "region":
        return [(_("Departments"), period.query(by="department", **{**codes, "region": row["code"]}))]
    if by == "implementation":
        return [(_("Clerks"), period.query(by="clerk", **{**codes, "implementation": row["code"]}))]
    if by == "month":
        month_end = _month_start(row["key"], -1) - datetime.timedelta(days=1)
        days = Period(max(row["key"], period.start), min(month_end, period.end))
        return [(_("Days"), days.query(by="day", **codes))]
    return []


def _table(rows: list[dict], by: str, period: Period, codes: dict) -> list[dict]:
    return [
        {**row, "cells": [cell(row[key], kind) for key, _label, kind in COLUMNS],
         "links": _drill_links(by, row, period, codes)}
        for row in rows
    ]  # fmt: skip


def _csv_safe(text) -> str:
    """Keep a spreadsheet from reading a name as a formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(rows: list[dict], *, by: str, period: Period) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"supervision-{by}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark so that spreadsheet programs read the Chinese names as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Code"), str(selectors.BREAKDOWNS[by]), *(str(label) for _key, label, _kind in COLUMNS)])
    for row in rows:
        writer.writerow(
            [_csv_safe(row["code"]), _csv_safe(row["name"]), *(cell(row[key], kind, "") for key, _l, kind in COLUMNS)]
        )
    return response


def _daily_chart(day_rows: list[dict], period: Period) -> dict:
    """Return received and completed per day of the period, days without activity as 0."""
    by_day = {row["key"]: row for row in day_rows}
    labels, received, completed = [], [], []
    for offset in range(period.days):
        day = period.start + datetime.timedelta(days=offset)
        row = by_day.get(day, {})
        labels.append(day.isoformat())
        received.append(row.get("received", 0))
        completed.append(row.get("completed", 0))
    return {
        "labels": labels,
        "datasets": [{"label": _("Received"), "data": received}, {"label": _("Completed"), "data": completed}],
    }


def _satisfaction_chart(department_rows: list[dict]) -> dict:
    """Return the satisfaction rate of the departments with the most ratings, best first."""
    rated = sorted((r for r in department_rows if r["ratings"]), key=lambda r: (-r["ratings"], r["name"]))
    rated = sorted(rated[:SATISFACTION_CHART_DEPARTMENTS], key=lambda r: (-r["satisfaction_rate"], r["name"]))
    return {
        "labels": [r["name"] for r in rated],
        "datasets": [
            {"label": _("Satisfaction (%)"), "data": [selectors.half_up(r["satisfaction_rate"]) for r in rated]}
        ],
    }


FIGURES_VERSION_KEY = "supervision:version"


def figures_version_bump() -> None:
    """Make every cached supervision figure stale at once (after a rebuild of the store)."""
    try:
        cache.incr(FIGURES_VERSION_KEY)
    except ValueError:
        cache.set(FIGURES_VERSION_KEY, 1, timeout=None)


def _figures_cached(key: str, compute):
    """Return ``compute()``, shared for ``SUPERVISION_CACHE_SECONDS`` (0: always computed), without a stampede.

    The figures of a period come from tens of thousands of DailyStat rows in a large city;
    supervisors watching the dashboard share one computation instead of one each. When the
    shared value grows old, one request recomputes it under a lock while every other request
    keeps serving the previous value (at most one computation at a time per page, instead of
    one per worker that happened to ask at that moment). A rebuild of the store makes every
    value stale at once (``figures_version_bump``).
    """
    seconds = settings.SUPERVISION_CACHE_SECONDS
    if not seconds:
        return compute()
    version = cache.get(FIGURES_VERSION_KEY, 0)
    key = f"supervision:{version}:{get_language()}:{hashlib.sha256(key.encode()).hexdigest()}"
    found = cache.get(key)  # (fresh until, value)
    now = time.time()
    if found is not None and found[0] > now:
        return found[1]
    lock = f"{key}:computing"
    if found is not None and not cache.add(lock, 1, timeout=max(30, seconds)):
        return found[1]  # another request is computing it: the previous figures meanwhile
    try:
        value = compute()
        # Kept well past its freshness, so that there is a previous value to serve while recomputing.
        cache.set(key, (now + seconds, value), seconds * 10)
    finally:
        if found is not None:
            cache.delete(lock)
    return value


def _overview_figures(*, by: str, period: Period, scope: dict, codes: dict, page_number) -> dict:
    """Compute what the dashboard shows: one page of the breakdown, totals, charts and the ranking's top."""
    rows = selectors.breakdown(by=by, start=period.start, end=period.end, **scope)
    region = scope.get("region")
    if by == "department" and set(scope) <= {"region"}:
        department_rows = rows
    else:
        department_rows = selectors.breakdown(by="department", start=period.start, end=period.end, region=region)
    day_rows = rows if by == "day" else selectors.breakdown(by="day", start=period.start, end=period.end, **scope)
    ranking = selectors.performance(
        start=period.start, end=period.end, department_rows=department_rows if region is None else None
    )
    totals = selectors.figures(rows=rows)
    page = Paginator(rows, BREAKDOWN_PAGE_SIZE).get_page(page_number)
    return {
        "rows": _table(list(page.object_list), by, period, codes),
        "page_number": page.number,
        "num_pages": page.paginator.num_pages,
        "row_count": len(rows),
        "totals": totals,
        "total_cells": [cell(totals[key], kind) for key, _label, kind in COLUMNS],
        "daily_chart": _daily_chart(day_rows, period),
        "day_rows": day_rows,
        "satisfaction_chart": _satisfaction_chart(department_rows),
        "ranking": selectors.Ranking(
            rows=ranking.rows[:RANKING_ON_OVERVIEW],
            weights=ranking.weights,
            insufficient=ranking.insufficient,
            minimum=ranking.minimum,
        ),
        "ranking_count": len(ranking.rows),
        "overdue_rectifications": selectors.overdue_rectification_count(),
        "running": selectors.running_late(**scope),
        "computed_at": timezone.now(),
    }


@membership_required("supervisor")
def overview(request):
    """Show a period's figures, a breakdown with drill-down and CSV export, charts and the performance ranking."""
    period = period_from(request)
    by = request.GET.get("by", "department")
    by = by if by in selectors.BREAKDOWNS else "department"
    scope = _scope(request)
    codes = {key: found.code for key, found in scope.items()}
    if request.GET.get("format") == "csv":
        return _csv(selectors.breakdown(by=by, start=period.start, end=period.end, **scope), by=by, period=period)
    page_number = request.GET.get("page") or 1
    figures = _figures_cached(
        f"overview:{by}:{period.start}:{period.end}:{sorted(codes.items())}:{page_number}",
        lambda: _overview_figures(by=by, period=period, scope=scope, codes=codes, page_number=page_number),
    )
    keep = {"by": by, **codes}
    context = {
        **figures,
        "period": period,
        "quick_periods": quick_periods(period, **keep),
        "keep": [(key, value) for key, value in keep.items() if value],
        "by": by,
        "by_label": selectors.BREAKDOWNS[by],
        "breakdowns": [(key, label, period.query(by=key, **codes)) for key, label in selectors.BREAKDOWNS.items()],
        "scope": scope,
        "clear_scope_url": period.query(by=by),
        "columns": [label for _key, label, _kind in COLUMNS],
        "ranking_rows": figures["ranking"].rows,
        "csv_url": period.query(by=by, format="csv", **codes),
        "page_query": period.query(by=by, **codes),
        "performance_url": reverse("evaluations:performance") + period.query(),
        "supervision_cache_seconds": settings.SUPERVISION_CACHE_SECONDS,
    }
    return render(request, "evaluations/dashboard.html", context)


@membership_required("supervisor")
def performance(request):
    """Rank every department active in the period by its performance score, with the method."""
    period = period_from(request)
    ranking, computed_at = _figures_cached(
        f"performance:{period.start}:{period.end}",
        lambda: (selectors.performance(start=period.start, end=period.end), timezone.now()),
    )
    context = {
        "period": period,
        "computed_at": computed_at,
        "supervision_cache_seconds": settings.SUPERVISION_CACHE_SECONDS,
        "quick_periods": quick_periods(period),
        "ranking": ranking,
        "ranking_rows": ranking.rows,
    }
    return render(request, "evaluations/dashboard_performance.html", context)


@membership_required("supervisor")
def lookup(request):
    """Show a case's full timeline, rating and consultations by its supervision code (read-only)."""
    code = request.GET.get("code", "").strip().upper()[:30]
    case = selectors.case_for_supervision(code=code) if code else None
    rating = getattr(case, "rating", None) if case else None
    context = {
        "code": code,
        "case": case,
        "rating": rating,
        "rectification": getattr(rating, "rectification", None) if rating else None,
        "inquiries": list(case.inquiries.all()) if case else [],
    }
    return render(request, "evaluations/lookup.html", context, status=404 if code and case is None else 200)


# --- public disclosure ---------------------------------------------------------------------


def _disclosure_rows(department_rows: list[dict], summary: dict[int, dict]) -> list[dict]:
    """Join each department's figures with its published implementations; either may be missing."""
    by_key = {row["key"]: row for row in department_rows}
    empty = selectors.figures(rows=[])
    rows = []
    for key in by_key.keys() | summary.keys():
        stats = by_key.get(key)
        items = summary.get(key, {})
        rows.append(
            {
                **(stats or empty),
                "key": key,
                "name": stats["name"] if stats else items["department__name"],
                "code": stats["code"] if stats else items["department__code"],
                "published": items.get("published", 0),
                "zero_visits": items.get("zero_visits", 0),
                "one_visit": items.get("one_visit", 0),
                "promised_saving_rate": selectors.ratio(
                    (items.get("statutory_days") or 0) - (items.get("committed_days") or 0),
                    items.get("statutory_days") or 0,
                ),
            }
        )
    rows.sort(key=lambda r: (r["name"], r["key"]))
    return rows


def _implementation_rows(stat_rows: list[dict], implementations: list[dict]) -> list[dict]:
    """Join a department's published implementations with their figures (implementations without cases too)."""
    by_key = {row["key"]: row for row in stat_rows}
    empty = selectors.figures(rows=[])
    return [
        {
            **by_key.get(item["pk"], empty),
            "name": item["name"],
            "code": item["code"],
            "visits": item["visits"],
            "visits_label": Implementation.Visits(item["visits"]).label,
            "committed_limit_days": item["committed_limit_days"],
            "statutory_limit_days": item["statutory_limit_days"],
        }
        for item in implementations
    ]


@cache_page_for_anonymous("disclosure", timeout=DISCLOSURE_CACHE_SECONDS)
def disclosure(request):
    """Publish the city's headline figures of the last 12 months, per department and per item of one department."""
    today = timezone.localdate()
    period = Period(_month_start(today, DISCLOSURE_MONTHS - 1), today)
    department_rows = selectors.breakdown(by="department", start=period.start, end=period.end)
    summary = selectors.implementation_summary()
    department = None
    implementation_rows = []
    code = request.GET.get("department", "").strip()[:40]
    if code:
        department = selectors.scope_get(kind="department", code=code)
        if department is None:
            raise Http404
        implementation_rows = _implementation_rows(
            selectors.breakdown(by="implementation", start=period.start, end=period.end, department=department),
            selectors.department_implementations(department=department),
        )
    published = sum(row["published"] for row in summary.values())
    q = request.GET.get("q", "").strip()[:50]
    rows = _disclosure_rows(department_rows, summary)
    if q:
        rows = [row for row in rows if q.casefold() in row["name"].casefold() or q.upper() == row["code"].upper()]
    page = Paginator(rows, DISCLOSURE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "period": period,
        "totals": selectors.figures(rows=department_rows),
        "published": published,
        "zero_visits": sum(row["zero_visits"] for row in summary.values()),
        "one_visit": sum(row["one_visit"] for row in summary.values()),
        "rows": page.object_list,
        "page": page,
        "q": q,
        "query_string": urlencode({key: value for key, value in {"q": q, "department": code}.items() if value}),
        "department": department,
        "implementation_rows": implementation_rows,
        # The page is shared for DISCLOSURE_CACHE_SECONDS; it says so, with the time it was computed.
        "running": selectors.running_late(),
        "computed_at": timezone.now(),
        "max_age_seconds": DISCLOSURE_CACHE_SECONDS,
    }
    return render(request, "evaluations/disclosure.html", context)


# --- the data-sharing log ------------------------------------------------------------------


@membership_required("supervisor")
def sharing_log(request):
    """Let supervisors search the data-sharing log by case code, department or description."""
    query = request.GET.get("q", "").strip()[:50]
    rows = selectors.sharing_log_search(query=query, limit=100)
    return render(request, "evaluations/sharing_log.html", {"rows": rows, "query": query})
