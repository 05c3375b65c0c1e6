"""Services of the exchange app that the API tests do not reach: purging old rows, re-registering, revoking twice."""

import datetime

import pytest
from django.utils import timezone

from exchange import services
from exchange.models import ApiCallLog, ApiKey, IdempotencyRecord
from exchange.tasks import exchange_purge_old
from tests.exchange.factories import make_key, make_system

pytestmark = pytest.mark.django_db


def test_the_purge_drops_only_rows_past_their_keeping_time(api, system, settings):
    api.get("/api/v1/system/")
    api.post("/api/v1/licences/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert ApiCallLog.objects.count() == 2 and IdempotencyRecord.objects.count() == 1
    now = timezone.now()
    assert services.exchange_purge(now=now) == {"idempotency_records": 0, "calls": 0}
    later = now + datetime.timedelta(days=settings.EXCHANGE_IDEMPOTENCY_DAYS + 1)
    assert services.exchange_purge(now=later) == {"idempotency_records": 1, "calls": 0}
    much_later = now + datetime.timedelta(days=settings.EXCHANGE_LOG_KEEP_DAYS + 1)
    assert services.exchange_purge(now=much_later)["calls"] == 2
    assert exchange_purge_old.delay().get() == {"idempotency_records": 0, "calls": 0}


def test_a_code_cannot_be_registered_twice(department):
    system = make_system(department)
    with pytest.raises(services.ExchangeError) as caught:
        services.system_register(name="again", code=system.code, department=department)
    assert caught.value.code == "duplicate_system"


def test_revoking_twice_keeps_the_first_revocation(system, admin_user):
    make_key(system)
    key = ApiKey.objects.get()
    first = services.api_key_revoke(key_id=key.pk, actor=admin_user).revoked_at
    assert services.api_key_revoke(key_id=key.pk).revoked_at == first


def test_a_disabled_system_gets_no_new_key(system):
    services.system_update(system_id=system.pk, name=system.name, rate_limit="", contact="", is_active=False)
    with pytest.raises(services.ExchangeError):
        services.api_key_issue(system_id=system.pk)
