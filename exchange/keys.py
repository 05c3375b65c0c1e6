"""The shape of API keys: ``hall_<prefix>_<secret>``, stored only as a SHA-256 digest.

The secret has 256 bits of entropy, so a plain digest is enough (a slow hash protects
guessable passwords, not random keys) and lets every call be checked in microseconds.
"""

import hashlib
import re
import secrets

KEY_RE = re.compile(r"^hall_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")


def new_key() -> tuple[str, str]:
    """Return a new (prefix, full key)."""
    prefix = secrets.token_hex(4)
    return prefix, f"hall_{prefix}_{secrets.token_urlsafe(32)}"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    """Return the prefix of a well-formed key, else None."""
    match = KEY_RE.match(key)
    return match.group(1) if match else None
