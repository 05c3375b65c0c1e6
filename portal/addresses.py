"""The client's address, the one every rate limit, the log-in lock-out and the audit log use.

Behind the reverse proxy every request comes from the proxy, and the client's address is in
``X-Forwarded-For``. That header is believed only when the direct peer is one of
``settings.TRUSTED_PROXIES`` (addresses or networks): anyone else may have written it. Each
proxy appends the address it received the request from, so the list is read from the right
and the first address that is not a trusted proxy is the client; entries to its left were
written by the client and are ignored.
"""

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str:
    """Return the client's address: REMOTE_ADDR, or behind a trusted proxy the right-most untrusted forwarded one."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    peer_address = _parse(peer)
    if not networks or peer_address is None or not _trusted(peer_address, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _parse(entry)
        if address is None:
            # Garbage where a proxy should have written an address: nothing to its left can be believed.
            break
        if not _trusted(address, networks):
            return str(address)
    return peer
