"""The user model and the notification outbox with its message centre."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from portal import crypto
from portal.validators import (
    mask_id_number,
    mask_mobile,
    normalize_credit_code,
    normalize_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra_fields):
        if not username:
            raise ValueError("A user needs a username.")
        user = self.model(username=self.model.normalize_username(username), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person or enterprise with a real-name account; staff log in by username."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ENTERPRISE = "enterprise", _("Enterprise")

    class CertType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident ID number")
        CREDIT_CODE = "credit_code", _("Unified social credit code")

    username = models.CharField(_("username"), max_length=150, unique=True)
    # NULL, not "", so that the unique constraint admits many accounts without a mobile (staff).
    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    real_name = models.CharField(_("real name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    email = models.EmailField(_("e-mail"), blank=True)
    cert_type = models.CharField(_("certificate type"), max_length=16, choices=CertType.choices, blank=True)
    cert_digest = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    cert_cipher = models.TextField(blank=True, editable=False)
    cert_masked = models.CharField(_("certificate number"), max_length=32, blank=True, editable=False)
    is_staff = models.BooleanField(
        _("administration site access"), default=False, help_text=_("May log in to the administration site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        help_text=_("The language of messages, e-mails and text messages; empty means Simplified Chinese."),
    )
    notify_by_email = models.BooleanField(
        _("messages by e-mail"), default=True, help_text=_("Also send messages to the e-mail address, if any.")
    )
    notify_by_sms = models.BooleanField(
        _("messages by text message"),
        default=True,
        help_text=_("Also send important messages (decisions, supplement requests, licences) by text message."),
    )
    elder_mode = models.BooleanField(
        _("elder mode"), default=False, help_text=_("Show the portal in large text and high contrast.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Raised by "log out everywhere else": it is part of the session hash, so every session
    # made before it no longer verifies (see ``_get_session_auth_hash``).
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["cert_type", "cert_digest"],
                condition=Q(cert_digest__isnull=False),
                name="user_cert_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(mobile__isnull=True) | Q(mobile__regex=r"^1[3-9][0-9]{9}$"),
                name="user_mobile_format",
            ),
        ]

    def __str__(self):
        return self.real_name or self.username

    def clean(self):
        super().clean()
        if self.mobile:
            validate_mobile(self.mobile)

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash of the password, with the session generation added once raised.

        Django checks every session against this hash (with the current secret and each of
        ``SECRET_KEY_FALLBACKS``), so raising ``session_epoch`` ends every older session while
        generation 0 keeps the hash, and the sessions, of Django's own rule.
        """
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "portal.User.session_epoch"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_full_name(self):
        return self.real_name or self.username

    def get_short_name(self):
        return self.real_name or self.username

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile or "")

    def set_cert_number(self, cert_type: str, number: str) -> None:
        """Validate and store a certificate number: encrypted, digested and masked, never in clear."""
        if cert_type == self.CertType.RESIDENT_ID:
            number = normalize_id_number(number)
            validate_id_number(number)
        elif cert_type == self.CertType.CREDIT_CODE:
            number = normalize_credit_code(number)
            validate_credit_code(number)
        else:
            raise ValueError(f"Unknown certificate type {cert_type!r}.")
        self.cert_type = cert_type
        self.cert_digest = crypto.digest(number)
        self.cert_cipher = crypto.encrypt(number)
        self.cert_masked = mask_id_number(number)

    def reveal_cert_number(self) -> str:
        """Return the full number. Callers must be authorised and should record the reveal.

        Raises ``crypto.UndecryptableError`` when no configured key opens it.
        """
        return crypto.decrypt(self.cert_cipher) if self.cert_cipher else ""

    @classmethod
    def cert_lookup(cls, cert_type: str, number: str) -> Q:
        """Return a filter matching the account holding ``number``."""
        normalize = normalize_id_number if cert_type == cls.CertType.RESIDENT_ID else normalize_credit_code
        # Every key's digest: between a key change and ``manage.py pii_rotate`` rows carry an old one.
        return Q(cert_type=cert_type, cert_digest__in=crypto.digests(normalize(number)))


class Notification(models.Model):
    """An outbox row: something to tell one user or one department, written in the same transaction as its cause.

    ``kind`` names an entry of the registry in ``portal.notifications``; title and body are
    rendered from its template in the recipient's language when the row is written. Each
    channel the recipient receives it on is a ``Delivery``; a Celery task sends them (see
    ``portal.services.notification_deliver``) and a periodic sweep publishes rows again that
    waited too long, so a broker that was down only delays.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications", verbose_name=_("person")
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("department inbox"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    event_key = models.CharField(
        _("event key"),
        max_length=128,
        blank=True,
        help_text=_("Identifies the event; one row per event and recipient."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    sms_text = models.CharField(_("text message"), max_length=300, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("last published at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # Set by the worker delivering the row, for OUTBOX_LEASE_SECONDS: a worker killed outright
    # leaves a lease that runs out, and any worker's recovery sweep publishes the row again.
    lease_until = models.DateTimeField(_("being delivered until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"],
                condition=~Q(event_key="") & Q(recipient__isnull=False),
                name="notification_event_recipient_unique",
            ),
            models.UniqueConstraint(
                fields=["event_key", "department"],
                condition=~Q(event_key="") & Q(department__isnull=False),
                name="notification_event_department_unique",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, department__isnull=True)
                | Q(recipient__isnull=True, department__isnull=False),
                name="notification_one_addressee",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]

    def __str__(self):
        return f"{self.kind} → {self.addressee} ({self.status})"

    @property
    def addressee(self) -> str:
        return f"user {self.recipient_id}" if self.recipient_id else f"department {self.department_id}"


class Delivery(models.Model):
    """One channel of one notification: the message centre, e-mail or a text message.

    The message centre is written and marked sent in one transaction: exactly once. E-mail and
    SMS go to a gateway outside the database, so they are at most once as far as the hall can
    make it: the row is marked "sending" and committed before the gateway is called, and a row
    found "sending" (the process died in between) is reconciled with the gateway's status by its
    stable reference before anything is sent again (``portal.services.delivery_send``).
    """

    class Channel(models.TextChoices):
        SITE = "site", _("Message centre")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Handed to the gateway, not yet confirmed")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # When e-mail or SMS was last handed to its gateway (committed before the call); a delivery
    # found "sending" after a crash is reconciled with the gateway before it is sent again.
    attempted_at = models.DateTimeField(_("handed to the gateway at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_notification_channel_unique")
        ]

    def __str__(self):
        return f"{self.notification_id}/{self.channel} ({self.status})"


class Message(models.Model):
    """An item in a message centre, made by delivering a notification once.

    A personal message has a ``recipient``; a department message has a ``department`` and
    is shown to every active member on duty there; the first who opens it takes it
    (``read_by``), and the others see who did.
    """

    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="message"
    )
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="messages")
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbox_messages",
        verbose_name=_("department inbox"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("taken by")
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="message_recipient_recent"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="message_recipient_unread"),
            models.Index(fields=["department", "-created_at", "-id"], name="message_department_recent"),
            models.Index(fields=["department"], condition=Q(read_at__isnull=True), name="message_department_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, department__isnull=True)
                | Q(recipient__isnull=True, department__isnull=False),
                name="message_one_addressee",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("portal:message_detail", args=[self.pk])


class PersonalDataAccess(models.Model):
    """A record of a staff member seeing a full personal number (who, whose, what, why, when)."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("who"))
    subject = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("whose"))
    field = models.CharField(_("what"), max_length=50)
    purpose = models.CharField(_("why"), max_length=200)
    object_ref = models.CharField(_("in"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor_id} → {self.subject_id} {self.field}"


class AuditEvent(models.Model):
    """One line of the audit log: who did what to which object, from where, with what result, when (UTC).

    Append-only on PostgreSQL: a trigger refuses every UPDATE, and every DELETE of a row
    younger than ``AUDIT_KEEP_DAYS`` (180), which only ``manage.py purge_audit`` removes.
    The actor is kept by id and name, not as a foreign key, so that no change to users
    ever has to touch the log. Personal numbers never appear in it.
    """

    class Result(models.TextChoices):
        OK = "ok", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.OK)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor_id", "-at"], name="audit_actor_recent")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action} {self.result}"
