"""The notification outbox: written in the caller's transaction, delivered once per channel, swept, dead-lettered."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal import services, sms
from portal.models import Delivery, Message, Notification
from portal.tasks import deliver_notification
from tests.factories import DepartmentFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_notify_writes_a_row_that_is_delivered_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = services.notify(
            "case.accepted", recipient=user, context={"code": "A1", "date": "2026-12-01"}, link="/me/"
        )
        assert Message.objects.count() == 0  # nothing is delivered before commit
    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    message = Message.objects.get()
    assert (message.recipient, message.link, message.notification) == (user, "/me/", notification)
    assert "A1" in message.title and "2026-12-01" in message.title


def test_a_rolled_back_change_leaves_no_notification():
    user = UserFactory()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.notify("case.received", recipient=user, context={"code": "X"})
        raise Boom
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_delivery_happens_exactly_once():
    notification = NotificationFactory()
    assert services.notification_deliver(notification_id=notification.pk) is True
    assert services.notification_deliver(notification_id=notification.pk) is False
    deliver_notification.apply(args=[notification.pk])
    assert Message.objects.filter(notification=notification).count() == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_redelivered_task_sends_no_channel_twice():
    user = UserFactory(mobile="13512345678", email="a@example.com")
    notification = NotificationFactory(recipient=user, channels=["site", "email", "sms"])
    for _ in range(3):
        deliver_notification.apply(args=[notification.pk])
        services.delivery_send(delivery_id=notification.deliveries.get(channel="sms").pk)
    assert Message.objects.filter(notification=notification).count() == 1
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_one_row_per_event_and_recipient_or_department():
    user, department = UserFactory(), DepartmentFactory()
    first = services.notify("case.received", recipient=user, context={"code": "1"}, event_key="case:1:received")
    second = services.notify("case.received", recipient=user, context={"code": "1"}, event_key="case:1:received")
    other = services.notify(
        "case.received", recipient=UserFactory(), context={"code": "1"}, event_key="case:1:received"
    )
    inbox = services.notify("case.submitted", department=department, context={"code": "1"}, event_key="case:1:received")
    again = services.notify("case.submitted", department=department, context={"code": "1"}, event_key="case:1:received")
    assert first.pk == second.pk and inbox.pk == again.pk
    assert len({first.pk, other.pk, inbox.pk}) == 3
    assert Notification.objects.count() == 3


def test_a_notification_goes_to_one_person_or_one_department():
    with pytest.raises(ValueError):
        services.notify("case.received", context={"code": "1"})
    with pytest.raises(ValueError):
        services.notify("case.received", recipient=UserFactory(), department=DepartmentFactory(), context={})


def test_a_broker_that_is_down_only_delays_delivery(django_capture_on_commit_callbacks, celery_conf):
    user = UserFactory()
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify("case.received", recipient=user, context={"code": "稍后"})
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.published_at is None  # not handed over, so marked unpublished
    assert not Message.objects.exists()

    celery_conf(task_always_eager=True)
    assert services.outbox_recover() == 0  # written a moment ago: its own request may still be publishing
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(seconds=3))
    assert services.outbox_recover() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    assert notification.published_at is not None and notification.lease_until is None
    assert "稍后" in Message.objects.get().title


def test_the_recovery_sweep_takes_lost_tasks_and_dead_workers_rows_and_leaves_live_ones(celery_conf, monkeypatch):
    """Which pending rows a sweep publishes: never published, published long ago, or with a lease run out."""
    published = []
    monkeypatch.setattr(deliver_notification, "apply_async", lambda **kwargs: published.append(kwargs["args"][0]))
    now = timezone.now()
    old = now - timedelta(minutes=5)

    def row(**fields):
        notification = NotificationFactory(recipient=UserFactory())
        Notification.objects.filter(pk=notification.pk).update(created_at=old, **fields)
        return notification.pk

    never = row(published_at=None)
    lost = row(published_at=old)
    dead_worker = row(published_at=now, lease_until=now - timedelta(seconds=1))
    fresh = row(published_at=now)  # in the queue right now
    working = row(published_at=old, lease_until=now + timedelta(seconds=15))  # a live worker holds it
    done = row(published_at=None, status=Notification.Status.DELIVERED)
    assert services.outbox_recover() == 3
    assert sorted(published) == sorted([never, lost, dead_worker])
    assert Notification.objects.get(pk=never).published_at is not None
    assert {fresh, working, done}.isdisjoint(published)


def test_a_second_task_for_a_row_being_delivered_does_nothing():
    notification = NotificationFactory(recipient=UserFactory())
    Notification.objects.filter(pk=notification.pk).update(lease_until=timezone.now() + timedelta(seconds=15))
    assert services.notification_deliver(notification_id=notification.pk) is False
    assert not Message.objects.exists()
    Notification.objects.filter(pk=notification.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.notification_deliver(notification_id=notification.pk) is True
    assert Message.objects.count() == 1


def test_only_ids_are_handed_to_the_broker(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(deliver_notification, "apply_async", lambda **kwargs: sent.append(kwargs))
    user = UserFactory(real_name="王小明", mobile="13512345678", with_id_number=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify("case.received", recipient=user, context={"code": "P1"})
    assert sent == [{"args": [notification.pk], "retry": False}]


def test_failed_attempts_are_counted_and_the_last_marks_the_row_and_its_channels_failed(monkeypatch):
    user = UserFactory(mobile="13512345678")
    notification = NotificationFactory(recipient=user, channels=["site", "sms"])

    def gateway_down(**kwargs):
        raise ConnectionError("SMS gateway unavailable")

    monkeypatch.setattr(sms, "send_sms", gateway_down)
    deliver_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == deliver_notification.max_retries + 1
    assert "SMS gateway unavailable" in notification.last_error
    # The message centre was delivered on the first attempt and only once; SMS is the dead letter.
    statuses = dict(notification.deliveries.values_list("channel", "status"))
    assert statuses == {"site": "sent", "sms": "failed"}
    assert Message.objects.filter(notification=notification).count() == 1

    monkeypatch.undo()
    assert services.notification_resend(notification_ids=[notification.pk]) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED
    assert [m.reference for m in sms.outbox] == [f"notification-{notification.pk}"]
    assert Message.objects.filter(notification=notification).count() == 1


def test_retries_back_off_exponentially_up_to_ten_minutes():
    from portal.tasks import retry_countdown

    assert [retry_countdown(n) for n in range(8)] == [10, 20, 40, 80, 160, 320, 600, 600]


def test_outbox_health_reports_the_oldest_waiting_row():
    assert services.outbox_health() == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    NotificationFactory(created_at=timezone.now() - timedelta(minutes=7))
    NotificationFactory(created_at=timezone.now() - timedelta(minutes=2))
    NotificationFactory(status=Notification.Status.FAILED)
    health = services.outbox_health()
    assert (health["pending"], health["failed"]) == (2, 1)
    assert 420 <= health["oldest_pending_seconds"] < 430


def test_purge_drops_old_delivered_rows_but_keeps_messages():
    notification = NotificationFactory()
    services.notification_deliver(notification_id=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(delivered_at=timezone.now() - timedelta(days=400))
    assert services.outbox_purge() == 1
    assert Message.objects.get().notification is None


def test_admin_shows_the_oldest_waiting_row_and_resends_dead_letters(client):
    from django.urls import reverse
    from django.utils import translation

    admin = UserFactory(admin=True)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    NotificationFactory(created_at=timezone.now() - timedelta(seconds=125))
    dead = NotificationFactory(status=Notification.Status.FAILED, channels=["site"])
    Delivery.objects.filter(notification=dead).update(status=Delivery.Status.FAILED)
    url = reverse("admin:portal_notification_changelist")
    with translation.override("en"):
        page = client.get(url).content.decode()
    assert "Waiting: 1 · Failed: 1" in page
    assert "written 12" in page and "seconds ago" in page
    response = client.post(url, {"action": "resend", "_selected_action": [dead.pk]})
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == Notification.Status.DELIVERED
    assert Message.objects.filter(notification=dead).count() == 1
