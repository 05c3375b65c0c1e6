"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory


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
