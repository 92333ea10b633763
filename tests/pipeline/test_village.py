"""One-sheet village downloads (issue 17 §1) and a cell's type (§2): the reproduction of the
issue (a download without person IDs was rejected with ID_DUPLICATE errors), numbers stored as
numbers, the per-file day/month order."""

from __future__ import annotations

from datetime import date

import polars as pl
import village
from hypothesis import given, settings
from hypothesis import strategies as st
from pipeline_helpers import TODAY, as_table, write_csv, write_xlsx

from tepat.core.identity import make_nik
from tepat.pipeline import convert, validate_files
from tepat.pipeline.readers import read_sheet
from tepat.pipeline.workbook import open_workbook


def _validate(path, region_table, **options):
    return validate_files(path, None, "p3ke", regions=region_table, today=TODAY, **options)


def _by_name(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["nama"]: row for row in frame.to_dicts()}


def test_the_issue_download_without_person_ids_imports(tmp_path, region_table):
    households = village.households(40, seed=1)
    validated = _validate(village.write(tmp_path / "desa.xlsx", households), region_table,
                          kabupaten="35.13")
    assert validated.ok, [e.message_en for e in validated.errors[:3]]
    assert not any(e.code == "ID_DUPLICATE" for e in validated.errors)
    members = [m for h in households for m in h.members]
    assert validated.counts["families"] == 40 and validated.counts["persons"] == len(members)
    persons = _by_name(validated.persons)
    for household in households:
        for position, member in enumerate(household.members, start=1):
            person = persons[member.nama]
            assert person["source_family_id"] == household.fid
            assert person["tanggal_lahir"] == member.born, member  # text, date cell and serial
            flags = set(filter(None, person["flags"].split(",")))
            assert ("NIK_NUMBER_MANGLED" in flags) == village.mangled(member), member
            assert ("NIK_STORED_AS_NUMBER" in flags) == (member.nik_style == "number")
            if village.mangled(member):
                assert person["source_person_id"] == f"{household.fid}#{position}"
            else:
                assert person["nik"] == member.nik  # apostrophe and spaces read as the number
                assert person["source_person_id"].startswith("nik-")
            expected_head = position == 1
            assert (person["hubungan"] == "1") == expected_head, member.hubungan
    # Every skipped row is reported: two sub-totals, the grand total, the footnote, blank rows.
    notes = " ".join(validated.notes)
    assert notes.count("baris jumlah/total tidak diimpor") == 3
    assert "catatan di bawah tabel tidak diimpor" in notes and "baris kosong dilewati" in notes
    assert "judul kolom tersusun dua baris" in notes
    assert "tidak memiliki kolom ID individu" in notes


def test_label_variants_of_hubungan_are_read(tmp_path, region_table):
    households = village.households(24, seed=2)
    validated = _validate(village.write(tmp_path / "desa.xlsx", households), region_table)
    persons = _by_name(validated.persons)
    expected = {"Kepala Keluarga": "1", "KK": "1", "Kepala Rumah Tangga": "1", "Istri": "2",
                "Suami/Istri": "2", "ISTRI": "2", "Anak Kandung": "3", "Anak": "3",
                "Anak Tiri": "3", "Anak Angkat": "3", "Cucu": "5", "Menantu": "4",
                "Orang Tua": "6", "Mertua": "6", "Famili Lain": "7", "Lainnya": "8"}
    seen = set()
    for member in (m for h in households for m in h.members):
        assert persons[member.nama]["hubungan"] == expected[member.hubungan]
        seen.add(member.hubungan)
    assert len(seen) >= 10
    assert validated.flag_counts["individu"].get("CODE_UNKNOWN", 0) == 0


def test_families_known_only_by_kk_and_a_kk_that_cannot_be_a_key(tmp_path, region_table):
    households = village.households(10, seed=3)
    validated = _validate(
        village.write(tmp_path / "kk.xlsx", households, family_id=False), region_table)
    assert validated.ok and validated.counts["families"] == 10
    keys = validated.families["source_family_id"].to_list()
    assert len(set(keys)) == 10 and all(k.startswith("kk-") for k in keys)
    assert sorted(validated.families["no_kk"].to_list()) == sorted(h.kk for h in households)
    # The same file without a title block and with the second family's KK typed as a number.
    table = [["No KK", "Kode Kemendagri", "Desil", "Nama", "NIK", "Hubungan"]]
    for household in households[:3]:
        for member in household.members:
            table.append([household.kk, household.desa_code, household.desil, member.nama,
                          member.nik, member.hubungan])
    table[1 + len(households[0].members)][0] = int(households[1].kk[:15] + "0")
    validated = _validate(write_xlsx(tmp_path / "kk2.xlsx", table), region_table)
    assert not validated.ok
    bad = [e for e in validated.errors if e.code == "FAMILY_KEY_INVALID"]
    assert len(bad) == 1 and bad[0].row == 2 + len(households[0].members)
    assert bad[0].column == "No KK" and "kunci keluarga" in bad[0].message_id
    assert households[1].kk[:15] not in bad[0].message_id  # masked


def test_a_person_id_from_the_nik_only_when_the_nik_is_valid_and_unique(tmp_path, region_table):
    region6 = "351320"
    niks = [make_nik(region6, date(1970, 1, 1 + n), "1", 10 + n) for n in range(4)]
    table = [["ID Keluarga", "Kode Kemendagri", "Desil", "Nama", "NIK", "Hubungan"],
             ["K1", "35.13.20.2001", 1, "A", niks[0], "Kepala Keluarga"],
             ["K1", "35.13.20.2001", 1, "B", niks[1], "Istri"],
             ["K1", "35.13.20.2001", 1, "C", niks[1], "Anak"],  # the same NIK twice
             ["K2", "35.13.20.2001", 2, "D", "12345", "KK"],  # invalid
             ["K2", "35.13.20.2001", 2, "E", int(niks[3]), "Anak"]]  # a number
    validated = _validate(write_xlsx(tmp_path / "ids.xlsx", table), region_table)
    assert validated.ok
    ids = dict(zip(validated.persons["nama"], validated.persons["source_person_id"], strict=True))
    assert ids["A"].startswith("nik-") and niks[0] not in ids["A"]
    assert (ids["B"], ids["C"], ids["D"], ids["E"]) == ("K1#2", "K1#3", "K2#1", "K2#2")
    flags = dict(zip(validated.persons["nama"], validated.persons["flags"], strict=True))
    assert "NIK_DUPLICATE" in flags["B"] and "NIK_DUPLICATE" in flags["C"]


def test_a_mangled_nik_is_never_a_duplicate(tmp_path, region_table):
    nik = make_nik("351320", date(1970, 1, 5), "1", 21)
    table = [["ID Keluarga", "Kode Kemendagri", "Desil", "Nama", "NIK", "Hubungan"],
             ["K1", "35.13.20.2001", 1, "A", int(nik[:15] + "0"), "KK"],
             ["K2", "35.13.20.2001", 1, "B", int(nik[:15] + "0"), "KK"],
             ["K3", "35.13.20.2001", 1, "C", "3,51320E+15", "KK"],
             ["K4", "35.13.20.2001", 1, "D", "3,51320E+15", "KK"]]
    validated = _validate(write_xlsx(tmp_path / "m.xlsx", table), region_table)
    assert validated.flag_counts["individu"].get("NIK_DUPLICATE", 0) == 0
    assert validated.flag_counts["individu"]["NIK_NUMBER_MANGLED"] == 4
    assert validated.flag_counts["keluarga"].get("NIK_DUPLICATE", 0) == 0


def test_the_child_tells_number_cells_from_text_cells(tmp_path):
    table = [["NIK", "x"], ["3513010101010101", 1], [3513010101010100, "a"], ["12", None],
             [3.51301e15, None]]
    path = write_xlsx(tmp_path / "t.xlsx", table)
    with open_workbook(path, "t.xlsx") as book:
        assert book.numbers(0, [0, 1]) == {0: [2, 4], 1: [1]}
    raw = read_sheet(path)
    assert raw.number_cells == {"NIK": [3, 5]}
    csv = read_sheet(write_csv(tmp_path / "t.csv", table))
    assert csv.number_cells == {}  # a CSV has no cell types: only the text rules apply


def test_a_csv_nik_in_scientific_notation_is_mangled_and_a_column_of_zeros_is_noted(
        tmp_path, region_table):
    rows = [["ID Keluarga", "Kode Kemendagri", "Desil", "Nama", "NIK", "Hubungan"]]
    for n in range(25):
        nik = make_nik("351320", date(1970, 1, 1 + n), "1", 100 + n)
        rows.append([f"K{n}", "35.13.20.2001", 1, f"N{n}", nik[:15] + "0", "KK"])
    rows.append(["K99", "35.13.20.2001", 1, "S", "3.51320E+15", "KK"])
    validated = _validate(write_csv(tmp_path / "c.csv", as_table([])[:0] + rows), region_table)
    assert validated.flag_counts["individu"]["NIK_NUMBER_MANGLED"] == 1  # only the text rule
    assert "NIK_STORED_AS_NUMBER" not in validated.flag_counts["individu"]
    assert any("angka terakhir hilang" in n for n in validated.notes)  # the file-level note


# ---------------------------------------------------------------------------------------------
# Day/month order, decided per file


_DAYS = st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31))


@settings(max_examples=60, deadline=None)
@given(st.lists(_DAYS, min_size=1, max_size=30), st.sampled_from(["dmy", "mdy"]))
def test_a_files_own_dates_decide_its_order(days, order):
    fmt = "%d/%m/%Y" if order == "dmy" else "%m/%d/%Y"
    texts = [d.strftime(fmt) for d in days]
    found = convert.date_order(texts)
    telling = [d for d in days if d.day > 12]  # these read one way only
    assert not found.mixed
    assert found.decided == bool(telling)
    assert found.order == (order if telling else "dmy")
    parsed = convert.parse_dates(texts, date(2025, 1, 1), found.order)
    for day, text in zip(days, texts, strict=True):
        if telling or day.day == day.month or day.day > 12:
            assert parsed[text] == day
        else:  # undecided: read day-first, and flagged as ambiguous
            assert convert.is_ambiguous_date(text)


def test_an_undecided_or_mixed_file_flags_its_ambiguous_birth_dates(tmp_path, region_table):
    def table(dates):
        rows = [["ID Keluarga", "Kode Kemendagri", "Desil", "Nama", "Tanggal Lahir", "Hubungan"]]
        for n, text in enumerate(dates):
            rows.append([f"K{n}", "35.13.20.2001", 1, f"N{n}", text, "KK"])
        return rows

    decided = _validate(write_xlsx(tmp_path / "a.xlsx", table(["03/04/1980", "25/12/1970"])),
                        region_table)
    assert "BIRTHDATE_AMBIGUOUS" not in decided.flag_counts["individu"]
    assert decided.persons["tanggal_lahir"].to_list() == [date(1980, 4, 3), date(1970, 12, 25)]
    month_first = _validate(write_xlsx(tmp_path / "b.xlsx", table(["03/04/1980", "12/25/1970"])),
                            region_table)
    assert month_first.persons["tanggal_lahir"].to_list() == [date(1980, 3, 4), date(1970, 12, 25)]
    undecided = _validate(write_xlsx(tmp_path / "c.xlsx", table(["03/04/1980", "05/05/1970"])),
                          region_table)
    assert undecided.persons["flags"].to_list() == ["BIRTHDATE_AMBIGUOUS", ""]
    mixed = _validate(write_xlsx(tmp_path / "d.xlsx",
                                 table(["03/04/1980", "25/12/1970", "12/25/1971"])), region_table)
    assert mixed.persons["flags"].to_list() == ["BIRTHDATE_AMBIGUOUS", "", ""]
    assert any("urutan tanggal bercampur" in n for n in mixed.notes)
