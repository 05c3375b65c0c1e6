"""E-mail and SMS at most once per notification, as far as the hall can make it.

The hall commits "sending" before it calls a gateway and "sent" after, so the only window for
a double send is a process that dies in between. These tests leave a delivery in that state,
as the death would, and check what the next attempt does with each kind of gateway.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal import services, sms
from portal.models import Delivery
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def interrupted(channel: str) -> Delivery:
    """A delivery whose process died after handing it to the gateway and before recording it."""
    notification = NotificationFactory(
        recipient=UserFactory(mobile="13512345678", email="a@example.cn"), channels=[channel]
    )
    delivery = notification.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, attempted_at=timezone.now() - timedelta(minutes=1)
    )
    return delivery


def test_a_text_the_gateway_accepted_before_the_crash_is_not_sent_again():
    delivery = interrupted("sms")
    reference = f"notification-{delivery.notification_id}"
    sms.outbox.append(sms.SentMessage(mobile="13512345678", text="已受理", reference=reference))  # the gateway has it
    assert services.delivery_send(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [m.reference for m in sms.outbox] == [reference]  # still one text


def test_a_text_the_gateway_never_got_is_sent_once():
    delivery = interrupted("sms")
    assert services.delivery_send(delivery_id=delivery.pk) is True
    assert services.delivery_send(delivery_id=delivery.pk) is False
    assert [m.reference for m in sms.outbox] == [f"notification-{delivery.notification_id}"]


@pytest.mark.parametrize("resend", [False, True])
def test_a_gateway_that_cannot_be_asked_follows_the_setting(settings, resend):
    settings.SMS_BACKEND = "portal.sms.ConsoleBackend"  # no status query
    settings.SMS_RESEND_UNCONFIRMED = resend
    delivery = interrupted("sms")
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    if resend:
        assert delivery.status == Delivery.Status.SENT
    else:
        assert delivery.status == Delivery.Status.FAILED
        assert "not resent" in delivery.last_error


@pytest.mark.parametrize("resend", [False, True])
def test_an_interrupted_e_mail_follows_its_setting(settings, resend):
    settings.EMAIL_RESEND_UNCONFIRMED = resend
    delivery = interrupted("email")
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert len(mail.outbox) == (1 if resend else 0)
    assert delivery.status == (Delivery.Status.SENT if resend else Delivery.Status.FAILED)


def test_sending_is_committed_before_the_gateway_is_called(monkeypatch):
    notification = NotificationFactory(recipient=UserFactory(mobile="13512345678"), channels=["sms"])
    delivery = notification.deliveries.get()
    seen = []

    def gateway(**kwargs):
        seen.append(Delivery.objects.get(pk=delivery.pk).status)

    monkeypatch.setattr(sms.RecordingBackend, "send", lambda self, **kwargs: gateway(**kwargs))
    services.delivery_send(delivery_id=delivery.pk)
    assert seen == [Delivery.Status.SENDING]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempted_at is not None


def test_a_gateway_that_refuses_leaves_the_text_to_be_retried(monkeypatch):
    notification = NotificationFactory(recipient=UserFactory(mobile="13512345678"), channels=["sms"])
    delivery = notification.deliveries.get()

    def refuse(self, **kwargs):
        raise ConnectionError("gateway down")

    monkeypatch.setattr(sms.RecordingBackend, "send", refuse)
    with pytest.raises(ConnectionError):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    monkeypatch.undo()
    assert services.delivery_send(delivery_id=delivery.pk) is True
    assert len(sms.outbox) == 1


def test_the_file_gateway_is_shared_by_every_instance(tmp_path):
    path = tmp_path / "gateway.jsonl"
    sms.FileBackend(str(path)).send(mobile="13512345678", text="您好", reference="notification-7")
    other = sms.FileBackend(str(path))  # another process would open the same file
    assert other.status(reference="notification-7") == sms.ACCEPTED
    assert other.status(reference="notification-8") == sms.UNKNOWN
    assert other.accepted() == [{"mobile": "13512345678", "text": "您好", "reference": "notification-7"}]


def test_a_notification_with_an_interrupted_text_is_finished_by_the_next_worker():
    """The next worker reconciles the "sending" channel; the row is delivered only once every channel is done."""
    delivery = interrupted("sms")
    assert services.notification_deliver(notification_id=delivery.notification_id) is True
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.notification.__class__.objects.get(pk=delivery.notification_id).status == "delivered"
    assert len(sms.outbox) == 1


def test_a_text_that_cannot_be_confirmed_leaves_a_dead_letter(settings):
    settings.SMS_BACKEND = "portal.sms.ConsoleBackend"
    delivery = interrupted("sms")
    services.notification_deliver(notification_id=delivery.notification_id)
    notification = delivery.notification.__class__.objects.get(pk=delivery.notification_id)
    assert notification.status == "failed"
    assert "not resent" in notification.last_error
