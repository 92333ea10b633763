"""Refuse a plainly hostile .xlsx before any spreadsheet library opens it (issue 16 §1).

An .xlsx is a zip of XML parts. The check walks the zip directory, then inflates every part
itself, as a stream, counting the bytes it actually produces: a part whose declared size was
patched down (declared 5 MB, inflates 300 MB) is measured by what it holds, not by what the
directory claims. While the text streams past it looks for what no real export contains:

- a DOCTYPE or ENTITY declaration (entity expansion: "billion laughs") in any XML part;
- more than `MAX_DEPTH` tags open at the end of a block of text (absurd nesting);
- in a worksheet, a declared `<dimension>` or a cell/row reference beyond column ZZ, or with a
  row number that the bytes read so far could not hold (a sparse sheet: one cell at
  XFD1048576 makes calamine allocate the whole 16,384 × 1,048,576 grid, 512 GiB, and abort);
- more worksheets than `max_sheets`.

Everything is pure Python (zipfile, zlib, re) and reads the file once. The pattern checks run
on the first `scan_bytes` of every part and on its last block; the inflate-and-count covers all
of it. Beyond the scanned window a hostile reference can still hide: what stops it there is the
child process that parses the sheet under a memory and time limit (`tepat.pipeline.workbook`).
This check is the fast, early "no"; the child is the guarantee.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tepat.pipeline.errors import ReadError

MB = 1024 * 1024
CHUNK = 64 * 1024
EXCEL_MAX_ROWS = 1_048_576  # Excel's own limit: no real export has more rows in one sheet
MAX_DEPTH = 64  # real parts nest at most ~8 deep (worksheet/sheetData/row/c/is/r/t)

_STORED, _DEFLATED = 0, 8
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_LOCAL_MAGIC = b"PK\x03\x04"
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_WIDE_REF = re.compile(rb'\sr="[A-Z]{3}')
_DEEP_REFS: dict[int, re.Pattern[bytes]] = {}


@dataclass(frozen=True)
class ZipLimits:
    """Limits on an .xlsx before it is parsed (zip bomb, sparse sheet, entity expansion).

    Sizes: a 500,000-person P3KE sheet expands to about 640 MB of XML (inline strings) at a
    ratio of about 13×; a DTSEN regency (1.2M persons) to about 1.5 GB. A zip bomb reaches
    ratios of 1,000× and more. The inflated bytes are counted as they stream.

    Shape: the widest real export (P3KE persons) has 46 columns, so `max_columns` = 702
    (column ZZ, the last two-letter column) leaves 15× room and makes any three-letter column
    reference (AAA…XFD) hostile. A row is at least `min_row_bytes` of XML (`<row r="9"/>`
    alone is 12), so after B bytes of a worksheet no real row number exceeds
    `row_floor + B / min_row_bytes`; a reference with more digits than that bound is a sparse
    sheet built to make the parser allocate an empty grid. A real workbook has a handful of
    sheets; 100 is generous, 5,000 is an attack on the parser's per-sheet cost.
    """

    max_unzipped_bytes: int = 2048 * MB
    max_ratio: float = 100.0
    ratio_min_bytes: int = 10 * MB  # small parts may compress very well; only big ones count
    max_entries: int = 10_000
    max_sheets: int = 100
    max_columns: int = 702  # ZZ
    row_floor: int = 1_000
    min_row_bytes: int = 10
    scan_bytes: int = 16 * MB  # the shape and depth checks read this much of each part


def check_workbook(path: Path, name: str, limits: ZipLimits) -> None:
    """Raise `ReadError` unless the file is a zip that holds an Excel workbook of sane shape."""
    infos = _directory(path, name)
    _check_directory(infos, name, limits)
    _check_is_workbook({info.filename for info in infos}, name)
    total = 0
    with path.open("rb") as fh:
        for info in infos:
            total = _scan_part(fh, info, name, limits, total)


# ---------------------------------------------------------------------------------------------
# The directory


def _directory(path: Path, name: str) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _truncated(name, type(exc).__name__) from None


def _truncated(name: str, what: str) -> ReadError:
    return ReadError(
        "FILE_CORRUPT", name, detail=f"arsip zip tidak lengkap / incomplete zip archive ({what})"
    )


def _limit_text(limits: ZipLimits) -> str:
    return f"{limits.max_unzipped_bytes / MB:,.0f} MB, {limits.max_ratio:g}×"


def _bomb(name: str, limits: ZipLimits, size: str, detail: str) -> ReadError:
    return ReadError("FILE_ZIP_BOMB", name, size=size, limit=_limit_text(limits), detail=detail)


def _hostile(name: str, part: str, detail: str) -> ReadError:
    return ReadError("FILE_HOSTILE", name, value=part, detail=detail)


def _check_directory(infos: list[zipfile.ZipInfo], name: str, limits: ZipLimits) -> None:
    """What the directory declares: cheap, and enough for an honest bomb."""
    if len(infos) > limits.max_entries:
        raise _bomb(name, limits, "?", f"{len(infos):,} bagian / parts")
    sheets = sum(1 for i in infos if i.filename.startswith(("xl/worksheets/", "xl/chartsheets/"))
                 and i.filename.endswith(".xml"))
    if sheets > limits.max_sheets:
        raise _hostile(name, "xl/worksheets", f"{sheets:,} lembar kerja, batas / sheets, limit "
                       f"{limits.max_sheets:,}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise _bomb(name, limits, f"{total / MB:,.0f}", "jumlah seluruh isi / total content")
    for info in infos:
        _check_ratio(info.file_size, info.compress_size, name, limits)


def _check_ratio(inflated: int, compressed: int, name: str, limits: ZipLimits) -> None:
    ratio = inflated / max(compressed, 1)
    if inflated >= limits.ratio_min_bytes and ratio > limits.max_ratio:
        raise _bomb(name, limits, f"{inflated / MB:,.0f}",
                    f"rasio pemampatan / compression ratio {ratio:,.0f}×")


def _check_is_workbook(names: set[str], name: str) -> None:
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return
    if "word/document.xml" in names:
        detail = "dokumen Word (.docx) / a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        detail = "presentasi PowerPoint (.pptx) / a PowerPoint presentation (.pptx)"
    elif "content.xml" in names:
        detail = "dokumen OpenDocument (.ods/.odt) / an OpenDocument file"
    else:
        detail = "arsip ZIP, bukan buku kerja Excel / a ZIP archive, not an Excel workbook"
    raise ReadError("FILE_WRONG_FORMAT", name, detail=detail)


# ---------------------------------------------------------------------------------------------
# Each part, inflated as a stream


def _scan_part(fh: BinaryIO, info: zipfile.ZipInfo, name: str, limits: ZipLimits,
               total: int) -> int:
    """Inflate one part from its local header on, counting and checking; the new total."""
    method = _seek_to_data(fh, info, name)
    scanner = _PartScanner(info.filename, name, limits)
    produced = 0
    for text, consumed, last in _inflate(fh, info, method, name):
        produced += len(text)
        if total + produced > limits.max_unzipped_bytes:
            raise _bomb(name, limits, f"{(total + produced) / MB:,.0f}",
                        "jumlah seluruh isi, terhitung saat dibuka / total content, counted "
                        "while inflating")
        _check_ratio(produced, consumed, name, limits)
        scanner.feed(text, last=last)
    scanner.finish(produced)
    return total + produced


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, method: int,
             name: str) -> Iterator[tuple[bytes, int, bool]]:
    """(text, compressed bytes consumed so far, is it the last block) for one part, in blocks
    of at most 4 × CHUNK: the declared sizes are not trusted, the deflate stream's end is."""
    if method == _STORED:
        left = info.compress_size
        while left > 0 and (raw := fh.read(min(CHUNK, left))):
            left -= len(raw)
            yield raw, info.compress_size - left, left == 0
        return
    inflater = zlib.decompressobj(-15)
    consumed = 0
    while not inflater.eof and (raw := fh.read(CHUNK)):
        consumed += len(raw)
        data = raw
        while data and not inflater.eof:
            try:
                text = inflater.decompress(data, 4 * CHUNK)
            except zlib.error:
                raise _truncated(name, f"{info.filename}: deflate") from None
            data = inflater.unconsumed_tail
            yield text, consumed - len(data) - len(inflater.unused_data), inflater.eof
    if not inflater.eof:
        raise _truncated(name, f"{info.filename}: terpotong / cut short")


def _seek_to_data(fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> int:
    """Position `fh` at the part's data; its compression method (stored or deflated only)."""
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or not header.startswith(_LOCAL_MAGIC):
        raise _truncated(name, f"{info.filename}: header")
    fields = _LOCAL_HEADER.unpack(header)
    flags, method, name_length, extra_length = fields[2], fields[3], fields[9], fields[10]
    if flags & 0x1:
        raise ReadError("FILE_ENCRYPTED", name)
    if method not in (_STORED, _DEFLATED):
        raise _truncated(name, f"{info.filename}: metode pemampatan / compression method {method}")
    fh.seek(name_length + extra_length, 1)
    return method


class _PartScanner:
    """The checks over one part's text, block by block (the last bytes of a block are kept so
    that a pattern cut in two between blocks is still seen)."""

    OVERLAP = 64

    def __init__(self, part: str, name: str, limits: ZipLimits) -> None:
        self.part, self.name, self.limits = part, name, limits
        self.is_xml = part.endswith((".xml", ".rels", ".vml"))
        self.is_sheet = part.startswith("xl/worksheets/") and part.endswith(".xml")
        self.seen = 0
        self.depth = 0
        self.tail = b""
        self.dimension: tuple[int, int] | None = None

    def feed(self, text: bytes, *, last: bool) -> None:
        if not self.is_xml:
            return
        tail, self.tail = self.tail, text[-self.OVERLAP:]
        offset = self.seen
        self.seen += len(text)
        # '!' is rare in XML text and found by memchr: the pattern only runs where one is.
        if b"!" in text and (_DECLARATION.search(text) or _DECLARATION.search(
                tail + text[:self.OVERLAP])):
            raise _hostile(self.name, self.part, "deklarasi DOCTYPE/ENTITY (ekspansi entitas) / "
                           "a DOCTYPE/ENTITY declaration (entity expansion)")
        if offset >= self.limits.scan_bytes and not last:
            return
        self._check_depth(text)
        if self.is_sheet:
            self._check_sheet(tail + text)

    def _check_depth(self, text: bytes) -> None:
        """Tags opened minus tags closed, at the end of every block: real parts stay below
        ten; a nesting bomb opens thousands of tags before it closes one."""
        closes = text.count(b"</")
        self.depth += (text.count(b"<") - 2 * closes - text.count(b"/>") - text.count(b"<?")
                       - text.count(b"<!"))
        if self.depth > MAX_DEPTH:
            raise _hostile(self.name, self.part, f"lebih dari {MAX_DEPTH} tag bersarang / "
                           f"more than {MAX_DEPTH} nested tags")

    def _check_sheet(self, window: bytes) -> None:
        if self.dimension is None and (found := _DIMENSION.search(window)):
            self.dimension = self._dimension(found)
        if _WIDE_REF.search(window):
            raise self._shape_error("kolom setelah ZZ / a column beyond ZZ")
        digits = len(str(self._row_bound(self.seen)))
        if _deep_refs(digits).search(window):
            first = f"{10 ** digits:,}"
            raise self._shape_error(f"nomor baris {first} atau lebih pada {self.seen:,} byte / "
                                    f"a row number of {first} or more at {self.seen:,} bytes")

    def _dimension(self, found: re.Match[bytes]) -> tuple[int, int]:
        last_column = found.group(3) or found.group(1)
        last_row = int(found.group(4) or found.group(2))
        columns = _column_number(last_column.decode())
        if columns > self.limits.max_columns or last_row > EXCEL_MAX_ROWS:
            raise self._shape_error(f"dimensi / dimension {found.group(0)[16:-1].decode()}")
        return columns, last_row

    def _row_bound(self, size: int) -> int:
        return self.limits.row_floor + size // self.limits.min_row_bytes

    def finish(self, size: int) -> None:
        if self.dimension is not None and self.dimension[1] > 10 * self._row_bound(size):
            raise self._shape_error(f"dimensi {self.dimension[1]:,} baris dalam {size:,} byte / "
                                    f"dimension of {self.dimension[1]:,} rows in {size:,} bytes")

    def _shape_error(self, detail: str) -> ReadError:
        return _hostile(self.name, self.part, f"lembar jarang yang tidak wajar / an abnormal "
                        f"sparse sheet: {detail}")


def _deep_refs(digits: int) -> re.Pattern[bytes]:
    """A cell or row reference whose row number has more than `digits` digits."""
    if digits not in _DEEP_REFS:
        _DEEP_REFS[digits] = re.compile(rb'\sr="[A-Z]{0,3}[0-9]{%d}' % (digits + 1))
    return _DEEP_REFS[digits]


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number
