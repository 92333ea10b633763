"""write_error_report: the same rows in .xlsx and .csv, Indonesian headers, no formulas."""

from __future__ import annotations

import csv

import openpyxl

from tepat.pipeline import RowError, write_error_report
from tepat.pipeline.report import HEADERS, neutralise


def some_errors() -> list[RowError]:
    return [
        RowError.make(
            "FORMULA",
            file="p3ke_keluarga.xlsx",
            row=14,
            column="alamat",
            value='=HYPERLINK("http://x","klik")',
        ),
        RowError.make(
            "DESIL_INVALID",
            file="p3ke_keluarga.xlsx",
            row=15,
            column="desil_kesejahteraan",
            value="7",
        ),
        RowError.make(
            "MISSING_COLUMN",
            file="p3ke_individu.xlsx",
            row=1,
            column="id_individu",
            expected="'id_individu', 'ID Individu'",
        ),
    ]


def test_both_files_hold_the_same_rows_under_indonesian_headers(tmp_path):
    xlsx_path, csv_path = write_error_report(some_errors(), tmp_path / "laporan", "kesalahan")
    assert (xlsx_path.name, csv_path.name) == ("kesalahan.xlsx", "kesalahan.csv")
    sheet = openpyxl.load_workbook(xlsx_path).active
    xlsx_rows = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.reader(fh))
    assert (
        tuple(xlsx_rows[0])
        == HEADERS
        == ("Berkas", "Baris", "Kolom", "Nilai", "Masalah", "Problem (EN)")
    )
    assert xlsx_rows == csv_rows
    assert csv_rows[2][:4] == ["p3ke_keluarga.xlsx", "15", "desil_kesejahteraan", "7"]
    assert "bukan desil yang dikenal" in csv_rows[2][4] and "decile" in csv_rows[2][5]


def test_no_cell_of_the_report_is_a_formula(tmp_path):
    xlsx_path, csv_path = write_error_report(some_errors(), tmp_path, "kesalahan")
    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert sheet["D2"].value == '\'=HYPERLINK("http://x","klik")'
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "\n=" not in text and ",=" not in text and '"=' not in text


def test_neutralise_prefixes_every_formula_start():
    for text in ("=1+1", "+1", "-1+2", "@A1", "\tX", "\rX"):
        assert neutralise(text) == "'" + text
    assert neutralise("Dusun Krajan") == "Dusun Krajan" and neutralise(None) == ""


def test_neutralise_keeps_a_plain_negative_number():
    assert (neutralise("-5"), neutralise("-12.50")) == ("-5", "-12.50")


def test_an_empty_report_still_has_its_headers(tmp_path):
    _, csv_path = write_error_report([], tmp_path, "kosong")
    assert csv_path.read_text(encoding="utf-8-sig").splitlines() == [",".join(HEADERS)]
