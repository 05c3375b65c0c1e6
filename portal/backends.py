"""Authentication: citizens log in by mobile number, staff by username."""

from django.contrib.auth.backends import ModelBackend

from portal.models import User
from portal.validators import MOBILE_RE, normalize_login

AXES_USERNAME_MAX_LENGTH = 255


def axes_username(request, credentials=None) -> str:
    """Return the username django-axes counts and locks: the normalised identifier (AXES_USERNAME_CALLABLE).

    Every spelling of a mobile number (``+86 135-1234-0013``, full-width digits) is one
    account, so it must be one counter too, whichever log-in page it came through. The
    identifier typed on the form comes first: after a successful log-in axes passes the
    account's internal username, which would not reset the failures counted under the number.
    """
    posted = getattr(request, "POST", None)
    raw = posted.get("username") if posted is not None else None
    if raw is None and credentials:
        raw = credentials.get("username")
    # axes keeps the username in a 255-character column; no real identifier comes near that.
    return normalize_login(str(raw or ""))[:AXES_USERNAME_MAX_LENGTH]


class MobileOrUsernameBackend(ModelBackend):
    """Authenticate by mobile number when the identifier looks like one, else by username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = normalize_login(username or kwargs.get(User.USERNAME_FIELD) or "")
        if not identifier or password is None:
            return None
        field = "mobile" if MOBILE_RE.match(identifier) else "username"
        try:
            user = User.objects.get(**{field: identifier})
        except User.DoesNotExist:
            # Run the hasher anyway so that timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
