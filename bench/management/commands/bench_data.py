"""Generate the benchmark's data set (``make bench`` runs it; see docs/benchmarks.md)."""

from django.core.management.base import BaseCommand, CommandError

from bench import data


class Command(BaseCommand):
    help = (
        "Fill a PostgreSQL database named *bench* with a city-sized data set using set-based SQL "
        "(default: 1,000,000 cases over a year). Skips the work when the database already holds that size."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--users", type=int, default=None, help="citizens (default: a tenth of the cases)")
        parser.add_argument("--licences", type=int, default=None, help="default: a fifth of the cases")
        parser.add_argument("--items", type=int, default=None, help="basic catalogue items (default 420)")
        parser.add_argument("--force", action="store_true", help="generate again even if the size matches")

    def handle(self, *args, cases, users, licences, items, force, **options):
        if cases < 1_000:
            raise CommandError("--cases must be at least 1000.")
        size = data.Size.for_cases(cases, users=users, licences=licences, items=items)
        try:
            data.ensure_bench_database()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        if not force and data.stored_size() == data.asdict(size):
            self.stdout.write(f"The database already holds this data set ({cases:,} cases); nothing to do.")
            return
        self.stdout.write(f"Generating {cases:,} cases, {size.users:,} citizens, {size.licences:,} licences …")
        data.generate(size, log=self.stdout.write)
