"""The two baselines every page is measured against (only routed when ``PORTAL_BENCH`` is on).

B0 is the least a Django view can do behind the project's middleware: return a few bytes.
B1 adds one query by primary key on the largest table, the smallest real database round
trip. Pages are reported as a share of the one they resemble: cached pages of B0, pages
that must read the database of B1.
"""

from django.http import Http404, HttpResponse

from approvals.models import Case


def b0(request):
    return HttpResponse(b"ok", content_type="text/plain")


def b1(request):
    try:
        pk = int(request.GET.get("id", "1"))
    except ValueError:
        raise Http404 from None
    row = Case.objects.filter(pk=pk).values_list("state", "supervision_code").first()
    if row is None:
        raise Http404
    return HttpResponse(f"{row[0]} {row[1] or ''}".encode(), content_type="text/plain")
