"""Text messages to mobile phones, through the backend named by ``settings.SMS_BACKEND``.

SMS is the outside world: development logs messages (``ConsoleBackend``), the test
suite records them (``RecordingBackend``), the demo and the operators' rehearsals use a
gateway kept in a file that every process shares (``FileBackend``), and production names a
class that talks to its SMS gateway. A backend is any class whose instances have:

- ``send(*, mobile, text, reference)``: ``reference`` is a stable id of the message (empty
  for one-off codes) that a gateway uses to drop a repeated send. It must give up (raise)
  within ``SMS_TIMEOUT_SECONDS``, shorter than the outbox lease.
- ``status(*, reference)``: what the gateway knows of a message, asked before a message whose
  sending was interrupted is sent again: ``ACCEPTED`` (it has it: do not send again),
  ``UNKNOWN`` (it never got it: send) or None when the gateway has no status query. Then
  ``SMS_RESEND_UNCONFIRMED`` decides (default: do not send again; the delivery is marked failed
  and an admin sees it).
"""

import fcntl
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from portal.validators import mask_mobile

DEFAULT_BACKEND = "portal.sms.ConsoleBackend"
ACCEPTED, UNKNOWN = "accepted", "unknown"

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

    def status(self, *, reference: str) -> str | None:
        """Return ``ACCEPTED``, ``UNKNOWN``, or None when the gateway cannot be asked."""
        return None


class ConsoleBackend(BaseBackend):
    """Log each message instead of sending it; the number is masked, the text is not."""

    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        logger.info("SMS to %s (%s): %s", mask_mobile(mobile), reference or "-", text)


class RecordingBackend(BaseBackend):
    """Keep each message in ``portal.sms.outbox``."""

    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        outbox.append(SentMessage(mobile=mobile, text=text, reference=reference))

    def status(self, *, reference: str) -> str | None:
        return ACCEPTED if any(m.reference == reference for m in outbox) else UNKNOWN


class FileBackend(BaseBackend):
    """A gateway kept in a file (``SMS_FILE_PATH``): one JSON line per accepted message.

    Every process that names the same file sees the same gateway, so a web server, workers and
    a test can count what was accepted. A message is accepted when its line is written (under a
    lock); ``status`` reads the file. It stands in for a real gateway in the demo and in the
    rehearsals of failures (tests/test_operations.py).
    """

    def __init__(self, path: str | None = None):
        self.path = Path(path or getattr(settings, "SMS_FILE_PATH", "") or "var/sms-gateway.jsonl")

    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"mobile": mobile, "text": text, "reference": reference}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as gateway:
            fcntl.flock(gateway, fcntl.LOCK_EX)
            gateway.write(line + "\n")
            gateway.flush()
        logger.info("SMS to %s accepted by the file gateway (%s)", mask_mobile(mobile), reference or "-")

    def accepted(self) -> list[dict]:
        """Return every message the gateway accepted, oldest first."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as gateway:
            return [json.loads(line) for line in gateway if line.strip()]

    def status(self, *, reference: str) -> str | None:
        return ACCEPTED if any(m["reference"] == reference for m in self.accepted()) else UNKNOWN


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(*, mobile: str, text: str, reference: str = "") -> None:
    """Send ``text`` to ``mobile`` through the configured backend."""
    get_backend().send(mobile=mobile, text=text, reference=reference)


def sms_status(*, reference: str) -> str | None:
    """Ask the configured gateway about a message by its reference (None: it cannot be asked)."""
    return get_backend().status(reference=reference)
