"""Load the demo city: the world (``demo.world``), then cases, licences, bundles and feedback. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from approvals.models import Case, Licence
from demo.accounts import seed_totp_devices
from demo.bundles import seed_bundle_applications, seed_bundles
from demo.cases import seed_cases
from demo.feedback import seed_feedback
from demo.licences import seed_licences
from demo.world import seed_world
from evaluations.rollups import rebuild as rebuild_rollups


class Command(BaseCommand):
    help = "Load the demo city (idempotent: running it twice changes nothing)."

    @transaction.atomic
    def handle(self, *args, **options):
        world = seed_world()
        users, departments = world.users, world.departments
        seed_licences(users=users)
        seed_cases(users=users)
        bundles = seed_bundles()
        seed_bundle_applications(users)
        ratings = seed_feedback(users=users)
        seed_totp_devices()
        # Demo histories were moved back in time after the fact: recount the supervision store from them.
        rebuild_rollups()
        cases, licences = Case.objects.count(), Licence.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo city ready: {world.regions} regions, {len(departments)} departments, "
                f"{world.implementations} published implementations, {bundles} bundles, {cases} cases, "
                f"{licences} licences, "
                f"{ratings} ratings, {len(users)} demo accounts; "
                f"official holiday calendar for {', '.join(map(str, world.official_years)) or 'no year'}."
            )
        )
