"""The error report of a rejected import: one .xlsx and one .csv with the same rows.

Every cell is written as text, and a text that a spreadsheet would run as a formula (starting
with = + - @, or a tab / carriage return) gets a leading apostrophe in both files (so that they
hold the same rows): the report repeats what the uploaded file contained and must never become a
formula-injection vector itself. Both go through `tepat.core.spreadsheet`, the one writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tepat.core.spreadsheet import csv_writer, neutralise, workbook
from tepat.pipeline.errors import RowError

HEADERS = ("Berkas", "Baris", "Kolom", "Nilai", "Masalah", "Problem (EN)")
WIDTHS = (24, 8, 28, 24, 90, 90)


def _rows(errors: Iterable[RowError]) -> Iterable[tuple[str, ...]]:
    for error in errors:
        row = "" if error.row is None else str(error.row)
        values = (error.file, row, error.column, error.value, error.message_id, error.message_en)
        yield tuple(neutralise(v) for v in values)


def write_error_report(
    errors: Iterable[RowError], out_dir: Path | str, stem: str
) -> tuple[Path, Path]:
    """Write `<stem>.xlsx` and `<stem>.csv` into `out_dir`; returns both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx_path, csv_path = out / f"{stem}.xlsx", out / f"{stem}.csv"
    rows = list(_rows(errors))
    _write_xlsx(xlsx_path, rows)
    # UTF-8 with a byte-order mark, so that Excel shows 'kolom wajib' and '–' correctly.
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return xlsx_path, csv_path


def _write_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    book = workbook(str(path), constant_memory=True)
    sheet = book.add_worksheet("Kesalahan")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width, wrap)
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header, bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value, wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(HEADERS) - 1)
    book.close()
