"""Fixtures shared by the whole suite, and the clock it runs on.

``PORTAL_TEST_NOW`` (an ISO 8601 moment with its offset, e.g. ``2026-12-31T23:30:00+08:00``)
moves the whole run to that moment with time-machine; the clock keeps ticking from there.
``make test-dates`` runs the date-sensitive modules at the year's end, the first working day
of a year and National Day this way, so that no test holds only on the day it was written.
"""

import datetime
import os

import pytest
import time_machine

from tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory
from tests.processes import redis_server  # noqa: F401  (a fixture for every test module)


def pytest_configure(config):
    moment = os.environ.get("PORTAL_TEST_NOW", "")
    if moment:
        at = datetime.datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise pytest.UsageError("PORTAL_TEST_NOW needs an offset, e.g. 2027-01-04T09:00:00+08:00")
        config._portal_clock = time_machine.travel(at, tick=True)
        config._portal_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_portal_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    moment = os.environ.get("PORTAL_TEST_NOW", "")
    return f"clock moved to {moment}" if moment else None


@pytest.fixture(autouse=True)
def _fresh_security_cache():
    """Each test starts with no rate-limit counters, codes or cool-downs (they outlive a cleared page cache)."""
    from django.core.cache import caches

    caches["security"].clear()
    yield


@pytest.fixture
def citizen(db):
    return UserFactory(with_id_number=True)


@pytest.fixture
def clerk(db):
    return StaffMembershipFactory().user


@pytest.fixture
def supervisor(db):
    return StaffMembershipFactory(supervisor=True).user


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True)


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def celery_conf(monkeypatch):
    """Change Celery settings for one test and restore them (and the connection pool) after.

    Celery reads the broker from the ``CELERY_BROKER_URL`` environment variable before its
    configuration, so a broker change sets that variable too (restored after the test).
    """
    from portal.celery import app

    saved = {}

    def reset_connections():
        # close() drops the connection pool but not the producer pool built on it.
        app.close()
        app.amqp._producer_pool = None

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.conf[key])
            app.conf[key] = value
            if key == "broker_url":
                monkeypatch.setenv("CELERY_BROKER_URL", value)
        reset_connections()

    yield change
    for key, value in saved.items():
        app.conf[key] = value
    reset_connections()
