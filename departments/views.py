"""The public department directory: who does approvals where, with address and hours."""

from django.http import Http404
from django.shortcuts import render

from departments import selectors


def department_list(request):
    region_code = request.GET.get("region", "")
    query = request.GET.get("q", "").strip()[:50]
    region = selectors.region_get(code=region_code) if region_code else None
    context = {
        "regions": selectors.region_top_level(),
        "region": region,
        "query": query,
        "departments": selectors.department_directory(region=region, query=query),
    }
    return render(request, "departments/department_list.html", context)


def department_detail(request, code: str):
    department = selectors.department_get(code=code)
    if department is None:
        raise Http404
    context = {"department": department, "counterparts": selectors.department_counterparts(department=department)}
    return render(request, "departments/department_detail.html", context)
