"""The client's address: X-Forwarded-For is believed only from a trusted proxy, and read from the right.

Covered: the helper itself (trusted peer, untrusted peer, forged left-most entries, a chain of
proxies, garbage), the ``TRUSTED_PROXIES`` setting, and its three users: a rate limit (tracking),
the log-in lock-out (django-axes) and the audit log.
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from approvals.views.cases import TRACK_LIMIT
from portal.addresses import client_ip
from portal.config import ConfigError, env_networks
from portal.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.20.0.5"
PASSWORD = "pass-word-123"  # the factories' password
TRACK = {"code": "5000002611270000011", "mobile_last4": "0000"}


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.20.0.0/24", "2001:db8::/64"]
    return settings


def address(forwarded=None, peer=PROXY) -> str:
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert address("203.0.113.7") == PROXY


def test_a_trusted_peer_gives_the_address_it_appended(behind_proxy):
    assert address("203.0.113.7") == "203.0.113.7"
    assert address(None) == PROXY  # a request the proxy did not forward
    assert address("2001:db8:1::9", peer="2001:db8::2") == "2001:db8:1::9"


def test_an_untrusted_peer_is_the_client_whatever_it_writes(behind_proxy):
    assert address("203.0.113.7", peer="198.51.100.4") == "198.51.100.4"
    assert address("10.20.0.9", peer="198.51.100.4") == "198.51.100.4"


def test_entries_the_client_wrote_to_the_left_are_ignored(behind_proxy):
    assert address("1.1.1.1, 8.8.8.8, 203.0.113.7") == "203.0.113.7"
    assert address("not-an-address, 203.0.113.7") == "203.0.113.7"


def test_a_chain_of_trusted_proxies_is_skipped_from_the_right(behind_proxy):
    assert address("1.1.1.1, 203.0.113.7, 10.20.0.6") == "203.0.113.7"
    assert address("10.20.0.7, 10.20.0.6") == PROXY  # only proxies: the peer is all there is


def test_garbage_where_a_proxy_writes_believes_nothing_to_its_left(behind_proxy):
    assert address("203.0.113.7, garbage") == PROXY


def test_trusted_proxies_come_from_the_environment_and_are_checked(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert env_networks("TRUSTED_PROXIES") == []
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 10.0.1.0/24,2001:db8::/64")
    assert env_networks("TRUSTED_PROXIES") == ["10.0.0.5", "10.0.1.0/24", "2001:db8::/64"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5,proxy.internal")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")


# --- the rate limits, the lock-out and the audit log use it ---------------------------------


def track(client, forwarded, peer=PROXY):
    return client.post(reverse("approvals:track"), TRACK, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_the_proxy_one_visitor_cannot_exhaust_the_tracking_limit_of_the_city(client, behind_proxy):
    codes = [track(client, "203.0.113.7").status_code for _ in range(TRACK_LIMIT + 1)]
    assert codes == [200] * TRACK_LIMIT + [429]
    assert track(client, "203.0.113.8").status_code == 200
    # Writing another address in front of the proxy's entry does not make a new visitor.
    assert track(client, "203.0.113.99, 203.0.113.7").status_code == 429


def test_an_untrusted_peer_forging_the_header_is_still_counted_as_itself(client, behind_proxy):
    codes = [track(client, f"203.0.113.{n}", peer="198.51.100.4").status_code for n in range(TRACK_LIMIT + 1)]
    assert codes == [200] * TRACK_LIMIT + [429]


def login(client, forwarded, password=PASSWORD, peer=PROXY):
    return client.post(
        reverse("portal:login"),
        {"username": "13812340099", "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_the_lock_out_locks_the_client_behind_the_proxy_not_everyone(client, behind_proxy):
    from axes.models import AccessAttempt

    UserFactory(mobile="13812340099")
    for _ in range(5):
        login(client, "203.0.113.7", "wrong")
    assert login(client, "203.0.113.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Another citizen behind the same proxy logs in.
    assert login(client.__class__(), "203.0.113.8").status_code == 302
    # A forged entry to the left does not escape the lock.
    assert login(client.__class__(), "198.51.100.1, 203.0.113.7").status_code == 429


def test_an_untrusted_peer_cannot_escape_the_lock_out_by_forging_the_header(client, behind_proxy):
    UserFactory(mobile="13812340099")
    for n in range(5):
        login(client, f"203.0.113.{n}", "wrong", peer="198.51.100.4")
    assert login(client, "203.0.113.50", peer="198.51.100.4").status_code == 429


def test_the_audit_log_records_the_clients_address(client, behind_proxy):
    user = UserFactory(mobile="13812340099")
    login(client.__class__(), "198.51.100.1, 203.0.113.7", "wrong")
    assert login(client, "203.0.113.8").status_code == 302
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.ip == "203.0.113.7"
    assert AuditEvent.objects.get(action="login", actor_id=user.pk).ip == "203.0.113.8"
    # Events recorded through the middleware (refused access to an object page) carry it too.
    client.get(reverse("approvals:case_detail", args=[999_999]), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert AuditEvent.objects.get(action="access_refused").ip == "203.0.113.8"
