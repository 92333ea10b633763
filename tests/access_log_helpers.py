"""Access events and limit hits written at chosen moments, for the tests of the reveal limit
and the daily access digest (issue 16 §6). Importable from any test directory: tests/ is on the
path because of tests/conftest.py."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.db import transaction
from django.utils import timezone

DAY = date(2026, 11, 20)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


@contextmanager
def at(moment):
    """Write at another time: the clock cannot be moved otherwise (auto_now_add)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def add_events(actor, action: str, n: int, when: datetime, code: str = "verifikasi_lapangan"):
    from tepat.audit.models import AccessEvent

    with at(when):
        AccessEvent.objects.bulk_create([
            AccessEvent(actor=actor, action=action, object_type="registry.family",
                        object_id=str(i), purpose_code=code, purpose="uji log akses harian")
            for i in range(n)])


def add_limit_hit(actor, when: datetime):
    from tepat.audit.reveals import LIMIT_HIT
    from tepat.audit.services import log_event

    with at(when), transaction.atomic():
        log_event(LIMIT_HIT, actor=actor, obj=actor, data={"window": "hour"})


def every_day_before(actor, action: str, n: int):
    for back in range(1, 31):
        add_events(actor, action, n, local(DAY - timedelta(days=back)))


def make_busy_day(users):
    """Three users active on DAY (one unusual by count, one by a limit hit), one on the days
    around it."""
    every_day_before(users.operator_desa, "reveal", 1)  # usually 1 a day
    add_events(users.operator_desa, "reveal", 10, local(DAY, 9))
    add_events(users.operator_desa, "reveal", 2, local(DAY, 23, 30), code="lainnya")
    every_day_before(users.admin, "reveal", 5)  # usually 5 a day: 12 is not unusual
    add_events(users.admin, "reveal", 12, local(DAY))
    add_events(users.admin, "export", 1, local(DAY), code="penyaluran_bantuan")
    add_events(users.operator_kecamatan, "export", 2, local(DAY), code="pemeriksaan")
    add_limit_hit(users.operator_kecamatan, local(DAY, 14))
    add_events(users.operator_desa_sibling, "reveal", 40, local(DAY - timedelta(days=1), 23))
    add_events(users.operator_desa_sibling, "reveal", 40, local(DAY + timedelta(days=1), 0, 30))
    return users
