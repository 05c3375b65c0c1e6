"""Checks on uploaded files: size from settings, type by content (magic bytes), never the name.

Accepted: PDF, JPEG, PNG and OFD (the Chinese fixed-layout format, a ZIP with ``OFD.xml``).
HTML, SVG, scripts and anything unrecognised are refused with a reason. The stored file
gets a random name; the original name is kept only as text to show.
"""

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
                    return Detected("application/ofd", ".ofd")
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


class OversizeUpload:
    """What a file that passed the size limit becomes: its name and the size reached, no content."""

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
        if self.oversize:
            return None
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.oversize = True
            return None  # the later handlers see nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.oversize:
            return OversizeUpload(self.file_name, self.received, self.field_name)
        return None
