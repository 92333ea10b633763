"""`tepat regions load`: the real Kemendagri 2025 regions of a regency."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tepat.audit.models import AuditEvent
from tepat.regions.models import Level, Region


def _count(level: str, prefix: str) -> int:
    return Region.objects.filter(level=level, code__startswith=prefix).count()


def test_probolinggo_is_loaded_by_default_with_24_kecamatan_and_330_desa(db, capsys):
    call_command("regions", "load")
    assert _count(Level.KECAMATAN, "35.13.") == 24
    assert _count(Level.DESA, "35.13.") == 330
    assert Region.objects.filter(code__startswith="35.13.", is_kelurahan=True).count() == 5
    assert Region.objects.get(code="35.13.20").name == "Tegalsiwalan"
    assert Region.objects.get(code="35.13.20.2001").parent_id == "35.13.20"
    assert "24 kecamatan, 325 desa, 5 kelurahan" in capsys.readouterr().out


def test_any_regency_of_the_national_table_loads_the_same_way(db):
    call_command("regions", "load", "--kabupaten", "35.07")  # Kabupaten Malang
    assert Region.objects.get(code="35.07").name == "Kabupaten Malang"
    assert _count(Level.KECAMATAN, "35.07.") == 33
    assert _count(Level.DESA, "35.07.") == 390


def test_loading_twice_changes_nothing_but_is_audited_each_time(db):
    call_command("regions", "load")
    before = list(Region.objects.values_list("code", "name", "parent_id"))
    call_command("regions", "load")
    assert list(Region.objects.values_list("code", "name", "parent_id")) == before
    assert AuditEvent.objects.filter(action="regions.kabupaten.loaded").count() == 2


def test_an_unknown_regency_code_is_refused_with_a_clear_message(db):
    with pytest.raises(CommandError, match="tidak ada di tabel Kemendagri 2025"):
        call_command("regions", "load", "--kabupaten", "99.99")
    assert not Region.objects.exists()
