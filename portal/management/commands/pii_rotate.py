"""Re-encrypt every stored personal number with the current DJANGO_PII_KEY (after a key change)."""

from django.core.management.base import BaseCommand, CommandError

from portal import services


class Command(BaseCommand):
    help = (
        "Re-encrypt and re-digest every stored personal number with DJANGO_PII_KEY, reading the old "
        "ones with DJANGO_PII_OLD_KEYS. Safe to run again; numbers already under the current key are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        counts = services.pii_rotate(batch_size=batch_size)
        self.stdout.write(
            f"{counts['rotated']} numbers re-encrypted, {counts['current']} already under the current key, "
            f"{counts['undecryptable']} opened by no configured key."
        )
        if counts["undecryptable"]:
            raise CommandError(
                "Some numbers open with none of the keys: add the key they were encrypted with to "
                "DJANGO_PII_OLD_KEYS and run the command again (the audit log names the accounts)."
            )
