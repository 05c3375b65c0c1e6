"""Load the demo city: regions, departments, staff and demo accounts. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from approvals.models import Case, Licence
from approvals.workdays import calendar_load_year
from demo import catalogue
from demo.accounts import seed_totp_devices, seed_users
from demo.bundles import seed_bundle_applications, seed_bundles
from demo.cases import seed_cases
from demo.departments import COUNTERPART_REGIONS, seed_departments, seed_regions
from demo.feedback import seed_feedback
from demo.licences import seed_licences
from departments.models import StaffMembership
from evaluations.rollups import rebuild as rebuild_rollups

# username, department key (<region code>:<municipal short name>), role, staff number
MEMBERSHIPS = [
    ("clerk_scj", "500000:市市场监管局", StaffMembership.Role.CLERK, "SJ0001"),
    ("reviewer_scj", "500000:市市场监管局", StaffMembership.Role.REVIEWER, "SJ0002"),
    ("clerk_yz_scj", "500103:市市场监管局", StaffMembership.Role.CLERK, "YZ0101"),
    ("clerk_jb_gaj", "500105:市公安局", StaffMembership.Role.CLERK, "JB0201"),
    ("clerk_wjw", "500000:市卫生健康委", StaffMembership.Role.CLERK, "SJ0301"),
    ("clerk_lj_rsj", "500190:市人力社保局", StaffMembership.Role.CLERK, "LJ0401"),
    ("supervisor", "500000:市大数据发展局", StaffMembership.Role.SUPERVISOR, "SJ9001"),
]


class Command(BaseCommand):
    help = "Load the demo city (idempotent: running it twice changes nothing)."

    @transaction.atomic
    def handle(self, *args, **options):
        year = timezone.localdate().year
        official = [y for y in range(year - 1, year + 2) if calendar_load_year(year=y)]
        regions = seed_regions()
        departments = seed_departments(also_in_demo_districts=catalogue.departments_used())
        users = seed_users()
        for username, department_key, role, staff_number in MEMBERSHIPS:
            StaffMembership.objects.update_or_create(
                user=users[username],
                department=departments[department_key],
                defaults={"role": role, "staff_number": staff_number, "is_active": True},
            )
        implementations = catalogue.seed_catalogue(departments=departments, district_codes=COUNTERPART_REGIONS)
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
                f"Demo city ready: {regions} regions, {len(departments)} departments, "
                f"{implementations} published implementations, {bundles} bundles, {cases} cases, {licences} licences, "
                f"{ratings} ratings, {len(users)} demo accounts; "
                f"official holiday calendar for {', '.join(map(str, official)) or 'no year'}."
            )
        )
