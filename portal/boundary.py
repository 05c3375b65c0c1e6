"""The first check every request meets: characters no page can use are refused before any view runs.

A NUL byte or another C0 control character in the path, a query parameter or a form field
of an urlencoded body has no meaning anywhere in the hall, and PostgreSQL refuses NUL in
text outright, so letting one through only turns a typo or a probe into a server error deep
inside a view. Such a request gets a 400 page saying what was wrong instead (under ``/api/``,
the API's JSON error body). Tab, carriage
return and line feed stay allowed (a pasted address or a multi-line comment carries them).
Multipart bodies are left to the forms: Django's form ``CharField`` already refuses NUL,
and reading the upload here would run the upload handlers before the view chose them.
"""

import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# C0 controls except tab, line feed and carriage return, and DEL.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URLENCODED = "application/x-www-form-urlencoded"


def has_forbidden_characters(request) -> bool:
    """Return True when the path, a query parameter or an urlencoded form field carries a control character."""
    if FORBIDDEN.search(request.path):
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type == URLENCODED:
        data.append(request.POST)
    for query in data:
        for key, values in query.lists():
            if FORBIDDEN.search(key) or any(FORBIDDEN.search(value) for value in values):
                return True
    return False


class InputBoundaryMiddleware:
    """Answer 400 to a request that carries characters no page accepts (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_forbidden_characters(request):
            if request.path.startswith("/api/"):
                # The exchange API's one error body (docs/api.md), for the programs that call it.
                message = _("The request contains control characters.")
                return JsonResponse({"error": {"code": "malformed_request", "message": message}}, status=400)
            return render(request, "portal/bad_request.html", status=400)
        return self.get_response(request)
