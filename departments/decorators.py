"""View decorators that admit only staff holding a role in an active department."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from departments import access


def membership_required(*roles: str, allow_superuser: bool = True):
    """Admit logged-in users with an active membership, in one of ``roles`` when given."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            held = access.roles_held(request.user)
            allowed = bool(held & set(roles)) if roles else bool(held)
            if not allowed and not (allow_superuser and request.user.is_superuser):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
