"""The one way to write an xlsx or csv file that Tepat hands out: data never becomes a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab or
a carriage return before one) as a formula: `=HYPERLINK("http://…","klik")` in a name becomes a
link that sends data away, `+cmd|' /C calc'!A0` a command (OWASP "CSV injection"). Names come
from imports, forms and old data, so every writer treats them as hostile:

- **xlsx**: `workbook()` makes an XlsxWriter workbook whose `write()`/`write_row()` store every
  Python `str` as a text cell (`strings_to_formulas`, `strings_to_urls` and `strings_to_numbers`
  off), whatever it starts with. A text cell is never calculated, so it keeps its exact text; one
  that starts like a formula also gets Excel's "quote prefix" style (what typing `'=…` gives), so
  that editing the cell and pressing Enter does not turn it into a formula either. The
  worksheets refuse `write_formula` and its array variants: a formula the code itself built on
  purpose goes through the named `write_built_formula`, and only as a `BuiltFormula`.
- **csv**: a csv file has no cell types, so `csv_writer()` neutralises a text that starts with one
  of `FORMULA_START`: a leading apostrophe, which spreadsheets show as "this is text". Numbers
  stay numbers: an `int`/`float`/`Decimal` cell is written as it is, and so is a text that is
  exactly a plain decimal number (`-5`, `-12.50`), because a spreadsheet reads it as that number
  and runs nothing; `-2+3` or `-1e5` are not plain numbers and get the apostrophe.

Polars' `write_excel` makes its own workbook with `strings_to_formulas` off but `strings_to_urls`
on (a name like `http://…` becomes a live link): no code uses it; if one ever does, it passes
`workbook=workbook(…)` from here (Polars accepts an open XlsxWriter workbook). `write_csv` is
used only for the registry's COPY into PostgreSQL, which is not a file for people.

Input rules live here too, so that the import and the forms refuse the same things:
`FORMULA_PATTERN` is the import's rule for any cell of an uploaded file (a numeric column may hold
`-5`, so only `+`/`-` followed by a letter counts there); `name_runs_as_formula` is the stricter
rule for a name typed in a form (no name starts with = + - @).
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet formula in an imported cell: '=…', '@…', or '+'/'-' directly followed by a letter
# (leading blanks, tab and CR included, are skipped as a spreadsheet skips them).
FORMULA_PATTERN = r"^\s*(?:[=@]|[+\-][A-Za-z])"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NUMBER_TYPES = (int, float, Decimal, Fraction)

NAME_FORMULA_ID = "tidak boleh diawali =, +, - atau @ (Excel akan menjalankannya sebagai rumus)."
NAME_FORMULA_EN = "must not start with =, +, - or @ (Excel would run it as a formula)."


def name_runs_as_formula(text: object) -> bool:
    """True for a name a spreadsheet would run: it starts with = + - @ after any blanks."""
    return str(text or "").lstrip().startswith(FORMULA_START[:4])


def name_formula_message(label_id: str, label_en: str) -> tuple[str, str]:
    """The refusal of such a name, in Indonesian and English, starting with the field's label."""
    return f"{label_id} {NAME_FORMULA_ID}", f"{label_en} {NAME_FORMULA_EN}"


def starts_like_formula(text: str) -> bool:
    """True for a text a spreadsheet could run when it reads a csv (a plain number it cannot)."""
    return text.startswith(FORMULA_START) and _PLAIN_NUMBER.fullmatch(text) is None


def neutralise(value: object) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet could run it."""
    text = "" if value is None else str(value)
    return "'" + text if starts_like_formula(text) else text


def csv_cell(value: object) -> object:
    """What goes into a csv cell: numbers as they are, anything else as neutralised text."""
    if isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool):
        return value
    return neutralise(value)


class CsvWriter:
    """`csv.writer` whose every cell passes through `csv_cell`.

    A cell holding a CR or LF is always quoted: `csv.writer` quotes only the characters of its
    own line terminator, so with "\n" a name ending in "\r" was written bare, and a spreadsheet
    started a new row there, whose first cell could be a formula. Each row is formatted with
    "\r\n" (both characters quote) and ends with the terminator asked for."""

    def __init__(self, out: IO[str], *, lineterminator: str = "\r\n", **options: Any) -> None:
        self._out, self._end = out, lineterminator
        self._line = io.StringIO()
        self._writer = csv.writer(self._line, lineterminator="\r\n", **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._line.seek(0)
        self._line.truncate()
        self._writer.writerow([csv_cell(value) for value in row])
        self._out.write(self._line.getvalue()[:-2] + self._end)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> CsvWriter:
    """The csv writer of every csv Tepat produces (options as for `csv.writer`)."""
    return CsvWriter(out, **options)


class FormulaRefused(TypeError):
    """A formula was about to be written that the code did not build on purpose."""


class BuiltFormula(str):
    """A formula written by the code (never made of data): the only thing a sheet writes as one."""


class SafeWorksheet(Worksheet):
    """A worksheet that writes a formula only through `write_built_formula`, and marks a text
    that starts like one with the quote-prefix style."""

    book: SafeWorkbook

    def _write_string(self, row: int, col: int, string: str,
                      cell_format: Format | None = None) -> Any:
        if string.startswith(FORMULA_START):
            cell_format = self.book.quoted(cell_format)
        return super()._write_string(row, col, string, cell_format)

    def write_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise FormulaRefused("write_formula is refused: use write_built_formula(BuiltFormula(…))")

    def write_array_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise FormulaRefused("array formulas are refused in Tepat's workbooks")

    def write_dynamic_array_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise FormulaRefused("array formulas are refused in Tepat's workbooks")

    def write_built_formula(self, row: int, col: int, formula: BuiltFormula,
                            cell_format: Any = None, value: Any = 0) -> Any:
        if not isinstance(formula, BuiltFormula):
            raise FormulaRefused("only a BuiltFormula is written as a formula")
        return super().write_formula(row, col, str(formula), cell_format, value)


SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


class SafeWorkbook(Workbook):
    """An XlsxWriter workbook whose sheets never turn a text into a formula, a link or a number."""

    worksheet_class = SafeWorksheet

    def __init__(self, target: Any, options: dict[str, Any]) -> None:
        super().__init__(target, options)
        self._quoted: dict[int, tuple[Format | None, Format]] = {}

    def add_worksheet(self, name: str | None = None,
                      worksheet_class: Any = None) -> SafeWorksheet:
        if worksheet_class not in (None, SafeWorksheet):
            raise FormulaRefused("Tepat's workbooks hold SafeWorksheet sheets only")
        sheet = super().add_worksheet(name, SafeWorksheet)
        sheet.book = self
        return sheet

    def quoted(self, base: Format | None) -> Format:
        """`base` (or no format) with the quote prefix: made once per base format."""
        if id(base) not in self._quoted:
            if base is None:
                made = self.add_format({"quote_prefix": True})
            else:
                made = copy.copy(base)  # same properties; gets its own style index when used
                made.xf_index, made.dxf_index = None, None
                made.set_quote_prefix()
                self.formats.append(made)
            self._quoted[id(base)] = (base, made)  # holding `base` keeps its id unique
        return self._quoted[id(base)][1]


def workbook(target: Any, *, constant_memory: bool = False) -> SafeWorkbook:
    """The workbook of every xlsx Tepat produces: `target` is a path or a binary buffer.
    `constant_memory` writes row by row (large lists); otherwise the file is built in memory."""
    options: dict[str, Any] = {**SAFE_OPTIONS}
    options["constant_memory" if constant_memory else "in_memory"] = True
    return SafeWorkbook(target, options)
