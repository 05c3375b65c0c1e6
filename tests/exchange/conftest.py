"""Fixtures of the exchange tests: a department's world of cases, its system, a client holding its key."""

import pytest
from django.core.cache import cache

from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def system(world):
    return make_system(world.department)


@pytest.fixture
def key(system):
    return make_key(system)


@pytest.fixture
def api(key):
    """An API client authenticated as the world's department's system."""
    return client_for(key)
