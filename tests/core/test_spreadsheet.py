"""tepat.core.spreadsheet: the one writer of the xlsx and csv files Tepat produces.

Runs without Django: uv run pytest tests/core/test_spreadsheet.py -p no:django
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tepat.core import spreadsheet
from tepat.core.spreadsheet import (
    BuiltFormula,
    FormulaRefused,
    csv_writer,
    name_runs_as_formula,
    neutralise,
    workbook,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
SRC = Path(__file__).resolve().parents[2] / "src" / "tepat"


def _written(write) -> list:
    buffer = io.BytesIO()
    book = workbook(buffer)
    write(book.add_worksheet("Uji"))
    book.close()
    return [cell for row in load_workbook(buffer).active.iter_rows() for cell in row
            if cell.value is not None]


def test_write_and_write_row_keep_every_hostile_text_as_text():
    cells = _written(lambda sheet: (sheet.write_row(0, 0, HOSTILE),
                                    sheet.write(1, 0, HOSTILE[0])))
    # XlsxWriter stores a CR as the escape _x000D_, which Excel reads back as CR (openpyxl not).
    expected = [(v.replace("\r", "_x000D_"), "s") for v in [*HOSTILE, HOSTILE[0]]]
    assert [(c.value, c.data_type) for c in cells] == expected


def test_a_text_that_starts_like_a_formula_keeps_its_format_and_gets_the_quote_prefix():
    buffer = io.BytesIO()
    book = workbook(buffer, constant_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Uji")
    sheet.write_row(0, 0, ["=1+1", "Siti", "@x"], bold)
    sheet.write_row(1, 0, ["-2+3", "-5", "Budi"])
    book.close()
    rows = list(load_workbook(buffer).active.iter_rows())
    assert [(c.quotePrefix, c.font.b) for c in rows[0]] == [(True, True), (False, True),
                                                           (True, True)]
    assert [c.quotePrefix for c in rows[1]] == [True, True, False]


def test_a_link_or_a_number_written_as_text_stays_text():
    cells = _written(lambda sheet: sheet.write_row(0, 0, ["http://x.example/", "007", -5, 2.5]))
    assert [(c.value, c.data_type) for c in cells] == [
        ("http://x.example/", "s"), ("007", "s"), (-5, "n"), (2.5, "n")]


def test_a_formula_is_written_only_when_the_code_built_it():
    def write(sheet):
        with pytest.raises(FormulaRefused):
            sheet.write_formula(0, 0, "=1+1")
        with pytest.raises(FormulaRefused):
            sheet.write_array_formula(0, 0, 0, 0, "{=SUM(A1)}")
        with pytest.raises(FormulaRefused):
            sheet.write_dynamic_array_formula(0, 0, 0, 0, "=A1")
        with pytest.raises(FormulaRefused):
            sheet.write_built_formula(0, 0, "=1+1")  # a plain str is data
        sheet.write_built_formula(0, 0, BuiltFormula("=SUM(B1:B2)"))

    cells = _written(write)
    assert (cells[0].value, cells[0].data_type) == ("=SUM(B1:B2)", "f")


def test_a_workbook_holds_safe_sheets_only():
    from xlsxwriter.worksheet import Worksheet

    book = workbook(io.BytesIO())
    with pytest.raises(FormulaRefused):
        book.add_worksheet("Lain", Worksheet)
    sheet = book.add_worksheet("Uji")
    assert (sheet.strings_to_formulas, sheet.strings_to_urls, sheet.strings_to_numbers) == (
        False, False, False)
    book.close()


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_prefixes_a_text_a_spreadsheet_could_run(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-5", "-12.50", "Dusun Krajan", "SUTRISNO", "", "3-1"])
def test_neutralise_keeps_plain_numbers_and_ordinary_text(value):
    assert neutralise(value) == value


def test_neutralise_is_idempotent_and_reads_none_as_empty():
    assert neutralise(neutralise("=1")) == "'=1" and neutralise(None) == ""


def test_the_csv_writer_neutralises_text_and_keeps_numbers():
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["nama", "nilai"])
    writer.writerows([[value, -5] for value in HOSTILE] + [["-7.25", Decimal("-1.5")],
                                                           [None, True]])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [["nama", "nilai"], *[["'" + v, "-5"] for v in HOSTILE],
                    ["-7.25", "-1.5"], ["", "True"]]


def test_a_cell_with_a_carriage_return_never_splits_the_row():
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerow(["a\r=1", "b\n@x", "c"])
    assert out.getvalue() == '"a\r=1","b\n@x",c\n'


def test_the_default_line_ends_are_those_of_csv_writer():
    out = io.StringIO()
    csv_writer(out).writerow(["a", 1])
    assert out.getvalue() == "a,1\r\n"


@pytest.mark.parametrize("name", ["=1+1", "+62 812", "-Budi", "@budi", "  =X", "\t=1"])
def test_a_name_starting_like_a_formula_is_refused(name):
    assert name_runs_as_formula(name)


@pytest.mark.parametrize("name", ["Siti Aminah", "Drs. Hariyanto", "H. Abdul-Rahman", "", None,
                                  "Pemutakhiran P3KE 2024", "'=1"])
def test_an_ordinary_name_is_accepted(name):
    assert not name_runs_as_formula(name)


def test_the_import_refuses_formulas_by_the_same_rule():
    from tepat.pipeline import convert

    assert convert.FORMULA_PATTERN is spreadsheet.FORMULA_PATTERN
    assert all(convert.bad_cell_code(v) == "FORMULA"
               for v in ['=HYPERLINK("http://x","y")', "@SUM(A1)", "\t=1", "\r=1", "+cmd"])


# Writers that do not produce a file for people: the registry's COPY into PostgreSQL (registry
# rows and edition rows), and the synthetic test inputs of tepat.synth.
NOT_EXPORTS = {"registry/writer.py", "registry/editions.py", "gesek/assigning.py"}
WRITER_CALL = re.compile(r"xlsxwriter|csv\.writer\(|csv\.DictWriter\(|\.write_excel\(|"
                         r"\.write_csv\(")


def test_every_xlsx_and_csv_of_the_product_goes_through_the_one_writer():
    found = sorted(
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
        if WRITER_CALL.search(path.read_text(encoding="utf-8"))
        and path.parts[len(SRC.parts)] != "synth")
    assert found == sorted({"core/spreadsheet.py", "registry/writer.py", "registry/editions.py"})
    assert set(found) - {"core/spreadsheet.py"} <= NOT_EXPORTS
