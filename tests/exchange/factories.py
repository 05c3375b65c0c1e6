"""Business systems and keys for the exchange tests, made through the exchange services."""

import datetime
import itertools

from django.utils import timezone
from rest_framework.test import APIClient

from exchange import services
from exchange.models import BusinessSystem
from tests.factories import DepartmentFactory

_serial = itertools.count(1)


def make_system(department=None, **kwargs) -> BusinessSystem:
    """Register a business system (with its service account) for ``department``."""
    serial = next(_serial)
    return services.system_register(
        name=kwargs.pop("name", f"业务系统{serial}"),
        code=kwargs.pop("code", f"sys-{serial}"),
        department=department or DepartmentFactory(),
        **kwargs,
    )


def make_key(system: BusinessSystem, *, expires_in: datetime.timedelta | None = None) -> str:
    """Issue a key for ``system`` and return it in clear."""
    expires_at = timezone.now() + expires_in if expires_in is not None else None
    _row, key = services.api_key_issue(system_id=system.pk, expires_at=expires_at)
    return key


def client_for(key: str | None) -> APIClient:
    """Return an API client that sends ``key`` as its bearer token (none: no Authorization header)."""
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
