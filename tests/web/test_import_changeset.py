"""The web import with its change set (issue 17 §4): upload → the change set → confirm → written;
cancel; a reason above the thresholds; another import landing between preview and confirm.
The background tasks run when the test drains a stand-in queue (after the request, as a worker
would: a task run inside the request would count its audit events as the view's)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tepat import synth
from tepat.audit.models import AuditEvent
from tepat.registry.importing import import_files
from tepat.registry.models import BatchStatus, Family, FamilyEdition, Person, SourceBatch

FID, PID = "id_keluarga_p3ke", "id_individu"


class _Queue:
    def __init__(self, func):
        self.func, self.pending = func, []

    def enqueue(self, *args):
        self.pending.append(args)

    def drain(self):
        while self.pending:
            self.func(*self.pending.pop(0))


QUEUES: list[_Queue] = []


def _drain() -> None:
    for queue in QUEUES:
        queue.drain()


@pytest.fixture
def immediate(settings, tmp_path, monkeypatch):
    from tepat.registry import importing

    settings.IMPORT_DIR = tmp_path / "imports"
    settings.IMPORT_DIR.mkdir()
    QUEUES[:] = [_Queue(lambda b, f, p: importing.run_import(b, Path(f), p and Path(p))),
                 _Queue(importing.write_confirmed)]
    monkeypatch.setattr(importing, "import_task", QUEUES[0])
    monkeypatch.setattr(importing, "write_task", QUEUES[1])


@pytest.fixture(scope="module")
def data() -> synth.SynthData:
    return synth.generate(120, 5, source="p3ke")


def _files(data: synth.SynthData, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return synth.write(data, folder, "csv")[:2]


def _moved(data: synth.SynthData) -> synth.SynthData:
    """Every member of the first family moves into the second one."""
    first, second = data.families[FID][0], data.families[FID][1]
    persons = data.persons.with_columns(
        pl.when(pl.col(FID) == first).then(pl.lit(second)).otherwise(pl.col(FID)).alias(FID))
    return dataclasses.replace(data, persons=persons)


def _upload(client, paths: list[Path]) -> SourceBatch:
    response = client.post(reverse("import_new"), {
        "source": "p3ke", "period": "2024-09",
        "family_file": SimpleUploadedFile("keluarga.csv", paths[0].read_bytes()),
        "person_file": SimpleUploadedFile("individu.csv", paths[1].read_bytes()),
    })
    assert response.status_code == 302
    _drain()
    return SourceBatch.objects.order_by("-pk").first()


def test_upload_shows_the_change_set_then_confirm_writes_it(
    client_for, immediate, data, tmp_path
):
    import_files(*_files(data, tmp_path / "one"), source="p3ke")
    client = client_for("admin")
    batch = _upload(client, _files(_moved(data), tmp_path / "two"))
    assert batch.status == BatchStatus.AWAITING, batch.message
    moved = batch.changeset["persons"]["moved"]
    assert moved > 0 and not FamilyEdition.objects.filter(batch=batch).exists()

    html = client.get(reverse("import_detail", args=[batch.pk])).content.decode()
    for text in ("Menunggu konfirmasi", "Pindah keluarga", "Keluarga tanpa anggota",
                 reverse("import_confirm", args=[batch.pk]),
                 reverse("import_cancel", args=[batch.pk]),
                 reverse("import_changes", args=[batch.pk, "xlsx"])):
        assert text in html, text
    nik = data.persons["nik"].drop_nulls()[0]
    assert nik not in html  # examples show masked numbers only
    listing = client.get(reverse("import_changes", args=[batch.pk, "csv"]))
    body = b"".join(listing.streaming_content).decode("utf-8-sig")
    assert "persons_moved" in body and "families_emptied" in body and nik not in body

    response = client.post(reverse("import_confirm", args=[batch.pk]))
    _drain()
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.message
    folder = Path(settings.IMPORT_DIR) / str(batch.pk)  # the checked rows are gone once written
    assert not list(folder.glob("*.parquet"))
    first = Family.objects.get(source_family_id=data.families[FID][0])
    assert "FAMILY_NO_MEMBERS" in first.flag_list
    assert AuditEvent.objects.filter(action="registry.batch.confirmed",
                                     object_id=str(batch.pk)).exists()


def test_cancel_writes_nothing_and_is_audited(client_for, immediate, data, tmp_path):
    client = client_for("admin")
    batch = _upload(client, _files(data, tmp_path / "one"))
    assert batch.status == BatchStatus.AWAITING
    client.post(reverse("import_cancel", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert Family.objects.count() == 0 and Person.objects.count() == 0
    assert AuditEvent.objects.filter(action="registry.batch.cancelled",
                                     object_id=str(batch.pk)).exists()
    client.post(reverse("import_confirm", args=[batch.pk]))  # too late: refused
    _drain()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and Family.objects.count() == 0


def test_above_a_threshold_the_confirmation_needs_a_reason_and_the_checkbox(
    client_for, immediate, data, tmp_path, settings
):
    settings.TEPAT_IMPORT_CONFIRM_MOVED_SHARE = 0.001
    import_files(*_files(data, tmp_path / "one"), source="p3ke")
    client = client_for("admin")
    batch = _upload(client, _files(_moved(data), tmp_path / "two"))
    html = client.get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert 'name="reason"' in html and 'name="agree"' in html
    assert "jiwa pindah keluarga" in html

    page = client.post(reverse("import_confirm", args=[batch.pk]), {"reason": "ok"}, follow=True)
    _drain()
    assert "perlu konfirmasi dengan alasan" in page.content.decode()
    client.post(reverse("import_confirm", args=[batch.pk]),
                {"reason": "pindah KK sesuai data Dukcapil"})  # no checkbox
    _drain()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.AWAITING

    client.post(reverse("import_confirm", args=[batch.pk]),
                {"reason": "pindah KK sesuai data Dukcapil", "agree": "1"})
    _drain()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.message
    event = AuditEvent.objects.get(action="registry.batch.confirmed", object_id=str(batch.pk))
    assert event.data["reason"] == "pindah KK sesuai data Dukcapil"
    assert event.data["crossed"] == ["moved_share"]


def test_an_import_landing_between_preview_and_confirm_rebuilds_the_change_set(
    client_for, immediate, data, tmp_path
):
    import_files(*_files(data, tmp_path / "one"), source="p3ke")
    client = client_for("admin")
    batch = _upload(client, _files(_moved(data), tmp_path / "two"))
    confirmed_before = batch.changeset
    # Meanwhile another edition lands: the same moves, already written.
    other = import_files(*_files(_moved(data), tmp_path / "three"), source="p3ke",
                         reason="impor lain lebih dulu")
    assert other.status == BatchStatus.DONE, other.message

    client.post(reverse("import_confirm", args=[batch.pk]))
    _drain()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.AWAITING  # asked again, nothing written
    assert "Registri berubah" in batch.message
    assert not FamilyEdition.objects.filter(batch=batch).exists()
    assert batch.changeset["persons"]["moved"] == 0 < confirmed_before["persons"]["moved"]
    assert batch.changeset["fingerprint"] != confirmed_before["fingerprint"]

    client.post(reverse("import_confirm", args=[batch.pk]))
    _drain()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.message
    assert FamilyEdition.objects.filter(batch=batch).count() == data.families.height


def test_absent_records_are_marked_filterable_and_counted_apart(
    client_for, immediate, data, tmp_path
):
    import_files(*_files(data, tmp_path / "one"), source="p3ke")
    per_desa = data.families.group_by("kode_kemdagri").agg(pl.col(FID)).filter(
        pl.col(FID).list.len() >= 2).sort("kode_kemdagri")
    dropped = per_desa[0, FID][0]
    smaller = dataclasses.replace(
        data, families=data.families.filter(pl.col(FID) != dropped),
        persons=data.persons.filter(pl.col(FID) != dropped))
    batch = import_files(*_files(smaller, tmp_path / "two"), source="p3ke")
    assert batch.status == BatchStatus.DONE, batch.message
    family = Family.objects.get(source_family_id=dropped)
    assert family.absent_since_id == batch.pk
    client = client_for("admin")
    badge = f"tidak ada di edisi terbaru (impor #{batch.pk})"

    only_absent = client.get(reverse("families") + "?edisi=tidak_ada").content.decode()
    assert reverse("family_detail", args=[family.pk]) in only_absent and badge in only_absent
    assert "1 keluarga" in only_absent
    current = client.get(reverse("families") + "?edisi=ada").content.decode()
    assert reverse("family_detail", args=[family.pk]) + '"' not in current
    assert badge in client.get(reverse("family_detail", args=[family.pk])).content.decode()

    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "tidak ada di edisi terbaru (tidak dihitung di atas)" in dashboard
    members = data.persons.filter(pl.col(FID) == dropped).height
    assert f'<span class="stat-value">{members}</span>' in dashboard
