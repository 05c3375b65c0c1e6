"""Reads of regions, departments and staff memberships."""

from django.db.models import Count, Q, QuerySet

from departments.models import Department, Region, StaffMembership


def membership_list(*, user) -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(user=user, is_active=True)
        .select_related("department", "department__region")
        .order_by("department__region__code", "department__name")
    )


def region_top_level() -> QuerySet[Region]:
    """Return the districts, counties and development zones under the city, in code order."""
    return Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.COUNTY, Region.Level.ZONE]).order_by(
        "code"
    )


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def department_directory(*, region: Region | None = None, query: str = "") -> QuerySet[Department]:
    """Return active departments for the directory, optionally in one region (and its towns)."""
    departments = Department.objects.filter(is_active=True).select_related("region")
    if region is not None:
        departments = departments.filter(Q(region=region) | Q(region__parent=region))
    if query:
        departments = departments.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return departments.order_by("region__code", "name")


def department_count() -> int:
    return Department.objects.filter(is_active=True).count()


def department_get(*, code: str) -> Department | None:
    return Department.objects.filter(code=code, is_active=True).select_related("region", "parent").first()


def department_counterparts(*, department: Department) -> QuerySet[Department]:
    """Return the departments that answer to ``department`` (its counterparts in districts)."""
    return department.children.filter(is_active=True).select_related("region").order_by("region__code")


def region_coverage() -> QuerySet[Region]:
    """Return top-level regions with counts of their departments and staff (one query)."""
    return region_top_level().annotate(
        department_count=Count("departments", filter=Q(departments__is_active=True), distinct=True),
        staff_count=Count(
            "departments__memberships", filter=Q(departments__memberships__is_active=True), distinct=True
        ),
    )
