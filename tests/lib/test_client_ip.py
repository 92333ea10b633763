"""The client's address behind trusted proxies (tepat.lib.client_ip): pure, no Django."""

from __future__ import annotations

import ipaddress

import pytest

from tepat.lib.client_ip import client_address

NGINX = [ipaddress.ip_network("10.0.0.2/32")]
TWO_HOPS = [ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("fd00::/8")]


def test_without_a_proxy_the_peer_is_the_client():
    assert client_address("203.0.113.7", "", NGINX) == "203.0.113.7"


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored():
    assert client_address("203.0.113.7", "198.51.100.1", NGINX) == "203.0.113.7"


def test_behind_the_proxy_the_address_it_appended_is_the_client():
    assert client_address("10.0.0.2", "203.0.113.7", NGINX) == "203.0.113.7"


def test_an_address_the_client_made_up_left_of_the_proxys_is_not_believed():
    assert client_address("10.0.0.2", "198.51.100.1, 203.0.113.7", NGINX) == "203.0.113.7"


def test_the_walk_skips_every_trusted_hop_from_the_right():
    header = "198.51.100.1, 203.0.113.7, 10.0.0.9"
    assert client_address("10.0.0.2", header, TWO_HOPS) == "203.0.113.7"


def test_ipv6_proxies_and_clients_are_read_too():
    assert client_address("fd00::2", "2001:db8::7", TWO_HOPS) == "2001:db8::7"


@pytest.mark.parametrize("header", ["", " , "])
def test_a_trusted_proxy_that_sent_no_header_is_the_client(header):
    assert client_address("10.0.0.2", header, NGINX) == "10.0.0.2"


def test_when_every_hop_is_trusted_the_left_most_is_the_client():
    assert client_address("10.0.0.2", "10.0.0.5, 10.0.0.9", TWO_HOPS) == "10.0.0.5"


@pytest.mark.parametrize("junk", ["unknown", "203.0.113.7:4431", "<script>"])
def test_a_malformed_entry_stops_the_walk_at_the_last_trusted_hop(junk):
    assert client_address("10.0.0.2", f"198.51.100.1, {junk}, 10.0.0.9", TWO_HOPS) == "10.0.0.9"


def test_a_malformed_peer_address_is_never_trusted():
    assert client_address("not-an-ip", "203.0.113.7", NGINX) == "not-an-ip"
