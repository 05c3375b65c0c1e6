"""A page cache for anonymous visitors, versioned by namespace so that a change empties it at once.

Pages served from it carry no per-user data: they are only used for anonymous GET requests
without pending flash messages, and the key includes the path, query, language and display
mode (elder mode renders the same page with other classes).
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from portal.elder import elder_mode_active


def _version_key(namespace: str) -> str:
    return f"pagecache:{namespace}:version"


def page_cache_version(namespace: str) -> int:
    version = cache.get(_version_key(namespace))
    if version is None:
        cache.add(_version_key(namespace), 1, timeout=None)
        version = cache.get(_version_key(namespace), 1)
    return version


def page_cache_invalidate(namespace: str) -> None:
    """Make every cached page of ``namespace`` stale (one cache write)."""
    try:
        cache.incr(_version_key(namespace))
    except ValueError:
        cache.set(_version_key(namespace), 2, timeout=None)


def _cacheable(request) -> bool:
    if request.method != "GET" or request.user.is_authenticated:
        return False
    if "messages" in request.COOKIES:
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.session.get("_messages")


def cache_page_for_anonymous(namespace: str, timeout: int | None = None):
    """Cache a view's successful responses for anonymous visitors under ``namespace``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            mode = "elder" if elder_mode_active(request) else "standard"
            key = f"page:{namespace}:{get_language()}:{mode}:{path}"
            # One round trip reads the namespace's version and the page, stored with the version
            # it was rendered at: a page from before the last change is never served.
            found = cache.get_many([_version_key(namespace), key])
            version = found.get(_version_key(namespace)) or page_cache_version(namespace)
            cached = found.get(key)
            if cached is not None and cached[0] == version:
                _version, content, content_type = cached
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                seconds = settings.CATALOGUE_CACHE_SECONDS if timeout is None else timeout
                cache.set(key, (version, response.content, response["Content-Type"]), seconds)
            return response

        return wrapper

    return decorator
