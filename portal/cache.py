"""A page cache for anonymous visitors, versioned by namespace so that a change empties it at once.

Pages served from it carry no per-user data: they are only used for anonymous GET requests
without pending flash messages, and the key includes the path, query, language and display
mode (elder mode renders the same page with other classes).

Two layers serve it. ``AnonymousPageCacheMiddleware`` sits near the top of the stack and
answers a visitor who has no session at all (the common case: a first visit, a search engine,
a link followed from elsewhere) before sessions, CSRF, authentication and the rest are
touched, with the headers the full stack gave the page when it was rendered. The view
decorator answers the anonymous visitors who do hold a session (one who switched elder mode
on, say), whose display mode is kept in it.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

from portal.cache_backend import on_recover
from portal.elder import elder_mode_active

STANDARD, ELDER = "standard", "elder"


def _version_key(namespace: str) -> str:
    return f"pagecache:{namespace}:version"


def _page_key(namespace: str, language: str, mode: str, full_path: str) -> str:
    path = hashlib.sha256(full_path.encode()).hexdigest()
    # "page2": entries hold (version, content, headers); the "page" entries of earlier releases
    # held (version, content, content type) and are never read.
    return f"page2:{namespace}:{language}:{mode}:{path}"


def page_cache_version(namespace: str) -> int:
    version = cache.get(_version_key(namespace))
    if version is None:
        cache.add(_version_key(namespace), 1, timeout=None)
        version = cache.get(_version_key(namespace), 1)
    return version


def page_cache_invalidate(namespace: str) -> None:
    """Make every cached page of ``namespace`` stale (one cache write).

    While the cache's Redis is unreachable the write cannot be made, and the pages cached before
    the outage would be served again once it returns. The namespace is kept and invalidated
    again by the first call that finds Redis back (``portal.cache_backend.on_recover``).
    """
    try:
        cache.incr(_version_key(namespace))
    except ValueError:
        cache.set(_version_key(namespace), 2, timeout=None)
    if getattr(cache, "is_down", lambda: False)():
        _invalidate_on_recovery.add(namespace)


_invalidate_on_recovery: set[str] = set()


@on_recover
def _invalidate_missed() -> None:
    while _invalidate_on_recovery:
        page_cache_invalidate(_invalidate_on_recovery.pop())


def _cacheable(request) -> bool:
    if request.method != "GET" or request.user.is_authenticated:
        return False
    if "messages" in request.COOKIES:
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.session.get("_messages")


def _lookup(namespace: str, key: str):
    """Return ``(version, entry)``: the namespace's version and the page stored under ``key``
    if it was rendered at that version, else None. One round trip when the version exists.
    """
    found = cache.get_many([_version_key(namespace), key])
    version = found.get(_version_key(namespace)) or page_cache_version(namespace)
    entry = found.get(key)
    return version, (entry if entry is not None and entry[0] == version else None)


def cache_page_for_anonymous(namespace: str, timeout: int | None = None):
    """Cache a view's successful responses for anonymous visitors under ``namespace``.

    The view answers from the cache itself; a response it rendered is marked with where to
    keep it, and ``AnonymousPageCacheMiddleware`` stores it with its final headers.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            mode = ELDER if elder_mode_active(request) else STANDARD
            key = _page_key(namespace, get_language(), mode, request.get_full_path())
            version, entry = _lookup(namespace, key)
            if entry is not None:
                _version, content, headers = entry
                return HttpResponse(content, content_type=dict(headers)["Content-Type"])
            response = view(request, *args, **kwargs)
            # A response that sets a cookie of its own (a CSRF token, say) is personal.
            if response.status_code == 200 and not response.streaming and not response.cookies:
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                seconds = settings.CATALOGUE_CACHE_SECONDS if timeout is None else timeout
                response.page_cache_entry = (key, version, seconds)
            return response

        wrapper.page_cache_namespace = namespace
        return wrapper

    return decorator


class AnonymousPageCacheMiddleware:
    """Answer cached pages to visitors without a session before the rest of the stack runs,
    and store the pages the decorator marked, with the headers the stack below gave them.

    A visitor without a session cookie is anonymous, in the standard display mode, in the
    language of the switcher's cookie (as ``LanguageCookieMiddleware`` decides it), and has
    no flash messages waiting: everything the cache key depends on is in the request itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def _namespace(self, request) -> str | None:
        if request.method != "GET":
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return getattr(match.func, "page_cache_namespace", None)

    def __call__(self, request):
        namespace = self._namespace(request)
        if namespace is not None:
            request.get_host()  # a host outside ALLOWED_HOSTS is refused (400) here as further down
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
            if language not in self.languages:
                language = settings.LANGUAGE_CODE
            key = _page_key(namespace, language, STANDARD, request.get_full_path())
            _version, entry = _lookup(namespace, key)
            if entry is not None:
                _version, content, headers = entry
                response = HttpResponse(content)
                for name, value in headers:
                    response.headers[name] = value
                return response
        response = self.get_response(request)
        pending = getattr(response, "page_cache_entry", None)
        if pending is not None:
            key, version, seconds = pending
            cache.set(key, (version, response.content, list(response.items())), seconds)
        return response
