"""Checks on uploaded files: size from settings, type by content (magic bytes), never the name.

Accepted: PDF, JPEG, PNG and OFD (the Chinese fixed-layout format, a ZIP with ``OFD.xml``).
HTML, SVG, scripts and anything unrecognised are refused with a reason. The stored file
gets a random name; the original name is kept only as text to show, and a download is named
with the extension of the detected type. A file stored inside ``kept_only_if_saved`` is
deleted again if the block fails (its transaction rolled back).
"""

import contextlib
import contextvars
import logging
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Detected:
    content_type: str
    extension: str


SIGNATURES = [
    (b"%PDF-", Detected("application/pdf", ".pdf")),
    (b"\xff\xd8\xff", Detected("image/jpeg", ".jpg")),
    (b"\x89PNG\r\n\x1a\n", Detected("image/png", ".png")),
]
OFD = Detected("application/ofd", ".ofd")
EXTENSIONS = {detected.content_type: detected.extension for _magic, detected in SIGNATURES} | {
    OFD.content_type: OFD.extension
}

logger = logging.getLogger(__name__)


def detect(upload) -> Detected | None:
    """Return the type the file's first bytes show, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, detected in SIGNATURES:
        if head.startswith(magic):
            return detected
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                if "OFD.xml" in archive.namelist():
                    return OFD
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
    return None


def check(upload) -> Detected:
    """Return the detected type or raise ``ValidationError`` saying why the file is refused."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    detected = detect(upload)
    if detected is None:
        raise ValidationError(
            _("Only PDF, JPEG, PNG or OFD files are accepted; this file's content is none of them."),
            code="file_type",
        )
    return detected


def safe_name(name: str) -> str:
    """Return a displayable file name: no directories, no control characters, at most 200 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return base.strip(". ")[:200] or "file"


def download_name(name: str, content_type: str) -> str:
    """Return the name a stored file is downloaded under: its shown name with the detected type's extension.

    A polyglot uploaded as ``x.html`` and detected as PDF downloads as ``x.pdf``, so no
    browser or desktop opens it by the name it was given.
    """
    stem = os.path.splitext(safe_name(name))[0] or "file"
    return stem + EXTENSIONS.get(content_type, ".bin")


# The files stored by the innermost ``kept_only_if_saved`` block now running, as (storage, name).
_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar("stored_uploads", default=None)


def remember_stored(storage, name: str) -> None:
    """Note a file just stored, so that the enclosing ``kept_only_if_saved`` block can delete it on failure."""
    stored = _stored.get()
    if stored is not None:
        stored.append((storage, name))


@contextlib.contextmanager
def kept_only_if_saved():
    """Delete the files stored inside the block if it raises, so a rolled-back submission leaves nothing.

    Wrap the whole transaction that writes the rows naming the files. A nested block hands its
    files to the outer one, which decides: a bundle whose last part fails removes the files of
    the parts before it. Files left by a crash are removed by ``case_files_purge_unreferenced``.
    """
    outer = _stored.get()
    stored: list = []
    token = _stored.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete the file %s of a failed submission.", name, exc_info=True)
        raise
    else:
        if outer is not None:
            outer.extend(stored)
    finally:
        _stored.reset(token)


class OversizeUpload:
    """What a file that passed the size limit becomes: its name and its whole size, no content."""

    def __init__(self, name: str, size: int, field_name: str = ""):
        self.name, self.size, self.field_name = name, size, field_name
        self.content_type, self.charset, self.content_type_extra = "application/octet-stream", None, {}

    def seek(self, *args):
        return 0

    def read(self, *args):
        return b""

    def close(self):
        pass


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler: stop storing a file as soon as it passes ``UPLOAD_MAX_BYTES``.

    The bytes beyond the limit are never handed to the handlers that keep files (memory or
    temporary file); the form then refuses the file with its size. A request announcing
    more than ``UPLOAD_REQUEST_MAX_BYTES`` is refused before its body is read at all.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.UPLOAD_REQUEST_MAX_BYTES:
            raise RequestDataTooBig(f"The request body of {content_length} bytes is over the limit.")
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received, self.oversize = 0, False

    def receive_data_chunk(self, raw_data, start):
        # Counted to the end, so the refusal names the file's real size, not where storing stopped.
        self.received += len(raw_data)
        if self.oversize or self.received > settings.UPLOAD_MAX_BYTES:
            self.oversize = True
            return None  # the later handlers see nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.oversize:
            return OversizeUpload(self.file_name, self.received, self.field_name)
        return None
