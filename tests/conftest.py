"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory


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
def celery_conf():
    """Change Celery settings for one test and restore them (and the connection pool) after."""
    from portal.celery import app

    saved = {}

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.conf[key])
            app.conf[key] = value
        app.close()

    yield change
    for key, value in saved.items():
        app.conf[key] = value
    app.close()
