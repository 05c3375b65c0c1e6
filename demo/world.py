"""The demo city up to its catalogue: calendar, regions, departments, accounts, staff, items.

``seed_demo`` builds on it, and so do the tests that need the demo world without the
cases, licences and feedback on top.
"""

from dataclasses import dataclass

from django.utils import timezone

from approvals.services.calendar import calendar_load_year
from demo import catalogue
from demo.accounts import seed_users
from demo.departments import COUNTERPART_REGIONS, seed_departments, seed_regions
from departments.models import StaffMembership

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


@dataclass
class World:
    official_years: list[int]
    regions: int
    departments: dict
    users: dict
    implementations: int


def seed_world() -> World:
    """Load the official calendar of last, this and next year, then the city and its catalogue (idempotent)."""
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
    return World(official, regions, departments, users, implementations)
