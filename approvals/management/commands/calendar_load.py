"""Load the official holidays and make-up working days of some years from the chinese-calendar package."""

import chinese_calendar
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from approvals.selectors.calendar import calendar_missing_years
from approvals.services.calendar import calendar_load_year

FIRST_DEFAULT_YEAR = 2020


class Command(BaseCommand):
    help = (
        "Load the official holidays and make-up working days from chinese-calendar (idempotent). "
        f"Default: every year from {FIRST_DEFAULT_YEAR} through next year."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, metavar="year", help="years to load")

    def handle(self, *args, years, **options):
        if not years:
            years = range(FIRST_DEFAULT_YEAR, timezone.localdate().year + 2)
        if invalid := sorted(year for year in years if not 1 <= year <= 9999):
            raise CommandError(f"Not a year: {', '.join(map(str, invalid))}")
        loaded, unknown = [], []
        for year in sorted(set(years)):
            (loaded if calendar_load_year(year=year) else unknown).append(year)
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Loaded from chinese-calendar: {', '.join(map(str, loaded))}."))
        if not unknown:
            return
        version = chinese_calendar.__version__
        missing = set(calendar_missing_years(years=unknown))
        for year in unknown:
            if year in missing:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: unknown to chinese-calendar {version}; deadlines count Monday to Friday "
                        "until an admin enters its holidays and make-up working days and marks it official."
                    )
                )
            else:
                self.stdout.write(
                    f"{year}: unknown to chinese-calendar {version}; keeping the schedule entered by hand."
                )
