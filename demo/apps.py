from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only when ``DEBUG`` or ``DEMO_DATA`` is on: ``seed_demo`` and the demo builders."""

    name = "demo"
    verbose_name = "Demo city"
