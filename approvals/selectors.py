"""Reads of the catalogue: browsing with facets, search, the guide page and headline figures."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from approvals.codes import BASIC_CODE_RE, IMPLEMENTATION_CODE_RE
from approvals.models import FAQ, Audience, Implementation, Item, Material, Status, Theme

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


def _apply_search(queryset: QuerySet, q: str) -> QuerySet:
    for term in q.lower().split():
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


def catalogue_list(filters: CatalogueFilters) -> QuerySet[Implementation]:
    """Return the result list: exact and prefix name matches first, then popular items."""
    queryset = catalogue_filter(filters).select_related("item", "department", "region")
    q = filters.q.strip()
    if q:
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
    return queryset.order_by("-case_count", "code")


def catalogue_facets(filters: CatalogueFilters) -> dict[str, list[dict]]:
    """Return counts per facet value, each computed with the other facets applied (one query per facet)."""
    facets: dict[str, list[dict]] = {}
    base = {name: catalogue_filter(filters, skip=name) for name in FACETS}
    facets["department"] = list(
        base["department"]
        .annotate(
            line_code=Coalesce("department__parent__code", "department__code"),
            line_name=Coalesce("department__parent__name", "department__name"),
        )
        .values("line_code", "line_name")
        .annotate(count=Count("id"))
        .order_by("-count", "line_name")
    )
    facets["region"] = list(
        base["region"].values("region__code", "region__name").annotate(count=Count("id")).order_by("region__code")
    )
    facets["theme"] = list(
        base["theme"]
        .filter(item__themes__isnull=False)
        .values("item__themes__slug", "item__themes__name", "item__themes__sort_order")
        .annotate(count=Count("id", distinct=True))
        .order_by("item__themes__sort_order")
    )
    audience = base["audience"].aggregate(
        individual=Count("id", filter=Q(item__audience__in=[Audience.INDIVIDUAL, Audience.BOTH])),
        enterprise=Count("id", filter=Q(item__audience__in=[Audience.ENTERPRISE, Audience.BOTH])),
    )
    facets["audience"] = [{"item__audience": key, "count": count} for key, count in audience.items() if count]
    facets["visits"] = list(base["visits"].values("visits").annotate(count=Count("id")).order_by("visits"))
    facets["kind"] = list(base["kind"].values("item__kind").annotate(count=Count("id")).order_by("item__kind"))
    return facets


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


def item_count_by_kind() -> QuerySet[Item]:
    return Item.objects.filter(status=Status.PUBLISHED).values("kind").annotate(count=Count("id")).order_by("kind")


def material_template_get(*, implementation_code: str, material_id: int) -> Material | None:
    """Return a published implementation's material that has a blank template."""
    return (
        Material.objects.filter(
            pk=material_id, implementation__code=implementation_code, implementation__status=Status.PUBLISHED
        )
        .exclude(template="")
        .first()
    )
