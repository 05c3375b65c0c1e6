"""Delete audit-log rows older than the retention period (180 days at least)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit-log rows older than AUDIT_KEEP_DAYS (at least 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_KEEP_DAYS)

    def handle(self, *args, days, **options):
        if days < 180:
            raise CommandError("The audit log is kept at least 180 days.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} audit rows older than {days} days deleted.")
