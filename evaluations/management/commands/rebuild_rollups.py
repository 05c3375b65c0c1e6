"""Recompute the supervision store (DailyStat) from cases, ratings, rectifications and inquiries."""

from django.core.management.base import BaseCommand

from evaluations.rollups import rebuild
from evaluations.views.supervision import figures_version_bump
from portal.cache import page_cache_invalidate


class Command(BaseCommand):
    help = "Recompute every supervision counter from the source tables (incremental updates keep it current)."

    def handle(self, *args, **options):
        rows = rebuild()
        # The next page view shows the rebuilt figures: cached dashboards and the disclosure go stale.
        figures_version_bump()
        page_cache_invalidate("disclosure")
        self.stdout.write(self.style.SUCCESS(f"Supervision store rebuilt: {rows} rows."))
