"""Protection of personal numbers at rest.

A number is kept twice, never in clear: as a Fernet token (AES-128-CBC + HMAC-SHA256) so
that an authorised reveal can decrypt it, and as a keyed HMAC-SHA256 digest so that an
exact look-up ("is this ID number already registered?") is one indexed query without
decrypting anything. A plain hash would not do: an 18-digit ID number has so little
entropy (region, birth date, serial) that an unkeyed hash is brute-forced in minutes.
Both keys are derived from ``settings.PII_KEY`` with HKDF and distinct labels.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(settings.PII_KEY.encode())


@functools.cache
def _fernet(key_source: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"portal.pii.encrypt")))


@functools.cache
def _digest_key(key_source: str) -> bytes:
    return _derive(b"portal.pii.digest")


def encrypt(value: str) -> str:
    return _fernet(settings.PII_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.PII_KEY).decrypt(token.encode()).decode()


def digest(value: str) -> str:
    """Return the keyed look-up digest of a normalised number (64 hex characters)."""
    return hmac.new(_digest_key(settings.PII_KEY), value.encode(), hashlib.sha256).hexdigest()
