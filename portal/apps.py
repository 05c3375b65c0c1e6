from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal import audit, middleware  # noqa: F401 - middleware's receiver stamps the log-in time

        audit.connect()
