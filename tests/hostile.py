"""A corpus of hostile upload files, generated at test time (issue 16 §1; not a test module).

    uv run python tests/hostile.py /tmp/hostile     # writes every file, prints them

Each `Hostile` names its kind, the file name it is uploaded under and the bytes. Spreadsheets
are built part by part with zipfile so that every trick is explicit; images with zlib and
Pillow. They are small on disk; what they claim or inflate to is what hurts.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Nama</t></is></c></row>')


@dataclass(frozen=True)
class Hostile:
    kind: str  # short label for tables and test ids
    name: str  # the file name it is uploaded as
    data: bytes
    image: bool = False  # an image (photo / scan endpoints) rather than a data file

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


# ---------------------------------------------------------------------------------------------
# Workbooks


def _sheet(body: str, *, prolog: str = "", dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
            f"<sheetData>{body}</sheetData></worksheet>")


def workbook(sheets: list[str] | None = None, *, shared: str | None = None,
             sheet_count: int | None = None) -> bytes:
    """An .xlsx with the given worksheet XML parts (or `sheet_count` copies of a tiny one)."""
    sheets = sheets if sheets is not None else [_sheet(HEADER_ROW)] * (sheet_count or 1)
    entries = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>'
                      for i in range(1, len(sheets) + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/></Types>'),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                        f'<Relationship Id="rId1" Type="{REL}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                            f'xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                       f'xmlns="{PKG_REL}">{rels}</Relationships>'),
    }
    for i, xml in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def single_cell(ref: str) -> bytes:
    row = int("".join(c for c in ref if c.isdigit()))
    return workbook([_sheet(HEADER_ROW + f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x'
                            "</t></is></c></row>")])


def huge_dimension() -> bytes:
    return workbook([_sheet(HEADER_ROW, dimension="A1:XFD1048576")])


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>")


def laughs_in_sheet() -> bytes:
    return workbook([_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;'
                            "</t></is></c></row>", prolog=_LAUGHS)])


def laughs_in_shared_strings() -> bytes:
    shared = (f'<?xml version="1.0" encoding="UTF-8"?>{_LAUGHS}<sst xmlns="{MAIN}" count="1" '
              'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    return workbook([_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')],
                    shared=shared)


def deep_nesting(depth: int = 100_000) -> bytes:
    return workbook([_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is>'
                            + "<r>" * depth + "</r>" * depth + "</is></c></row>")])


def huge_string(size: int = 50 * MB) -> bytes:
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
              f'uniqueCount="1"><si><t>{"A" * size}</t></si></sst>')
    return workbook([_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')],
                    shared=shared)


def lying_sizes(inflated: int = 300 * MB, declared: int = 5 * MB) -> bytes:
    """A sheet of `inflated` bytes whose local and central headers declare `declared`."""
    row = '<row><c t="inlineStr"><is><t>3513204703850001</t></is></c></row>'
    block = (row * (MB // len(row))).encode()
    head = _sheet(HEADER_ROW).split("</sheetData>")[0].encode()
    tail = b"</sheetData></worksheet>"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = [packer.compress(head)]
    written, crc = len(head), zlib.crc32(head)
    while written + len(block) + len(tail) <= inflated:
        body.append(packer.compress(block))
        written += len(block)
        crc = zlib.crc32(block, crc)
    body.append(packer.compress(tail))
    body.append(packer.flush())
    crc = zlib.crc32(tail, crc)
    compressed = b"".join(body)
    base = workbook([_sheet(HEADER_ROW)])  # every other part, then the sheet replaced
    return _replace_part(base, "xl/worksheets/sheet1.xml", compressed, crc, declared)


def _replace_part(archive_bytes: bytes, part: str, compressed: bytes, crc: int,
                  declared: int) -> bytes:
    """The archive rebuilt with `part` holding raw deflate data and a declared size that lies."""
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    out = io.BytesIO()
    central = []
    for info in source.infolist():
        if info.filename == part:
            data, size, check = compressed, declared, crc
        else:
            raw = source.read(info.filename)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            data, size, check = packer.compress(raw) + packer.flush(), len(raw), zlib.crc32(raw)
        name = info.filename.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, check, len(data),
                              size, len(name), 0) + name + data)
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, check,
                                   len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          len(directory), start, 0))
    return out.getvalue()


def hidden_beyond_the_scan(filler: int = 17 * MB) -> bytes:
    """One cell at column XFD after `filler` bytes of ordinary rows (past the pre-check's
    16 MB pattern window, before its last block, at a compression ratio a real export has):
    only the parsing child's memory limit stops this one."""
    import random

    rnd = random.Random(16)
    rows, size, r = [HEADER_ROW], 0, 1
    while size < filler:
        r += 1
        row = (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{rnd.getrandbits(40):x}</t></is>'
               f'</c><c r="B{r}" t="inlineStr"><is><t>Nama {rnd.getrandbits(16)}</t></is></c>'
               "</row>")
        rows.append(row)
        size += len(row)
    rows.append(f'<row r="{r + 1}"><c r="XFD{r + 1}" t="inlineStr"><is><t>x</t></is></c></row>')
    rows.extend(rows[1:20_000])  # more than a block of rows after it (repeats: calamine's
    return workbook([_sheet("".join(rows))])  # last-wins; the range is what hurts)


def truncated() -> bytes:
    whole = workbook([_sheet(HEADER_ROW * 1)])
    return whole[: len(whole) // 2]


# ---------------------------------------------------------------------------------------------
# Images


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(side: int = 10_900) -> bytes:
    """A 1-bit greyscale PNG of side × side pixels: about 15 KB on disk, 356 MB as RGB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    pixels = zlib.compress(row * side, 9)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def jpeg_bomb(side: int = 10_900) -> bytes:
    """A tiny JPEG whose frame header is patched to claim side × side pixels."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 90, 60)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def png_zip_polyglot() -> bytes:
    """A real small PNG with a workbook appended: an image to Pillow, a zip to zipfile."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(out, "PNG")
    return out.getvalue() + single_cell("XFD1048576")


def html_named_csv() -> bytes:
    return b"<!DOCTYPE html><html><body><table><tr><td>NIK</td></tr></table></body></html>"


# ---------------------------------------------------------------------------------------------
# The corpus


BUILDERS: dict[str, tuple[str, Callable[[], bytes], bool]] = {
    "sel XFD1048576": ("xfd.xlsx", lambda: single_cell("XFD1048576"), False),
    "sel Z300000": ("z300000.xlsx", lambda: single_cell("Z300000"), False),
    "dimensi A1:XFD1048576": ("dimensi.xlsx", huge_dimension, False),
    "ukuran zip palsu 300 MB": ("bohong.xlsx", lying_sizes, False),
    "entitas di lembar": ("lol_lembar.xlsx", laughs_in_sheet, False),
    "entitas di sharedStrings": ("lol_strings.xlsx", laughs_in_shared_strings, False),
    "sarang 100.000": ("sarang.xlsx", deep_nesting, False),
    "5.000 lembar": ("lembar.xlsx", lambda: workbook(sheet_count=5_000), False),
    "teks 50 MB": ("teks.xlsx", huge_string, False),
    "XFD tersembunyi setelah 17 MB": ("tersembunyi.xlsx", hidden_beyond_the_scan, False),
    "arsip terpotong": ("potong.xlsx", truncated, False),
    "xlsx bernama csv": ("xfd.csv", lambda: single_cell("XFD1048576"), False),
    "html bernama csv": ("halaman.csv", html_named_csv, False),
    "png+zip": ("poliglot.xlsx", png_zip_polyglot, False),
    "bom PNG 10900²": ("bom.png", png_bomb, True),
    "bom JPEG 10900²": ("bom.jpg", jpeg_bomb, True),
    "png+zip (gambar)": ("poliglot.png", png_zip_polyglot, True),
}


def corpus(kinds: list[str] | None = None) -> list[Hostile]:
    return [Hostile(kind, name, build(), image)
            for kind, (name, build, image) in BUILDERS.items() if kinds is None or kind in kinds]


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    folder.mkdir(parents=True, exist_ok=True)
    for item in corpus():
        print(f"{item.kind:28} {item.write(folder)}  {len(item.data):>10,} bytes")
