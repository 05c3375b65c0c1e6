"""The audit log: one call, ``record``, and the receivers that feed it.

Logged: log-ins, failed log-ins, lock-outs, log-outs, refused access to an object,
reveals of personal numbers, every case transition and every admin change — each with
the UTC time, the actor, the client address, the object and the result. The request's
address reaches receivers through a context variable set by ``portal.middleware.AuditMiddleware``.
"""

import contextvars
import re

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.addresses import client_ip
from portal.validators import mask_mobile

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def scrub(text: str) -> str:
    """Mask anything that looks like a mobile or ID number (a failed log-in may carry one as its username)."""
    text = _ID_NUMBER.sub(lambda m: m.group(0)[:3] + "*" * 11 + m.group(0)[-4:], text or "")
    return _MOBILE.sub(lambda m: mask_mobile(m.group(0)), text)


def record(
    action: str, *, actor=None, obj=None, object_type: str = "", object_id="", result: str = "ok", detail: str = "",
    ip: str | None = None,
):  # fmt: skip
    """Write one audit line; never raises into the caller's work (a failure is logged instead)."""
    from portal.models import AuditEvent

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor_id=actor.pk if authenticated else None,
        actor_label=scrub(actor.get_username()) if authenticated else "",
        ip=ip or current_ip.get() or None,
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        result=result,
        detail=scrub(detail)[:300],
    )


def _ip(request) -> str | None:
    return (client_ip(request) or None) if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("login", actor=user, ip=_ip(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, ip=_ip(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record("login_failed", result="failed", detail=str(credentials.get("username", "")), ip=_ip(request))


def on_lockout(sender, request, username, ip_address, **kwargs):
    record("lockout", result="refused", detail=str(username or ""), ip=ip_address)


def _audit_admin_actions(log_actions):
    """Wrap ``LogEntryManager.log_actions`` so that every admin change, one or many, is audited."""
    names = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}

    def wrapper(self, user_id, queryset, action_flag, change_message="", *, single_object=False):
        result = log_actions(self, user_id, queryset, action_flag, change_message, single_object=single_object)
        entries = [result] if isinstance(result, LogEntry) else list(result or [])
        for entry in entries:
            model = entry.content_type.model_class() if entry.content_type_id else None
            record(
                f"admin.{names.get(action_flag, 'other')}",
                actor=entry.user,
                object_type=model._meta.label_lower if model else "",
                object_id=entry.object_id or "",
                detail=entry.object_repr,
            )
        return result

    wrapper.audited = True
    return wrapper


def connect() -> None:
    """Connect the receivers that need other apps loaded (called from ``PortalConfig.ready``)."""
    from axes.signals import user_locked_out

    user_locked_out.connect(on_lockout, dispatch_uid="audit_lockout")
    if not getattr(LogEntryManager.log_actions, "audited", False):
        LogEntryManager.log_actions = _audit_admin_actions(LogEntryManager.log_actions)
