"""The key file of an instance (`tepat.lib.env.stored_key`): made once, kept, never half-read."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from tepat.lib.env import SettingError, stored_key


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
