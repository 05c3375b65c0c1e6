"""Template context shared by every page: the navigation for the user's roles and the display mode."""

from django.conf import settings

from departments import access
from hall.selectors import message_unread_count
from portal.elder import elder_mode_active


def navigation(request):
    """Return what the header needs: role flags and the unread count (two queries at most)."""
    user = getattr(request, "user", None)
    context = {
        "portal_name": settings.PORTAL_NAME,
        "nav_roles": frozenset(),
        "unread_count": 0,
        "elder_mode": elder_mode_active(request),
    }
    if user is None or not user.is_authenticated:
        return context
    roles = access.roles_held(user)
    context.update(
        nav_roles=roles,
        nav_staff=bool(roles),
        nav_supervisor="supervisor" in roles or user.is_superuser,
        nav_admin=user.is_staff,
        unread_count=message_unread_count(user=user),
    )
    return context
