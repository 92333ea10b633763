"""The import page's column mapping step: a "lokal" list or a file whose headers are unknown is
mapped (first rows masked, suggestions, templates), previewed without writing, then imported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tepat.audit.models import AuditEvent
from tepat.registry.importing import run_import, write_confirmed
from tepat.registry.models import BatchStatus, Family, MappingTemplate, Person, SourceBatch

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))
from pipeline_helpers import CHILD_2, DESA, HEAD_1, HEAD_2, KK_1, KK_2, WIFE_1  # noqa: E402

CSV = "\n".join([
    "DAFTAR KELUARGA MISKIN DESA",
    "",
    "No,Nomor KK,Nama Anggota,NIK Anggota,Hubungan,L/P,Tgl Lahir,Kode Desa",
    f"1,{KK_1},SUTRISNO,{HEAD_1},Kepala Keluarga,L,01/03/1975,{DESA}",
    f"2,{KK_1},SUMIATI,{WIFE_1},Istri,P,12/07/1978,{DESA}",
    f"3,{KK_2},MISNATI,{HEAD_2},Kepala Keluarga,P,20/01/1980,{DESA}",
    f"4,{KK_2},AHMAD,{CHILD_2},Anak,L,05/11/2010,{DESA}",
]).encode()


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.IMPORT_DIR.mkdir()
    return settings.IMPORT_DIR


WRITES: list[int] = []


@pytest.fixture
def queued(monkeypatch):
    """import_task.enqueue stand-in: runs the import at once, in this process."""
    calls = []

    class Now:
        @staticmethod
        def enqueue(batch_id, family, person):
            calls.append(batch_id)
            run_import(batch_id, Path(family), Path(person) if person else None)

    class WriteNow:  # runs after the confirming request, as the worker would
        @staticmethod
        def enqueue(batch_id):
            WRITES.append(batch_id)

    monkeypatch.setattr("tepat.registry.mappings.import_task", Now)
    monkeypatch.setattr("tepat.registry.importing.write_task", WriteNow)
    return calls


def _confirmed(client, batch):
    """The import waits for its change set to be confirmed (issue 17 §4): confirm it."""
    batch.refresh_from_db()
    assert batch.status == BatchStatus.AWAITING, batch.message
    client.post(reverse("import_confirm", args=[batch.pk]))
    while WRITES:
        write_confirmed(WRITES.pop(0))
    batch.refresh_from_db()
    return batch


def _upload(client, source="local", **extra):
    return client.post(reverse("import_new"), {
        "source": source, "period": "2025-01",
        "family_file": SimpleUploadedFile("daftar desa.csv", CSV, content_type="text/csv"),
        **extra,
    })


def _fields(response) -> dict[str, str]:
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_a_lokal_list_goes_through_mapping_preview_and_import(
    client_for, regions, import_dir, queued
):
    client = client_for("admin")
    response = _upload(client)
    assert response.status_code == 302 and "/impor/pemetaan/" in response["Location"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    for number in (KK_1, HEAD_1, WIFE_1):  # the first rows are shown masked
        assert number not in html
    assert "SUTRISNO" in html
    fields = _fields(page)
    assert fields["f_nik"] == "NIK Anggota" and fields["f_kode_kemdagri"] == "Kode Desa"
    assert fields["f_source_family_id"] == "Nomor KK"  # the No KK as the family key

    preview = client.post(response["Location"], {**fields, "action": "preview"})
    text = preview.content.decode()
    assert preview.context["preview"].validated.error_count == 0
    assert "Pratinjau pemeriksaan" in text and 'value="import"' in text
    assert not Family.objects.exists() and not SourceBatch.objects.exists()  # nothing written
    assert HEAD_1 not in text

    done = client.post(response["Location"], {**fields, "template_name": "desa-a",
                                              "action": "import"})
    batch = SourceBatch.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("import_detail",
                                                                  args=[batch.pk])
    assert _confirmed(client, batch).status == BatchStatus.DONE, batch.message
    assert batch.mapping_template == MappingTemplate.objects.get(name="desa-a")
    assert Family.objects.filter(source="local").count() == 2
    assert Person.objects.filter(source="local").count() == 4
    assert AuditEvent.objects.filter(action="registry.mapping.created").count() == 1
    # the staged upload is gone: its link no longer works
    assert client.get(response["Location"]).status_code == 404


def test_a_preview_with_errors_shows_them_per_row_and_offers_no_import(
    client_for, regions, import_dir
):
    client = client_for("admin")
    location = _upload(client)["Location"]
    fields = _fields(client.get(location))
    fields["f_kode_kemdagri"] = "No"  # a wrong column: 1, 3 are no desa codes
    preview = client.post(location, {**fields, "action": "preview"})
    result = preview.context["preview"]
    assert result.validated.error_count == 2  # one per family (its first row)
    assert result.rows[0].row == 4 and result.rows[0].errors
    assert 'value="import"' not in preview.content.decode()


def test_a_mapping_without_what_is_required_is_refused(client_for, regions, import_dir):
    client = client_for("admin")
    location = _upload(client)["Location"]
    fields = {k: "" for k in _fields(client.get(location))}
    response = client.post(location, {**fields, "f_nik": "NIK Anggota", "action": "import"})
    assert response.status_code == 200
    assert "kode desa" in response.content.decode()
    assert not SourceBatch.objects.exists()


def test_a_saved_template_fills_the_form(client_for, regions, import_dir):
    client = client_for("admin")
    location = _upload(client)["Location"]
    fields = _fields(client.get(location))
    client.post(location, {**fields, "template_name": "desa-b", "action": "save"})
    template = MappingTemplate.objects.get(name="desa-b")
    page = client.get(location + f"?templat={template.pk}")
    assert _fields(page)["f_nik"] == "NIK Anggota"
    assert "desa-b" in page.content.decode()


def test_unknown_headers_of_a_p3ke_upload_lead_to_the_mapping_step(
    client_for, regions, import_dir, users
):
    """The import is rejected (no header found); its page offers the mapping of its files."""
    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.QUEUED,
                                       family_file_name="daftar.csv", imported_by=users.admin)
    folder = import_dir / str(batch.pk)
    folder.mkdir()
    (folder / "daftar.csv").write_bytes(CSV.replace(b"Kode Desa", b"Wilayah")
                                        .replace(b"Nomor KK", b"Kartu"))
    run_import(batch.pk, folder / "daftar.csv", None)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED and "Kesalahan sistem" not in batch.message
    client = client_for("admin")
    detail = client.get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert reverse("import_remap", args=[batch.pk]) in detail
    remap = client.post(reverse("import_remap", args=[batch.pk]))
    assert remap.status_code == 302
    page = client.get(remap["Location"])
    assert page.status_code == 200 and "Wilayah" in page.content.decode()


def test_the_map_columns_box_sends_any_source_to_the_mapping_step(client_for, regions,
                                                                  import_dir):
    response = _upload(client_for("admin"), source="dtks", map_columns="on")
    assert response.status_code == 302 and "/impor/pemetaan/" in response["Location"]


def test_a_bad_token_is_404(client_for, regions, import_dir):
    client = client_for("admin")
    assert client.get(reverse("import_mapping", args=["0" * 32])).status_code == 404
    assert client.get("/impor/pemetaan/..%2F..%2Fetc/").status_code == 404


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa", "pimpinan"])
def test_only_the_admin_kabupaten_maps_columns(client_for, regions, import_dir, persona, users):
    """import_mapping and import_remap: the import role only (also in test_url_matrix)."""
    location = _upload(client_for("admin"))["Location"]
    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.REJECTED,
                                       family_file_name="x.csv", imported_by=users.admin)
    client = client_for(persona)
    assert client.get(location).status_code == 403
    assert client.post(reverse("import_remap", args=[batch.pk])).status_code == 403


def test_a_pair_with_unknown_headers_offers_the_columns_of_both_files(
    client_for, regions, import_dir, queued
):
    """A DTKS pair whose headers were renamed: the person file's columns are offered too, the
    suggestions cover both files, and the pair imports."""
    family = "\n".join([
        "IDDTKS_RT,WILAYAH,NO_KK,NAMA KRT",
        f"R1,{DESA},{KK_1},SUTRISNO",
        f"R2,{DESA},{KK_2},MISNATI",
    ]).encode()
    person = "\n".join([
        "IDDTKS_RT,ID ART,NIK,NAMA,HUBUNGAN",
        f"R1,A1,{HEAD_1},SUTRISNO,Kepala Keluarga",
        f"R1,A2,{WIFE_1},SUMIATI,Istri",
        f"R2,A3,{HEAD_2},MISNATI,Kepala Keluarga",
    ]).encode()
    client = client_for("admin")
    location = client.post(reverse("import_new"), {
        "source": "dtks", "period": "2025-01", "map_columns": "on",
        "family_file": SimpleUploadedFile("rt.csv", family, content_type="text/csv"),
        "person_file": SimpleUploadedFile("art.csv", person, content_type="text/csv"),
    })["Location"]
    page = client.get(location)
    choices = [value for value, _ in page.context["form"].fields["f_source_person_id"].choices]
    assert "ID ART" in choices and "WILAYAH" in choices
    fields = {**_fields(page), "f_source_family_id": "IDDTKS_RT", "f_kode_kemdagri": "WILAYAH",
              "f_source_person_id": "ID ART", "f_kepala_keluarga": "NAMA KRT"}
    assert fields["f_nik"] == "NIK" and fields["f_hubungan"] == "HUBUNGAN"
    preview = client.post(location, {**fields, "action": "preview"}).context["preview"]
    assert preview.error_count == 0, preview.first_errors()
    assert (preview.families, preview.persons) == (2, 3)
    client.post(location, {**fields, "action": "import"})
    assert _confirmed(client, SourceBatch.objects.get()).status == BatchStatus.DONE
    assert Person.objects.filter(source="dtks").count() == 3


def test_a_file_that_cannot_be_read_says_why_on_the_mapping_page(client_for, regions,
                                                                 import_dir):
    client = client_for("admin")
    location = client.post(reverse("import_new"), {
        "source": "local", "period": "2025-01",
        "family_file": SimpleUploadedFile("daftar.csv", b"%PDF-1.4 not a table",
                                          content_type="text/csv"),
    })["Location"]
    page = client.get(location)
    assert page.status_code == 200
    assert "daftar.csv" in page.content.decode() and "PDF" in page.content.decode()
    assert "form" not in page.context or page.context.get("form") is None
