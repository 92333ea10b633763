"""An agency's beneficiary list (Excel or CSV) read and validated whole (issue 4 §3).

A file that cannot be read, lacks the NIK/KK or date column, or has a row with a bad date, a bad
amount, an unknown desa or neither NIK nor KK is rejected with messages that name the file, the
row and the column (in Indonesian and English), and nothing is written. What the rows are
matched to is `tepat.interventions.matching`'s business; this module only reads.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.utils import timezone

from tepat.core.identity import normalize_number
from tepat.core.layout import Column, Kind, Layout, Unit
from tepat.core.regions import normalize_code
from tepat.pipeline.convert import parse_dates
from tepat.pipeline.disbursement import parse_rupiah
from tepat.pipeline.errors import ReadError
from tepat.pipeline.headers import accepted_headers, known_keys, map_headers, match_count
from tepat.pipeline.messages import Note, mask_numbers, render, safe_value
from tepat.pipeline.readers import HEADER_SCAN_ROWS, ROW, read_sheet
from tepat.pipeline.workbook import open_workbook
from tepat.regions.models import Level, Region
from tepat.verification.errors import RuleError

# ---------------------------------------------------------------------------------------------
# The columns of a beneficiary list

BENEFICIARY_LAYOUT = Layout("bantuan", Unit.PERSON, (
    Column("nik", "NIK", Kind.NIK, labels=(
        "NIK Penerima", "Nomor Induk Kependudukan", "No NIK", "NIK KPM")),
    Column("no_kk", "No. KK", Kind.NIK, labels=(
        "KK", "No KK", "Nomor KK", "Nomor Kartu Keluarga", "NKK", "No KK Penerima")),
    Column("nama", "Nama", Kind.TEXT, labels=(
        "Nama Penerima", "Nama Lengkap", "Nama KPM", "Nama Kepala Keluarga")),
    Column("tanggal_lahir", "Tanggal lahir", Kind.DATE, labels=("Tgl Lahir", "Tgl. Lahir")),
    Column("desa", "Desa", Kind.REGION, labels=(
        "Desa/Kelurahan", "Kelurahan", "Kode Desa", "Nama Desa", "Kode Wilayah")),
    Column("tanggal", "Tanggal", Kind.DATE, required=True, labels=(
        "Tanggal Penyaluran", "Tanggal Salur", "Tgl Salur", "Tanggal Terima", "Tanggal Bantuan",
        "Tgl")),
    Column("jumlah", "Jumlah", Kind.INT, labels=(
        "Nilai", "Nilai Bantuan", "Jumlah Bantuan", "Nominal", "Jumlah (Rp)", "Nilai (Rp)")),
))
MAX_PROBLEMS = 50  # listed in a rejection; the rest are counted


@dataclass(frozen=True)
class FileProblem:
    """Why a file is rejected: the row (None for the whole file), the column, in both languages."""

    row: int | None
    column: str
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return self.message_id


class UploadRejected(RuleError):
    """The whole file is refused; `file_problems` name row and column. Nothing was written."""

    def __init__(self, file_problems: list[FileProblem], more: int = 0) -> None:
        self.file_problems = file_problems
        self.more = more
        super().__init__(*[("file", p.message_id) for p in file_problems])


@dataclass
class BeneficiaryRow:
    row: int  # the spreadsheet row number
    nik: str | None
    no_kk: str | None
    nama: str
    tanggal_lahir: date | None
    desa: str | None  # a desa code
    delivered_on: date
    amount: Decimal | None


# ---------------------------------------------------------------------------------------------
# Reading and validating the file


def _at(file: str, row: int | None, column: str) -> tuple[str, str]:
    file = mask_numbers(file)
    if row is None:
        return f"Berkas {file} kolom '{column}'", f"File {file} column '{column}'"
    return (f"Berkas {file} baris {row} kolom '{column}'",
            f"File {file} row {row} column '{column}'")


def _cell_problem(file: str, row: int | None, column: str, what: tuple[str, str],
                  expected: tuple[str, str]) -> FileProblem:
    at_id, at_en = _at(file, row, column)
    return FileProblem(row, column, f"{at_id}: {what[0]}; yang diharapkan: {expected[0]}.",
                       f"{at_en}: {what[1]}; expected: {expected[1]}.")


_DATE_EXPECTED = ("tanggal seperti 2024-05-01 atau 01/05/2024, tidak setelah hari ini",
                  "a date like 2024-05-01 or 01/05/2024, not after today")
_AMOUNT_EXPECTED = ("nilai rupiah 0 atau lebih, seperti 3000000 atau 3.000.000",
                    "an amount in rupiah of 0 or more, like 3000000 or 3.000.000")
_DESA_EXPECTED = ("kode desa Kemendagri (mis. 35.13.20.2001) atau nama desa di kabupaten ini",
                  "a Kemendagri desa code (e.g. 35.13.20.2001) or the name of a desa of this "
                  "regency")


@contextmanager
def staged(path_or_file: Path | str | IO[bytes] | Any, file_name: str) -> Iterator[Path]:
    """The upload as a file on disk named like the user's file (so that every message names it),
    in a private temporary directory that is removed afterwards."""
    name = Path(str(file_name).replace("\\", "/")).name.strip()[:200] or "berkas.xlsx"
    with tempfile.TemporaryDirectory(prefix="tepat-bantuan-") as folder:
        target = Path(folder) / name
        if isinstance(path_or_file, (str, Path)):
            shutil.copyfile(path_or_file, target)
        else:
            if hasattr(path_or_file, "seek"):
                path_or_file.seek(0)
            with target.open("wb") as out:
                chunks = (path_or_file.chunks() if hasattr(path_or_file, "chunks")
                          else iter(lambda: path_or_file.read(1 << 20), b""))
                for chunk in chunks:
                    out.write(chunk)
        yield target


def read_beneficiaries(path: Path) -> tuple[list[BeneficiaryRow], list[Note]]:
    """Every row of the file, validated; `UploadRejected` when anything blocks it."""
    file = path.name
    frame, headers, notes, cell_errors = _read_table(path)
    missing = _missing_fields(headers)
    if missing:
        raise UploadRejected([_missing_columns(file, missing)])
    mapping = map_headers(headers, BENEFICIARY_LAYOUT)
    columns = {f: mapping.column_of(f) for f in (c.field for c in BENEFICIARY_LAYOUT.columns)}
    rows, problems = _parse_rows(frame, columns, file, cell_errors)
    problems.sort(key=lambda p: p.row or 0)
    if problems:
        raise UploadRejected(problems[:MAX_PROBLEMS], more=max(0, len(problems) - MAX_PROBLEMS))
    return rows, notes


def _missing_fields(headers: list[str]) -> list[str]:
    mapping = map_headers(headers, BENEFICIARY_LAYOUT)
    missing = [f for f in ("tanggal",) if mapping.column_of(f) is None]
    if mapping.column_of("nik") is None and mapping.column_of("no_kk") is None:
        missing = ["nik", "no_kk", *missing]
    return missing


def _read_table(path: Path) -> tuple[pl.DataFrame, list[str], list[Note],
                                     list[tuple[int, str, str]]]:
    """The file's table as text cells (with `_row`), its headers, the reader's notes and the
    Excel error cells. The pipeline's reader does the safety checks (size, format, zip bomb,
    encoding) and finds a header row it knows; when that row is not a beneficiary list's
    header (its scan knows the registry's layouts only), the first rows are scanned again for
    the headers of `BENEFICIARY_LAYOUT`."""
    try:
        table = read_sheet(path)
    except ReadError as error:
        if error.code != "FILE_NO_HEADER":
            raise UploadRejected([FileProblem(None, "", error.message_id, error.message_en)],
                                 ) from None
        table = None
    if table is not None and not _missing_fields(table.headers):
        return table.frame, table.headers, table.notes, table.cell_errors
    rescanned = _rescan(path)
    if rescanned is None:
        raise UploadRejected([_missing_columns(path.name, ("nik", "no_kk", "tanggal"))])
    frame, headers = rescanned
    if table is not None and len(_missing_fields(headers)) >= len(_missing_fields(table.headers)):
        return table.frame, table.headers, table.notes, table.cell_errors
    return frame, headers, [], []


def _rescan(path: Path) -> tuple[pl.DataFrame, list[str]] | None:
    """The table under the row (of the first rows of any sheet) that holds the most headers of
    a beneficiary list; None when no row holds one."""
    keys = set(known_keys(BENEFICIARY_LAYOUT))
    try:
        candidates = _xlsx_candidates(path, keys) if zipfile.is_zipfile(path) else \
            _csv_candidates(path, keys)
    except ReadError as error:
        raise UploadRejected([FileProblem(None, "", error.message_id, error.message_en)],
                             ) from None
    except (pl.exceptions.PolarsError, ValueError, OSError) as exc:
        detail = safe_value(" ".join(str(exc).split())[:160])
        raise UploadRejected([FileProblem(None, "", *render("FILE_CORRUPT", file=path.name,
                                                             detail=detail))]) from None
    best = max(candidates, key=lambda c: c[0], default=None)
    if best is None or best[0] == 0:
        return None
    _score, frame, headers, first_row = best
    frame.columns = headers
    frame = frame.with_columns(
        pl.int_range(first_row, first_row + frame.height, dtype=pl.Int32).alias(ROW))
    filled = pl.any_horizontal(pl.col(h).str.strip_chars().str.len_chars() > 0 for h in headers)
    return frame.filter(filled.fill_null(False)), headers


_Candidate = tuple[int, pl.DataFrame, list[str], int]  # (score, data, headers, first data row)


def _header_names(cells: list[object]) -> list[str]:
    names: list[str] = []
    for position, cell in enumerate(cells):
        text = _text(cell) or f"kolom_{position + 1}"
        names.append(text if text not in names else f"{text} ({position + 1})")
    return names


def _xlsx_candidates(path: Path, keys: set[str]) -> list[_Candidate]:
    """Every sheet's rows under each header row it holds, parsed in the pipeline's limited
    child process (`read_sheet` has already run the pre-check on this file)."""
    found = []
    with open_workbook(path, path.name, checked=True) as book:
        for sheet in book.sheet_names:
            frame = book.load(sheet).frame
            for index, row in enumerate(frame.head(HEADER_SCAN_ROWS).rows()):
                score = match_count([c for c in row if c is not None], keys)
                if score:
                    found.append((score, frame.slice(index + 1), _header_names(list(row)),
                                  index + 2))
    return found


def _csv_candidates(path: Path, keys: set[str]) -> list[_Candidate]:
    """The table under the best header line, for the separator that gives it the most of our
    headers (UTF-8, else Windows-1252)."""
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    lines = [line.rstrip("\r") for line in text.split("\n")[:HEADER_SCAN_ROWS]]
    best: tuple[int, int, str, list[str]] | None = None  # (score, -index, separator, cells)
    for delimiter in (";", ",", "|", "\t"):
        for index, line in enumerate(lines):
            cells = next(csv.reader([line], delimiter=delimiter), [])
            score = match_count(cells, keys) if len(cells) > 1 else 0
            if score and (best is None or (score, -index) > best[:2]):
                best = (score, -index, delimiter, cells)
    if best is None:
        return []
    score, negative_index, delimiter, cells = best
    frame = pl.read_csv(text.encode("utf-8"), has_header=True, skip_rows=-negative_index,
                        separator=delimiter, infer_schema=False, raise_if_empty=False,
                        truncate_ragged_lines=True)
    return [(score, frame, _header_names(list(cells))[:frame.width], -negative_index + 2)]


def _missing_columns(file: str, fields: list[str] | tuple[str, ...]) -> FileProblem:
    columns = [BENEFICIARY_LAYOUT.column(name) for name in fields]
    names = "; ".join(f"'{c.header}' ({', '.join(accepted_headers(c))})" for c in columns)
    either = {"nik", "no_kk"} <= set(fields)
    file = mask_numbers(file)
    return FileProblem(
        None, ", ".join(c.header for c in columns),
        f"Berkas {file}: kolom wajib tidak ditemukan: {names}."
        + (" Minimal salah satu dari NIK atau No. KK harus ada." if either else ""),
        f"File {file}: required columns not found: {names}."
        + (" At least one of NIK or No. KK is needed." if either else ""),
    )


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _parse_rows(frame: pl.DataFrame, columns: dict[str, str | None], file: str,
                cell_errors: list[tuple[int, str, str]]) -> tuple[list[BeneficiaryRow],
                                                                  list[FileProblem]]:
    problems: list[FileProblem] = []
    used = {c for c in columns.values() if c}
    for row, column, value in cell_errors:
        if column in used:
            problems.append(_cell_problem(file, row, column, (
                f"berisi galat Excel {value}", f"holds the Excel error {value}"),
                ("nilai yang terisi", "a filled-in value")))
    today = timezone.localdate()
    dates = _date_lookup(frame, [columns["tanggal"], columns["tanggal_lahir"]], today)
    desa = _DesaLookup() if columns["desa"] else None
    rows: list[BeneficiaryRow] = []
    for record in frame.iter_rows(named=True):
        parsed = _parse_row(record, columns, file, dates, desa, problems)
        if parsed is not None:
            rows.append(parsed)
    return rows, problems


def _date_lookup(frame: pl.DataFrame, names: list[str | None], today: date,
                 ) -> dict[str, date | None]:
    values: set[str] = set()
    for name in names:
        if name:
            values |= {_text(v) for v in frame[name].drop_nulls().to_list() if _text(v)}
    return parse_dates(sorted(values), today) if values else {}


def _parse_row(record: dict[str, Any], columns: dict[str, str | None], file: str,
               dates: dict[str, date | None], desa: _DesaLookup | None,
               problems: list[FileProblem]) -> BeneficiaryRow | None:
    row = record[ROW]

    def cell(name: str) -> str:
        column = columns[name]
        return _text(record.get(column)) if column else ""

    before = len(problems)
    nik, no_kk = normalize_number(cell("nik")), normalize_number(cell("no_kk"))
    if nik is None and no_kk is None:
        shown = " / ".join(c for c in (columns["nik"], columns["no_kk"]) if c)
        problems.append(_cell_problem(file, row, shown, (
            "NIK dan No. KK kosong", "both NIK and No. KK are empty"), (
            "NIK atau No. KK penerima (16 angka)", "the beneficiary's NIK or No. KK (16 digits)")))
    delivered = _date_cell(cell("tanggal"), columns["tanggal"], row, file, dates, problems,
                           required=True)
    born = _date_cell(cell("tanggal_lahir"), columns["tanggal_lahir"], row, file, dates,
                      problems, required=False)
    amount = _amount_cell(cell("jumlah"), columns["jumlah"], row, file, problems)
    desa_code = None
    if desa is not None:
        desa_code = desa.find(cell("desa"), columns["desa"] or "", row, file, problems)
    if len(problems) > before or delivered is None:
        return None
    return BeneficiaryRow(row, nik, no_kk, cell("nama")[:200], born, desa_code, delivered, amount)


def _date_cell(text: str, column: str | None, row: int, file: str,
               dates: dict[str, date | None], problems: list[FileProblem], *,
               required: bool) -> date | None:
    if not text:
        if required and column:
            problems.append(_cell_problem(file, row, column, ("kosong", "empty"),
                                          _DATE_EXPECTED))
        return None
    found = dates.get(text)
    if found is None and column:
        problems.append(_cell_problem(file, row, column, (
            f"'{safe_value(text)}' bukan tanggal yang benar",
            f"'{safe_value(text)}' is not a valid date"), _DATE_EXPECTED))
    return found


parse_amount = parse_rupiah  # the one rupiah parser (tepat.pipeline.disbursement)


def _amount_cell(text: str, column: str | None, row: int, file: str,
                 problems: list[FileProblem]) -> Decimal | None:
    if not text or column is None:
        return None
    amount = parse_amount(text)
    if amount is None:
        problems.append(_cell_problem(file, row, column, (
            f"'{safe_value(text)}' bukan angka rupiah", f"'{safe_value(text)}' is not an amount"),
            _AMOUNT_EXPECTED))
    return amount


def _name_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


class _DesaLookup:
    """Desa by Kemendagri code or by name (case, spaces and punctuation ignored)."""

    def __init__(self) -> None:
        self.codes: set[str] = set()
        self.names: dict[str, list[str]] = defaultdict(list)
        for code, name in Region.objects.filter(level=Level.DESA).values_list("code", "name"):
            self.codes.add(code)
            self.names[_name_key(name)].append(code)

    def find(self, text: str, column: str, row: int, file: str,
             problems: list[FileProblem]) -> str | None:
        if not text:
            return None
        code = normalize_code(text)
        if code in self.codes:
            return code
        found = self.names.get(_name_key(re.sub(r"(?i)^(desa|kelurahan|kel\.)\s+", "", text)), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            what = (f"nama desa '{safe_value(text)}' ada di {len(found)} kecamatan",
                    f"the desa name '{safe_value(text)}' exists in {len(found)} kecamatan")
            expected = ("kode desanya (mis. 35.13.20.2001)", "its desa code (e.g. 35.13.20.2001)")
        else:
            what = (f"desa '{safe_value(text)}' tidak dikenal",
                    f"the desa '{safe_value(text)}' is unknown")
            expected = _DESA_EXPECTED
        problems.append(_cell_problem(file, row, column, what, expected))
        return None
