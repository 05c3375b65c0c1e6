"""Pages of the evaluations app: the supervision overview."""

from django.shortcuts import render

from departments.decorators import membership_required
from departments.selectors import region_coverage


@membership_required("supervisor")
def supervision_overview(request):
    """Render the supervisor's overview of the hall's coverage by region."""
    regions = list(region_coverage())
    context = {
        "regions": regions,
        "department_total": sum(region.department_count for region in regions),
        "staff_total": sum(region.staff_count for region in regions),
    }
    return render(request, "evaluations/supervision_overview.html", context)
