"""Reads of the portal app."""

from django.db.models import QuerySet

from portal.models import Message, User


def message_list(*, user: User) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user).order_by("-created_at", "-id")


def message_get(*, user: User, message_id: int) -> Message | None:
    """Return the message only if it belongs to ``user``."""
    return Message.objects.filter(recipient=user, pk=message_id).first()


def message_unread_count(*, user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()
