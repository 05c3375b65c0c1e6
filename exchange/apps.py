from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Data exchange")

    def ready(self):
        from exchange import schema  # noqa: F401 - registers the OpenAPI extension of the key authentication
