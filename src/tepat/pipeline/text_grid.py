"""A small list file (xlsx or csv) read as text cells, for the imports of short lists (users,
officials): every cell is text, so a code like 35.13.20 or a phone number is never a float.

The registry reader's safety checks run first (size, kind of file, zip bomb), and an xlsx is
parsed in the pipeline's limited child process (`open_workbook`). Pure: no Django.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tepat.pipeline.errors import ReadError
from tepat.pipeline.workbook import open_workbook
from tepat.pipeline.xlsx_guard import ZipLimits, check_workbook

HEADER_SCAN_ROWS = 30

Grid = list[list[str]]


def header_key(text: object) -> str:
    """'Nama  Pengguna' -> 'namapengguna': how a header is compared."""
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


def _text(cell: object) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


def _grids_xlsx(path: Path, file: str) -> list[Grid]:
    with open_workbook(path, file, checked=True) as book:
        return [[[_text(c) for c in row] for row in book.load(sheet).frame.rows()]
                for sheet in book.sheet_names]


def _grids_csv(path: Path) -> list[Grid]:
    raw = path.read_bytes()
    text = raw.decode("latin-1")  # decodes every byte: the last resort
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    head = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    delimiter = max((",", ";", "\t", "|"), key=head.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[[_text(c) for c in row] for row in rows]]


def read_grids(path: Path, file: str, max_bytes: int) -> list[Grid]:
    """Every sheet of the file as rows of text cells, after the pipeline's checks."""
    from tepat.pipeline.readers import _check_size, _sniff

    _check_size(path, file, max_bytes)
    if _sniff(path, file) == "zip":
        check_workbook(path, file, ZipLimits())
        return _grids_xlsx(path, file)
    return _grids_csv(path)


@dataclass
class Table:
    """The list found in a file: its header row and its data rows (blank rows skipped)."""

    file: str
    header_row: int  # 1-based
    columns: dict[str, tuple[int, str]]  # field -> (position, header as written)
    rows: list[tuple[int, list[str]]]  # (1-based row, cells)

    def cell(self, cells: Sequence[str], field: str) -> tuple[str, str]:
        """The cell of `field` in a row (empty when the column is absent), and its header."""
        position, header = self.columns.get(field, (-1, field))
        return (cells[position] if 0 <= position < len(cells) else ""), header


def _header_map(cells: Sequence[str], keys: Mapping[str, str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for position, cell in enumerate(cells):
        field = keys.get(header_key(cell))
        if field is not None and field not in found:
            found[field] = (position, " ".join(str(cell).split()))
    return found


def find_table(grids: list[Grid], file: str, keys: Mapping[str, str], *, at_least: int,
               expected: str) -> Table:
    """The first sheet whose header row (in its first 30 rows) names at least `at_least` known
    columns; `keys` maps a header_key to a field. ReadError when no sheet has one, or no row."""
    for grid in grids:
        best: tuple[int, dict[str, tuple[int, str]]] | None = None
        for index, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
            found = _header_map(cells, keys)
            if len(found) >= at_least and (best is None or len(found) > len(best[1])):
                best = (index, found)
        if best is None:
            continue
        index, columns = best
        rows = [(number, cells) for number, cells in enumerate(grid[index + 1:], start=index + 2)
                if any(cells)]
        if not rows:
            raise ReadError("FILE_NO_DATA", file, row=index + 1)
        return Table(file, index + 1, columns, rows)
    raise ReadError("FILE_NO_HEADER", file, limit=HEADER_SCAN_ROWS, expected=expected)
