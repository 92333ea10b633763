"""Import pages (admin kabupaten only). The service layer (tepat.registry.importing) is replaced
by a stand-in here; its own tests live with it. The browser test of a real import is the lead's
(see test_browser.py)."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tepat.registry.models import BatchStatus, SourceBatch


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.IMPORT_DIR.mkdir()
    return settings.IMPORT_DIR


@pytest.fixture
def started(monkeypatch, users):
    """Replaces start_import; records its keyword arguments and returns a queued batch."""
    calls = []

    def fake_start_import(*, user, source, period, family_file, person_file):
        calls.append({"user": user, "source": source, "period": period,
                      "family": family_file.name, "person": person_file and person_file.name})
        return SourceBatch.objects.create(source=source, period=period, imported_by=user,
                                          family_file_name=family_file.name)

    monkeypatch.setattr("tepat.web.views.imports.start_import", fake_start_import)
    return calls


def _csv(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"id_keluarga_p3ke,nik\n1,x\n", content_type="text/csv")


def test_the_admin_uploads_two_files_and_follows_the_batch(client_for, started, import_dir):
    response = client_for("admin").post(reverse("import_new"), {
        "source": "p3ke", "period": "2024-03",
        "family_file": _csv("keluarga.csv"), "person_file": _csv("individu.csv"),
    })
    batch = SourceBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    assert started == [{"user": batch.imported_by, "source": "p3ke", "period": "2024-03",
                        "family": "keluarga.csv", "person": "individu.csv"}]


def test_one_combined_file_is_enough(client_for, started, import_dir):
    client_for("admin").post(reverse("import_new"), {
        "source": "dtsen", "period": "2025Q2", "family_file": _csv("gabungan.csv"),
    })
    assert started[0]["person"] is None


def test_the_form_refuses_other_file_types(client_for, started, import_dir):
    response = client_for("admin").post(reverse("import_new"), {
        "source": "p3ke", "period": "2024-03", "family_file": _csv("keluarga.pdf"),
    })
    assert response.status_code == 200
    assert "Jenis berkas tidak didukung" in response.content.decode()
    assert started == []


def test_a_running_batch_shows_a_progress_bar_that_polls(client_for, users, import_dir):
    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.RUNNING,
                                       family_file_name="keluarga.csv", imported_by=users.admin)
    (import_dir / str(batch.pk)).mkdir()
    (import_dir / str(batch.pk) / "progress.json").write_text(
        json.dumps({"progress": 42, "label": "Menyimpan keluarga / saving families"}))
    client = client_for("admin")
    response = client.get(reverse("import_detail", args=[batch.pk]))
    html = response.content.decode()
    assert '<progress max="100" value="42">' in html
    assert f'data-url="{reverse("import_progress", args=[batch.pk])}"' in html
    assert '<script nonce="' in html
    assert response["Cache-Control"] == "no-store"
    progress = client.get(reverse("import_progress", args=[batch.pk])).json()
    assert progress == {"status": "running", "status_label": "Berjalan",
                        "progress": 42, "label": "Menyimpan keluarga"}  # one language (i19 §8)


def test_a_done_batch_shows_counts_in_both_units_and_flag_meanings(client_for, users, import_dir):
    batch = SourceBatch.objects.create(
        source="p3ke", period="2024-03", status=BatchStatus.DONE, imported_by=users.admin,
        families_total=120, persons_total=410, families_added=100, families_changed=15,
        families_unchanged=5, persons_added=390, persons_changed=12, persons_unchanged=8,
        flag_counts={"keluarga": {"KK_LENGTH": 2}, "individu": {"NIK_DUPLICATE": 7}},
        notes=["Berkas a.csv: 3 baris kosong dilewati. / File a.csv: 3 blank rows were skipped."],
        timings={"read": 1.25, "write": 3.5},
    )
    html = client_for("admin").get(reverse("import_detail", args=[batch.pk])).content.decode()
    for text in ("Selesai", "Baru", ">100<", ">390<", ">15<", ">12<", "(keluarga)", "(jiwa)",
                 "NIK yang sama tercatat lebih dari sekali dalam impor ini",
                 "No. KK harus 16 angka", "3 baris kosong dilewati", "detik", "7 jiwa",
                 "2 keluarga", "Membaca berkas", "Menyimpan ke registri"):
        assert text in html, text
    for raw in ("NIK_DUPLICATE</span>", "/ File a.csv", ">read<", ">write<"):  # issue 19 §8
        assert raw not in html, raw
    assert "<script" not in html.split("</footer>")[1]  # no polling once finished


def _rejected(users, import_dir, rows: int = 60) -> SourceBatch:
    """A rejected batch with the pipeline's own error report (xlsx + csv)."""
    from tepat.pipeline.errors import RowError
    from tepat.pipeline.report import write_error_report

    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.REJECTED,
                                       imported_by=users.admin, error_count=rows,
                                       message="60 kesalahan: berkas ditolak, data tidak berubah")
    errors = [RowError.make("DESA_UNKNOWN", file="keluarga.csv", row=i + 2,
                            column="kode_kemdagri", value=f"99.99.99.{i:04d}")
              for i in range(rows)]
    xlsx, _csv = write_error_report(errors, import_dir / str(batch.pk), "laporan_kesalahan")
    batch.error_report = str(xlsx)
    batch.save()
    return batch


def test_a_rejected_batch_lists_the_first_50_errors_and_links_the_reports(
    client_for, users, import_dir
):
    batch = _rejected(users, import_dir)
    response = client_for("admin").get(reverse("import_detail", args=[batch.pk]))
    html = unescape(response.content.decode())
    assert "baris 51 kolom kode_kemdagri: kode desa '99.99.99.0049'" in html
    assert "99.99.99.0050" not in html  # the first 50 only
    assert reverse("import_errors", args=[batch.pk, "xlsx"]) in html
    assert reverse("import_errors", args=[batch.pk, "csv"]) in html
    assert "berkas ditolak" in html


def test_errors_are_shown_in_the_chosen_language(client_for, users, import_dir):
    batch = _rejected(users, import_dir)
    client = client_for("admin")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = unescape(client.get(reverse("import_detail", args=[batch.pk])).content.decode())
    assert "row 2 column kode_kemdagri: the desa code '99.99.99.0000' is not in" in html


def test_the_workbook_alone_is_enough_to_list_the_errors(client_for, users, import_dir):
    batch = _rejected(users, import_dir, rows=3)
    (import_dir / str(batch.pk) / "laporan_kesalahan.csv").unlink()
    html = client_for("admin").get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert "99.99.99.0002" in html
    assert reverse("import_errors", args=[batch.pk, "csv"]) not in html


def test_the_admin_downloads_the_error_report(client_for, users, import_dir):
    batch = _rejected(users, import_dir)
    response = client_for("admin").get(reverse("import_errors", args=[batch.pk, "csv"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"99.99.99.0059" in b"".join(response.streaming_content)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("persona", ["operator_kecamatan", "opd", "pimpinan"])
def test_only_the_admin_downloads_error_reports(client_for, users, import_dir, persona):
    batch = _rejected(users, import_dir)
    response = client_for(persona).get(reverse("import_errors", args=[batch.pk, "csv"]))
    assert response.status_code == 403


def test_a_report_outside_the_import_folder_is_not_served(client_for, users, import_dir, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("x")
    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.REJECTED,
                                       error_report=str(outside))
    response = client_for("admin").get(reverse("import_errors", args=[batch.pk, "csv"]))
    assert response.status_code == 404


def test_an_unknown_report_format_is_not_found(client_for, users, import_dir):
    batch = _rejected(users, import_dir)
    assert client_for("admin").get(f"/impor/{batch.pk}/kesalahan.txt").status_code == 404


def test_the_import_list_shows_batches(client_for, users, import_dir):
    SourceBatch.objects.create(
        source="dtsen", period="2025Q2", family_file_name="dtsen_kel.xlsx",
        status=BatchStatus.DONE, families_total=1234, imported_by=users.admin,
    )
    html = client_for("admin").get(reverse("import_list")).content.decode()
    assert "dtsen_kel.xlsx" in html and "2025Q2" in html and "1.234" in html


def test_the_change_rows_split_the_added_persons_into_known_and_new():
    from tepat.web.imports import change_rows

    known = [{"id": "I2", "name": "Rizal", "nik": "3513********0006", "desa": "35.13.01.2001",
              "known_family": "P0001", "known_source": "p3ke"}]
    batch = SourceBatch(changeset={
        "families": {"added": 0}, "persons": {"added": 3},
        "linked": {"checked": True, "known": 2, "new": 1},
        "examples": {"persons_known": known}})
    rows = change_rows(batch)
    assert [r.persons for r in rows[:3]] == [3, 2, 1]
    assert rows[1].person_examples == known and rows[2].person_examples == []
    batch.changeset["linked"] = {"checked": False, "known": None, "new": None}
    assert change_rows(batch)[1].persons is None
