"""Protection of personal numbers at rest.

A number is kept twice, never in clear: as a Fernet token (AES-128-CBC + HMAC-SHA256) so
that an authorised reveal can decrypt it, and as a keyed HMAC-SHA256 digest so that an
exact look-up ("is this ID number already registered?") is one indexed query without
decrypting anything. A plain hash would not do: an 18-digit ID number has so little
entropy (region, birth date, serial) that an unkeyed hash is brute-forced in minutes.
Both keys are derived from ``settings.PII_KEY`` with HKDF and distinct labels.

Keys rotate: ``settings.PII_OLD_KEYS`` lists earlier keys. Decryption tries the current key
first and then each old one; look-ups match the digest under every key, so a number stays
found between a key change and ``manage.py pii_rotate``, which re-encrypts and re-digests
every stored number with the current key. Once it has run, the old keys can be dropped.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class UndecryptableError(Exception):
    """A token that neither the current key nor any old key opens (a key is missing or wrong)."""


def _derive(key_source: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(key_source.encode())


@functools.cache
def _fernet(key_source: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(key_source, b"portal.pii.encrypt")))


@functools.cache
def _digest_key(key_source: str) -> bytes:
    return _derive(key_source, b"portal.pii.digest")


def _keys() -> list[str]:
    """The current key first, then the old ones, without repeats."""
    keys = [settings.PII_KEY]
    for key in getattr(settings, "PII_OLD_KEYS", ()):
        if key and key not in keys:
            keys.append(key)
    return keys


def _multi_fernet() -> MultiFernet:
    return MultiFernet([_fernet(key) for key in _keys()])


def encrypt(value: str) -> str:
    return _fernet(settings.PII_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Return the clear value of ``token`` under the current or an old key; raise ``UndecryptableError``."""
    try:
        return _multi_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableError("The token opens with none of the configured personal-data keys.") from None


def is_current(token: str) -> bool:
    """Return whether ``token`` was encrypted with the current key."""
    try:
        _fernet(settings.PII_KEY).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def digest(value: str) -> str:
    """Return the keyed look-up digest of a normalised number (64 hex characters) under the current key."""
    return hmac.new(_digest_key(settings.PII_KEY), value.encode(), hashlib.sha256).hexdigest()


def digests(value: str) -> list[str]:
    """Return the digest of ``value`` under the current key and every old key, for look-ups during a rotation."""
    return [hmac.new(_digest_key(key), value.encode(), hashlib.sha256).hexdigest() for key in _keys()]
