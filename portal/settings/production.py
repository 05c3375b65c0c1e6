"""Settings for production: the base settings behind HTTPS, with every transport protection on.

Run with ``DJANGO_SETTINGS_MODULE=portal.settings.production``. The proxy in front
terminates TLS and sets ``X-Forwarded-Proto``; ``manage.py check --deploy --fail-level
WARNING`` passes with these settings (tested).
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")

from portal.config import ConfigError, env_bool, env_int
from portal.settings.base import *  # noqa: F403
from portal.settings.base import DEBUG

if DEBUG:
    raise ConfigError("DJANGO_DEBUG must be off with portal.settings.production.")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", default=31536000, minimum=3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
