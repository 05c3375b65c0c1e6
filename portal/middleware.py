"""Language selection: Simplified Chinese unless the visitor chose English with the switcher."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
