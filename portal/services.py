"""Writes of the portal app: accounts and the notification outbox."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Message, Notification, User

logger = logging.getLogger(__name__)


def notify(
    *, recipient: User, kind: str, title: str, body: str = "", link: str = "", event_key: str = ""
) -> Notification:
    """Queue a notification for ``recipient`` inside the caller's transaction.

    The row commits or rolls back with the change it announces; delivery is published
    only after commit. With an ``event_key``, a second call for the same event and
    recipient returns the existing row instead of writing another.
    """
    if event_key:
        existing = Notification.objects.filter(recipient=recipient, event_key=event_key).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient, kind=kind, title=title, body=body, link=link, event_key=event_key
                )
        except IntegrityError:
            return Notification.objects.get(recipient=recipient, event_key=event_key)
    else:
        notification = Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, link=link)
    transaction.on_commit(lambda: outbox_publish(notification_ids=[notification.pk]))
    return notification


def outbox_publish(*, notification_ids: Iterable[int]) -> int:
    """Hand rows to Celery; return how many were handed over.

    A broker that is down is logged, not raised: the rows stay pending and the sweep
    publishes them again, so the request that caused them is never failed by delivery.
    """
    from portal.tasks import deliver_notification

    ids = list(notification_ids)
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids).update(published_at=timezone.now())
    published = 0
    for notification_id in ids:
        try:
            deliver_notification.apply_async(args=[notification_id], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row to the sweep
            logger.warning("outbox: could not publish notification %s: %s", notification_id, exc.__class__.__name__)
            break
        published += 1
    return published


def notification_deliver(*, notification_id: int) -> bool:
    """Deliver one pending notification to the message centre; return False if there was nothing to do.

    Idempotent: the row is locked and its status checked, and the message's one-to-one
    link to the notification makes a second message impossible even if two workers race.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return False
        Message.objects.create(
            notification=notification,
            recipient_id=notification.recipient_id,
            kind=notification.kind,
            title=notification.title,
            body=notification.body,
            link=notification.link,
        )
        notification.status = Notification.Status.DELIVERED
        notification.delivered_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["status", "delivered_at", "attempts"])
    return True


def notification_record_failure(*, notification_id: int, error: str, final: bool) -> None:
    """Count a failed attempt; after the last one the row is marked failed for an admin to see."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return
        notification.attempts += 1
        notification.last_error = error[:2000]
        fields = ["attempts", "last_error"]
        if final:
            notification.status = Notification.Status.FAILED
            fields.append("status")
        notification.save(update_fields=fields)


def outbox_sweep(*, batch_size: int = 500) -> int:
    """Publish again the pending rows that waited longer than ``OUTBOX_SWEEP_AFTER_SECONDS``."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lt=cutoff)
        .exclude(published_at__gte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    return outbox_publish(notification_ids=ids)


def outbox_purge(*, keep_days: int | None = None) -> int:
    """Delete delivered outbox rows older than the retention period; messages stay."""
    days = settings.OUTBOX_KEEP_DELIVERED_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Notification.objects.filter(status=Notification.Status.DELIVERED, delivered_at__lt=cutoff).delete()
    return deleted


def message_mark_read(*, user: User, message_id: int | None = None) -> int:
    """Mark one of ``user``'s messages read, or all of them when ``message_id`` is None."""
    messages = Message.objects.filter(recipient=user, read_at__isnull=True)
    if message_id is not None:
        messages = messages.filter(pk=message_id)
    return messages.update(read_at=timezone.now())
