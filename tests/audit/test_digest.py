"""The daily digest of reveals and exports per user (issue 16 §6): the day's counts against the
user's own previous 30 days, the purposes, the limit hits, unusual days first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access_log_helpers import DAY, add_events, add_limit_hit, local, make_busy_day
from tepat.audit.digest import reveal_digest


@pytest.fixture
def busy_day(users):
    return make_busy_day(users)


def test_the_digest_lists_the_day_per_user_with_unusual_users_first(busy_day):
    users = busy_day
    rows = {row.user.username: row for row in reveal_digest(DAY)}
    assert list(rows) == ["operator.desa", "operator.kecamatan", "admin"]
    desa = rows["operator.desa"]
    assert (desa.reveals.today, desa.reveals.mean, desa.reveals.usual) == (12, 1.0, 1.0)
    assert desa.reveals.unusual and desa.unusual
    assert desa.purposes == {"verifikasi_lapangan": 10, "lainnya": 2}
    admin = rows["admin"]
    assert (admin.reveals.today, admin.reveals.mean, admin.exports.today) == (12, 5.0, 1)
    assert not admin.unusual
    kecamatan = rows["operator.kecamatan"]
    assert (kecamatan.exports.today, kecamatan.limit_hits) == (2, 1)
    assert kecamatan.unusual and not kecamatan.exports.unusual  # the limit hit marks it
    assert rows["operator.desa"].user == users.operator_desa


def test_the_day_is_the_local_calendar_day(busy_day):
    """The sibling's 80 reveals fall at 23:00 the day before and 00:30 the day after (WIB)."""
    names = [row.user.username for row in reveal_digest(DAY)]
    assert "operator.desa.sibling" not in names
    after = {row.user.username: row for row in reveal_digest(DAY + timedelta(days=1))}
    sibling = after["operator.desa.sibling"]
    assert sibling.reveals.today == 40 and sibling.reveals.history[1] == 40
    assert sibling.unusual


def test_a_quiet_day_has_no_rows(busy_day):
    assert reveal_digest(DAY - timedelta(days=40)) == []


def test_the_digest_takes_the_same_four_queries_whatever_the_number_of_users(users):
    add_events(users.admin, "reveal", 3, local(DAY))
    with CaptureQueriesContext(connection) as one:
        assert len(reveal_digest(DAY)) == 1
    for persona in ("operator_desa", "operator_kecamatan", "operator_desa_sibling"):
        add_events(getattr(users, persona), "reveal", 2, local(DAY))
        add_limit_hit(getattr(users, persona), local(DAY))
    with CaptureQueriesContext(connection) as four:
        assert len(reveal_digest(DAY)) == 4
    assert len(one) == len(four) == 4


def test_the_command_line_prints_the_digest_as_json_and_as_a_table(busy_day):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("audit", "reveals", "--day", DAY.isoformat(), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["day"] == "2026-11-20"
    first = data["users"][0]
    assert (first["user"], first["reveals"], first["reveals_median"], first["unusual"]) == (
        "operator.desa", 12, 1.0, True)
    out = io.StringIO()
    call_command("audit", "reveals", "--day", DAY.isoformat(), stdout=out)
    assert out.getvalue().startswith("2026-11-20: 3 users, 2 unusual")


def test_the_command_line_refuses_a_wrong_date(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="tidak sah"):
        call_command("audit", "reveals", "--day", "20-11-2026")
