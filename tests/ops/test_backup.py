"""`tepat backup` / `tepat restore` on the test database (SQLite or PostgreSQL): a restore
brings back exactly what was saved (counts and checksums per table, the uploads), and a
damaged archive is refused before anything is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tepat.ops.backup import live_sums
from tepat.registry.models import Family, Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "berita-acara").mkdir(parents=True)
    (settings.MEDIA_ROOT / "berita-acara" / "ba-1.pdf").write_bytes(b"%PDF-1.4 berita acara")
    return settings.MEDIA_ROOT


def _sums() -> dict[str, tuple[int, str]]:
    return {s.table: (s.rows, s.checksum) for s in live_sums()}


def test_restore_brings_back_exactly_what_was_saved(registry, media, tmp_path, capsys):
    archive = tmp_path / "cadangan.tar.gz"
    call_command("backup", out=archive)
    saved = _sums()
    families, persons = Family.objects.count(), Person.objects.count()

    # Life goes on after the backup: a family renamed, one deleted, an upload lost, one added.
    family = Family.objects.order_by("pk").first()
    Family.objects.filter(pk=family.pk).update(alamat="DIUBAH SETELAH CADANGAN")
    Person.objects.filter(family=Family.objects.order_by("pk").last()).delete()
    (media / "berita-acara" / "ba-1.pdf").unlink()
    (media / "baru.jpg").write_bytes(b"later")
    assert _sums() != saved

    call_command("restore", archive, yes=True)

    out = capsys.readouterr().out
    assert "checksum cocok" in out
    restored = _sums()
    # Everything equals the backup, apart from the audit trail: it has gained the restore's
    # own event, written after the check.
    assert {t: v for t, v in restored.items() if t != "audit_auditevent"} == {
        t: v for t, v in saved.items() if t != "audit_auditevent"
    }
    assert restored["audit_auditevent"][0] == saved["audit_auditevent"][0] + 1
    assert Family.objects.count() == families and Person.objects.count() == persons
    assert Family.objects.get(pk=family.pk).alamat == family.alamat
    assert (media / "berita-acara" / "ba-1.pdf").read_bytes() == b"%PDF-1.4 berita acara"
    assert not (media / "baru.jpg").exists()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_a_damaged_archive_is_refused_and_nothing_changes(registry, media, tmp_path, damage):
    archive = tmp_path / "cadangan.tar.gz"
    call_command("backup", out=archive)
    if damage == "truncated":
        archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "garbage":
        archive.write_bytes(b"bukan arsip " * 1000)
    else:
        archive.unlink()
    before = _sums()

    with pytest.raises(CommandError) as refused:
        call_command("restore", archive, yes=True)

    assert archive.name in str(refused.value)
    assert _sums() == before


def test_restore_asks_for_confirmation(registry, media, tmp_path):
    archive = tmp_path / "cadangan.tar.gz"
    call_command("backup", out=archive)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", archive)


def test_backup_leaves_no_partial_file_and_names_its_contents(registry, media, tmp_path):
    archive = tmp_path / "sub" / "cadangan.tar.gz"
    call_command("backup", out=archive)
    assert archive.is_file()
    assert not list(archive.parent.glob("*.partial"))
