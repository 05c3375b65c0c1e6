"""The one answer to "may this person act for this department in this role".

A person acts for a department through a *post*: an active ``StaffMembership`` in a department
that is itself active. A post in a closed department, or a post that was ended, grants nothing.
Every role check in the hall (view decorators, service guards, desk access, inboxes, the
header's navigation) goes through this module, so the rule is written once.

Superusers are treated as supervisors (they see every submitted case and the dashboards) but
never as clerks: acting on a case needs a post in its department.

The second factor is the one deliberate exception, stricter on purpose: anyone holding an
active post at all must use it, whether or not the department is active (see
``holds_any_post``), so reopening a department never opens a window without it.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from departments.models import StaffMembership

Role = StaffMembership.Role

#: Posts that handle cases (everyone but supervisors).
CASE_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN})
#: Posts that may decide and revoke (reviewers and department heads).
DECIDING_ROLES = frozenset({Role.REVIEWER, Role.DEPARTMENT_ADMIN})

ACTING = Q(is_active=True, department__is_active=True)


def posts(*, user=None, department_id: int | None = None, roles: Iterable[str] | None = None) -> QuerySet:
    """Return the acting posts, narrowed to a person, a department and/or roles."""
    query = StaffMembership.objects.filter(ACTING)
    if user is not None:
        query = query.filter(user=user)
    if department_id is not None:
        query = query.filter(department_id=department_id)
    if roles is not None:
        query = query.filter(role__in=list(roles))
    return query


def post_for(user, department_id: int, roles: Iterable[str] = CASE_ROLES) -> StaffMembership | None:
    """Return ``user``'s acting post in the department in one of ``roles``, or None."""
    if user is None or not user.is_authenticated:
        return None
    return posts(user=user, department_id=department_id, roles=roles).select_related("department").first()


def may_act(user, department_id: int, roles: Iterable[str] = CASE_ROLES) -> bool:
    """Whether ``user`` may act for the department in one of ``roles``."""
    if user is None or not user.is_authenticated:
        return False
    return posts(user=user, department_id=department_id, roles=roles).exists()


def roles_held(user) -> frozenset[str]:
    """Return the roles ``user`` holds in any active department (one query)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(posts(user=user).values_list("role", flat=True).distinct())


def roles_by_department(user) -> tuple[dict[int, frozenset[str]], bool]:
    """Return ``user``'s case-handling roles per department, and whether they supervise (one query)."""
    departments: dict[int, set[str]] = {}
    supervisor = bool(user.is_superuser)
    for department_id, role in posts(user=user).values_list("department_id", "role"):
        if role == Role.SUPERVISOR:
            supervisor = True
        else:
            departments.setdefault(department_id, set()).add(role)
    return {k: frozenset(v) for k, v in departments.items()}, supervisor


def is_supervisor(user) -> bool:
    """Supervisors watch every department; superusers count as supervisors."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or posts(user=user, roles=[Role.SUPERVISOR]).exists()


def supervisors() -> QuerySet:
    """Return the active people holding a supervision post."""
    from portal.models import User

    return User.objects.filter(is_active=True, pk__in=posts(roles=[Role.SUPERVISOR]).values("user_id"))


def acting_department_ids(user, roles: Iterable[str] = CASE_ROLES) -> QuerySet:
    """Return (as a subquery) the departments ``user`` acts for in ``roles``: the inboxes they see."""
    return posts(user=user, roles=roles).values("department_id")


def department_staff(department_id: int, roles: Iterable[str] = CASE_ROLES) -> QuerySet[StaffMembership]:
    """Return the department's acting posts in ``roles``, with their people, by staff number."""
    return posts(department_id=department_id, roles=roles).select_related("user").order_by("staff_number")


def holds_any_post(user) -> bool:
    """Whether ``user`` holds any active post, even in a closed department (the second-factor rule)."""
    return StaffMembership.objects.filter(user=user, is_active=True).exists()
