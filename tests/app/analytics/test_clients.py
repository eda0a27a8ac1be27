"""The client behind trusted proxies, IPv6 cut to /64, and the daily pseudonym."""

from __future__ import annotations

import pytest

from app.analytics.clients import client_address, listener_hash, network_key, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 2001:db8:ffff::1")


def test_forwarded_for_is_ignored_from_untrusted_peers():
    assert client_address("198.51.100.9", "203.0.113.5", PROXIES) == "198.51.100.9"


def test_forwarded_for_is_believed_from_a_trusted_proxy():
    assert client_address("10.1.2.3", "203.0.113.5", PROXIES) == "203.0.113.5"


def test_a_client_cannot_spoof_an_address_through_a_trusted_proxy():
    """The client wrote the leftmost entry itself; the proxy appended the real one."""
    chain = "192.0.2.66, 203.0.113.5, 10.9.9.9"
    assert client_address("10.1.2.3", chain, PROXIES) == "203.0.113.5"


def test_garbage_in_the_header_stops_at_the_last_known_address():
    assert client_address("10.1.2.3", "not-an-ip", PROXIES) == "10.1.2.3"
    assert client_address(None, "203.0.113.5", PROXIES) is None


def test_ipv6_is_cut_to_its_64_bit_network():
    first = network_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
    assert first == "2001:db8:1:2::/64"
    assert network_key("2001:db8:1:2::1") == first
    assert network_key("2001:db8:1:3::1") != first
    assert network_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert network_key("203.0.113.5") == "203.0.113.5"


def test_listener_hash_depends_on_salt_address_and_agent():
    base = listener_hash("salt-a", "203.0.113.5", "AntennaPod/3.4")
    assert base == listener_hash("salt-a", "203.0.113.5", "AntennaPod/3.4")
    assert base != listener_hash("salt-b", "203.0.113.5", "AntennaPod/3.4")
    assert base != listener_hash("salt-a", "203.0.113.6", "AntennaPod/3.4")
    assert base != listener_hash("salt-a", "203.0.113.5", "AntennaPod/3.5")
    assert "203.0.113.5" not in base


def test_bad_proxy_setting_names_the_entry():
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_networks("10.0.0.1, 10.0.0.300")
