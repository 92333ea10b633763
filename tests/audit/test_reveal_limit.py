"""The reveal limit as a service (issue 16 §6): counted from the access log in sliding windows,
a refusal audited once per window length rather than once per attempt."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tepat.audit.models import AccessEvent, AuditEvent
from tepat.audit.reveals import LIMIT_HIT, Purpose, reveal

WHY = Purpose("verifikasi_lapangan", "Cek KTP di lapangan")
START = timezone.now().replace(microsecond=0)


@contextmanager
def at(moment):
    """Run at another time: the clock cannot be moved otherwise (auto_now_add, now())."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def family(registry):
    return registry.families["35.13.20.2001"][0]


def test_reveals_over_the_hourly_limit_are_refused_until_the_oldest_leaves_the_hour(
    users, family, settings
):
    settings.TEPAT_REVEAL_LIMIT_PER_HOUR, settings.TEPAT_REVEAL_LIMIT_PER_DAY = 2, 0
    with at(START):
        assert reveal(users.operator_desa, family, WHY) is None
    with at(START + timedelta(minutes=10)):
        assert reveal(users.operator_desa, family, WHY) is None
    with at(START + timedelta(minutes=20)):
        refused = reveal(users.operator_desa, family, WHY)
    assert refused.window.name == "hour"
    assert refused.retry_after == 40 * 60 + 1  # the first reveal leaves the hour then
    with at(START + timedelta(minutes=61)):
        assert reveal(users.operator_desa, family, WHY) is None
    assert AccessEvent.objects.filter(action="reveal").count() == 3
    event = AccessEvent.objects.first()
    assert (event.purpose_code, event.purpose) == ("verifikasi_lapangan", "Cek KTP di lapangan")


def test_a_refusal_is_audited_once_per_window_length_not_per_attempt(users, family, settings):
    settings.TEPAT_REVEAL_LIMIT_PER_HOUR, settings.TEPAT_REVEAL_LIMIT_PER_DAY = 1, 0
    with at(START):
        reveal(users.admin, family, WHY)
        for _ in range(20):
            assert reveal(users.admin, family, WHY) is not None
    with at(START + timedelta(minutes=59)):
        assert reveal(users.admin, family, WHY) is not None
    assert AuditEvent.objects.filter(action=LIMIT_HIT).count() == 1
    with at(START + timedelta(minutes=90)):  # a new hour: one reveal, then refused again
        assert reveal(users.admin, family, WHY) is None
        assert reveal(users.admin, family, WHY) is not None
    hits = AuditEvent.objects.filter(action=LIMIT_HIT)
    assert hits.count() == 2
    assert {(h.object_type, h.object_id) for h in hits} == {("accounts.user", str(users.admin.pk))}


def test_the_daily_limit_counts_the_last_24_hours(users, family, settings):
    settings.TEPAT_REVEAL_LIMIT_PER_HOUR, settings.TEPAT_REVEAL_LIMIT_PER_DAY = 0, 3
    for hours in (0, 5, 10):
        with at(START + timedelta(hours=hours)):
            assert reveal(users.operator_kecamatan, family, WHY) is None
    with at(START + timedelta(hours=23)):
        refused = reveal(users.operator_kecamatan, family, WHY)
    assert refused.window.name == "day"
    with at(START + timedelta(hours=24, minutes=1)):
        assert reveal(users.operator_kecamatan, family, WHY) is None
    hit = AuditEvent.objects.get(action=LIMIT_HIT)
    assert hit.data == {"window": "day", "limit": 3, "count": 3}


def test_the_limits_are_read_from_the_environment(monkeypatch):
    from tepat.lib.env import SettingError, env_int

    monkeypatch.setenv("TEPAT_REVEAL_LIMIT_PER_HOUR", "-1")
    with pytest.raises(SettingError, match="TEPAT_REVEAL_LIMIT_PER_HOUR='-1' must be at least 0"):
        env_int("TEPAT_REVEAL_LIMIT_PER_HOUR", 30, minimum=0)
    monkeypatch.setenv("TEPAT_REVEAL_LIMIT_PER_HOUR", "12")
    assert env_int("TEPAT_REVEAL_LIMIT_PER_HOUR", 30, minimum=0) == 12
