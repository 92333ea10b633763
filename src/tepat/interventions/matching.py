"""An agency's beneficiary list (Excel or CSV) matched to the registry (issue 4 §3).

The file is read and validated whole before anything is written: a file that cannot be read,
lacks the NIK/KK or date column, or has a row with a bad date, a bad amount, an unknown desa or
neither NIK nor KK is rejected with messages that name the file, the row and the column (in
Indonesian and English), and nothing is written.

Matching is exact or nothing: a row matches on a *valid* NIK (`check_nik` without errors) that
belongs to exactly one registry family, else on a valid No. KK held by exactly one family. Every
other row is kept as an `UnmatchedRow` with the reason and its nearest candidates (name
similarity, same birth date, same desa, nearly the same number) for a person to confirm or
reject. A NIK that occurs twice in the file is matched once; the later rows are held back as
duplicates for a person to decide. Nothing is dropped: rows = matched + unmatched.
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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import IO, Any, NamedTuple

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.audit.services import log_event
from tepat.core.identity import NUMBER_LENGTH, check_kk, check_nik, normalize_number
from tepat.core.layout import Column, Kind, Layout, Unit
from tepat.core.regions import normalize_code
from tepat.interventions.models import BeneficiaryUpload, Intervention, Programme, UnmatchedRow
from tepat.interventions.services import (
    Delivery,
    add_intervention,
    add_interventions,
    require_programme_manager,
)
from tepat.pipeline.convert import parse_dates
from tepat.pipeline.disbursement import parse_rupiah
from tepat.pipeline.errors import ReadError
from tepat.pipeline.headers import accepted_headers, known_keys, map_headers, match_count
from tepat.pipeline.messages import Note, mask_numbers, render, safe_value
from tepat.pipeline.readers import HEADER_SCAN_ROWS, ROW, file_sha256, read_sheet
from tepat.pipeline.workbook import open_workbook
from tepat.regions.models import Level, Region
from tepat.registry.models import Family, Person, kk_in, nik_in
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
MAX_CANDIDATES = 5
MIN_SCORE = 35
SEARCHED_ROWS_MAX = 1000  # unmatched rows of one file whose candidates are searched
POOL_LIMIT = 300  # persons fetched per blocking key (birth date, name token)
CHUNK = 500  # values per IN (...) query


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


@dataclass
class UploadReport:
    upload: BeneficiaryUpload
    rows: int
    matched: int
    unmatched: int  # includes the duplicates
    duplicates: int
    by_nik: int
    by_kk: int
    amount: Decimal
    notes: list[Note] = field(default_factory=list)


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


# ---------------------------------------------------------------------------------------------
# Exact matching


def _is_valid(number: str | None, check: Any) -> bool:
    return bool(number) and not any(p.is_error for p in check(number))


def _first_error(number: str | None, check: Any, label: str) -> str:
    if not number:
        return _("%(label)s kosong") % {"label": label}
    problem = next((p for p in check(number) if p.is_error), None)
    return _("%(label)s tidak valid: %(why)s") % {"label": label,
                                                   "why": problem.message_id if problem else ""}


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _nik_index(actor: Any, niks: set[str]) -> dict[str, dict[int, int | None]]:
    """NIK -> {family id: person id (None when only the family's head NIK matched)}."""
    index: dict[str, dict[int, int | None]] = defaultdict(dict)
    for chunk in _chunks(sorted(niks)):
        # A NIK whose digits were lost (issue 17 §2) is kept, flagged, and never matched.
        for nik, person, family in (Person.objects.for_user(actor).filter(nik_in(chunk))
                                    .values_list("nik", "pk", "family_id")):
            index[nik][family] = person
        for nik, family in (Family.objects.for_user(actor).filter(nik_in(chunk))
                            .values_list("nik", "pk")):
            index[nik].setdefault(family, None)
    return index


def _kk_index(actor: Any, numbers: set[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(numbers)):
        for kk, family in (Family.objects.for_user(actor).filter(kk_in(chunk))
                           .values_list("no_kk", "pk")):
            index[kk].append(family)
    return index


@dataclass
class _Outcome:
    row: BeneficiaryRow
    family: int | None = None
    person: int | None = None
    by: str = ""  # "nik" | "kk" for a match
    reason: str = ""
    exact_families: list[int] = field(default_factory=list)  # an ambiguous NIK/KK
    duplicate_of: _Outcome | None = None


def match_rows(rows: list[BeneficiaryRow], actor: Any, *, once_per_nik: bool = True,
               ) -> list[_Outcome]:
    """Each row's exact NIK/KK match in the actor's area; with `once_per_nik`, a NIK's later rows
    are held back as duplicates (a disbursement file pays one NIK in several periods)."""
    niks = {r.nik for r in rows if _is_valid(r.nik, check_nik)}
    kks = {r.no_kk for r in rows if _is_valid(r.no_kk, check_kk)}
    by_nik, by_kk = _nik_index(actor, niks), _kk_index(actor, kks)
    outcomes: list[_Outcome] = []
    first_of: dict[str, _Outcome] = {}
    for row in rows:
        outcome = _match_one(row, niks, kks, by_nik, by_kk)
        if once_per_nik and row.nik and row.nik in first_of:
            outcome = _duplicate(row, first_of[row.nik])
        elif row.nik:
            first_of[row.nik] = outcome
        outcomes.append(outcome)
    return outcomes


def _match_one(row: BeneficiaryRow, niks: set[str], kks: set[str],
               by_nik: dict[str, dict[int, int | None]], by_kk: dict[str, list[int]]) -> _Outcome:
    reasons = []
    if row.nik in niks:
        families = by_nik.get(row.nik or "", {})
        if len(families) == 1:
            (family, person), = families.items()
            return _Outcome(row, family, person, by="nik")
        if families:
            reasons.append(_("NIK terdaftar pada %(n)s keluarga") % {"n": len(families)})
        else:
            reasons.append(_("NIK tidak ditemukan di registri"))
    else:
        reasons.append(_first_error(row.nik, check_nik, "NIK"))
    exact = list(by_nik.get(row.nik or "", {})) if row.nik in niks else []
    if row.no_kk in kks:
        families_kk = by_kk.get(row.no_kk or "", [])
        if len(families_kk) == 1 and (not exact or families_kk[0] in exact):
            family = families_kk[0]
            return _Outcome(row, family, by_nik.get(row.nik or "", {}).get(family), by="kk")
        if len(families_kk) > 1:
            reasons.append(_("No. KK dipakai %(n)s keluarga") % {"n": len(families_kk)})
        elif not families_kk:
            reasons.append(_("No. KK tidak ditemukan di registri"))
        exact += [f for f in families_kk if f not in exact]
    else:
        reasons.append(_first_error(row.no_kk, check_kk, "No. KK"))
    return _Outcome(row, reason="; ".join(reasons)[:200], exact_families=exact)


def _duplicate(row: BeneficiaryRow, first: _Outcome) -> _Outcome:
    reason = _("NIK ganda dalam berkas: sama dengan baris %(row)s") % {"row": first.row.row}
    exact = [first.family] if first.family else list(first.exact_families)
    return _Outcome(row, reason=reason[:200], exact_families=exact, duplicate_of=first)


# ---------------------------------------------------------------------------------------------
# Nearest candidates of an unmatched row


class Candidate(NamedTuple):
    family: int
    person: int | None
    nama: str
    tanggal_lahir: date | None
    desa: str
    nik: str
    no_kk: str


_PERSON_FIELDS = ("family_id", "pk", "nama", "tanggal_lahir", "desa_id", "nik", "family__no_kk")
_FAMILY_FIELDS = ("pk", "kepala_keluarga", "tanggal_lahir", "desa_id", "nik", "no_kk")


def _persons(actor: Any, query: Q, limit: int | None = None) -> list[Candidate]:
    rows = Person.objects.for_user(actor).filter(query).values_list(*_PERSON_FIELDS)
    return [Candidate(*r) for r in (rows[:limit] if limit else rows)]


def _families(actor: Any, query: Q, limit: int | None = None) -> list[Candidate]:
    rows = Family.objects.for_user(actor).filter(query).values_list(*_FAMILY_FIELDS)
    return [Candidate(f, None, n, b, d, nik, kk) for f, n, b, d, nik, kk in
            (rows[:limit] if limit else rows)]


def normalize_name(text: str) -> str:
    """Lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def name_similarity(a: str, b: str) -> float:
    """0..1: the better of the plain and the token-sorted ratio ('Siti Aminah' ~ 'Aminah Siti')."""
    a, b = normalize_name(a), normalize_name(b)
    if not a or not b:
        return 0.0
    plain = SequenceMatcher(None, a, b)
    if plain.real_quick_ratio() < 0.4:
        return 0.0
    ordered = SequenceMatcher(None, " ".join(sorted(a.split())), " ".join(sorted(b.split())))
    return max(plain.ratio(), ordered.ratio())


def _digits_apart(a: str | None, b: str | None) -> int | None:
    if not a or not b or len(a) != len(b):
        return None
    return sum(x != y for x, y in zip(a, b, strict=True))


def trigrams(name: str) -> frozenset[str]:
    padded = f"  {normalize_name(name)} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """A quick name similarity (0..1) on letter trigrams, to shortlist before `name_similarity`."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def score(row: BeneficiaryRow, candidate: Candidate,
          similarity: float | None = None) -> tuple[int, str]:
    """How close a registry person (or family head) is to the row, 0..100, and why, in words.

    Name similarity up to 50 points (from 50% similar on), the same birth date 20, the same desa
    15, the same (or nearly the same: one or two digits apart) NIK or No. KK 15 (10).
    """
    points, why = 0.0, []
    if similarity is None:
        similarity = name_similarity(row.nama, candidate.nama)
    if similarity >= 0.5:
        points += 50 * similarity
        why.append(_("nama %(pct)s%% mirip") % {"pct": round(similarity * 100)})
    if row.tanggal_lahir and row.tanggal_lahir == candidate.tanggal_lahir:
        points += 20
        why.append(_("tanggal lahir sama"))
    if row.desa and row.desa == candidate.desa:
        points += 15
        why.append(_("desa sama"))
    number_points, number_why = _number_signal(row, candidate)
    return min(100, round(points + number_points)), "; ".join([*why, *number_why])


def _quick_points(row: BeneficiaryRow, candidate: Candidate, similarity: float) -> float:
    """`score` without its words, for the first stage of `nearest`."""
    points = 50 * similarity if similarity >= 0.5 else 0.0
    if row.tanggal_lahir and row.tanggal_lahir == candidate.tanggal_lahir:
        points += 20
    if row.desa and row.desa == candidate.desa:
        points += 15
    if (row.nik and row.nik[:12] == candidate.nik[:12]) or \
            (row.no_kk and row.no_kk[:12] == (candidate.no_kk or "")[:12]):
        points += 10
    return points


def _number_signal(row: BeneficiaryRow, candidate: Candidate) -> tuple[int, list[str]]:
    for mine, theirs, label in ((row.nik, candidate.nik, "NIK"),
                                (row.no_kk, candidate.no_kk, "No. KK")):
        apart = _digits_apart(mine, theirs)
        if apart == 0:
            return 15, [_("%(label)s sama") % {"label": label}]
        if apart is not None and apart <= 2 and len(mine or "") == NUMBER_LENGTH:
            return 10, [_("%(label)s beda %(n)s angka") % {"label": label, "n": apart}]
    return 0, []


class _Pools:
    """Registry persons near an unmatched row, fetched by blocking keys (exact numbers, number
    prefix, birth date, desa, a name token) and cached per key across the rows of one file."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.cache: dict[tuple[object, ...], list[Candidate]] = {}
        self._grams: dict[str, frozenset[str]] = {}

    def grams(self, name: str) -> frozenset[str]:
        if name not in self._grams:
            self._grams[name] = trigrams(name)
        return self._grams[name]

    def _get(self, key: tuple[object, ...], fetch: Any) -> list[Candidate]:
        if key not in self.cache:
            self.cache[key] = fetch()
        return self.cache[key]

    def near(self, outcome: _Outcome) -> list[Candidate]:
        row, actor, found = outcome.row, self.actor, []
        if outcome.exact_families:
            ids = tuple(outcome.exact_families)
            found += self._get(("families", ids), lambda: _persons(actor, Q(family_id__in=ids))
                               + _families(actor, Q(pk__in=ids)))
        for number, prefix in ((row.nik, "nik"), (row.no_kk, "kk")):
            if number and number.isdigit() and len(number) == NUMBER_LENGTH:
                start = number[:12]
                query = Q(nik__startswith=start) if prefix == "nik" else \
                    Q(family__no_kk__startswith=start)
                found += self._get((prefix, start), lambda q=query: _persons(actor, q, POOL_LIMIT))
        if row.tanggal_lahir:
            born = row.tanggal_lahir
            found += self._get(("born", born), lambda: _persons(
                actor, Q(tanggal_lahir=born), POOL_LIMIT))
        if row.desa:
            desa = row.desa
            found += self._get(("desa", desa), lambda: _persons(actor, Q(desa_id=desa))
                               + _families(actor, Q(desa_id=desa)))
        token = max(normalize_name(row.nama).split(), key=len, default="")
        if len(token) >= 3:  # the name elsewhere: in the desa's kecamatan, or anywhere
            where = Q(kecamatan_id=row.desa.rsplit(".", 1)[0]) if row.desa else Q()
            found += self._get(("token", token, row.desa and where), lambda: _persons(
                actor, where & Q(nama__icontains=token), POOL_LIMIT))
        return found


SHORTLIST = 25


def nearest(outcome: _Outcome, pools: _Pools) -> list[dict[str, Any]]:
    """Up to five families, best first: for each, its best-scoring person.

    Two stages: every person of the pools is scored with the quick trigram similarity, and only
    the best few are scored again with `name_similarity` (difflib, slower and finer).
    """
    row, exact = outcome.row, set(outcome.exact_families)
    unique = {(c.family, c.person): c for c in pools.near(outcome)}
    mine = trigrams(row.nama)
    quick = sorted(((_quick_points(row, c, dice(mine, pools.grams(c.nama))), c)
                    for c in unique.values()), key=lambda item: -item[0])
    shortlist = [c for _points, c in quick[:SHORTLIST]]
    shortlist += [c for _points, c in quick[SHORTLIST:] if c.family in exact]
    best: dict[int, tuple[int, str, Candidate]] = {}
    for candidate in shortlist:
        points, why = score(row, candidate)
        if candidate.family in exact:
            points = max(points, MIN_SCORE)
        if points < MIN_SCORE:
            continue
        if candidate.family not in best or points > best[candidate.family][0]:
            best[candidate.family] = (points, why, candidate)
    ranked = sorted(best.values(), key=lambda item: (-item[0], item[2].family))[:MAX_CANDIDATES]
    return [{"family": c.family, "person": c.person, "score": points, "why": why}
            for points, why, c in ranked]


# ---------------------------------------------------------------------------------------------
# The service


def upload_beneficiaries(programme: Programme, path_or_file: Path | str | IO[bytes] | Any, *,
                         actor: Any, file_name: str) -> UploadReport:
    """Read, validate and match an agency's beneficiary list; write its interventions and its
    unmatched rows in one transaction, with the audit events. Raises `UploadRejected` (a
    `RuleError`) for a bad file and `RuleError` for a refused one; nothing is written then."""
    require_programme_manager(actor, programme.agency)
    with staged(path_or_file, file_name) as path:
        digest = file_sha256(path)
        _refuse_twice(programme, digest, mask_numbers(path.name))
        rows, notes = read_beneficiaries(path)
        name = mask_numbers(path.name)  # a file may be named after a KK
    outcomes = match_rows(rows, actor)
    candidates = all_candidates(outcomes, actor)
    with transaction.atomic():
        _refuse_twice(programme, digest, name)
        upload = BeneficiaryUpload.objects.create(
            programme=programme, file_name=name, file_sha256=digest, rows=len(rows),
            matched=sum(1 for o in outcomes if o.family is not None),
            unmatched=sum(1 for o in outcomes if o.family is None), uploaded_by=actor)
        amount = _write_interventions(upload, outcomes, actor)
        _write_unmatched(upload, outcomes, candidates)
        report = _report(upload, outcomes, amount, notes)
        log_event("interventions.upload.matched", actor=actor, obj=upload,
                  data={"programme": programme.pk, "file": name, "sha256": digest,
                        "rows": report.rows, "matched": report.matched,
                        "unmatched": report.unmatched, "duplicates": report.duplicates,
                        "by_nik": report.by_nik, "by_kk": report.by_kk,
                        "amount": str(amount), "notes": [n.message_id for n in notes]})
    return report


def all_candidates(outcomes: list[_Outcome], actor: Any) -> dict[int, list[dict[str, Any]]]:
    """The nearest candidates of the unmatched rows; past `SEARCHED_ROWS_MAX` of them (a list
    from elsewhere, or the wrong file) the search stops and the rows say so."""
    pools, found = _Pools(actor), {}
    unmatched = [o for o in outcomes if o.family is None]
    for number, outcome in enumerate(unmatched):
        if number < SEARCHED_ROWS_MAX:
            found[id(outcome)] = nearest(outcome, pools)
        else:
            found[id(outcome)] = []
            outcome.reason = (outcome.reason + "; " + _("calon tidak dicari (terlalu banyak "
                                                        "baris tidak cocok)"))[:200]
    return found


def _refuse_twice(programme: Programme, digest: str, name: str) -> None:
    earlier = (BeneficiaryUpload.objects.filter(programme=programme, file_sha256=digest)
               .order_by("uploaded_at").first())
    if earlier is not None:
        raise RuleError(("file", _(
            "Berkas %(name)s sudah pernah diunggah untuk program ini (unggahan #%(pk)s, "
            "%(file)s, %(when)s); tidak diproses lagi.") % {
            "name": name, "pk": earlier.pk, "file": earlier.file_name,
            "when": timezone.localtime(earlier.uploaded_at).strftime("%d-%m-%Y %H:%M")}))


def _write_interventions(upload: BeneficiaryUpload, outcomes: list[_Outcome], actor: Any,
                         ) -> Decimal:
    matched = [o for o in outcomes if o.family is not None]
    # The rows matched families anywhere in the regency (an agency serves all of it).
    families = (Family.objects.unscoped("matching: the families an upload's rows matched")
                .only("pk", "desa_id", "kecamatan_id").in_bulk({o.family for o in matched}))
    persons = Person.objects.unscoped("matching: the persons an upload's rows matched").only(
        "pk", "family_id").in_bulk(
        {o.person for o in matched if o.person})
    written = add_interventions(upload.programme, [
        Delivery(families[o.family], o.row.delivered_on, o.row.amount,
                 persons.get(o.person) if o.person else None)
        for o in matched], actor=actor, upload=upload)
    return sum((i.amount for i in written), Decimal(0))


def _write_unmatched(upload: BeneficiaryUpload, outcomes: list[_Outcome],
                     candidates: dict[int, list[dict[str, Any]]]) -> None:
    UnmatchedRow.objects.bulk_create([
        UnmatchedRow(upload=upload, row_number=o.row.row, nik=o.row.nik or "",
                     no_kk=o.row.no_kk or "", nama=o.row.nama, tanggal_lahir=o.row.tanggal_lahir,
                     desa_code=o.row.desa or "", delivered_on=o.row.delivered_on,
                     amount=o.row.amount, reason=o.reason, candidates=candidates[id(o)])
        for o in outcomes if o.family is None
    ], batch_size=CHUNK)


def _report(upload: BeneficiaryUpload, outcomes: list[_Outcome], amount: Decimal,
            notes: list[Note]) -> UploadReport:
    return UploadReport(
        upload=upload, rows=len(outcomes), matched=upload.matched, unmatched=upload.unmatched,
        duplicates=sum(1 for o in outcomes if o.duplicate_of is not None),
        by_nik=sum(1 for o in outcomes if o.by == "nik"),
        by_kk=sum(1 for o in outcomes if o.by == "kk"), amount=amount, notes=notes)


# ---------------------------------------------------------------------------------------------
# A person decides an unmatched row


def _open_row(row: UnmatchedRow, actor: Any) -> UnmatchedRow:
    """The row, locked, if the actor manages its programme and nobody decided it yet."""
    require_programme_manager(actor, row.upload.programme.agency)
    locked = (UnmatchedRow.objects.select_for_update().select_related("upload__programme")
              .get(pk=row.pk))
    if locked.state != UnmatchedRow.State.OPEN:
        raise RuleError(_("Baris %(row)s sudah diputuskan (%(state)s).")
                        % {"row": locked.row_number, "state": locked.get_state_display()})
    return locked


def confirm_row(row: UnmatchedRow, family: Family, *, actor: Any,
                person: Person | None = None) -> Intervention:
    """The person decides that the row is this family: its intervention is written."""
    with transaction.atomic():
        row = _open_row(row, actor)
        if not Family.objects.for_user(actor).filter(pk=family.pk).exists():
            raise RuleError(_("Keluarga tidak ditemukan di wilayah Anda."))
        if row.delivered_on is None:
            raise RuleError(_("Baris %(row)s tidak memiliki tanggal penyaluran.")
                            % {"row": row.row_number})
        if row.payment_key:  # a disbursement row: its payment, as the import records it
            from tepat.interventions.disbursement import record_confirmed
            intervention = record_confirmed(row, family, person, actor=actor)
        else:
            intervention = add_intervention(
                row.upload.programme, family, actor=actor, delivered_on=row.delivered_on,
                amount=row.amount, person=person, upload=row.upload)
        _resolve(row, UnmatchedRow.State.CONFIRMED, actor, family=family)
        ranks = [c.get("family") for c in row.candidates]
        log_event("interventions.unmatched.confirmed", actor=actor, obj=row,
                  area_code=family.desa_id,
                  data={"upload": row.upload_id, "row": row.row_number, "family": family.pk,
                        "person": person.pk if person else None,
                        "intervention": intervention.pk,
                        "candidate_rank": ranks.index(family.pk) + 1 if family.pk in ranks
                        else None})
    return intervention


def reject_row(row: UnmatchedRow, *, actor: Any, why: str) -> UnmatchedRow:
    """The person decides that the row is nobody in the registry (or not to be paid)."""
    why = " ".join((why or "").split())
    if len(why) < 5:
        raise RuleError(("why", _("Tulis alasan penolakan (minimal 5 huruf).")))
    with transaction.atomic():
        row = _open_row(row, actor)
        _resolve(row, UnmatchedRow.State.REJECTED, actor)
        log_event("interventions.unmatched.rejected", actor=actor, obj=row,
                  data={"upload": row.upload_id, "row": row.row_number, "why": why[:500]})
    return row


def _resolve(row: UnmatchedRow, state: str, actor: Any, family: Family | None = None) -> None:
    row.state, row.resolved_family = state, family
    row.resolved_by, row.resolved_at = actor, timezone.now()
    row.save(update_fields=["state", "resolved_family", "resolved_by", "resolved_at"])
