"""Who is asking: the client address behind trusted proxies, and its daily pseudonym.

Plain functions over strings and ``ipaddress`` objects; no Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> list[IPNetwork]:
    """``"10.0.0.1, 192.168.0.0/16"`` -> networks.

    :raise ValueError: naming the entry that is not an address or network.
    """
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return networks


def client_address(
    remote_addr: str | None, forwarded_for: str | None, trusted: Sequence[IPNetwork]
) -> str | None:
    """The address of the client, believing ``X-Forwarded-For`` only from trusted proxies.

    The header is read from the right: each hop appends the address it saw,
    so the first address not belonging to a trusted proxy is the client.
    Anything further left could have been written by the client itself.
    """
    address = _parse(remote_addr)
    if address is None:
        return None
    hops = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    while _is_trusted(address, trusted) and hops:
        previous = _parse(hops.pop())
        if previous is None:
            break
        address = previous
    return str(address)


def network_key(address: str | None) -> str:
    """The part of an address that names one client: IPv4 whole, IPv6 cut to its /64.

    A phone on IPv6 changes the lower 64 bits often (privacy extensions), so
    the /64 is what IAB counting treats as one household or device.
    """
    parsed = _parse(address)
    if parsed is None:
        return ""
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address) + "/64"
    return str(parsed)


def listener_hash(salt: str, address_key: str, user_agent: str) -> str:
    """A keyed hash of client and agent: equal within a day, unlinkable once the salt is gone."""
    message = f"{address_key}\n{user_agent}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def _parse(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _is_trusted(address, trusted: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in trusted)
