"""Authentication: citizens log in by mobile number, staff by username."""

from django.contrib.auth.backends import ModelBackend

from portal.models import User
from portal.validators import MOBILE_RE, normalize_mobile


class MobileOrUsernameBackend(ModelBackend):
    """Authenticate by mobile number when the identifier looks like one, else by username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not identifier or password is None:
            return None
        mobile = normalize_mobile(identifier)
        field = "mobile" if MOBILE_RE.match(mobile) else "username"
        try:
            user = User.objects.get(**{field: mobile if field == "mobile" else identifier})
        except User.DoesNotExist:
            # Run the hasher anyway so that timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
