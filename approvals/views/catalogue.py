"""Pages of the approvals app: the catalogue, the guide page, themes and the clerk's desk."""

from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from approvals.models import Audience, Implementation, Item
from approvals.selectors import catalogue as selectors
from approvals.selectors import sharing as sharing_selectors
from approvals.signals import CATALOGUE_CACHE
from departments.selectors import department_get
from portal.cache import cache_page_for_anonymous

PAGE_SIZE = 20


def _facet_links(filters: selectors.CatalogueFilters, facets: dict) -> list[dict]:
    """Turn facet counts into labelled links that toggle one filter and keep the others."""
    labels = {
        "audience": dict(Audience.choices),
        "visits": dict(Implementation.Visits.choices),
        "kind": dict(Item.Kind.choices),
    }
    keys = {
        "department": ("line_code", "line_name"),
        "region": ("region__code", "region__name"),
        "theme": ("item__themes__slug", "item__themes__name"),
        "audience": ("item__audience", None),
        "visits": ("visits", None),
        "kind": ("item__kind", None),
    }
    current = {"q": filters.q, **filters.active()}
    groups = []
    for name, rows in facets.items():
        value_key, label_key = keys[name]
        options = []
        for row in rows:
            value = str(row[value_key])
            selected = getattr(filters, name) == value
            params = {k: v for k, v in current.items() if v and k != name}
            if not selected:
                params[name] = value
            label = row[label_key] if label_key else labels[name].get(row[value_key], value)
            options.append(
                {
                    "value": value,
                    "label": label,
                    "count": row["count"],
                    "selected": selected,
                    "url": "?" + urlencode(params),
                }
            )
        groups.append({"name": name, "options": options})
    return groups


@cache_page_for_anonymous(CATALOGUE_CACHE)
def catalogue(request):
    """Render the catalogue: facets with counts, search results, pagination; a full code jumps to its guide."""
    filters = selectors.CatalogueFilters.from_querydict(request.GET)
    if filters.q:
        match = selectors.code_lookup(filters.q)
        if match is not None:
            return redirect(match)
    result = selectors.catalogue_search(filters, page_number=request.GET.get("page"), per_page=PAGE_SIZE)
    params = {"q": filters.q, **filters.active()}
    context = {
        "filters": filters,
        "page": result.page,
        # The facets and the result list are drawn once per search, page and language and then
        # kept as fragments (item_list.html) under the search's key, which changes with the catalogue.
        "search_key": result.key,
        "fragment_seconds": settings.CATALOGUE_CACHE_SECONDS,
        "facet_groups": SimpleLazyObject(lambda: _facet_links(filters, result.facets)),
        "query_string": urlencode({k: v for k, v in params.items() if v}),
        "themes": selectors.theme_list(),
    }
    return render(request, "approvals/item_list.html", context)


@cache_page_for_anonymous(CATALOGUE_CACHE)
def item_detail(request, code: str):
    """Render the guide page (办事指南) of one published implementation."""
    implementation = selectors.implementation_get_published(code=code.upper())
    if implementation is None:
        raise Http404
    context = {
        "implementation": implementation,
        "item": implementation.item,
        "materials": implementation.materials.all(),
        "faqs": implementation.faqs.all(),
        "other_places": selectors.implementation_other_places(implementation=implementation),
        "upload_plan": sharing_selectors.upload_plan(applicant=request.user, implementation=implementation),
    }
    return render(request, "approvals/item_detail.html", context)


def material_template(request, code: str, pk: int):
    """Download a material's blank template (a public form) as an attachment, never inline."""
    material = selectors.material_template_get(implementation_code=code.upper(), material_id=pk)
    if material is None:
        raise Http404
    filename = f"{material.name}{Path(material.template.name).suffix.lower()}"
    response = FileResponse(material.template.open("rb"), as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@cache_page_for_anonymous(CATALOGUE_CACHE)
def theme_list(request):
    return render(request, "approvals/theme_list.html", {"themes": selectors.theme_list()})


@cache_page_for_anonymous(CATALOGUE_CACHE)
def theme_detail(request, slug: str):
    theme = selectors.theme_get(slug=slug)
    if theme is None:
        raise Http404
    filters = selectors.CatalogueFilters(theme=slug)
    page = Paginator(selectors.catalogue_list(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/theme_detail.html", {"theme": theme, "page": page})


@cache_page_for_anonymous(CATALOGUE_CACHE)
def department_items(request, code: str):
    department = department_get(code=code)
    if department is None:
        raise Http404
    filters = selectors.CatalogueFilters(department=code)
    page = Paginator(selectors.catalogue_list(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/department_items.html", {"department": department, "page": page})
