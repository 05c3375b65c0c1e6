from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed only when ``PORTAL_BENCH`` is on: the data generator and the baseline views."""

    name = "bench"
    verbose_name = "Benchmark"
