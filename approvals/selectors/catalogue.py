"""Reads of the catalogue: browsing with facets, search, the guide page and headline figures."""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, Func, IntegerField, Prefetch, Q, QuerySet, TextField, Value, When
from django.utils.functional import SimpleLazyObject

from approvals.codes import BASIC_CODE_RE, IMPLEMENTATION_CODE_RE
from approvals.models import FAQ, Audience, FormField, Implementation, Item, Material, Status, Theme
from approvals.signals import CATALOGUE_CACHE
from departments.models import Department, Region
from portal.cache import page_cache_version

FACETS = ("department", "region", "theme", "audience", "visits", "kind")
MAX_QUERY_LENGTH = 50


@dataclass
class CatalogueFilters:
    """What a visitor asked the catalogue for; every value is a plain string from the URL."""

    q: str = ""
    department: str = ""
    region: str = ""
    theme: str = ""
    audience: str = ""
    visits: str = ""
    kind: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_querydict(cls, data) -> "CatalogueFilters":
        values = {name: data.get(name, "").strip()[:MAX_QUERY_LENGTH] for name in ("q", *FACETS)}
        return cls(**values)

    def active(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


def published_implementations() -> QuerySet[Implementation]:
    return Implementation.objects.filter(status=Status.PUBLISHED, item__status=Status.PUBLISHED)


def _apply_facet(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if name == "department":
        # A municipal department's code also selects its counterparts in the districts.
        return queryset.filter(Q(department__code=value) | Q(department__parent__code=value))
    if name == "region":
        return queryset.filter(region__code=value)
    if name == "theme":
        return queryset.filter(item__themes__slug=value)
    if name == "audience":
        return queryset.filter(item__audience__in=[value, Audience.BOTH])
    if name == "visits":
        return queryset.filter(visits=int(value)) if value in {"0", "1", "2"} else queryset.none()
    if name == "kind":
        return queryset.filter(item__kind=value)
    raise ValueError(name)


SHORT_TERM = 2  # terms this short are served by the character-pair index (migration 0009), longer by trigrams


def _search_grams() -> Func:
    """Return the expression migration 0009 indexes: every character and pair of characters of the search text."""
    return Func(F("search_text"), function="approvals_search_grams", output_field=ArrayField(TextField()))


def _apply_search(queryset: QuerySet, q: str) -> QuerySet:
    terms = q.lower().split()
    if connection.vendor == "postgresql" and any(len(term) <= SHORT_TERM for term in terms):
        queryset = queryset.alias(search_grams=_search_grams())
    for term in terms:
        if len(term) <= SHORT_TERM and connection.vendor == "postgresql":
            queryset = queryset.filter(search_grams__contains=[term])  # lets PostgreSQL use the index
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def code_lookup(q: str) -> Implementation | None:
    """Return the published implementation whose full code is ``q``, if any."""
    code = q.strip().upper()
    if not IMPLEMENTATION_CODE_RE.match(code):
        return None
    return published_implementations().filter(code=code).first()


def catalogue_filter(filters: CatalogueFilters, *, skip: str = "") -> QuerySet[Implementation]:
    """Return published implementations matching ``filters``, ignoring the facet ``skip``."""
    queryset = published_implementations()
    q = filters.q.strip()
    if q:
        basic = q.upper()
        queryset = queryset.filter(item__code=basic) if BASIC_CODE_RE.match(basic) else _apply_search(queryset, q)
    for name, value in filters.active().items():
        if name != skip:
            queryset = _apply_facet(queryset, name, value)
    return queryset


def _ordered(queryset: QuerySet[Implementation], q: str) -> QuerySet[Implementation]:
    """Order results: exact and prefix name matches first, then closest names, then popular items."""
    if not q:
        return queryset.order_by("-case_count", "code")
    queryset = queryset.annotate(
        rank=Case(
            When(name=q, then=Value(0)),
            When(name__startswith=q, then=Value(1)),
            When(name__contains=q, then=Value(2)),
            When(item__keywords__contains=q, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
    )
    order = ["rank"]
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        queryset = queryset.annotate(similarity=TrigramSimilarity("name", q))
        order.append("-similarity")
    return queryset.order_by(*order, "region__code", "-case_count", "code")


def catalogue_list(filters: CatalogueFilters) -> QuerySet[Implementation]:
    """Return the result list: exact and prefix name matches first, then popular items."""
    queryset = catalogue_filter(filters).select_related("item", "department", "region")
    return _ordered(queryset, filters.q.strip())


@dataclass(frozen=True)
class _Place:
    code: str
    parent_code: str | None
    line_code: str  # the municipal department's code for its district counterparts, else its own
    line_name: str


@dataclass(frozen=True)
class _ItemFacts:
    audience: str
    kind: str
    themes: tuple[tuple[str, str, int], ...]  # (slug, name, sort order)


def _matches(name: str, value: str, place: _Place, region_code: str, item: _ItemFacts, visits: int) -> bool:
    """Apply one facet filter to one implementation, as ``_apply_facet`` does in SQL."""
    if name == "department":
        return value in (place.code, place.parent_code)
    if name == "region":
        return region_code == value
    if name == "theme":
        return any(slug == value for slug, _name, _order in item.themes)
    if name == "audience":
        return item.audience in (value, Audience.BOTH)
    if name == "visits":
        return value in {"0", "1", "2"} and visits == int(value)
    return item.kind == value  # kind


@dataclass
class CatalogueResult:
    page: Page
    facets: dict[str, list[dict]]
    key: str = ""  # names this search's matches in the cache; pages use it for their fragments


def catalogue_search(filters: CatalogueFilters, *, page_number, per_page: int) -> CatalogueResult:
    """Return one page of results and the facet counts, each facet with the other facets applied.

    The ordered ids of every match and the facet counts depend only on the search and the
    filters, not on who asks or which page: they are kept in the cache for
    ``CATALOGUE_CACHE_SECONDS`` under the catalogue's version, so any change to the catalogue
    is seen at once (approvals/signals.py) and the popularity order at most that late. A page
    then costs one query, for its own rows, made only if they are used.
    """
    asked = hashlib.sha256(repr((filters.q.strip(), sorted(filters.active().items()))).encode()).hexdigest()
    key = f"search:{page_cache_version(CATALOGUE_CACHE)}:{asked}"
    found = cache.get(key)
    if found is None:
        found = _search_matches(filters)
        cache.set(key, found, settings.CATALOGUE_CACHE_SECONDS)
    passing, facets = found
    page = Paginator(passing, per_page).get_page(page_number)
    ids = page.object_list

    def rows() -> list[Implementation]:
        loaded = Implementation.objects.select_related("item", "department", "region").in_bulk(ids)
        return [loaded[pk] for pk in ids if pk in loaded]

    # Loaded when first used: a page whose result list is drawn from the fragment cache needs no query.
    page.object_list = SimpleLazyObject(rows)
    return CatalogueResult(page=page, facets=facets, key=key)


def _search_matches(filters: CatalogueFilters) -> tuple[list[int], dict[str, list[dict]]]:
    """Return the ordered ids of the implementations matching ``filters`` and the facet counts.

    One ordered scan reads the ids of every published implementation matching the search
    (without the facet filters); the facets are counted here from the few departments,
    regions and items involved: four queries whatever the number of results or facets.
    """
    q = filters.q.strip()
    rows = list(
        _ordered(catalogue_filter(CatalogueFilters(q=q)), q).values_list(
            "pk", "department_id", "region_id", "item_id", "visits"
        )
    )
    places = {
        pk: _Place(code, parent_code, parent_code or code, parent_name or name)
        for pk, code, name, parent_code, parent_name in Department.objects.filter(
            pk__in={row[1] for row in rows}
        ).values_list("pk", "code", "name", "parent__code", "parent__name")
    }
    regions = {
        pk: (code, name)
        for pk, code, name in Region.objects.filter(pk__in={row[2] for row in rows}).values_list("pk", "code", "name")
    }
    item_themes: dict[int, list] = {}
    item_rows = Item.objects.filter(pk__in={row[3] for row in rows}).values_list(
        "pk", "audience", "kind", "themes__slug", "themes__name", "themes__sort_order"
    )
    facts: dict[int, tuple[str, str]] = {}
    for pk, audience, kind, slug, name, order in item_rows:
        facts[pk] = (audience, kind)
        if slug is not None:
            item_themes.setdefault(pk, []).append((slug, name, order))
    items = {pk: _ItemFacts(audience, kind, tuple(item_themes.get(pk, ()))) for pk, (audience, kind) in facts.items()}

    active = filters.active()
    counters: dict[str, dict] = {name: {} for name in FACETS}
    passing = []
    for pk, department_id, region_id, item_id, visits in rows:
        place, (region_code, region_name), item = places[department_id], regions[region_id], items[item_id]
        failed = [n for n, v in active.items() if not _matches(n, v, place, region_code, item, visits)]
        if len(failed) > 1:
            continue
        if not failed:
            passing.append(pk)
        # A facet counts the rows that pass every other facet's filter.
        for facet in failed or FACETS:
            if facet == "department":
                keys = [(place.line_code, place.line_name)]
            elif facet == "region":
                keys = [(region_code, region_name)]
            elif facet == "theme":
                keys = item.themes
            elif facet == "audience":
                keys = [a for a in (Audience.INDIVIDUAL, Audience.ENTERPRISE) if item.audience in (a, Audience.BOTH)]
            elif facet == "visits":
                keys = [visits]
            else:
                keys = [item.kind]
            counter = counters[facet]
            for key in keys:
                counter[key] = counter.get(key, 0) + 1

    facets = {
        "department": sorted(
            ({"line_code": c, "line_name": n, "count": k} for (c, n), k in counters["department"].items()),
            key=lambda f: (-f["count"], f["line_name"]),
        ),
        "region": sorted(
            ({"region__code": c, "region__name": n, "count": k} for (c, n), k in counters["region"].items()),
            key=lambda f: f["region__code"],
        ),
        "theme": [
            {"item__themes__slug": slug, "item__themes__name": name, "item__themes__sort_order": order, "count": k}
            for (slug, name, order), k in sorted(counters["theme"].items(), key=lambda e: (e[0][2], e[0][0]))
        ],
        "audience": [
            {"item__audience": key, "count": counters["audience"][key]}
            for key in (Audience.INDIVIDUAL, Audience.ENTERPRISE)
            if counters["audience"].get(key)
        ],
        "visits": [{"visits": v, "count": k} for v, k in sorted(counters["visits"].items())],
        "kind": [{"item__kind": v, "count": k} for v, k in sorted(counters["kind"].items())],
    }
    return passing, facets


def implementation_get_published(*, code: str) -> Implementation | None:
    """Return the guide page's implementation with everything it shows (three queries)."""
    return (
        published_implementations()
        .filter(code=code)
        .select_related("item", "department", "region", "issues_licence")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.select_related("licence_type")),
            Prefetch("faqs", queryset=FAQ.objects.all()),
            "item__themes",
        )
        .first()
    )


def implementation_other_places(*, implementation: Implementation) -> QuerySet[Implementation]:
    """Return where else the same item can be applied for."""
    return (
        published_implementations()
        .filter(item_id=implementation.item_id)
        .exclude(pk=implementation.pk)
        .select_related("region", "department")
        .order_by("region__code")
    )


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.annotate(
        item_count=Count(
            "items__implementations",
            filter=Q(items__status=Status.PUBLISHED, items__implementations__status=Status.PUBLISHED),
        )
    ).order_by("sort_order", "slug")


def theme_get(*, slug: str) -> Theme | None:
    return Theme.objects.filter(slug=slug).first()


def catalogue_headline() -> dict:
    """Return the home page figures: published items, the shares needing no visit and exactly one visit."""
    figures = published_implementations().aggregate(
        implementations=Count("id"),
        items=Count("item", distinct=True),
        zero=Count("id", filter=Q(visits=0)),
        one=Count("id", filter=Q(visits=1)),
    )
    total = figures["implementations"] or 0
    figures["zero_percent"] = round(100 * figures["zero"] / total) if total else 0
    figures["one_percent"] = round(100 * figures["one"] / total) if total else 0
    return figures


def popular_implementations(*, limit: int = 8) -> QuerySet[Implementation]:
    return published_implementations().select_related("department", "region").order_by("-case_count", "code")[:limit]


def material_template_get(*, implementation_code: str, material_id: int) -> Material | None:
    """Return a published implementation's material that has a blank template."""
    return (
        Material.objects.filter(
            pk=material_id, implementation__code=implementation_code, implementation__status=Status.PUBLISHED
        )
        .exclude(template="")
        .first()
    )


def form_field_list(*, implementation_id: int) -> list[FormField]:
    """Return the fields of an implementation's application form, in their order."""
    return list(FormField.objects.filter(implementation_id=implementation_id))


def material_list(*, implementation_id: int) -> list[Material]:
    """Return the materials an implementation asks for, in their order, with the licence type each accepts."""
    return list(Material.objects.filter(implementation_id=implementation_id).select_related("licence_type"))
