"""Helpers of the approvals page tests."""

import re


def token_of(response) -> str:
    """Return the one-time ``token`` an application form carries (its double-post guard)."""
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
