"""Typed settings from the environment (a malformed value stops the start with its name) and the
key file of an instance (`stored_key`: made once, kept, never half-read)."""

from __future__ import annotations

import ipaddress
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from tepat.lib.env import SettingError, env_header, env_networks, stored_key


def test_trusted_proxies_are_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("TEPAT_TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/24,::1")
    assert env_networks("TEPAT_TRUSTED_PROXIES", []) == [
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("192.168.0.0/24"),
        ipaddress.ip_network("::1/128"),
    ]


def test_no_trusted_proxies_by_default(monkeypatch):
    monkeypatch.delenv("TEPAT_TRUSTED_PROXIES", raising=False)
    assert env_networks("TEPAT_TRUSTED_PROXIES", []) == []


@pytest.mark.parametrize("raw", ["10.0.0.0/33", "nginx", "10.0.0.1;10.0.0.2"])
def test_a_malformed_proxy_stops_the_start_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("TEPAT_TRUSTED_PROXIES", raw)
    with pytest.raises(SettingError, match="TEPAT_TRUSTED_PROXIES"):
        env_networks("TEPAT_TRUSTED_PROXIES", [])


def test_a_header_name_becomes_its_request_meta_key(monkeypatch):
    monkeypatch.setenv("TEPAT_PROXY_HEADER", "X-Real-IP")
    assert env_header("TEPAT_PROXY_HEADER", "X-Forwarded-For") == "HTTP_X_REAL_IP"


@pytest.mark.parametrize("raw", ["", "X Forwarded", "X_Forwarded_For:"])
def test_a_malformed_header_name_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("TEPAT_PROXY_HEADER", raw)
    with pytest.raises(SettingError, match="TEPAT_PROXY_HEADER"):
        env_header("TEPAT_PROXY_HEADER", "X-Forwarded-For")


def test_a_key_is_made_the_first_time_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "sub" / "mfa.key"
    key = stored_key(path)
    assert len(key) >= 50 and path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["mfa.key"]  # no draft left behind


def test_processes_starting_at_once_all_read_the_same_key(tmp_path):
    path = tmp_path / "mfa.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _i: stored_key(path), range(32)))
    assert len(keys) == 1


def test_a_file_without_a_real_key_stops_the_start_with_its_path(tmp_path):
    path = tmp_path / "mfa.key"
    path.write_text("\n")
    with pytest.raises(SettingError, match="mfa.key holds no key"):
        stored_key(path)
