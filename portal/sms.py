"""Text messages to mobile phones, through the backend named by ``settings.SMS_BACKEND``.

SMS is the outside world: development logs messages (``ConsoleBackend``), the test
suite records them (``RecordingBackend``), production names a class that talks to its
SMS gateway. A backend is any class whose instances have
``send(*, mobile, text, reference)``; ``reference`` is a stable id of the message (empty
for one-off codes) that a gateway uses to drop a repeated send.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from portal.validators import mask_mobile

DEFAULT_BACKEND = "portal.sms.ConsoleBackend"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentMessage:
    mobile: str
    text: str
    reference: str = ""


# Messages sent through RecordingBackend, oldest first. Tests clear it.
outbox: list[SentMessage] = []


class BaseBackend:
    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Log each message instead of sending it; the number is masked, the text is not."""

    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        logger.info("SMS to %s (%s): %s", mask_mobile(mobile), reference or "-", text)


class RecordingBackend(BaseBackend):
    """Keep each message in ``portal.sms.outbox``."""

    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        outbox.append(SentMessage(mobile=mobile, text=text, reference=reference))


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(*, mobile: str, text: str, reference: str = "") -> None:
    """Send ``text`` to ``mobile`` through the configured backend."""
    get_backend().send(mobile=mobile, text=text, reference=reference)
