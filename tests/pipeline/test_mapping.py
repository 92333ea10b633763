"""Column mapping: a file whose headers Tepat does not know, read through {field: header}."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import (
    CHILD_2,
    DESA,
    HEAD_1,
    HEAD_2,
    KK_1,
    KK_2,
    TODAY,
    WIFE_1,
    write_csv,
    write_xlsx,
)

from tepat.pipeline import ReadError
from tepat.pipeline.mapping import (
    apply_mapping,
    check_mapping,
    suggest_mapping,
    targets,
    validate_mapped,
)
from tepat.pipeline.readers import read_sheet

HEADERS = ["No", "Nomor Kartu Keluarga", "Nama Anggota", "NIK Anggota", "Hub. Keluarga", "L/P",
           "Tgl Lahir", "Kode Desa", "Desil", "Catatan"]
ROWS = [
    [1, KK_1, "SUTRISNO", HEAD_1, "Kepala Keluarga", "L", "01/03/1975", DESA, "1", ""],
    [2, KK_1, "SUMIATI", WIFE_1, "Istri", "P", "12/07/1978", DESA, "1", "pindahan"],
    [3, KK_2, "MISNATI", HEAD_2, "Kepala Keluarga", "P", "20/01/1980", DESA, "2", ""],
    [4, KK_2, "AHMAD", CHILD_2, "Anak", "L", "05/11/2010", DESA, "2", ""],
]
MAPPING = {
    "source_family_id": "Nomor Kartu Keluarga",
    "no_kk": "Nomor Kartu Keluarga",
    "kode_kemdagri": "Kode Desa",
    "desil": "Desil",
    "nama": "Nama Anggota",
    "nik": "NIK Anggota",
    "hubungan": "Hub. Keluarga",
    "jenis_kelamin": "L/P",
    "tanggal_lahir": "Tgl Lahir",
}


@pytest.fixture
def lokal(tmp_path: Path) -> Path:
    """A one-sheet list in the regency's own shape: title block, own labels, a JUMLAH row."""
    return write_xlsx(tmp_path / "daftar_lokal.xlsx",
                      [HEADERS, *ROWS, ["JUMLAH", None, None, None, None, None, None, None, None]],
                      above=[["DAFTAR KELUARGA MISKIN EKSTREM DESA MALESANWETAN"], []],
                      start_row=2)


def test_an_unknown_header_row_is_found_below_the_title_block(lokal, tmp_path):
    raw = read_sheet(lokal, guess_header=True)
    assert raw.headers == HEADERS and raw.header_row == 3 and raw.height == 4
    assert [r.reason for r in raw.removed_rows] == ["total"]
    unknown = [["Kolom satu", "Kolom dua", "Kolom tiga"], ["a", "b", "c"], ["d", "e", "f"]]
    path = write_xlsx(tmp_path / "asing.xlsx", unknown, above=[["JUDUL"]], start_row=2)
    with pytest.raises(ReadError):
        read_sheet(path)
    guessed = read_sheet(path, guess_header=True)
    assert guessed.headers == unknown[0] and guessed.header_row == 3 and guessed.height == 2
    text = write_csv(tmp_path / "asing.csv", [["JUDUL"], [], *unknown])
    assert read_sheet(text, guess_header=True).headers == unknown[0]


def test_suggestions_come_from_the_headers_and_the_values(lokal, tmp_path):
    raw = read_sheet(lokal, guess_header=True)
    assert suggest_mapping(raw, "local") == MAPPING
    # headers that say nothing: the values alone suggest NIK, desa code, date, sex, hubungan,
    # desil (at least three values of 1-10: only 1 and 2 would rather be a sex code)
    blind = write_csv(tmp_path / "x.csv", [["a", "b", "c", "d", "e", "f"],
                                          *[[r[3], r[7], r[6], r[5], r[4], d]
                                            for r, d in zip(ROWS, "1342", strict=True)]])
    suggested = suggest_mapping(read_sheet(blind, guess_header=True), "local")
    assert suggested == {"kode_kemdagri": "b", "desil": "f", "nik": "a", "jenis_kelamin": "d",
                         "tanggal_lahir": "c", "hubungan": "e"}


def test_a_one_sheet_list_imports_as_families_and_persons_with_made_person_ids(lokal):
    validated = validate_mapped(lokal, None, "local", MAPPING, today=TODAY)
    assert validated.error_count == 0, [e.message_en for e in validated.errors]
    families = validated.families.sort("source_family_id")
    assert families["source_family_id"].to_list() == sorted([KK_1, KK_2])
    assert families["desa_code"].to_list() == [DESA, DESA]
    heads = dict(zip(families["source_family_id"], families["kepala_keluarga"], strict=True))
    assert heads == {KK_1: "SUTRISNO", KK_2: "MISNATI"}
    persons = validated.persons
    assert persons["source_person_id"].to_list() == [f"{KK_1}-1", f"{KK_1}-2", f"{KK_2}-1",
                                                     f"{KK_2}-2"]
    assert persons["hubungan"].to_list() == ["1", "2", "1", "3"]
    notes = " ".join(validated.notes)
    assert "Catatan, No" in notes or "No, Catatan" in notes  # the unmapped columns are named
    assert "ID setiap individu dibuat" in notes
    # the same file again gives the same IDs and hashes (re-importing adds nothing)
    again = validate_mapped(lokal, None, "local", MAPPING, today=TODAY)
    assert again.persons["row_hash"].to_list() == persons["row_hash"].to_list()


def test_a_list_of_families_only_has_no_persons(tmp_path):
    path = write_csv(tmp_path / "kk.csv", [["KK", "Kepala", "Desa"],
                                           [KK_1, "SUTRISNO", DESA], [KK_2, "MISNATI", DESA]])
    mapping = {"source_family_id": "KK", "no_kk": "KK", "kepala_keluarga": "Kepala",
               "kode_kemdagri": "Desa"}
    validated = validate_mapped(path, None, "local", mapping, today=TODAY)
    assert validated.error_count == 0
    assert validated.families.height == 2 and validated.persons.height == 0
    assert validated.families["desil"].null_count() == 2  # desil is optional: stored as null


def test_a_mapped_column_missing_from_the_file_is_a_clear_error(lokal):
    raw = read_sheet(lokal, guess_header=True)
    with pytest.raises(ReadError) as caught:
        apply_mapping(raw, {**MAPPING, "kode_kemdagri": "Kode Wilayah"}, "local")
    error = caught.value
    assert error.code == "MAPPING_COLUMN_MISSING"
    assert "daftar_lokal.xlsx" in error.message_id and "'Kode Wilayah'" in error.message_id
    assert "Kode Desa" in error.message_en  # the columns the file has
    # an optional field's absent column is only a note
    table = apply_mapping(raw, {**MAPPING, "alamat": "Alamat"}, "local")
    assert any(n.code == "NOTE_MAPPED_ABSENT" for n in table.notes)


def test_an_error_in_a_mapped_cell_names_the_row(lokal, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][7] = "99.99.99.9999"
    path = write_xlsx(tmp_path / "salah.xlsx", [HEADERS, *rows])
    validated = validate_mapped(path, None, "local", MAPPING, today=TODAY)
    assert validated.error_count >= 1
    error = next(e for e in validated.errors if e.code == "DESA_UNKNOWN")
    assert error.row == 4 and error.file == "salah.xlsx"


def test_check_mapping_names_what_is_missing():
    assert check_mapping(MAPPING, "local") == []
    problems = " ".join(check_mapping({"nik": "NIK"}, "local"))
    assert "kunci keluarga" in problems and "kode desa" in problems and "nama" in problems
    assert "tidak dikenal" in " ".join(check_mapping({**MAPPING, "gaji": "Gaji"}, "local"))


@pytest.mark.parametrize("source", ["p3ke", "dtsen", "dtks", "local"])
def test_every_source_offers_its_fields_once(source):
    fields = [t.field for t in targets(source)]
    assert len(fields) == len(set(fields))
    assert {"source_family_id", "kode_kemdagri", "nik"} <= set(fields)


def test_a_per_person_list_gives_the_family_its_heads_programme_flags(tmp_path):
    rows = [[*r[:9], pbi] for r, pbi in zip(ROWS, ["Ya", "Tidak", "Tidak", "Ya"], strict=True)]
    path = write_xlsx(tmp_path / "pbi.xlsx", [[*HEADERS[:9], "PBI JK"], *rows])
    validated = validate_mapped(path, None, "local", {**MAPPING, "penerima_pbi_jk": "PBI JK"},
                                today=TODAY)
    assert validated.error_count == 0
    families = dict(validated.families.select("source_family_id", "penerima_pbi_jk").iter_rows())
    assert families == {KK_1: "1", KK_2: "0"}  # the heads' values (1 = ya, 0 = tidak)
    assert validated.persons["penerima_pbi_jk"].to_list() == ["1", "0", "0", "1"]
