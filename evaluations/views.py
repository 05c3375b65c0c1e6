"""Pages of the evaluations app: the data-sharing log for supervisors."""

from django.db.models import Q
from django.shortcuts import render

from approvals.models import SharingLog
from departments.decorators import membership_required


@membership_required("supervisor")
def sharing_log(request):
    """Let supervisors search the data-sharing log by case code, department or description."""
    query = request.GET.get("q", "").strip()[:50]
    rows = SharingLog.objects.select_related("department", "actor", "subject", "case").order_by("-created_at", "-id")
    if query:
        rows = rows.filter(
            Q(case__supervision_code=query.upper())
            | Q(department__name__contains=query)
            | Q(description__contains=query)
        )
    return render(request, "evaluations/sharing_log.html", {"rows": rows[:100], "query": query})
