"""Middleware of the shell: the language, session limits and the audit context."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from portal import audit
from portal.addresses import client_ip


class LanguageCookieMiddleware:
    """Activate the language stored by the switcher's cookie, else ``LANGUAGE_CODE``.

    Unlike Django's ``LocaleMiddleware`` the browser's Accept-Language is ignored: the
    hall speaks Chinese first, whatever language a visitor's browser happens to be set to.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = dict(settings.LANGUAGES)

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


AUTH_AT_SESSION_KEY = "portal.auth_at"


@receiver(user_logged_in)
def stamp_log_in_time(sender, request, user, **kwargs):
    """Start the absolute session limit at log-in (connected by ``PortalConfig.ready``)."""
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_AT_SESSION_KEY] = int(time.time())


class SessionLimitsMiddleware:
    """End a session ``SESSION_ABSOLUTE_SECONDS`` after log-in, however active it has been.

    The idle limit is Django's own (``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(AUTH_AT_SESSION_KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.method != "POST":  # a POST is told by SessionEndedPostMiddleware that it was not kept
                    messages.info(request, _("Your session has ended for safety. Please log in again."))
                    request.session_ended_notice = True
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class AuditMiddleware:
    """Give the audit log the client's address, and log refused access to an object page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.current_ip.set(client_ip(request) or None)
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            refused = response.status_code == 403 or (response.status_code == 404 and match and match.kwargs)
            if refused and not request.path.startswith("/api/"):
                user = getattr(request, "user", None)
                record_kwargs = {"object_type": match.view_name if match else "", "object_id": ""}
                if match and match.kwargs:
                    record_kwargs["object_id"] = ",".join(str(v) for v in match.kwargs.values())
                audit.record(
                    "access_refused", actor=user, result="refused", detail=f"{request.method} {request.path}",
                    **record_kwargs,
                )  # fmt: skip
            return response
        finally:
            audit.current_ip.reset(token)


class CacheUnavailableMiddleware:
    """Turn a refused security check (its store unreachable) into a page that says so.

    ``portal.cache_backend.FailClosedRedisCache`` raises ``CacheUnavailable`` rather than read a
    rate-limit counter or a verification code as missing. The view's transaction has rolled back
    by then, so nothing was written; the visitor is told to try again in a minute (429 with
    ``Retry-After``; the API gets its one error body).
    """

    RETRY_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import JsonResponse
        from django.shortcuts import render

        from portal.cache_backend import CacheUnavailable

        if not isinstance(exception, CacheUnavailable):
            return None
        message = _("This check is briefly unavailable, so nothing was done or sent. Please try again in a minute.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"error": {"code": "temporarily_unavailable", "message": message}}, status=429)
        else:
            response = render(request, "portal/unavailable.html", {"message": message}, status=429)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class SessionEndedPostMiddleware:
    """Tell a visitor whose session ended while they filled in a form that what they sent was not kept.

    ``login_required`` answers such a POST with a redirect to the log-in page, and the form's
    content (uploads included) is gone: the view never ran, so nothing was half-written. Without a
    word the applicant would believe the application was sent. The message travels to the log-in
    page with the redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code == 302
            and not request.user.is_authenticated
            and response.get("Location", "").startswith(_login_url())
            and request.path != _login_url()
            and not getattr(request, "session_ended_notice", False)
        ):
            messages.warning(
                request,
                _(
                    "Your session had ended, so what you sent was not received and nothing was saved. "
                    "Log in and send it again."
                ),
            )
        return response


def _login_url() -> str:
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)
