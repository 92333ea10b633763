"""validate_files: errors that block an import, flags that do not, and the output frames."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import (
    CHILD_2,
    HEAD_1,
    KK_1,
    REGION6,
    TODAY,
    WIFE_1,
    as_table,
    family_rows,
    person_rows,
    write_csv,
    write_xlsx,
)

from tepat.core.identity import make_kk, make_nik
from tepat.core.layout import DTSEN_FAMILY, DTSEN_PERSON, P3KE_FAMILY, P3KE_PERSON
from tepat.pipeline import RowError, Validated, output_columns, validate_files


def run(
    tmp_path: Path,
    families: list[dict],
    persons: list[dict] | None = None,
    region_table=None,
    **options,
) -> Validated:
    family_path = write_xlsx(tmp_path / "p3ke_keluarga.xlsx", as_table(families))
    person_path = (
        write_xlsx(tmp_path / "p3ke_individu.xlsx", as_table(persons)) if persons else None
    )
    return validate_files(
        family_path, person_path, "p3ke", regions=region_table, today=TODAY, **options
    )


def errors_of(validated: Validated, code: str) -> list[RowError]:
    return [e for e in validated.errors if e.code == code]


def flags_of(frame: pl.DataFrame, id_column: str, ident: str) -> set[str]:
    value = frame.filter(pl.col(id_column) == ident).get_column("flags").item()
    return set(value.split(",")) - {""}


# ---------------------------------------------------------------------------------------------
# A clean batch


def test_a_clean_batch_has_no_errors_and_no_flags(clean_files, region_table):
    validated = validate_files(*clean_files, "p3ke", regions=region_table, today=TODAY)
    assert validated.ok and validated.errors == [] and validated.error_count == 0
    assert validated.flag_counts == {"keluarga": {}, "individu": {}}
    assert validated.families.height == 2 and validated.persons.height == 4
    assert set(validated.families["flags"]) == {""}
    assert set(validated.persons["flags"]) == {""}


def test_the_output_frames_have_the_canonical_columns_and_types(clean_files, region_table):
    validated = validate_files(*clean_files, "p3ke", regions=region_table, today=TODAY)
    assert validated.families.schema == pl.Schema(output_columns(P3KE_FAMILY))
    assert validated.persons.schema == pl.Schema(output_columns(P3KE_PERSON))
    assert "kecamatan" not in validated.families.columns  # region names come from the table
    assert "usia_7_12" not in validated.persons.columns  # folded into kelompok_usia


def test_values_are_converted_to_codes_dates_and_region_codes(clean_files, region_table):
    validated = validate_files(*clean_files, "p3ke", regions=region_table, today=TODAY)
    f1 = validated.families.row(0, named=True)
    assert f1["source_family_id"] == "F1"
    assert (f1["desa_code"], f1["kecamatan_code"]) == ("35.13.20.2001", "35.13.20")
    assert f1["desil"] == 1 and validated.families.schema["desil"] == pl.Int8
    assert f1["jenis_kelamin"] == "1" and f1["pekerjaan"] == "07" and f1["pendidikan"] == "3"
    assert f1["jenis_lantai"] == "8" and f1["sumber_penerangan"] == "1"
    assert f1["penerima_pkh"] == "1" and f1["penerima_bst"] == "0"
    assert f1["tanggal_lahir"] == date(1975, 3, 1)
    assert (f1["nik"], f1["no_kk"]) == (HEAD_1, KK_1)
    assert f1["source_row"] == 2 and f1["unknown_values"] == ""
    assert re.fullmatch(r"[0-9a-f]{32}", f1["row_hash"])
    f2 = validated.families.row(1, named=True)
    assert f2["tanggal_lahir"] == date(1980, 1, 20)  # written 20-01-1980


def test_persons_get_codes_age_band_and_their_familys_region(clean_files, region_table):
    validated = validate_files(*clean_files, "p3ke", regions=region_table, today=TODAY)
    persons = {row["source_person_id"]: row for row in validated.persons.iter_rows(named=True)}
    assert persons["P1"]["hubungan"] == "1" and persons["P2"]["hubungan"] == "2"
    assert persons["P2"]["tanggal_lahir"] == date(1978, 7, 22)  # written 22/07/1978
    assert persons["P1"]["kelompok_usia"] == 6 and persons["P4"]["kelompok_usia"] == 3
    assert persons["P4"]["source_family_id"] == "F2"
    assert persons["P4"]["desa_code"] == "35.13.20.2001"
    assert persons["P4"]["kecamatan_code"] == "35.13.20"
    assert [p["source_row"] for p in persons.values()] == [2, 3, 4, 5]


def test_row_hash_is_stable_and_changes_only_with_the_row(tmp_path, region_table):
    (tmp_path / "a").mkdir()
    first = run(tmp_path / "a", family_rows(), person_rows(), region_table)
    again = run(tmp_path / "a", family_rows(), person_rows(), region_table)
    assert first.families["row_hash"].to_list() == again.families["row_hash"].to_list()
    changed = family_rows()
    changed[1]["alamat"] = "Dusun Baru"
    (tmp_path / "b").mkdir()
    other = run(tmp_path / "b", changed, person_rows(), region_table)
    old, new = first.families["row_hash"].to_list(), other.families["row_hash"].to_list()
    assert old[0] == new[0] and old[1] != new[1]


def test_csv_and_xlsx_of_the_same_data_give_the_same_frames(tmp_path, region_table):
    xlsx = run(tmp_path, family_rows(), person_rows(), region_table)
    fam = write_csv(tmp_path / "k.csv", as_table(family_rows()), delimiter=";")
    per = write_csv(tmp_path / "i.csv", as_table(person_rows()))
    csv = validate_files(fam, per, "p3ke", regions=region_table, today=TODAY)
    assert csv.families.equals(xlsx.families) and csv.persons.equals(xlsx.persons)


def test_timings_hashes_and_counts_are_reported(clean_files, region_table):
    validated = validate_files(*clean_files, "p3ke", regions=region_table, today=TODAY)
    assert set(validated.timings) == {"read", "validate", "total"}
    assert all(v >= 0 for v in validated.timings.values())
    assert set(validated.file_hashes) == {"family", "person"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in validated.file_hashes.values())
    assert validated.file_names == {"family": "p3ke_keluarga.xlsx", "person": "p3ke_individu.xlsx"}
    assert validated.counts["families"] == 2 and validated.counts["persons"] == 4


# ---------------------------------------------------------------------------------------------
# Errors


def test_a_missing_required_column_is_an_error_naming_the_accepted_headers(tmp_path, region_table):
    families = [
        {k: v for k, v in row.items() if k != "desil_kesejahteraan"} for row in family_rows()
    ]
    validated = run(tmp_path, families, person_rows(), region_table)
    [error] = validated.errors
    assert error.code == "MISSING_COLUMN" and error.file == "p3ke_keluarga.xlsx"
    assert error.row == 1 and error.column == "desil_kesejahteraan"
    assert "'Desil Kesejahteraan'" in error.message_id and "desil_kesejahteraan" in error.message_en
    assert validated.families.height == 0 and validated.persons.height == 0


def test_an_empty_id_is_an_error_on_its_row(tmp_path, region_table):
    families = family_rows()
    families[1]["id_keluarga_p3ke"] = "   "
    validated = run(tmp_path, families, None, region_table)
    [error] = errors_of(validated, "ID_EMPTY")
    assert (error.file, error.row, error.column) == ("p3ke_keluarga.xlsx", 3, "id_keluarga_p3ke")


def test_a_duplicated_id_is_reported_on_every_occurrence(tmp_path, region_table):
    base = family_rows()[0]
    ids = ["D", "X1", "D", "X2", "X3", "D"]  # first, middle and last row
    families = [
        {
            **base,
            "id_keluarga_p3ke": i,
            "no_kk": make_kk(REGION6, date(2015, 1, 1), n),
            "nik": make_nik(REGION6, date(1975, 3, 1), "1", n),
        }
        for n, i in enumerate(ids, 1)
    ]
    validated = run(tmp_path, families, None, region_table)
    duplicates = errors_of(validated, "ID_DUPLICATE")
    assert [e.row for e in duplicates] == [2, 4, 7]
    assert all(e.column == "id_keluarga_p3ke" and e.value == "D" for e in duplicates)
    assert "muncul 3 kali" in duplicates[0].message_id and "2, 4, 7" in duplicates[0].message_id
    assert validated.error_count == 3


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("35.13.20.2999", "DESA_UNKNOWN"),
        ("3513209999", "DESA_UNKNOWN"),
        ("35.13.20", "DESA_INVALID"),
        ("Malesanwetan", "DESA_INVALID"),
        ("", "DESA_MISSING"),
    ],
)
def test_a_bad_desa_code_is_an_error(tmp_path, region_table, value, code):
    families = family_rows()
    families[0]["kode_kemdagri"] = value
    validated = run(tmp_path, families, None, region_table)
    [error] = validated.errors
    assert (error.code, error.row, error.column) == (code, 2, "kode_kemdagri")


def test_desa_codes_are_accepted_dotted_undotted_or_as_a_number(tmp_path, region_table):
    families = family_rows()
    families[0]["kode_kemdagri"] = 3513202001  # a numeric cell
    families[1]["kode_kemdagri"] = "3513202002"
    validated = run(tmp_path, families, None, region_table)
    assert validated.ok
    assert validated.families["desa_code"].to_list() == ["35.13.20.2001", "35.13.20.2002"]


def test_a_desa_outside_the_kabupaten_is_an_error_when_one_is_given(tmp_path, region_table):
    families = family_rows()
    families[1]["kode_kemdagri"] = "35.07.01.2001"  # Kabupaten Malang
    validated = run(tmp_path, families, None, region_table, kabupaten="35.13")
    [error] = validated.errors
    assert error.code == "DESA_OUTSIDE" and error.row == 3 and "35.13" in error.message_id


def test_a_person_whose_family_is_not_in_the_family_file_is_an_error(tmp_path, region_table):
    persons = person_rows()
    persons[2]["id_keluarga_p3ke"] = "F9"
    validated = run(tmp_path, family_rows(), persons, region_table)
    [error] = validated.errors
    assert error.code == "FAMILY_NOT_FOUND" and error.file == "p3ke_individu.xlsx"
    assert (error.row, error.column, error.value) == (4, "id_keluarga_p3ke", "F9")


def test_an_unknown_desil_is_an_error_with_the_expected_range(tmp_path, region_table):
    families = family_rows()
    families[0]["desil_kesejahteraan"] = "7"  # DTSEN has 10 deciles, P3KE only 4
    families[1]["desil_kesejahteraan"] = ""
    validated = run(tmp_path, families, None, region_table)
    [bad] = errors_of(validated, "DESIL_INVALID")
    assert bad.message_id.startswith(
        "Berkas p3ke_keluarga.xlsx baris 2 kolom desil_kesejahteraan: nilai '7' bukan desil "
        "yang dikenal (harus 1–4 untuk P3KE, 1–10 untuk DTSEN)"
    )
    assert "'7' is not a known decile" in bad.message_en
    [empty] = errors_of(validated, "REQUIRED_EMPTY")
    assert empty.row == 3 and empty.column == "desil_kesejahteraan"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","klik")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-A1+B1", " =1+1"],
)
def test_a_formula_in_any_cell_is_an_error(tmp_path, region_table, value):
    families = family_rows()
    families[1]["alamat"] = value
    validated = run(tmp_path, families, None, region_table)
    [error] = validated.errors
    assert (error.code, error.row, error.column) == ("FORMULA", 3, "alamat")
    assert "formula-injection" in error.message_id


@pytest.mark.parametrize("value", ["+62 812 3456 7890", "-5", "Jl. A=B", "email@desa.id"])
def test_text_that_only_looks_like_a_formula_elsewhere_is_fine(tmp_path, region_table, value):
    families = family_rows()
    families[1]["alamat"] = value
    assert run(tmp_path, families, None, region_table).ok


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("#N/A", "CELL_ERROR"),
        ("#REF!", "CELL_ERROR"),
        ("Kra\x01ksaan", "VALUE_UNREADABLE"),
        ("Kra\ufffdksaan", "VALUE_UNREADABLE"),
        ("x" * 1001, "VALUE_TOO_LONG"),
    ],
)
def test_unreadable_values_are_errors(tmp_path, region_table, value, code):
    families = family_rows()
    families[0]["kepala_keluarga"] = value
    path = write_csv(tmp_path / "k.csv", as_table(families))
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    [error] = validated.errors
    assert (error.code, error.row, error.column) == (code, 2, "kepala_keluarga")


def test_errors_are_capped_but_all_counted(tmp_path, region_table):
    families = [
        {**family_rows()[0], "id_keluarga_p3ke": f"F{i}", "kode_kemdagri": "x"} for i in range(25)
    ]
    validated = run(tmp_path, families, None, region_table, max_errors=10)
    assert len(validated.errors) == 10 and validated.error_count == 25


def test_no_error_message_or_value_shows_a_full_nik(tmp_path, region_table):
    persons = person_rows()
    persons[1]["id_individu"] = WIFE_1  # a NIK used as the person ID ...
    persons[2]["id_individu"] = WIFE_1  # ... twice
    persons[3]["nama"] = "=" + CHILD_2
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert {e.code for e in validated.errors} == {"ID_DUPLICATE", "FORMULA"}
    for error in validated.errors:
        for text in (error.value, error.message_id, error.message_en):
            assert not re.search(r"\d{13,}", text), text
    assert errors_of(validated, "ID_DUPLICATE")[0].value == WIFE_1[:4] + "********" + WIFE_1[-4:]


# ---------------------------------------------------------------------------------------------
# Data-quality flags


def test_nik_problems_from_identity_are_flags_on_the_right_row(tmp_path, region_table):
    persons = person_rows()
    persons[1]["nik"] = WIFE_1[:15]  # a digit lost
    persons[3]["tanggal_lahir"] = "2011-11-05"  # the NIK says 2010
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert validated.ok
    assert flags_of(validated.persons, "source_person_id", "P2") == {"NIK_LENGTH"}
    assert flags_of(validated.persons, "source_person_id", "P4") == {"NIK_BIRTHDATE_MISMATCH"}
    assert flags_of(validated.persons, "source_person_id", "P1") == set()
    assert validated.flag_counts["individu"] == {"NIK_LENGTH": 1, "NIK_BIRTHDATE_MISMATCH": 1}


def test_kk_problems_are_flags_on_the_family(tmp_path, region_table):
    families = family_rows()
    families[0]["no_kk"] = KK_1[:12] + "0000"
    validated = run(tmp_path, families, person_rows(), region_table)
    assert flags_of(validated.families, "source_family_id", "F1") == {"KK_SERIAL_ZERO"}


def test_the_same_nik_in_two_families_flags_every_person_involved(tmp_path, region_table):
    persons = person_rows()
    persons[3]["nik"] = WIFE_1  # the child of F2 carries the wife of F1's NIK
    persons[3]["tanggal_lahir"] = "1978-07-22"
    persons[3]["jenis_kelamin"] = "Perempuan"
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert flags_of(validated.persons, "source_person_id", "P2") == {"NIK_DUPLICATE"}
    assert flags_of(validated.persons, "source_person_id", "P4") == {"NIK_DUPLICATE"}
    assert validated.flag_counts["individu"] == {"NIK_DUPLICATE": 2}


def test_the_same_kk_on_two_families_is_flagged(tmp_path, region_table):
    families = family_rows()
    families[1]["no_kk"] = KK_1
    validated = run(tmp_path, families, person_rows(), region_table)
    assert validated.flag_counts["keluarga"] == {"KK_DUPLICATE": 2}


def test_a_missing_or_unreadable_birth_date_is_flagged_and_the_raw_value_kept(
    tmp_path, region_table
):
    persons = person_rows()
    persons[1]["tanggal_lahir"] = None
    persons[3]["tanggal_lahir"] = "31-02-2010"
    validated = run(tmp_path, family_rows(), persons, region_table)
    p2 = validated.persons.filter(pl.col("source_person_id") == "P2").row(0, named=True)
    p4 = validated.persons.filter(pl.col("source_person_id") == "P4").row(0, named=True)
    assert set(p2["flags"].split(",")) == {"BIRTHDATE_MISSING"} and p2["tanggal_lahir"] is None
    assert p4["flags"] == "BIRTHDATE_INVALID" and p4["tanggal_lahir"] is None
    assert json.loads(p4["unknown_values"]) == {"tanggal_lahir": "31-02-2010"}


def test_an_unknown_code_is_kept_raw_and_flagged(tmp_path, region_table):
    families = family_rows()
    families[0]["pekerjaan"] = 'Astronot "luar angkasa"'
    families[0]["jenis_atap"] = "Daun lontar"
    validated = run(tmp_path, families, person_rows(), region_table)
    f1 = validated.families.row(0, named=True)
    assert f1["flags"] == "CODE_UNKNOWN" and f1["pekerjaan"] is None and f1["jenis_atap"] is None
    assert json.loads(f1["unknown_values"]) == {
        "pekerjaan": 'Astronot "luar angkasa"',
        "jenis_atap": "Daun lontar",
    }
    assert validated.flag_counts["keluarga"] == {"CODE_UNKNOWN": 1}


def test_families_without_members_or_head_are_flagged(tmp_path, region_table):
    families = [
        *family_rows(),
        {
            **family_rows()[0],
            "id_keluarga_p3ke": "F3",
            "no_kk": make_kk(REGION6, date(2017, 1, 1), 20),
        },
    ]
    persons = person_rows()
    persons[2]["hubungan_dengan_kepala_keluarga"] = "Famili lain"  # F2 loses its head
    validated = run(tmp_path, families, persons, region_table)
    assert flags_of(validated.families, "source_family_id", "F2") == {"FAMILY_NO_HEAD"}
    assert "FAMILY_NO_MEMBERS" in flags_of(validated.families, "source_family_id", "F3")


def test_a_family_with_two_heads_is_flagged(tmp_path, region_table):
    persons = person_rows()
    persons[1]["hubungan_dengan_kepala_keluarga"] = "Kepala Keluarga"
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert flags_of(validated.families, "source_family_id", "F1") == {"FAMILY_MANY_HEADS"}


def test_a_head_nik_that_differs_from_the_head_members_nik_is_flagged(tmp_path, region_table):
    families = family_rows()
    families[0]["nik"] = make_nik(REGION6, date(1975, 3, 1), "1", 99)
    validated = run(tmp_path, families, person_rows(), region_table)
    assert flags_of(validated.families, "source_family_id", "F1") == {"FAMILY_HEAD_MISMATCH"}


def test_a_desa_name_that_is_not_the_codes_name_is_flagged(tmp_path, region_table):
    families = family_rows()
    families[0]["desa_kelurahan"] = "NGADISARI"  # the code is Malesanwetan's
    families[1]["desa_kelurahan"] = "Desa Malesan Wetan"  # spelling variants are fine
    validated = run(tmp_path, families, person_rows(), region_table)
    assert flags_of(validated.families, "source_family_id", "F1") == {"REGION_NAME_MISMATCH"}
    assert flags_of(validated.families, "source_family_id", "F2") == set()


def test_flags_are_sorted_comma_joined_codes(tmp_path, region_table):
    families = family_rows()
    families[0]["no_kk"] = KK_1
    families[1]["no_kk"] = KK_1
    families[1]["pekerjaan"] = "Astronot"
    families[1]["tanggal_lahir"] = "kemarin"
    validated = run(tmp_path, families, person_rows(), region_table)
    assert validated.families["flags"].to_list()[1] == (
        "BIRTHDATE_INVALID,CODE_UNKNOWN,KK_DUPLICATE"
    )


# ---------------------------------------------------------------------------------------------
# Excel-specific values


def test_a_nik_stored_as_a_number_keeps_its_digits_and_is_flagged(tmp_path, region_table):
    persons = person_rows()
    persons[1]["nik"] = int(WIFE_1)  # a numeric cell holding all 16 digits
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert validated.persons["nik"].to_list()[1] == WIFE_1  # kept as it is, never "repaired"
    # 16 digits in a number cell cannot be trusted (Excel keeps 15): flagged, never matched.
    assert validated.ok and validated.flag_counts["individu"] == {
        "NIK_STORED_AS_NUMBER": 1, "NIK_NUMBER_MANGLED": 1}
    assert validated.persons["flags"].to_list()[1] == "NIK_NUMBER_MANGLED,NIK_STORED_AS_NUMBER"


def test_a_nik_column_that_went_through_excels_15_digits_is_flagged(tmp_path, region_table):
    base = person_rows()[0]
    persons = []
    for n in range(25):
        nik = make_nik(REGION6, date(1975, 3, 1), "1", 101 + n)
        persons.append(
            {
                **base,
                "id_individu": f"P{n}",
                "nik": int(nik[:15] + "0"),
                "hubungan_dengan_kepala_keluarga": "Anak" if n else "Kepala Keluarga",
            }
        )
    validated = run(tmp_path, family_rows()[:1], persons, region_table)
    assert validated.flag_counts["individu"]["NIK_NUMBER_MANGLED"] == 25
    assert validated.flag_counts["individu"]["NIK_STORED_AS_NUMBER"] == 25
    assert any("25 sel tersimpan sebagai angka" in note for note in validated.notes)


def test_excel_dates_and_date_serials_are_read(tmp_path, region_table):
    persons = person_rows()
    persons[0]["tanggal_lahir"] = date(1975, 3, 1)  # a real date cell
    persons[1]["tanggal_lahir"] = "28318"  # the serial of 1977-07-12 as text
    persons[1]["nik"] = make_nik(REGION6, date(1977, 7, 12), "2", 2)
    persons[2]["tanggal_lahir"] = "1980-01-20 00:00:00"
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert validated.persons["tanggal_lahir"].to_list()[:3] == [
        date(1975, 3, 1),
        date(1977, 7, 12),
        date(1980, 1, 20),
    ]
    assert validated.flag_counts["individu"] == {}


# ---------------------------------------------------------------------------------------------
# One combined file (one row per person, the family's columns repeated)


def combined_rows() -> list[dict]:
    families = {row["id_keluarga_p3ke"]: row for row in family_rows()}
    person_only = {
        "nik",
        "jenis_kelamin",
        "tanggal_lahir",
        "pekerjaan",
        "pendidikan",
        "kepala_keluarga",
        "penerima_bpnt",
        "penerima_bpum",
        "penerima_bst",
        "penerima_pkh",
        "penerima_sembako",
    }
    rows = []
    for person in person_rows():
        family = families[person["id_keluarga_p3ke"]]
        rows.append({**{k: v for k, v in family.items() if k not in person_only}, **person})
    return rows


def test_a_combined_file_is_split_into_families_and_persons(tmp_path, region_table):
    path = write_xlsx(
        tmp_path / "desa.xlsx",
        as_table(combined_rows()),
        start_row=12,
        above=[["DATA P3KE KABUPATEN PROBOLINGGO"], ["Desa Malesanwetan"]],
    )
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    assert validated.ok and validated.combined
    assert validated.families["source_family_id"].to_list() == ["F1", "F2"]
    assert validated.families["source_row"].to_list() == [14, 16]
    assert validated.persons.height == 4 and validated.persons["source_row"].to_list()[0] == 14
    f2 = validated.families.row(1, named=True)
    assert f2["nik"] == person_rows()[2]["nik"]  # the head member's NIK
    assert f2["kepala_keluarga"] == "MISNATI" and f2["desil"] == 2
    assert validated.flag_counts == {"keluarga": {}, "individu": {}}
    assert any("dipisah menjadi 2 keluarga dan 4 individu" in n for n in validated.notes)


def test_family_columns_that_disagree_between_member_rows_are_flagged(tmp_path, region_table):
    rows = combined_rows()
    rows[1]["desil_kesejahteraan"] = "3"  # F1's second member says another desil
    rows[3]["alamat"] = None  # a blank repeat is not a disagreement
    path = write_xlsx(tmp_path / "desa.xlsx", as_table(rows))
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    assert flags_of(validated.families, "source_family_id", "F1") == {"FAMILY_ROWS_DISAGREE"}
    assert flags_of(validated.families, "source_family_id", "F2") == set()
    assert validated.families["desil"].to_list() == [1, 2]  # the first value is used


def test_a_combined_file_still_needs_unique_person_ids(tmp_path, region_table):
    rows = combined_rows()
    rows[3]["id_individu"] = "P1"
    path = write_xlsx(tmp_path / "desa.xlsx", as_table(rows))
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    assert [(e.code, e.row) for e in validated.errors] == [("ID_DUPLICATE", 2), ("ID_DUPLICATE", 5)]


# ---------------------------------------------------------------------------------------------
# DTSEN


def test_a_dtsen_batch_has_ten_deciles_and_no_age_band(tmp_path, region_table):
    families = [
        {
            "id_keluarga_dtsen": "D1",
            "kode_kemdagri": "3513202001",
            "desil_nasional": "7",
            "no_kk": KK_1,
            "nama_kepala_keluarga": "SUTRISNO",
            "nik_kepala_keluarga": HEAD_1,
            "daya_terpasang": "900 VA",
            "jenis_lantai_terluas": "8",
        }
    ]
    persons = [
        {
            "id_keluarga_dtsen": "D1",
            "id_individu_dtsen": "DP1",
            "nik": HEAD_1,
            "hubungan_dengan_kepala_keluarga": "1",
            "jenis_kelamin": "1",
            "tanggal_lahir": "1975-03-01",
            "status_pekerjaan": "4",
            "jenis_disabilitas": "0",
        }
    ]
    fam = write_csv(tmp_path / "dtsen_keluarga.csv", as_table(families))
    per = write_csv(tmp_path / "dtsen_individu.csv", as_table(persons))
    validated = validate_files(fam, per, "dtsen", regions=region_table, today=TODAY)
    assert validated.ok, validated.errors
    assert validated.families.schema == pl.Schema(output_columns(DTSEN_FAMILY))
    assert validated.persons.schema == pl.Schema(output_columns(DTSEN_PERSON))
    family = validated.families.row(0, named=True)
    assert family["desil"] == 7 and family["daya_terpasang"] == "2"
    assert family["jenis_lantai"] == "8"
    person = validated.persons.row(0, named=True)
    assert person["kelompok_usia"] is None and person["status_pekerjaan"] == "4"
    assert person["disabilitas"] == "0"


def test_notes_name_ignored_columns_and_removed_total_rows(tmp_path, region_table):
    table = as_table(family_rows(), [*P3KE_FAMILY.headers, "Keterangan Operator"])
    table.append(["TOTAL", None, None, None, None, None, "3"])
    path = write_xlsx(tmp_path / "p3ke_keluarga.xlsx", table)
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    assert validated.ok
    assert validated.ignored_columns == {"p3ke_keluarga.xlsx": ["Keterangan Operator"]}
    assert any("Keterangan Operator" in n for n in validated.notes)
    assert any("baris 4" in n and "total" in n for n in validated.notes)
    assert validated.counts["removed_rows"] == 1


def test_excel_error_values_are_errors_when_pyarrow_is_installed(tmp_path, region_table):
    pytest.importorskip("pyarrow")  # fastexcel reports error cells only through pyarrow
    import xlsxwriter

    table = as_table(family_rows())
    path = tmp_path / "p3ke_keluarga.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value))
    alamat = table[0].index("alamat")
    sheet.write_formula(2, alamat, "=NA()", None, "#N/A")
    sheet.write_formula(1, len(table[0]), "=1/0", None, "#DIV/0!")  # an unmapped column
    workbook.close()
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    [error] = validated.errors
    assert (error.code, error.row, error.column, error.value) == ("CELL_ERROR", 3, "alamat", "#N/A")


def test_a_formula_in_the_family_id_of_a_combined_file_is_reported_once(tmp_path, region_table):
    rows = combined_rows()
    rows[2]["id_keluarga_p3ke"] = "=F2"
    path = write_xlsx(tmp_path / "desa.xlsx", as_table(rows))
    validated = validate_files(path, None, "p3ke", regions=region_table, today=TODAY)
    assert [(e.code, e.row, e.column) for e in validated.errors] == [
        ("FORMULA", 4, "id_keluarga_p3ke")
    ]


def test_numbered_labels_of_some_exports_are_read(tmp_path, region_table):
    persons = person_rows()
    persons[0]["hubungan_dengan_kepala_keluarga"] = "1. Kepala Keluarga"
    persons[3]["hubungan_dengan_kepala_keluarga"] = "3 - Anak"
    validated = run(tmp_path, family_rows(), persons, region_table)
    assert validated.persons["hubungan"].to_list() == ["1", "2", "1", "3"]
    assert validated.flag_counts["individu"] == {}


def test_a_nik_in_scientific_notation_is_flagged_as_mangled(tmp_path, region_table):
    persons = person_rows()
    persons[1]["nik"] = "3.51320E+15"  # what a CSV saved from Excel holds
    fam = write_csv(tmp_path / "k.csv", as_table(family_rows()))
    per = write_csv(tmp_path / "i.csv", as_table(persons))
    validated = validate_files(fam, per, "p3ke", regions=region_table, today=TODAY)
    assert validated.ok
    assert validated.persons["flags"].to_list()[1] == "NIK_NUMBER_MANGLED"
    assert validated.persons["nik"].to_list()[1] == "3.51320E+15"  # never "repaired"
