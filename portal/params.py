"""Reading parameters out of query strings, forms and the session without trusting them.

``str.isdigit`` is true for "²" and "３", which ``int`` then refuses or reads as another
number: a parameter is a number here only when it is plain ASCII digits of a sane length.
A ``next`` address is followed only when it is a path on this site.
"""

from django.utils.http import url_has_allowed_host_and_scheme

# 18 digits always fit PostgreSQL's bigint; a longer "id" cannot name any row.
MAX_DIGITS = 18


def int_param(value, default: int | None = None) -> int | None:
    """Return ``value`` as a non-negative integer when it is 1 to 18 ASCII digits, else ``default``."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return default


def safe_next(request, value: str | None, *, default: str = "/") -> str:
    """Return ``value`` if it is a path on this site, else ``default``.

    Only a path is taken (``foo``, ``//host`` and ``/\\host`` are not), and callers redirect to
    it as it is, without resolving URL names, so no value leads off-site or to a 500.
    """
    value = value or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default
