"""Writes of the portal app: accounts and the notification outbox."""

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import audit, crypto, notifications, sms
from portal.models import Delivery, Message, Notification, PersonalDataAccess, User

logger = logging.getLogger(__name__)


def _channels(kind: notifications.Kind, *, recipient: User | None, department) -> list[str]:
    """Return the channels this notification goes out on: the message centre always, then preferences."""
    channels = [Delivery.Channel.SITE]
    if recipient is not None:
        if kind.email and recipient.notify_by_email and recipient.email:
            channels.append(Delivery.Channel.EMAIL)
        if kind.sms and recipient.notify_by_sms and recipient.mobile:
            channels.append(Delivery.Channel.SMS)
    elif kind.email and department.duty_email:
        channels.append(Delivery.Channel.EMAIL)
    return channels


def notify(
    kind: str, *, recipient: User | None = None, department=None, context: dict | None = None, link: str = "",
    event_key: str = "",
) -> Notification:  # fmt: skip
    """Queue notification ``kind`` (see ``portal.notifications``) for one person or one department inbox.

    The row is written inside the caller's transaction and commits or rolls back with the
    change it announces; delivery is published only after commit. The text is rendered now,
    in the recipient's language. With an ``event_key``, a second call for the same event
    and recipient returns the existing row instead of writing another.
    """
    spec = notifications.get(kind)
    if (recipient is None) == (department is None):
        raise ValueError("A notification goes to one person or one department.")
    addressee = {"recipient": recipient} if recipient is not None else {"department": department}
    if event_key:
        existing = Notification.objects.filter(event_key=event_key, **addressee).first()
        if existing:
            return existing
    language = (recipient.language if recipient is not None else "") or settings.LANGUAGE_CODE
    text = notifications.render(kind, context or {}, language)
    fields = dict(
        kind=kind, title=text.subject, body=text.body, sms_text=text.sms, link=link, language=language,
        event_key=event_key, **addressee,
    )  # fmt: skip
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
            Delivery.objects.bulk_create(
                Delivery(notification=notification, channel=channel)
                for channel in _channels(spec, recipient=recipient, department=department)
            )
    except IntegrityError:
        if not event_key:
            raise
        return Notification.objects.get(event_key=event_key, **addressee)
    transaction.on_commit(lambda: outbox_publish(notification_ids=[notification.pk]))
    return notification


def outbox_publish(*, notification_ids: Iterable[int]) -> int:
    """Hand rows to Celery; return how many were handed over.

    A broker that is down is logged (once a minute), not raised: the rows stay pending and
    unpublished (``published_at`` is stamped only on the rows handed over), and the recovery
    sweep the workers run publishes them again within seconds of the broker's return, so the
    request that caused them is never failed by delivery. Only ids go to the broker, never
    names, numbers or text.
    """
    from portal.tasks import deliver_notification

    ids = list(notification_ids)
    if not ids:
        return 0
    published = []
    for notification_id in ids:
        try:
            deliver_notification.apply_async(args=[notification_id], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row to the recovery sweep
            warn_now_and_then(
                "outbox-publish", "outbox: the broker refused a publish (%s); %s row(s) wait for the recovery sweep",
                exc.__class__.__name__, len(ids) - len(published),
            )  # fmt: skip
            break
        published.append(notification_id)
    if published:
        Notification.objects.filter(pk__in=published).update(published_at=timezone.now())
    return len(published)


_last_warned: dict[str, float] = {}


def warn_now_and_then(topic: str, message: str, *args, every: float = 60.0) -> None:
    """Log a warning about ``topic`` at most once per ``every`` seconds in this process."""
    now = time.monotonic()
    if now - _last_warned.get(topic, -every) >= every:
        _last_warned[topic] = now
        logger.warning(message, *args)


# --- channels --------------------------------------------------------------------------------


def _absolute(link: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + link if link.startswith("/") else link


def _send_site(notification: Notification) -> None:
    Message.objects.create(
        notification=notification,
        recipient_id=notification.recipient_id,
        department_id=notification.department_id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        link=notification.link,
    )


def _send_email(notification: Notification) -> None:
    address = notification.recipient.email if notification.recipient_id else notification.department.duty_email
    if not address:
        return  # the address was removed since; nothing to send to
    body = notification.body
    if notification.link:
        with translation.override(notification.language or settings.LANGUAGE_CODE):
            body += "\n\n" + _("Open: %(url)s") % {"url": _absolute(notification.link)}
    EmailMessage(
        subject=notification.title,
        body=body,
        to=[address],
        # A stable Message-ID: a mail system that sees the same message twice can drop the copy.
        headers={"Message-ID": f"<notification-{notification.pk}@{settings.NOTIFICATION_MESSAGE_ID_DOMAIN}>"},
    ).send()


def _send_sms(notification: Notification) -> None:
    mobile = notification.recipient.mobile if notification.recipient_id else ""
    if not mobile:
        return
    with translation.override(notification.language or settings.LANGUAGE_CODE):
        text = _("[%(portal)s] %(text)s") % {"portal": settings.SMS_SIGNATURE, "text": notification.sms_text}
    sms.send_sms(mobile=mobile, text=text, reference=f"notification-{notification.pk}")


SENDERS = {
    Delivery.Channel.SITE: _send_site,
    Delivery.Channel.EMAIL: _send_email,
    Delivery.Channel.SMS: _send_sms,
}


def delivery_send(*, delivery_id: int) -> bool:
    """Send one channel of one notification, once; return False if there was nothing to send.

    The message centre is written and the row marked sent in one transaction: exactly once.
    E-mail and SMS leave the database, so the row is first marked "sending" and committed, then
    the gateway is called, then the row is marked sent. A process that dies in between leaves
    "sending"; the next attempt asks the gateway by the stable reference (``_reconcile``)
    instead of sending blindly. A gateway that raises has not taken the message: the row goes
    back to pending and is retried.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient", "notification__department")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in {Delivery.Status.SENT, Delivery.Status.FAILED}:
            return False
        if delivery.channel == Delivery.Channel.SITE:
            _send_site(delivery.notification)
            _mark_sent(delivery)
            return True
        if delivery.status == Delivery.Status.SENDING:
            verdict = _reconcile(delivery)
            if verdict == "sent":
                _mark_sent(delivery)
                return True
            if verdict == "give_up":
                delivery.status = Delivery.Status.FAILED
                delivery.last_error = "interrupted while sending; the gateway cannot say if it was sent; not resent"
                delivery.save(update_fields=["status", "last_error"])
                return False
        delivery.status, delivery.attempted_at = Delivery.Status.SENDING, timezone.now()
        delivery.save(update_fields=["status", "attempted_at"])
    try:
        SENDERS[delivery.channel](delivery.notification)
    except Exception:
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(status=Delivery.Status.PENDING)
        raise
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _mark_sent(delivery: Delivery) -> None:
    delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, timezone.now(), ""
    delivery.save(update_fields=["status", "sent_at", "last_error"])


def _reconcile(delivery: Delivery) -> str:
    """Decide what to do with a delivery whose sending was interrupted: "sent", "resend" or "give_up".

    SMS asks the gateway by the reference (``portal.sms.sms_status``). E-mail servers cannot be
    asked; ``EMAIL_RESEND_UNCONFIRMED`` and ``SMS_RESEND_UNCONFIRMED`` decide when the gateway
    cannot say (docs in the README, "When a part fails").
    """
    if delivery.channel == Delivery.Channel.SMS:
        status = sms.sms_status(reference=f"notification-{delivery.notification_id}")
        if status == sms.ACCEPTED:
            return "sent"
        if status == sms.UNKNOWN:
            return "resend"
        return "resend" if settings.SMS_RESEND_UNCONFIRMED else "give_up"
    return "resend" if settings.EMAIL_RESEND_UNCONFIRMED else "give_up"


class DeliveryFailed(Exception):
    """One or more channels of a notification failed; the task retries the rest later."""


def notification_deliver(*, notification_id: int) -> bool:
    """Send every pending channel of a notification; return False if there was nothing to do.

    Idempotent: each channel is sent at most once (see ``delivery_send``). A channel that
    fails does not stop the others; ``DeliveryFailed`` is raised at the end so that the task
    retries only what is still pending. The row is leased for ``OUTBOX_LEASE_SECONDS`` while
    this runs: a second task for it does nothing, and if this process is killed the lease runs
    out and the recovery sweep publishes the row again (``outbox_recover``).
    """
    if not _lease(notification_id):
        return False
    # "sending": a worker died while its gateway call was under way; delivery_send reconciles it.
    unfinished = [Delivery.Status.PENDING, Delivery.Status.SENDING]
    pending = Delivery.objects.filter(notification_id=notification_id, status__in=unfinished)
    errors = []
    for delivery_id, channel in pending.values_list("pk", "channel"):
        try:
            delivery_send(delivery_id=delivery_id)
        except Exception as exc:  # noqa: BLE001 - recorded and retried; one channel must not block the others
            Delivery.objects.filter(pk=delivery_id).update(last_error=repr(exc)[:2000])
            errors.append(f"{channel}: {exc!r}")
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status != Notification.Status.PENDING:
            return False
        notification.attempts += 1
        notification.lease_until = None
        fields = ["attempts", "lease_until"]
        if errors:
            notification.last_error = "\n".join(errors)[:2000]
            fields.append("last_error")
        elif not notification.deliveries.filter(status__in=unfinished).exists():
            failed = notification.deliveries.filter(status=Delivery.Status.FAILED)
            given_up = list(failed.values_list("last_error", flat=True))
            if given_up:  # a channel that could not be confirmed: the dead letter an admin sees
                notification.status, notification.last_error = Notification.Status.FAILED, "\n".join(given_up)[:2000]
                fields += ["status", "last_error"]
            else:
                notification.status, notification.delivered_at = Notification.Status.DELIVERED, timezone.now()
                fields += ["status", "delivered_at"]
        notification.save(update_fields=fields)
    if errors:
        raise DeliveryFailed("; ".join(errors))
    return True


def _lease(notification_id: int) -> bool:
    """Take the row for delivery unless it is done or another worker holds a live lease."""
    now = timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return False
        if notification.lease_until is not None and notification.lease_until > now:
            return False
        notification.lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        notification.save(update_fields=["lease_until"])
    return True


def notification_mark_failed(*, notification_id: int, error: str) -> None:
    """After the last attempt: the row and its unsent channels are failed (the dead letter an admin sees)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return
        notification.status = Notification.Status.FAILED
        notification.last_error = error[:2000]
        notification.save(update_fields=["status", "last_error"])
        notification.deliveries.filter(status=Delivery.Status.PENDING).update(status=Delivery.Status.FAILED)


def notification_resend(*, notification_ids: Iterable[int]) -> int:
    """Put failed notifications back in the outbox (their unsent channels only) and publish them."""
    ids = list(
        Notification.objects.filter(pk__in=list(notification_ids), status=Notification.Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic():
        Delivery.objects.filter(notification_id__in=ids, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING
        )
        Notification.objects.filter(pk__in=ids).update(status=Notification.Status.PENDING, attempts=0)
    outbox_publish(notification_ids=ids)
    return len(ids)


def outbox_health() -> dict:
    """Return what an admin needs to see of the outbox: counts by state and the oldest waiting row's age."""
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "pending": pending.count(),
        "failed": Notification.objects.filter(status=Notification.Status.FAILED).count(),
        "oldest_pending_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else None,
    }


def outbox_recover(*, batch_size: int = 500) -> int:
    """Publish the pending rows nobody is working on; return how many were handed over.

    That is: rows never published (the broker was down when they were written), rows published
    more than ``OUTBOX_SWEEP_AFTER_SECONDS`` ago and still pending (a lost task message), and rows
    whose lease ran out (the worker delivering them died). Every worker runs this every
    ``OUTBOX_WORKER_SWEEP_SECONDS`` (``portal.celery``) and beat once a minute, so recovery
    needs neither beat nor the broker's visibility timeout. Rows another sweeper is taking are
    skipped (``SKIP LOCKED``), so two workers do not publish the same row twice.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    # A row committed a moment ago is being published by its own request.
    settled = now - timedelta(seconds=2)
    waiting = Q(published_at__isnull=True, created_at__lt=settled) | Q(published_at__lt=stale) | Q(lease_until__lt=now)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(waiting & free, status=Notification.Status.PENDING)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        return outbox_publish(notification_ids=ids)


def outbox_purge(*, keep_days: int | None = None) -> int:
    """Delete delivered outbox rows older than the retention period; messages stay."""
    days = settings.OUTBOX_KEEP_DELIVERED_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=days)
    _, deleted = Notification.objects.filter(status=Notification.Status.DELIVERED, delivered_at__lt=cutoff).delete()
    return deleted.get(Notification._meta.label, 0)


def elder_mode_save(*, user: User, active: bool) -> User:
    """Keep the person's elder-mode choice on the account (nothing is written when it is unchanged)."""
    if user.elder_mode != active:
        user.elder_mode = active
        user.save(update_fields=["elder_mode"])
    return user


def preferences_save(*, user: User, language: str, notify_by_email: bool, notify_by_sms: bool) -> User:
    """Save how the user wants to be told: language of the messages, e-mail and text messages."""
    if language not in {"", *dict(settings.LANGUAGES)}:
        raise ValueError(f"Unknown language {language!r}.")
    user.language, user.notify_by_email, user.notify_by_sms = language, notify_by_email, notify_by_sms
    user.save(update_fields=["language", "notify_by_email", "notify_by_sms"])
    return user


def pii_rotate(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt and re-digest every stored personal number with the current key.

    Runs in batches of ``batch_size`` accounts, each locked and written in its own
    transaction, so a large table is never locked as a whole. Idempotent: a number already
    encrypted and digested with the current key is left as it is, so a second run (or a run
    after an interruption) changes nothing more. A number no configured key opens is counted,
    left alone and named in the audit row by account id.
    """
    from portal import audit, crypto

    counts = {"rotated": 0, "current": 0, "undecryptable": 0}
    undecryptable: list[int] = []
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                User.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(cert_cipher="")
                .order_by("pk")
                .only("pk", "cert_cipher", "cert_digest")[:batch_size]
            )
            if not batch:
                break
            changed = []
            for user in batch:
                try:
                    number = crypto.decrypt(user.cert_cipher)
                except crypto.UndecryptableError:
                    counts["undecryptable"] += 1
                    undecryptable.append(user.pk)
                    continue
                digest = crypto.digest(number)
                if crypto.is_current(user.cert_cipher) and user.cert_digest == digest:
                    counts["current"] += 1
                    continue
                user.cert_cipher = crypto.encrypt(number)
                user.cert_digest = digest
                changed.append(user)
            User.objects.bulk_update(changed, ["cert_cipher", "cert_digest"])
            counts["rotated"] += len(changed)
            last_pk = batch[-1].pk
    detail = ", ".join(f"{key} {value}" for key, value in counts.items())
    if undecryptable:
        detail += "; undecryptable accounts: " + " ".join(str(pk) for pk in undecryptable[:20])
    result = "partial" if undecryptable else "ok"
    audit.record("pii_rotate", object_type="portal.user", result=result, detail=detail)
    return counts


def cert_number_reveal(*, actor: User, subject: User, purpose: str, object_ref: str = "") -> str:
    """Return ``subject``'s full certificate number for ``actor``, who must be authorised, and record it.

    The reveal is written (``PersonalDataAccess``) with its audit row in one transaction.
    When no configured key opens the number, nothing counts as revealed: a ``reveal_failed``
    audit row is written and ``crypto.UndecryptableError`` raised, since a key is missing
    from ``DJANGO_PII_KEY`` / ``DJANGO_PII_OLD_KEYS``.
    """
    try:
        number = subject.reveal_cert_number()
    except crypto.UndecryptableError:
        audit.record(
            "reveal_failed", actor=actor, object_type="portal.user", object_id=subject.pk,
            result="failed", detail="the number opens with none of the configured keys",
        )  # fmt: skip
        raise
    with transaction.atomic():
        access = PersonalDataAccess.objects.create(
            actor=actor, subject=subject, field="cert_number", purpose=purpose, object_ref=object_ref
        )
        audit.record(
            "reveal", actor=actor, object_type="portal.user", object_id=subject.pk,
            detail=f"{access.field}: {access.purpose} {access.object_ref}",
        )  # fmt: skip
    return number
