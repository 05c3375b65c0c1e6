"""WSGI entry point (gunicorn portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from portal.config import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

application = exit_on_config_error(get_wsgi_application)
