"""Read a P3KE/DTSEN download (.xlsx or .csv) into a table of text cells, safely.

Every cell is read as text: a NIK or KK number must never pass through a float. The header row is
found by scanning the first rows for the row that matches the most known headers (real downloads
put a title block above the table), a trailing total or footnote row is removed and reported, and
every data row keeps its 1-based spreadsheet row number in `_row` for error messages.

A file that cannot be read raises `ReadError` with a clear Indonesian and English message naming
the file: missing, empty, too large, not a spreadsheet (PDF, Word, old .xls, HTML), encrypted,
truncated, a zip bomb, text in an unknown encoding, mixed CSV separators, headers only. The checks
run before the file is parsed. An .xlsx is checked by `xlsx_guard` (zip directory, then every part
inflated as a stream) and parsed in a limited child process (`workbook`): a hostile sheet can end
that child, never the server.
"""

from __future__ import annotations

import csv
import hashlib
import mmap
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tepat.core.layout import LAYOUTS, Kind, Layout, Unit
from tepat.pipeline.errors import ReadError
from tepat.pipeline.headers import header_key, keys_of, known_keys, map_headers, match_count
from tepat.pipeline.messages import Note, note, safe_value
from tepat.pipeline.workbook import Grid, Workbook, open_workbook
from tepat.pipeline.xlsx_guard import ZipLimits, check_workbook

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 200 * MB
HEADER_SCAN_ROWS = 30
TRAILER_SCAN_ROWS = 5
# When guessing is allowed, one known header is not enough to trust a row as the headers (a
# data cell "Kepala Keluarga" is also a P3KE header).
GUESS_MIN_SCORE = 2
ROW = "_row"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "dokumen PDF / a PDF document"),
    (b"\x89PNG", "gambar PNG / a PNG image"),
    (b"\xff\xd8\xff", "gambar JPEG / a JPEG image"),
    (b"GIF8", "gambar GIF / a GIF image"),
    (b"Rar!", "arsip RAR / a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "arsip 7-Zip / a 7-Zip archive"),
    (b"\x1f\x8b", "arsip gzip / a gzip archive"),
    (b"{\\rtf", "dokumen RTF / an RTF document"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_UNNAMED = re.compile(r"^kolom_[A-Z]+$")  # the name `_unique_names` gives a blank header
_DELIMITERS = (",", ";", "|", "\t")
_DELIMITER_NAMES = {",": "koma (,)", ";": "titik koma (;)", "|": "garis tegak (|)", "\t": "tab"}
_TOTAL_LABEL = re.compile(r"^\s*(grand\s*total|sub\s*total|total|jumlah)\b", re.IGNORECASE)
_NUMERIC = r"^\s*-?[0-9][0-9.,]*\s*$"


@dataclass(frozen=True)
class RemovedRow:
    row: int
    reason: str  # "total" | "footnote"
    text: str  # the row's non-empty cells, joined (masked)


@dataclass
class RawTable:
    path: Path
    file: str  # the file name used in messages
    frame: pl.DataFrame  # one String column per header (names made unique) + `_row` (Int32)
    headers: list[str]  # the column names, in file order (without `_row`)
    header_row: int  # 1-based row of the headers
    sheet: str | None = None
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    removed_rows: list[RemovedRow] = field(default_factory=list)
    blank_rows: int = 0
    notes: list[Note] = field(default_factory=list)
    sha256: str = ""
    size_bytes: int = 0
    read_seconds: float = 0.0
    # Excel error values (#N/A, #REF!, …) found in data rows: (row, column, '#N/A'), kept apart
    # by the parsing child (fastexcel's to_arrow_with_errors).
    cell_errors: list[tuple[int, str, str]] = field(default_factory=list)
    # The cells of NIK, KK and date columns that the sheet stores as numbers, not text:
    # column -> 1-based spreadsheet rows (a .xlsx only; a CSV has no cell types).
    number_cells: dict[str, list[int]] = field(default_factory=dict)
    # The header row above `header_row` when the headers span two rows (0 when not).
    group_row: int = 0

    @property
    def height(self) -> int:
        return self.frame.height


# ---------------------------------------------------------------------------------------------
# The public entry point


def read_sheet(
    path: Path | str,
    layout: Layout | None = None,
    *,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    zip_limits: ZipLimits | None = None,
    extra_headers: Collection[str] = (),
    guess_header: bool = False,
) -> RawTable:
    """Read the table of a .xlsx or .csv file as text cells.

    `layout` tells which headers to look for (the header row, the sheet, the ID column of a total
    row); without it, the headers of every known layout count. `sheet` picks a sheet by name;
    otherwise the first sheet (preferring names that suit the layout's unit) that has all the
    required columns is used, or else the one whose headers match best.

    `extra_headers` are more header names to look for (those of a column mapping). With
    `guess_header`, a file whose headers match nothing known is read all the same, taking the
    first row that fills most of the widest row as the headers (the column mapping step).
    """
    started = time.perf_counter()
    path = Path(path)
    name = path.name
    size = _check_size(path, name, max_bytes)
    kind = _sniff(path, name)
    notes: list[Note] = []
    if kind == "zip":
        check_workbook(path, name, zip_limits or ZipLimits())
        with open_workbook(path, name, checked=True) as book:
            table = _read_xlsx(book, path, name, layout, sheet, extra_headers, guess_header)
    else:
        if path.suffix.lower() not in _TEXT_SUFFIXES:
            notes.append(note("NOTE_TEXT_FILE", name))
        table = _read_csv(path, name, layout, extra_headers, guess_header)
    table.notes[:0] = notes
    _finish(table, layout)
    table.sha256 = file_sha256(path)
    table.size_bytes = size
    table.read_seconds = time.perf_counter() - started
    return table


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 * MB), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# File safety: checks that look at a few bytes or at the zip directory only


def _check_size(path: Path, name: str, max_bytes: int) -> int:
    try:
        if not path.is_file():
            raise ReadError("FILE_NOT_FOUND", name)
        size = path.stat().st_size
    except OSError:
        raise ReadError("FILE_NOT_FOUND", name) from None
    if size == 0:
        raise ReadError("FILE_EMPTY", name)
    if size > max_bytes:
        raise ReadError(
            "FILE_TOO_LARGE", name, size=f"{size / MB:,.1f}", limit=f"{max_bytes / MB:,.0f}"
        )
    return size


def _sniff(path: Path, name: str) -> str:
    """'zip' (xlsx) or 'text' (csv), from the first bytes; anything else is a ReadError."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        _raise_for_ole(path, name)
    for magic, label in _SIGNATURES:
        if head.startswith(magic):
            raise ReadError("FILE_WRONG_FORMAT", name, detail=label)
    lowered = head.lstrip(_UTF8_BOM).lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<table", b"<?xml")) or b"<html" in lowered[:512]:
        raise ReadError(
            "FILE_WRONG_FORMAT",
            name,
            detail="halaman web (HTML/XML) yang dinamai seperti Excel / a web page (HTML/XML) "
            "named like an Excel file",
        )
    if not head.startswith(_UTF16_BOMS) and not _looks_like_text(head):
        if path.suffix.lower() in _TEXT_SUFFIXES and head.count(b"\x00") >= len(head) // 3:
            raise ReadError(
                "CSV_ENCODING",
                name,
                detail="tampaknya UTF-16 tanpa penanda urutan byte / it looks like UTF-16 "
                "without a byte-order mark",
            )
        raise ReadError(
            "FILE_WRONG_FORMAT", name, detail="data biner yang tidak dikenal / unknown binary data"
        )
    return "text"


def _looks_like_text(head: bytes) -> bool:
    """No NUL byte and almost no other control bytes: text in some 8-bit or UTF-8 encoding."""
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls <= len(head) // 100


def _raise_for_ole(path: Path, name: str) -> None:
    """An OLE2 compound file: an encrypted .xlsx, an old .xls, or another old Office file."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find("EncryptedPackage".encode("utf-16-le")) >= 0:
            raise ReadError("FILE_ENCRYPTED", name)
        if (
            data.find("Workbook".encode("utf-16-le")) >= 0
            or data.find("Book".encode("utf-16-le")) >= 0
        ):
            raise ReadError("FILE_XLS_OLD", name)
        if data.find("WordDocument".encode("utf-16-le")) >= 0:
            detail = "dokumen Word lama (.doc) / an old Word document (.doc)"
        else:
            detail = "berkas Office lama / an old Office file"
    raise ReadError("FILE_WRONG_FORMAT", name, detail=detail)


# ---------------------------------------------------------------------------------------------
# Header detection, shared by xlsx and csv


def _scan_layouts(layout: Layout | None) -> list[Layout]:
    if layout is None:
        return list(LAYOUTS.values())
    # A layout of its own (a disbursement file) is not among the registry's sources.
    return [lay for lay in LAYOUTS.values() if lay.source == layout.source] or [layout]


def _scan_keys(layout: Layout | None, extra_headers: Collection[str] = ()) -> set[str]:
    keys = {key for lay in _scan_layouts(layout) for key in known_keys(lay)}
    return keys | {header_key(h) for h in extra_headers} - {""}


def _guessed_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """The first row that fills at least 80 % of the widest row's cells (a title block above
    a table fills one or two cells; the headers fill about as many as the data rows)."""
    filled = [sum(1 for c in row if c is not None and str(c).strip()) for row in rows]
    widest = max(filled, default=0)
    if widest < 2:
        return None
    return next(i for i, n in enumerate(filled) if n >= 0.8 * widest)


def _typed_keys(layout: Layout | None) -> set[str]:
    """The header keys of NIK, KK and date columns: the columns whose cell types are asked."""
    found = set()
    for lay in _scan_layouts(layout):
        fields = {c.field for c in lay.columns if c.kind in (Kind.NIK, Kind.DATE)}
        found |= {key for key, (_, name) in known_keys(lay).items() if name in fields}
    return found


def _header_rows(
    rows: Sequence[Sequence[object]], keys: set[str]
) -> tuple[int, list[object], int]:
    """(index of the last header row, the header texts, rows the headers span: 1 or 2).

    Headers over two rows: a group label merged over its sub-headers ("Anggota Keluarga" over
    "Nama | NIK", "Tanggal" over "Lahir") and single headers merged down over both rows. A merged
    cell holds its text in its first cell only, so a group label is carried right over the
    sub-headers that follow it; a column takes the joined text ("Tanggal Lahir", "Nama Kepala
    Keluarga") when that is a known header, else the sub-header, else the label above. The pair
    wins over the single row when it matches more known headers."""
    index, _ = _best_header_row(rows, keys)
    single = list(rows[index]) if rows else []
    best = (_distinct_matches(single, keys), index, single, 1)
    for upper in (index - 1, index):
        lower = upper + 1
        if upper < 0 or lower >= min(len(rows), HEADER_SCAN_ROWS):
            continue
        if _holds_data(rows[lower]):  # a data row under the headers is no sub-header row
            continue
        names = _two_row_names(rows[upper], rows[lower], keys)
        pair_score = _distinct_matches(names, keys)
        if pair_score > best[0]:
            best = (pair_score, lower, names, 2)
    _, index, names, span = best
    return index, names, span


_DATA_CELL = re.compile(r"^\s*[0-9][0-9.,/:\- ]*$")


def _holds_data(row: Sequence[object]) -> bool:
    """A row with a number or a date in it (a row number, a NIK, a birth date): data, not a
    header. Found when a first data row whose values are also known labels ("Kepala Keluarga"
    under "Hubungan") was taken for the second row of the headers."""
    return any(cell is not None and _DATA_CELL.match(str(cell)) for cell in row)


def _distinct_matches(names: Sequence[object], keys: set[str]) -> int:
    """How many different known headers the names hold (a label carried over twice counts once)."""
    found = set()
    for name in names:
        if name is not None:
            found.update(k for k in keys_of(name) if k in keys)
    return len(found)


def _two_row_names(
    upper: Sequence[object], lower: Sequence[object], keys: set[str]
) -> list[object]:
    def text(cell: object) -> str:
        return " ".join(str(cell).split()) if cell is not None else ""

    names: list[object] = []
    group = ""
    for position in range(max(len(upper), len(lower))):
        top = text(upper[position]) if position < len(upper) else ""
        bottom = text(lower[position]) if position < len(lower) else ""
        if top:
            group = top if bottom else ""  # a label over nothing is a header merged down
        elif not bottom:
            group = ""
        label = top or group
        if not bottom:
            names.append(label or None)
            continue
        if not label:
            names.append(bottom)
            continue
        joined = [f"{label} {bottom}", f"{bottom} {label}"]
        known = [j for j in joined if header_key(j) in keys]
        if known:
            names.append(known[0])
        elif header_key(bottom) in keys or header_key(label) not in keys:
            names.append(bottom)
        else:
            names.append(label)
    return names


def _best_header_row(rows: Sequence[Sequence[object]], keys: set[str]) -> tuple[int, int]:
    """(index, score) of the row that matches the most known headers; the first on a tie."""
    best_index, best_score = 0, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = match_count([c for c in row if c is not None], keys)
        if score > best_score:
            best_index, best_score = index, score
    return best_index, best_score


def _unique_names(cells: Sequence[object]) -> list[str]:
    """Header texts made usable as column names: trimmed, blanks named, duplicates numbered."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells):
        text = " ".join(str(cell).split()) if cell is not None else ""
        text = text or f"kolom_{_column_letter(position)}"
        if text in seen:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        seen.setdefault(text, 1)
        names.append(text)
    return names


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _no_header(name: str, layout: Layout | None) -> ReadError:
    layout = layout or LAYOUTS[("p3ke", Unit.FAMILY)]
    expected = ", ".join(c.header for c in layout.columns if c.required)
    return ReadError("FILE_NO_HEADER", name, limit=HEADER_SCAN_ROWS, expected=expected)


# ---------------------------------------------------------------------------------------------
# xlsx


_UNIT_SHEET_HINTS = {
    Unit.FAMILY: ("keluarga", "kk", "family", "rumah tangga", "ruta"),
    Unit.PERSON: ("individu", "anggota", "jiwa", "art", "person", "penduduk"),
}


def _read_xlsx(
    book: Workbook,
    path: Path,
    name: str,
    layout: Layout | None,
    sheet: str | None,
    extra_headers: Collection[str] = (),
    guess_header: bool = False,
) -> RawTable:
    sheet_names = book.sheet_names
    if sheet is not None and sheet not in sheet_names:
        raise ReadError(
            "SHEET_NOT_FOUND", name, value=sheet, expected=", ".join(map(repr, sheet_names))
        )
    candidates = [sheet] if sheet is not None else _sheet_order(sheet_names, layout)
    keys = _scan_keys(layout, extra_headers)
    # (score, sheet, grid, header index, header texts, rows the header spans)
    best: tuple[int, str, Grid, int, list[object], int] | None = None
    guessed: tuple[int, str, Grid, int, list[object], int] | None = None
    for candidate in candidates:
        loaded = book.load(candidate)
        rows = loaded.frame.head(HEADER_SCAN_ROWS).rows()
        index, texts, span = _header_rows(rows, keys)
        score = match_count([t for t in texts if t is not None], keys)
        score = 0 if guess_header and score < GUESS_MIN_SCORE else score
        if guess_header and not score and guessed is None:
            row = _guessed_header_row(rows)
            guessed = (0, candidate, loaded, row, list(rows[row]), 1) if row is not None else None
        if score and (best is None or score > best[0]):
            best = (score, candidate, loaded, index, texts, span)
        if score and (layout is None or map_headers(_unique_names(texts), layout).complete):
            best = (score, candidate, loaded, index, texts, span)
            break
    best = best or guessed
    if best is None:
        raise _no_header(name, layout)
    _, sheet_name, loaded, index, texts, span = best
    grid = loaded.frame
    header = _unique_names(texts)
    typed = _typed_keys(layout)
    wanted = [p for p, h in enumerate(header) if any(k in typed for k in keys_of(h))]
    number_cells = {
        header[column]: [row + 1 for row in rows if row > index]
        for column, rows in book.numbers(sheet_name, wanted).items()
    }
    cell_errors = [
        (row + 1, header[column], value) for row, column, value in loaded.errors if row > index
    ]
    data = grid.slice(index + 1)
    data.columns = header
    data = data.with_columns(
        pl.int_range(index + 2, index + 2 + data.height, dtype=pl.Int32).alias(ROW)
    )
    notes = []
    if len(sheet_names) > 1:
        notes.append(note("NOTE_SHEET", name, value=sheet_name))
    if span == 2:
        notes.append(note("NOTE_TWO_ROW_HEADER", name, row=index, value=index + 1))
    return RawTable(
        path,
        name,
        data,
        header,
        index + 1,
        sheet=sheet_name,
        notes=notes,
        cell_errors=cell_errors,
        number_cells={h: rows for h, rows in number_cells.items() if rows},
        group_row=index if span == 2 else 0,
    )


def _sheet_order(sheet_names: list[str], layout: Layout | None) -> list[str]:
    hints = _UNIT_SHEET_HINTS.get(layout.unit, ()) if layout is not None else ()

    def hinted(sheet_name: str) -> bool:
        lowered = sheet_name.lower()
        return any(re.search(rf"\b{re.escape(h)}\b", lowered) for h in hints)

    return sorted(sheet_names, key=lambda s: not hinted(s))


# ---------------------------------------------------------------------------------------------
# csv


def _read_csv(
    path: Path,
    name: str,
    layout: Layout | None,
    extra_headers: Collection[str] = (),
    guess_header: bool = False,
) -> RawTable:
    raw = path.read_bytes()
    data, encoding = _decode(raw, name)
    head_text = data[: 256 * 1024].decode("utf-8", errors="replace")
    # Lines as polars counts them for skip_rows: split on '\n' only (not str.splitlines()).
    head_lines = [line.rstrip("\r") for line in head_text.split("\n")[: HEADER_SCAN_ROWS + 60]]
    keys = _scan_keys(layout, extra_headers)
    delimiter, index, header = _detect_header(head_lines, keys, name, layout, guess_header)
    _check_sample_delimiters(head_lines, index, header, delimiter, name)
    try:
        frame = pl.read_csv(
            data,
            has_header=True,
            skip_rows=index,
            separator=delimiter,
            infer_schema=False,
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise ReadError("CSV_PARSE", name, detail=safe_value(detail)) from None
    names = _unique_names(header)
    if frame.width != len(names):
        raise ReadError(
            "CSV_PARSE",
            name,
            detail=f"{frame.width} kolom terbaca, judul berisi {len(names)} / "
            f"{frame.width} columns read, the header has {len(names)}",
        )
    frame.columns = names
    frame = frame.with_columns(
        pl.int_range(index + 2, index + 2 + frame.height, dtype=pl.Int32).alias(ROW)
    )
    _check_frame_delimiters(frame, names, delimiter, name)
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(note("NOTE_ENCODING", name, value=encoding))
    return RawTable(
        path, name, frame, names, index + 1, encoding=encoding, delimiter=delimiter, notes=notes
    )


def _decode(raw: bytes, name: str) -> tuple[bytes, str]:
    """UTF-8 bytes for polars, and the file's encoding (UTF-8, else cp1252, else latin-1)."""
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            raise ReadError("CSV_ENCODING", name, detail="UTF-16 rusak / broken UTF-16") from None
    if b"\x00" in raw[:65536]:
        raise ReadError(
            "CSV_ENCODING",
            name,
            detail="berisi byte NUL: UTF-16 tanpa penanda atau berkas biner / holds NUL bytes: "
            "UTF-16 without a byte-order mark, or a binary file",
        )
    if raw.startswith(_UTF8_BOM):
        raw, bom = raw[len(_UTF8_BOM) :], True
    else:
        bom = False
    try:
        raw.decode("utf-8")
        return raw, "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return raw.decode(encoding).encode("utf-8"), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def _detect_header(
    lines: list[str], keys: set[str], name: str, layout: Layout | None, guess: bool = False
) -> tuple[str, int, list[str]]:
    best: tuple[int, int, str] | None = None  # (score, -index, delimiter)
    guessed: tuple[int, int, str] | None = None  # (width, -index, delimiter)
    for delimiter in _DELIMITERS:
        rows = [_split(line, delimiter) for line in lines[:HEADER_SCAN_ROWS]]
        index, score = _best_header_row(rows, keys)
        score = 0 if guess and score < GUESS_MIN_SCORE else score
        if score and (best is None or (score, -index) > best[:2]):
            best = (score, -index, delimiter)
        row = _guessed_header_row(rows) if guess and not score else None
        if row is not None:
            width = sum(1 for c in rows[row] if c.strip())
            if guessed is None or width > guessed[0]:
                guessed = (width, -row, delimiter)
    best = best or guessed
    if best is None:
        raise _no_header(name, layout)
    _, negative_index, delimiter = best
    index = -negative_index
    return delimiter, index, _split(lines[index], delimiter)


def _mixed(name: str, row: int, expected: str, found: str) -> ReadError:
    return ReadError(
        "CSV_MIXED_DELIMITER",
        name,
        row=row,
        expected=_DELIMITER_NAMES[expected],
        value=_DELIMITER_NAMES[found],
    )


def _other_delimiter(text: str, delimiter: str, width: int) -> str | None:
    """Another separator that splits the text into about as many fields as the header has."""
    need = max(2, min(width, 3))
    for other in _DELIMITERS:
        if other != delimiter and len(_split(text, other)) >= need:
            return other
    return None


def _check_sample_delimiters(
    lines: list[str], index: int, header: list[str], delimiter: str, name: str
) -> None:
    """The first rows after the header must use the header's separator."""
    if len(header) < 2:
        return
    for offset, line in enumerate(lines[index + 1 :], start=index + 2):
        if not line.strip() or len(_split(line, delimiter)) > 1:
            continue
        other = _other_delimiter(line, delimiter, len(header))
        if other is not None:
            raise _mixed(name, offset, delimiter, other)


def _check_frame_delimiters(
    frame: pl.DataFrame, names: list[str], delimiter: str, name: str
) -> None:
    """Anywhere in the file: a row whose whole text landed in the first column, split by
    another separator, was written with a different delimiter."""
    if len(names) < 3:
        return
    first, rest = names[0], names[1:]
    need = max(3, len(names) // 2)
    others = [d for d in _DELIMITERS if d != delimiter]
    suspect = pl.all_horizontal(pl.col(c).is_null() for c in rest) & pl.any_horizontal(
        pl.col(first).str.count_matches(d, literal=True) >= need - 1 for d in others
    )
    hits = frame.filter(suspect).select(first, ROW).head(1)
    if hits.height:
        text, row = hits.row(0)
        other = max(others, key=lambda d: text.count(d))
        raise _mixed(name, row, delimiter, other)


# ---------------------------------------------------------------------------------------------
# Common finish: blank rows, trailing totals and footnotes, headers-only files


def _finish(table: RawTable, layout: Layout | None) -> None:
    frame = table.frame
    cells = [c for c in frame.columns if c != ROW]
    filled = pl.sum_horizontal(
        (pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")).cast(pl.Int32)
        for c in cells
    )
    frame = frame.with_columns(filled.alias("_filled"))
    blank = frame.filter(pl.col("_filled") == 0).height
    frame = frame.filter(pl.col("_filled") > 0)
    id_column = _id_column(table.headers, layout)
    frame, removed = _drop_trailer(frame, cells, id_column)
    frame, inside = _drop_inner_totals(frame, cells, _key_columns(table.headers, layout))
    removed = sorted(removed + inside, key=lambda r: r.row)
    table.frame = frame.drop("_filled")
    _drop_empty_unnamed_columns(table)
    table.blank_rows = blank
    table.removed_rows = removed
    for item in removed:
        table.notes.append(
            note(f"NOTE_{item.reason.upper()}_REMOVED", table.file, row=item.row, value=item.text)
        )
    if blank:
        table.notes.append(note("NOTE_BLANK_ROWS", table.file, count=blank))
    if table.frame.height == 0:
        raise ReadError("FILE_NO_DATA", table.file, row=table.header_row)


def _drop_empty_unnamed_columns(table: RawTable) -> None:
    """Columns without a header and without data (formatting, a trailing CSV separator)."""
    unnamed = [h for h in table.headers if _UNNAMED.match(h)]
    if not unnamed:
        return
    counts = table.frame.select(pl.col(h).is_not_null().sum() for h in unnamed).row(0)
    empty = {h for h, n in zip(unnamed, counts, strict=True) if n == 0}
    if empty:
        table.frame = table.frame.drop(empty)
        table.headers = [h for h in table.headers if h not in empty]


def _id_column(headers: list[str], layout: Layout | None) -> str | None:
    if layout is None:
        return None
    return map_headers(headers, layout).column_of(layout.id_column.field)


def _key_columns(headers: list[str], layout: Layout | None) -> list[str]:
    """The file's columns that identify a family or a person (IDs, No KK): a total row has
    none of them (or a 'JUMLAH' label in one)."""
    found: list[str] = []
    for lay in _scan_layouts(layout):
        mapping = map_headers(headers, lay)
        for name in ("source_family_id", "source_person_id", "no_kk"):
            column = mapping.column_of(name)
            if column is not None and column not in found:
                found.append(column)
    return found


def _drop_inner_totals(
    frame: pl.DataFrame, cells: list[str], keys: list[str]
) -> tuple[pl.DataFrame, list[RemovedRow]]:
    """Remove total and sub-total rows inside the table (a JUMLAH row after each desa block):
    rows whose identifying columns are empty (or say JUMLAH/TOTAL, or hold a count of a few
    digits) and that either carry a total
    label in one of their first three columns or hold only numbers."""
    if not keys or frame.height == 0:
        return frame, []
    label = r"(?i)^\s*(grand\s*total|sub\s*total|total|jumlah)\b"
    # A key cell of a total row is empty, a label, or a count (a few digits, never an ID).
    no_key = pl.all_horizontal(
        pl.col(k).is_null()
        | pl.col(k).str.contains(r"^\s*[0-9]{0,6}\s*$")
        | pl.col(k).str.contains(label)
        for k in keys
    )
    candidates = frame.filter(no_key)
    if candidates.height == 0:
        return frame, []
    labelled = pl.any_horizontal(pl.col(c).str.contains(label).fill_null(False) for c in cells[:3])
    numeric = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") | pl.col(c).str.contains(_NUMERIC)
        for c in cells
    )
    totals = candidates.filter(labelled | numeric)
    if totals.height == 0:
        return frame, []
    removed = []
    for row in totals.to_dicts():
        values = [str(row[c]).strip() for c in cells if row[c] is not None and str(row[c]).strip()]
        removed.append(RemovedRow(row[ROW], "total", safe_value(" | ".join(values))))
    rows = totals.get_column(ROW)
    return frame.filter(~pl.col(ROW).is_in(rows.implode())), removed


def _trailer_reason(values: list[str], id_value: str) -> str | None:
    """'total' for a total row, 'footnote' for a one-cell note, None for a data row."""
    labelled = _TOTAL_LABEL.match(id_value) or (
        not id_value and any(_TOTAL_LABEL.match(v) for v in values[:3])
    )
    if labelled or (not id_value and values and all(re.match(_NUMERIC, v) for v in values)):
        return "total"
    # A note ("Sumber: Kemenko PMK, 2024") is one cell of words; an ID has no spaces.
    if len(values) == 1 and (not id_value or re.search(r"\s", id_value)):
        return "footnote"
    return None


def _drop_trailer(
    frame: pl.DataFrame, cells: list[str], id_column: str | None
) -> tuple[pl.DataFrame, list[RemovedRow]]:
    """Remove total rows ('TOTAL', 'JUMLAH', or no ID and only numbers) and one-cell footnotes
    from the bottom of the table; every removed row is returned to be reported."""
    removed: list[RemovedRow] = []
    tail = frame.tail(TRAILER_SCAN_ROWS)
    keep = frame.height
    for row in reversed(tail.to_dicts()):
        values = [str(row[c]).strip() for c in cells if row[c] is not None and str(row[c]).strip()]
        id_value = (row[id_column] or "").strip() if id_column is not None else ""
        reason = _trailer_reason(values, id_value)
        if reason is None:
            break
        removed.append(RemovedRow(row[ROW], reason, safe_value(" | ".join(map(str, values)))))
        keep -= 1
    return frame.head(keep), sorted(removed, key=lambda r: r.row)
