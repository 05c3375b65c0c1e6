"""Recompute the supervision store (DailyStat) from cases, ratings, rectifications and inquiries."""

from django.core.management.base import BaseCommand

from evaluations.rollups import rebuild


class Command(BaseCommand):
    help = "Recompute every supervision counter from the source tables (incremental updates keep it current)."

    def handle(self, *args, **options):
        rows = rebuild()
        self.stdout.write(self.style.SUCCESS(f"Supervision store rebuilt: {rows} rows."))
