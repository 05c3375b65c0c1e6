"""Fixtures of the approvals tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Pages, throttles and cached catalogue reads live in the cache; each test starts with none."""
    cache.clear()
