"""One machine-readable error body for every 4xx answer of the exchange API.

``{"error": {"code": "transition_refused", "message": "…", "fields": {"reason": ["…"]}}}``:
``code`` is stable and meant for programs, ``message`` for people, ``fields`` (present for
invalid input only) names what was wrong with which field.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error with its own status and code, e.g. 409 ``transition_refused``."""

    def __init__(self, *, status_code: int, code: str, message: str, fields: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields


DEFAULT_CODES = {
    exceptions.ParseError: "malformed_body",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_key",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "invalid",
}

# DRF's own default codes, replaced by ours (specific codes such as ``key_expired`` are kept).
GENERIC_CODES = {
    "error", "invalid", "parse_error", "authentication_failed", "not_authenticated", "permission_denied",
    "not_found", "method_not_allowed", "not_acceptable", "unsupported_media_type", "throttled",
}  # fmt: skip


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _plain(detail):
    """Turn DRF's ``ErrorDetail`` trees into plain lists and dicts of strings."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, ApiError):
        return exc.code
    code = getattr(exc.detail, "code", None)
    if isinstance(code, str) and code not in GENERIC_CODES:
        return code
    for kind, default in DEFAULT_CODES.items():
        if isinstance(exc, kind):
            return default
    return "error"


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = _plain(exc.detail)
    if isinstance(detail, dict):
        general = detail.pop("non_field_errors", None)
        message = " ".join(general) if general else _("Some fields are invalid.")
        return error_body("invalid", message, detail or None)
    if isinstance(detail, list):
        return error_body("invalid", " ".join(str(d) for d in detail))
    return error_body("invalid", str(detail))


def exception_handler(exc, context) -> Response | None:
    """Answer every handled exception with the uniform error body; leave unexpected ones to Django (500)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError(status_code=413, code="body_too_large", message=_("The body is too large."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, ApiError):
        response.data = error_body(exc.code, exc.message, exc.fields)
    else:
        response.data = error_body(_code_of(exc), str(exc.detail))
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response.data["error"]["retry_after"] = max(1, round(exc.wait))
    return response
