"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from portal.config import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

application = exit_on_config_error(get_asgi_application)
