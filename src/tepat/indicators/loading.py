"""Reading indicator files (the packaged BPS CSVs, or a CSV/xlsx an admin imports) into checked
rows. Nothing here writes: `services` does, all rows or none.

Columns (header case, spaces and punctuation do not matter; Indonesian names are accepted):

    kode_wilayah, region, year, reference_month, indicator, value, unit, source, source_url,
    source_kind, note, line, flags

Required: kode_wilayah, region, year, indicator, value, source. `line` defaults by indicator and
year (`core.indicators.default_line`); `unit` defaults to the indicator's unit. Every problem
names the file, the row, the column and what was expected, in Indonesian and English.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tepat.core import indicators as core
from tepat.core.regions import data_path, normalize_code
from tepat.core.spreadsheet import csv_writer
from tepat.pipeline.errors import ReadError
from tepat.pipeline.messages import safe_value

MAX_BYTES = 10 * 1024 * 1024
PACKAGED_OBSERVATIONS = ("probolinggo_poverty.csv", "indicators_supplement.csv")
PACKAGED_TARGETS = "targets.csv"
FIELDS = ("region_code", "region_name", "indicator", "year", "month", "value", "unit", "line",
          "source", "url", "source_kind", "flags", "note")


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the name we write
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("region_code", "kode_wilayah", True, ("region_code", "kode", "kode wilayah")),
    Column("region_name", "region", True, ("region_name", "wilayah", "nama_wilayah")),
    Column("year", "year", True, ("tahun",)),
    Column("month", "reference_month", False, ("month", "bulan", "bulan_referensi")),
    Column("indicator", "indicator", True, ("indikator",)),
    Column("value", "value", True, ("nilai",)),
    Column("unit", "unit", False, ("satuan",)),
    Column("source", "source", True, ("sumber",)),
    Column("url", "source_url", False, ("url", "tautan", "tautan_sumber")),
    Column("source_kind", "source_kind", False, ("jenis_sumber",)),
    Column("note", "note", False, ("catatan", "keterangan")),
    Column("line", "line", False, ("garis", "garis_kemiskinan", "poverty_line_definition")),
    Column("flags", "flags", False, ("penanda",)),
)


def _key(text: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


_HEADERS = {_key(name): c for c in COLUMNS for name in (c.header, c.field, *c.aliases)}

MONTHS = {name: number for number, names in enumerate((
    ("january", "januari", "jan"), ("february", "februari", "feb"), ("march", "maret", "mar"),
    ("april", "apr"), ("may", "mei"), ("june", "juni", "jun"), ("july", "juli", "jul"),
    ("august", "agustus", "agu", "aug"), ("september", "sep", "sept"),
    ("october", "oktober", "okt", "oct"), ("november", "nov"),
    ("december", "desember", "des", "dec")), start=1) for name in names}


@dataclass(frozen=True)
class Problem:
    """Why a file was not imported: where (file, row, column) and what was expected."""

    file: str
    row: int | None
    column: str
    value: str  # masked (safe_value): never a full NIK/KK even if someone pasted one
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_id} / {self.message_en}"


def problem(file: str, row: int | None, column: str, value: object, message_id: str,
            message_en: str) -> Problem:
    where_id = f"Berkas {file}" + (f" baris {row}" if row is not None else "")
    where_en = f"File {file}" + (f" row {row}" if row is not None else "")
    if column:
        where_id += f" kolom {column}"
        where_en += f" column {column}"
    return Problem(file, row, column, safe_value(value), f"{where_id}: {message_id}",
                   f"{where_en}: {message_en}")


class Bad(Exception):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id, self.message_en = message_id, message_en


# --- cells -------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_ID_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_EN_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(raw: str, indicator: str) -> Decimal:
    """'17,19' or '17.19' -> 17.19; for counts and rupiah also '205.020' / '205,020' -> 205020.
    A percent or index never has thousands separators ('17.190' is 17.19)."""
    unit = core.INDICATORS[indicator].unit
    text = raw.strip().replace(" ", "").replace("\u00a0", "").removesuffix("%")
    text = text.removeprefix("Rp").removeprefix("rp").strip(".") if unit == core.RUPIAH else text
    counted = unit in {core.JIWA, core.RUPIAH}
    if counted and _ID_THOUSANDS.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif counted and _EN_THOUSANDS.match(text):
        text = text.replace(",", "")
    elif _PLAIN.match(text):
        text = text.replace(",", ".")
    else:
        raise Bad(f"{raw!r} bukan angka; tulis misalnya 17,19 atau 17.19",
                  f"{raw!r} is not a number; write e.g. 17.19")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns above only pass numbers
        raise Bad(f"{raw!r} bukan angka", f"{raw!r} is not a number") from None


def parse_year(raw: str) -> int:
    text = raw.strip().removesuffix(".0")
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise Bad("tahun harus empat angka antara 1990 dan 2100 (mis. 2024)",
                  "the year must be four digits between 1990 and 2100 (e.g. 2024)")
    return int(text)


def parse_month(raw: str) -> int:
    text = raw.strip().lower().removesuffix(".0")
    if not text:
        return 0
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    if text in MONTHS:
        return MONTHS[text]
    raise Bad("bulan harus 1–12 atau nama bulan (mis. Maret); kosongkan bila tidak diketahui",
              "the month must be 1–12 or a month name (e.g. March); leave it empty if unknown")


def parse_region_code(raw: str) -> str:
    text = raw.strip()
    if text.upper() in {core.INDONESIA, "0000", "00"}:
        return core.INDONESIA
    code = normalize_code(text)
    if code is None:
        raise Bad("kode wilayah harus kode Kemendagri (mis. 35.13) atau ID untuk Indonesia",
                  "the region code must be a Kemendagri code (e.g. 35.13) or ID for Indonesia")
    return code


def parse_indicator(raw: str) -> str:
    text = raw.strip().lower()
    if text not in core.INDICATORS:
        known = ", ".join(core.INDICATORS)
        raise Bad(f"indikator tidak dikenal; gunakan salah satu dari: {known}",
                  f"unknown indicator; use one of: {known}")
    return text


def parse_flags(raw: str) -> str:
    flags = [f.strip().lower() for f in re.split(r"[,;|]", raw) if f.strip()]
    unknown = [f for f in flags if f not in core.FLAG_LABELS]
    if unknown:
        known = ", ".join(core.FLAG_LABELS)
        raise Bad(f"penanda tidak dikenal ({', '.join(unknown)}); gunakan: {known}",
                  f"unknown flags ({', '.join(unknown)}); use: {known}")
    return ",".join(dict.fromkeys(flags))


def check_value(indicator: str, value: Decimal) -> Decimal:
    unit = core.INDICATORS[indicator].unit
    if value < 0:
        raise Bad("nilai tidak boleh negatif", "the value must not be negative")
    if unit == core.PERCENT and value > 100:
        raise Bad("persentase harus antara 0 dan 100", "a percentage must be between 0 and 100")
    return value


def check_line(indicator: str, year: int, raw: str) -> str:
    line = raw.strip().lower() or core.default_line(indicator, year)
    if line not in core.POVERTY_LINES:
        known = ", ".join(core.POVERTY_LINES)
        raise Bad(f"garis kemiskinan tidak dikenal; gunakan salah satu dari: {known}",
                  f"unknown poverty line; use one of: {known}")
    if core.INDICATORS[indicator].extreme == (line == core.NATIONAL):
        expected = "garis ekstrem (extreme_…)" if core.INDICATORS[indicator].extreme else (
            core.NATIONAL)
        raise Bad(f"indikator {indicator} tidak memakai garis {line}; diharapkan {expected}",
                  f"indicator {indicator} does not rest on line {line}; expected {expected}")
    return line


def check_unit(indicator: str, raw: str) -> str:
    expected = core.INDICATORS[indicator].unit
    unit = core.normalize_unit(raw, indicator)
    if unit != expected:
        raise Bad(f"satuan {raw!r} tidak cocok dengan indikator {indicator}; diharapkan "
                  f"{expected}", f"unit {raw!r} does not fit indicator {indicator}; expected "
                  f"{expected}")
    return unit


# --- a file ------------------------------------------------------------------------------------


@dataclass
class Table:
    file: str
    columns: dict[str, str]  # field -> header as written
    rows: list[tuple[int, dict[str, str]]]  # (1-based row, field -> cell)


def _text(cell: object) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


def _grid(path: Path, file: str) -> list[list[str]]:
    from tepat.pipeline.readers import _check_size, _sniff
    from tepat.pipeline.workbook import open_workbook  # loads Polars: only for a workbook

    _check_size(path, file, MAX_BYTES)
    if _sniff(path, file) == "zip":
        # The pre-check, then the first sheet parsed in the pipeline's limited child process.
        with open_workbook(path, file) as book:
            return [[_text(c) for c in row] for row in book.load(0).frame.rows()]
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return [[_text(c) for c in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_table(path: Path, file: str | None = None) -> tuple[Table | None, list[Problem]]:
    """The file's header (first row) and data rows, or the problems that stop it being read."""
    file = file or path.name
    try:
        grid = _grid(path, file)
    except ReadError as error:
        return None, [Problem(file, None, "", "", error.message_id, error.message_en)]
    if not grid:
        return None, [problem(file, None, "", "", "berkas kosong", "the file is empty")]
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, cell in enumerate(grid[0]):
        column = _HEADERS.get(_key(cell))
        if column is not None and column.field not in columns:
            columns[column.field], positions[column.field] = cell, position
    missing = [c.header for c in COLUMNS if c.required and c.field not in columns]
    if missing:
        expected = ", ".join(c.header for c in COLUMNS)
        return None, [problem(file, 1, name, "", f"kolom {name} tidak ada di baris judul; "
                              f"kolom yang diharapkan: {expected}",
                              f"column {name} is missing from the header row; expected "
                              f"columns: {expected}") for name in missing]
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue
        rows.append((number, {f: cells[p] if p < len(cells) else ""
                              for f, p in positions.items()}))
    if not rows:
        return None, [problem(file, None, "", "", "tidak ada baris data di bawah judul",
                              "no data rows below the header")]
    return Table(file, columns, rows), []


@dataclass
class Parsed:
    rows: list[dict[str, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _cell(table: Table, number: int, cells: dict[str, str], name: str,
          parse: Callable[[str], Any], parsed: Parsed) -> Any:
    try:
        return parse(cells.get(name, ""))
    except Bad as bad:
        header = table.columns.get(name) or next(c.header for c in COLUMNS if c.field == name)
        parsed.problems.append(problem(table.file, number, header, cells.get(name, ""),
                                       bad.message_id, bad.message_en))
        return None


def _required_text(raw: str) -> str:
    if not raw.strip():
        raise Bad("wajib diisi", "required")
    return raw.strip()


def _flags_for_packaged(row: dict[str, str]) -> str:
    """The shared BPS file has no flags column: its notes say what is unverified."""
    text = f"{row.get('note', '')} {row.get('source_kind', '')}".lower()
    flags = [core.UNVERIFIED, core.YEAR_INFERRED] if "inferred" in text else []
    return ",".join(flags)


def _parse_row(table: Table, number: int, cells: dict[str, str], parsed: Parsed,
               ) -> dict[str, object] | None:
    before = len(parsed.problems)
    region = _cell(table, number, cells, "region_code", parse_region_code, parsed)
    name = _cell(table, number, cells, "region_name", _required_text, parsed)
    indicator = _cell(table, number, cells, "indicator", parse_indicator, parsed)
    year = _cell(table, number, cells, "year", parse_year, parsed)
    month = _cell(table, number, cells, "month", parse_month, parsed)
    source = _cell(table, number, cells, "source", _required_text, parsed)
    flags = _cell(table, number, cells, "flags", parse_flags, parsed)
    if indicator is None:
        return None
    unit = _cell(table, number, cells, "unit", lambda raw: check_unit(indicator, raw), parsed)
    value = _cell(table, number, cells, "value",
                  lambda raw: check_value(indicator, parse_number(raw, indicator)), parsed)
    line = None
    if year is not None:
        line = _cell(table, number, cells, "line",
                     lambda raw: check_line(indicator, year, raw), parsed)
    if len(parsed.problems) > before:
        return None
    return {
        "region_code": region, "region_name": name, "indicator": indicator, "year": year,
        "month": month, "value": value, "unit": unit, "line": line, "source": source,
        "url": cells.get("url", "").strip(), "source_kind": cells.get("source_kind", "").strip(),
        "flags": flags, "note": cells.get("note", "").strip(),
    }


def observation_key(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[f] for f in ("region_code", "indicator", "year", "month", "line", "source"))


def parse_rows(table: Table, *, packaged: bool = False) -> Parsed:
    """Check every row; rows are returned only when no row has a problem."""
    parsed = Parsed()
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in table.rows:
        if packaged and "flags" not in table.columns:
            cells = {**cells, "flags": _flags_for_packaged(cells)}
        row = _parse_row(table, number, cells, parsed)
        if row is None:
            continue
        key = observation_key(row)
        if key in seen:
            parsed.problems.append(problem(
                table.file, number, "", "", f"baris ini mengulang baris {seen[key]} (wilayah, "
                f"indikator, tahun, bulan, garis dan sumber sama)", f"this row repeats row "
                f"{seen[key]} (same region, indicator, year, month, line and source)"))
            continue
        seen[key] = number
        parsed.rows.append(row)
    if parsed.problems:
        parsed.rows = []
    return parsed


def read_observations(path: Path, file: str | None = None, *, packaged: bool = False) -> Parsed:
    table, problems = read_table(path, file)
    if table is None:
        return Parsed(problems=problems)
    return parse_rows(table, packaged=packaged)


def packaged_paths() -> list[Path]:
    return [data_path("bps", name) for name in PACKAGED_OBSERVATIONS]


def packaged_targets() -> list[dict[str, object]]:
    """The packaged targets (a file we author: read strictly, a broken row is a bug)."""
    with data_path("bps", PACKAGED_TARGETS).open(encoding="utf-8") as fh:
        return [{**row, "year": int(row["year"]), "value": Decimal(row["value"])}
                for row in csv.DictReader(fh)]


def header_row() -> Sequence[str]:
    """The columns of an import template, in order."""
    return [c.header for c in COLUMNS]


def template_csv(rows: Iterable[Sequence[object]] = ()) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(header_row())
    writer.writerows(rows)
    return out.getvalue()
