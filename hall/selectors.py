"""Reads of the message centre (the user's own messages and their departments' inboxes) and of two-factor devices."""

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import access
from portal.models import Message, User


def message_list(*, user: User) -> QuerySet[Message]:
    """The user's own messages, newest first."""
    return Message.objects.filter(recipient=user).order_by("-created_at", "-id")


def department_inbox(*, user: User) -> QuerySet[Message]:
    """Messages to the departments the user is on duty for, newest first, with who took each."""
    return (
        Message.objects.filter(department_id__in=access.acting_department_ids(user))
        .select_related("department", "read_by")
        .order_by("-created_at", "-id")
    )


def message_get(*, user: User, message_id: int) -> Message | None:
    """Return the message only if it is the user's own or in one of their departments' inboxes."""
    return (
        Message.objects.filter(pk=message_id)
        .filter(Q(recipient=user) | Q(department_id__in=access.acting_department_ids(user)))
        .select_related("department", "read_by")
        .first()
    )


def message_unread_count(*, user: User) -> int:
    """Unread personal messages plus untaken department messages (one query)."""
    return Message.objects.filter(
        Q(recipient=user) | Q(department_id__in=access.acting_department_ids(user)), read_at__isnull=True
    ).count()


def department_inbox_unread_count(*, user: User) -> int:
    return Message.objects.filter(department_id__in=access.acting_department_ids(user), read_at__isnull=True).count()


# --- two-factor log-in ------------------------------------------------------------------------


def totp_device_get(*, user: User, confirmed: bool = True) -> TOTPDevice | None:
    """Return ``user``'s authenticator device: the enrolled one, or (``confirmed=False``) the one being enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()


def recovery_code_count(*, user: User) -> int:
    """Return how many unused recovery codes ``user`` has left."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
