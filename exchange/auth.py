"""Authentication, permission and rate limit of the exchange API.

A call carries ``Authorization: Bearer hall_<prefix>_<secret>``. The request's user is the
system's service account and ``request.auth`` the ``ApiKey``, so every view knows the
system (``request.auth.system``) and scopes what it reads to the system's department.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from exchange import selectors, services
from exchange.models import ApiKey, BusinessSystem
from portal import ratelimit

REFUSALS = {
    selectors.INVALID_KEY: lambda: _("The API key is not valid."),
    selectors.KEY_EXPIRED: lambda: _("The API key has expired: ask the hall's administrator for a new one."),
    selectors.KEY_REVOKED: lambda: _("The API key has been revoked."),
    selectors.SYSTEM_DISABLED: lambda: _("The business system is disabled."),
}

PERIODS = {"s": 1, "min": 60, "h": 3600, "day": 86400}


class ApiKeyAuthentication(BaseAuthentication):
    """Accept ``Authorization: Bearer <key>`` with a key that is known, unrevoked and unexpired."""

    keyword = b"bearer"

    def authenticate(self, request):
        try:
            parts = get_authorization_header(request).split()
        except UnicodeEncodeError:  # not Latin-1, so not a key
            parts = [b"?"]
        if not parts:
            return None
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Bearer <key>”."), code=selectors.INVALID_KEY
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            token = ""
        key, problem = selectors.api_key_check(token=token)
        # Kept on the request so that refused calls with a known key are logged for its system too.
        request._request.exchange_key = key
        if problem:
            raise exceptions.AuthenticationFailed(REFUSALS[problem](), code=problem)
        services.api_key_mark_used(key=key)
        return key.system.service_user, key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IsBusinessSystem(permissions.BasePermission):
    """Let in only calls authenticated with a system's API key."""

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


def system_of(request) -> BusinessSystem:
    return request.auth.system


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (calls, seconds) for a rate such as ``600/min``."""
    count, period = rate.split("/")
    return int(count), PERIODS[period]


class SystemRateThrottle(throttling.BaseThrottle):
    """Allow each system its rate (its own or ``EXCHANGE_RATE``) in fixed windows kept in the cache.

    The counter is the cache's atomic increment (``portal.ratelimit``), so it holds across
    processes on Redis.
    """

    def allow_request(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return True
        system = request.auth.system
        self.limit, self.window = parse_rate(system.rate_limit or settings.EXCHANGE_RATE)
        # Fail open: the system is authenticated by its key, and refusing every call while the
        # security store is down would stop departments' work for a counter.
        return ratelimit.hit(
            key=f"exchange:system:{system.pk}", limit=self.limit, window_seconds=self.window, fail_open=True
        )

    def wait(self):
        return self.window
