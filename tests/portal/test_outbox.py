"""The notification outbox: written in the caller's transaction, delivered once, swept when the broker was down."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from portal import services
from portal.models import Message, Notification
from portal.tasks import deliver_notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_writes_a_row_that_is_delivered_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = services.notify(recipient=user, kind="test", title="受理通知", body="已受理", link="/me/")
        assert Message.objects.count() == 0  # nothing is delivered before commit
    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    message = Message.objects.get()
    assert (message.recipient, message.title, message.link, message.notification) == (
        user,
        "受理通知",
        "/me/",
        notification,
    )


def test_a_rolled_back_change_leaves_no_notification():
    user = UserFactory()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.notify(recipient=user, kind="test", title="不会发出")
        raise Boom
    assert not Notification.objects.exists()


def test_delivery_happens_exactly_once():
    notification = NotificationFactory()
    assert services.notification_deliver(notification_id=notification.pk) is True
    assert services.notification_deliver(notification_id=notification.pk) is False
    deliver_notification.apply(args=[notification.pk])
    assert Message.objects.filter(notification=notification).count() == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_one_row_per_event_and_recipient():
    user = UserFactory()
    first = services.notify(recipient=user, kind="accepted", title="a", event_key="case:1:accepted")
    second = services.notify(recipient=user, kind="accepted", title="a", event_key="case:1:accepted")
    other = services.notify(recipient=UserFactory(), kind="accepted", title="a", event_key="case:1:accepted")
    assert first.pk == second.pk != other.pk
    assert Notification.objects.count() == 2


def test_a_broker_that_is_down_only_delays_delivery(django_capture_on_commit_callbacks, celery_conf):
    user = UserFactory()
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=user, kind="test", title="稍后送达")
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert not Message.objects.exists()

    celery_conf(task_always_eager=True)
    assert services.outbox_sweep() == 0  # too recent: the first publish may still be on its way
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=5), published_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.outbox_sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    assert Message.objects.get().title == "稍后送达"


def test_failed_attempts_are_counted_and_the_last_marks_the_row_failed(monkeypatch):
    notification = NotificationFactory()

    def broken(**kwargs):
        raise RuntimeError("message centre unavailable")

    monkeypatch.setattr(services, "notification_deliver", broken)
    deliver_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == deliver_notification.max_retries + 1
    assert "message centre unavailable" in notification.last_error


def test_purge_drops_old_delivered_rows_but_keeps_messages():
    notification = NotificationFactory()
    services.notification_deliver(notification_id=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(delivered_at=timezone.now() - timedelta(days=400))
    assert services.outbox_purge() == 1
    assert Message.objects.get().notification is None
