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
                messages.info(request, _("Your session has ended for safety. Please log in again."))
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
