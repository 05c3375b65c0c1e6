"""Writes of the message centre."""

from django.db.models import Q
from django.utils import timezone

from departments.selectors import inbox_department_ids
from portal.models import Message, User


def message_mark_read(*, user: User, message_id: int | None = None) -> int:
    """Mark one of ``user``'s messages read, or all of them when ``message_id`` is None.

    A department message is taken by the first member on duty who opens it.
    """
    now = timezone.now()
    if message_id is None:
        return Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now, read_by=user)
    return (
        Message.objects.filter(pk=message_id, read_at__isnull=True)
        .filter(Q(recipient=user) | Q(department_id__in=inbox_department_ids(user=user)))
        .update(read_at=now, read_by=user)
    )
