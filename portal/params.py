"""Reading numbers out of query strings and forms without trusting them.

``str.isdigit`` is true for "²" and "３", which ``int`` then refuses or reads as another
number: a parameter is a number here only when it is plain ASCII digits of a sane length.
"""

# 18 digits always fit PostgreSQL's bigint; a longer "id" cannot name any row.
MAX_DIGITS = 18


def int_param(value, default: int | None = None) -> int | None:
    """Return ``value`` as a non-negative integer when it is 1 to 18 ASCII digits, else ``default``."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return default
