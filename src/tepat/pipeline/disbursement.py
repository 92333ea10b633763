"""An agency's disbursement file: who was actually paid (issue 17 §6). Pure: no Django.

A bank or Pos distribution list (PKH, BPNT, a Baznas or Dinsos cash transfer) has one row per
payment: the recipient's NIK and/or No. KK, the period paid, the amount, the status (paid, or
failed with a reason), the channel and the agency's reference. `parse_disbursements` turns the
table `tepat.pipeline.readers.read_sheet` read (in its limited child process) into
`PaymentRow`s and, for every row it cannot use, a `RowProblem` that names the file, the row and
the column in Indonesian and English. A refused row is never written, never dropped silently: it
is listed in the preview and recorded with the upload.

Values accepted (docs/data-dictionary.md, "Berkas penyaluran"):
- status: Tersalur / Tersalurkan / Dibayar / Sudah Cair / Cair / Berhasil / Sukses → paid;
  Gagal / Gagal Salur / Retur / Dikembalikan / Tidak Tersalur / Tidak Cair / Ditolak → failed.
  A reason may follow the status in the same cell ("Gagal - rekening tidak aktif") or stand in
  the Keterangan column.
- period: a month (2025-04, 04/2025, April 2025, Apr 2025), a quarter (Triwulan 2 2025,
  Triwulan II 2025, TW2 2025, TW 2-2025, Q2 2025) or a date (the month it falls in).
- amount: rupiah as written in Indonesia or elsewhere (Rp 1.500.000, 1.500.000,00, 1,500,000,
  1500000); when the column is absent or the cell empty, the programme's unit cost is used.
- a row is identified by the agency's reference; without one, by NIK (else No. KK) + period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import polars as pl

from tepat.core.identity import normalize_number
from tepat.core.layout import Column, Kind, Layout, Unit
from tepat.pipeline.convert import parse_dates
from tepat.pipeline.headers import map_headers
from tepat.pipeline.messages import mask_numbers, render
from tepat.pipeline.readers import ROW

PAID, FAILED = "paid", "failed"

DISBURSEMENT_LAYOUT = Layout("penyaluran", Unit.PERSON, (
    # Kind.ID: the reader uses it to tell a total row from a data row; it is not required.
    Column("referensi", "Referensi", Kind.ID, labels=(
        "No Referensi", "Nomor Referensi", "Ref", "No Ref", "ID Transaksi", "No Transaksi",
        "Nomor Transaksi", "Kode Transaksi", "ID Penyaluran", "Kode Penyaluran")),
    Column("nik", "NIK", Kind.NIK, labels=(
        "NIK Penerima", "NIK KPM", "Nomor Induk Kependudukan", "No NIK")),
    Column("no_kk", "No. KK", Kind.NIK, labels=(
        "KK", "No KK", "Nomor KK", "Nomor Kartu Keluarga", "NKK", "No KK KPM")),
    Column("nama", "Nama", Kind.TEXT, labels=(
        "Nama Penerima", "Nama KPM", "Nama Lengkap", "Nama Pengurus")),
    Column("program", "Program", Kind.TEXT, labels=("Nama Program", "Jenis Bantuan", "Bansos")),
    Column("periode", "Periode", Kind.TEXT, required=True, labels=(
        "Periode Penyaluran", "Bulan", "Tahap", "Triwulan", "Periode Bantuan", "Bulan Penyaluran")),
    Column("tanggal", "Tanggal Salur", Kind.DATE, labels=(
        "Tanggal", "Tgl Salur", "Tanggal Penyaluran", "Tanggal Bayar", "Tanggal Transaksi",
        "Tanggal Cair", "Tgl Cair")),
    Column("jumlah", "Nominal", Kind.INT, labels=(
        "Jumlah", "Nilai", "Nilai Bantuan", "Jumlah Bantuan", "Jumlah (Rp)", "Nominal (Rp)",
        "Nilai (Rp)", "Jumlah Dibayar")),
    Column("status", "Status", Kind.TEXT, required=True, labels=(
        "Status Penyaluran", "Status Salur", "Status Pembayaran", "Status Transaksi",
        "Keterangan Status")),
    Column("alasan", "Keterangan", Kind.TEXT, labels=(
        "Alasan", "Alasan Gagal", "Keterangan Gagal", "Catatan", "Ket")),
    Column("saluran", "Saluran", Kind.TEXT, labels=(
        "Lembaga Penyalur", "Penyalur", "Bank Penyalur", "Bank", "Jalur Penyaluran", "Kanal")),
))

PAID_WORDS = ("tersalurkan", "tersalur", "sudah tersalur", "sudah disalurkan", "disalurkan",
               "dibayar", "sudah dibayar", "terbayar", "sudah cair", "cair", "sudah diterima",
               "diterima", "berhasil", "sukses", "paid", "success")
FAILED_WORDS = ("gagal salur", "gagal bayar", "gagal", "retur", "diretur", "dikembalikan",
                 "tidak tersalur", "tidak tersalurkan", "tidak cair", "ditolak", "failed",
                 "returned")
_STATUS_WORDS = sorted([(w, PAID) for w in PAID_WORDS] + [(w, FAILED) for w in FAILED_WORDS],
                       key=lambda item: -len(item[0]))
_SEPARATORS = " -–—:;,/()[]."
MAX_REASON = 200
MAX_TEXT = 200


def parse_status(text: str) -> tuple[str, str] | None:
    """('paid' | 'failed', the reason written after the status) or None when unknown."""
    words = " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())
    for word, status in _STATUS_WORDS:
        if words == word or words.startswith(word + " "):
            rest = _after_words(text, len(word.split()))
            return status, rest
    return None


def _after_words(text: str, count: int) -> str:
    """The text after its first `count` words, separators trimmed ('Gagal - NIK beda' → 'NIK
    beda')."""
    parts = re.split(r"([0-9A-Za-z]+)", text.strip(), maxsplit=count)
    rest = "".join(parts[2 * count:]) if len(parts) > 2 * count else ""
    return rest.strip(_SEPARATORS + " ")[:MAX_REASON]


_MONTHS = {name: number for number, names in enumerate((
    (), ("januari", "jan"), ("februari", "feb", "pebruari", "peb"), ("maret", "mar"),
    ("april", "apr"), ("mei",), ("juni", "jun"), ("juli", "jul"),
    ("agustus", "agu", "agt", "ags", "aug"), ("september", "sep", "sept"),
    ("oktober", "okt", "oct"), ("november", "nov", "nop", "nopember"),
    ("desember", "des", "dec")), 0) for name in names}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"((?:19|20)\d\d)"
_MONTH_NUMERIC = (re.compile(rf"^{_YEAR}[-/.](\d{{1,2}})$"),  # 2025-04
                  re.compile(rf"^(\d{{1,2}})[-/.]{_YEAR}$"))  # 04/2025
_MONTH_NAMED = (re.compile(rf"^(?:bulan\s+)?([a-z]+)[\s\-/.,]*{_YEAR}$"),  # April 2025
                re.compile(rf"^{_YEAR}[\s\-/.,]*([a-z]+)$"))  # 2025 April
_QUARTER_WORD = r"(?:triwulan|tw|tri|q|kuartal|tahap)"  # Kemensos pays PKH in four tahap
_QUARTER = (re.compile(rf"^{_QUARTER_WORD}[\s\-.]*(iv|iii|ii|i|[1-4])[\s\-/.,]*"
                       rf"(?:tahun\s+)?{_YEAR}$"),
            re.compile(rf"^{_YEAR}[\s\-/.,]*{_QUARTER_WORD}[\s\-.]*(iv|iii|ii|i|[1-4])$"))


@dataclass(frozen=True)
class Period:
    """A month ('2025-04') or a quarter ('2025-T2'): the code stored, and its first and last
    day."""

    code: str
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first, last = 3 * quarter - 2, 3 * quarter
        return cls(f"{year:04d}-T{quarter}", date(year, first, 1),
                   date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def from_code(cls, code: str) -> Period:
        """'2025-04' or '2025-T2', as stored, back to a Period."""
        year, part = code.split("-")
        if part.startswith("T"):
            return cls.quarter(int(year), int(part[1:]))
        return cls.month(int(year), int(part))


def parse_period(text: str, dates: dict[str, date | None] | None = None) -> Period | None:
    """A month, a quarter or (through `dates`, the file's parsed dates) the month of a date."""
    words = " ".join(text.lower().split())
    for pattern in _QUARTER:
        found = pattern.match(words)
        if found:
            a, b = found.groups()
            year, number = (int(b), a) if pattern is _QUARTER[0] else (int(a), b)
            return Period.quarter(year, _ROMAN.get(number) or int(number))
    for index, pattern in enumerate(_MONTH_NUMERIC):
        found = pattern.match(words)
        if found:
            year, month = (found[1], found[2]) if index == 0 else (found[2], found[1])
            if 1 <= int(month) <= 12:
                return Period.month(int(year), int(month))
    for index, pattern in enumerate(_MONTH_NAMED):
        found = pattern.match(words)
        if found:
            name, year = (found[1], found[2]) if index == 0 else (found[2], found[1])
            if name in _MONTHS:
                return Period.month(int(year), _MONTHS[name])
    day = (dates or {}).get(text)
    return Period.month(day.year, day.month) if day else None


_ID_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_EN_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")


def parse_rupiah(text: str) -> Decimal | None:
    """Rupiah as written in Indonesian or English style ('Rp 3.000.000', 'Rp3.000.000,00',
    '3,000,000', '3000000.0'), rounded to whole rupiah; None when it is not such a number."""
    value = re.sub(r"(?i)^rp\.?", "", text.replace(" ", "").replace("\u00a0", ""))
    value = re.sub(r"(?i),-$|\.-$|-$", "", value)  # 'Rp 600.000,-'
    if _ID_THOUSANDS.match(value):
        value = value.replace(".", "").replace(",", ".")
    elif _EN_THOUSANDS.match(value):
        value = value.replace(",", "")
    elif _PLAIN.match(value):
        value = value.replace(",", ".")
    else:
        return None
    try:
        return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class PaymentRow:
    row: int  # the spreadsheet row number
    key: str  # what identifies the payment within the programme (see `payment_key`)
    reference: str
    nik: str | None
    no_kk: str | None
    nama: str
    period: Period
    paid_on: date  # the payment's date, else the first day of its period
    amount: Decimal | None  # None: the programme's unit cost
    status: str  # PAID | FAILED
    reason: str  # why a payment failed ('' when paid)
    channel: str


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    code: str
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return self.message_id


def payment_key(reference: str, nik: str | None, no_kk: str | None, period: str) -> str:
    """'ref:<REFERENCE>' when the agency gave one, else 'nik:<NIK>:<period>' (or 'kk:…')."""
    reference = " ".join(reference.upper().split())
    if reference:
        return f"ref:{reference}"[:140]
    return f"nik:{nik}:{period}" if nik else f"kk:{no_kk}:{period}"


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


@dataclass
class _Cells:
    record: dict[str, Any]
    columns: dict[str, str | None]

    def __call__(self, name: str) -> str:
        column = self.columns.get(name)
        return _text(self.record.get(column))[:MAX_TEXT * 2] if column else ""


def parse_disbursements(frame: pl.DataFrame, headers: list[str], file: str, today: date,
                        cell_errors: list[tuple[int, str, str]] = (),
                        ) -> tuple[list[PaymentRow], list[RowProblem]]:
    """The usable rows of the table and a problem for every other row (one per row: the first
    found). The headers must hold Periode, Status and NIK or No. KK (see `missing_columns`)."""
    mapping = map_headers(headers, DISBURSEMENT_LAYOUT)
    columns = {c.field: mapping.column_of(c.field) for c in DISBURSEMENT_LAYOUT.columns}
    errors = {(row, column): value for row, column, value in cell_errors
              if column in set(columns.values())}
    date_values = {_text(v) for name in ("tanggal", "periode") if columns[name]
                   for v in frame[columns[name]].drop_nulls().to_list() if _text(v)}
    dates = parse_dates(sorted(date_values), today) if date_values else {}
    rows: list[PaymentRow] = []
    problems: list[RowProblem] = []
    first_of: dict[str, int] = {}
    for record in frame.iter_rows(named=True):
        parsed = _parse_row(_Cells(record, columns), record[ROW], file, dates, errors, today)
        if isinstance(parsed, RowProblem):
            problems.append(parsed)
        elif parsed.key in first_of:
            column = columns["referensi"] if parsed.reference else (
                columns["nik"] if parsed.nik else columns["no_kk"])
            problems.append(_problem("PAY_DUPLICATE", file, parsed.row, column or "",
                                     first=first_of[parsed.key]))
        else:
            first_of[parsed.key] = parsed.row
            rows.append(parsed)
    return rows, problems


def missing_columns(headers: list[str]) -> list[Column]:
    """The required columns the headers lack: Periode, Status, and NIK or No. KK."""
    mapping = map_headers(headers, DISBURSEMENT_LAYOUT)
    missing = list(mapping.missing)
    if mapping.column_of("nik") is None and mapping.column_of("no_kk") is None:
        missing[:0] = [DISBURSEMENT_LAYOUT.column("nik"), DISBURSEMENT_LAYOUT.column("no_kk")]
    return missing


def _problem(code: str, file: str, row: int, column: str, **context: object) -> RowProblem:
    message_id, message_en = render(code, file=file, row=row, column=f"'{column}'", **context)
    return RowProblem(row, column, code, message_id, message_en)


def _parse_row(cell: _Cells, row: int, file: str, dates: dict[str, date | None],
               errors: dict[tuple[int, str], str], today: date) -> PaymentRow | RowProblem:
    columns = cell.columns
    for name in ("nik", "no_kk", "periode", "tanggal", "jumlah", "status"):
        column = columns[name]
        if column and (row, column) in errors:
            return _problem("PAY_EXCEL_ERROR", file, row, column, value=errors[(row, column)])
    nik, no_kk = normalize_number(cell("nik") or None), normalize_number(cell("no_kk") or None)
    if nik is None and no_kk is None:
        shown = " / ".join(c for c in (columns["nik"], columns["no_kk"]) if c)
        return _problem("PAY_NO_NUMBER", file, row, shown)
    status_text = cell("status")
    if not status_text:
        return _problem("PAY_STATUS_EMPTY", file, row, columns["status"] or "")
    status = parse_status(status_text)
    if status is None:
        return _problem("PAY_STATUS_UNKNOWN", file, row, columns["status"] or "",
                        value=status_text)
    period_text = cell("periode")
    if not period_text:
        return _problem("PAY_PERIOD_EMPTY", file, row, columns["periode"] or "")
    period = parse_period(period_text, dates)
    if period is None:
        return _problem("PAY_PERIOD_BAD", file, row, columns["periode"] or "", value=period_text)
    if period.start > today:
        return _problem("PAY_PERIOD_FUTURE", file, row, columns["periode"] or "",
                        value=period_text)
    paid_on = dates.get(period_text) or period.start
    if cell("tanggal"):
        paid_on = dates.get(cell("tanggal"))
        if paid_on is None:
            return _problem("PAY_DATE_BAD", file, row, columns["tanggal"] or "",
                            value=cell("tanggal"))
    amount = None
    if cell("jumlah"):
        amount = parse_rupiah(cell("jumlah"))
        if amount is None or amount < 0:
            return _problem("PAY_AMOUNT_BAD", file, row, columns["jumlah"] or "",
                            value=cell("jumlah"))
        if amount == 0 and status[0] == PAID:
            return _problem("PAY_AMOUNT_ZERO", file, row, columns["jumlah"] or "")
    kind, reason = status
    if kind == FAILED:
        reason = reason or cell("alasan") or "tanpa keterangan"
    reference = cell("referensi")[:100]  # kept whole: it identifies the payment
    return PaymentRow(
        row=row, key=payment_key(reference, nik, no_kk, period.code), reference=reference,
        nik=nik, no_kk=no_kk, nama=cell("nama")[:MAX_TEXT], period=period, paid_on=paid_on,
        amount=amount, status=kind, reason=mask_numbers(reason)[:MAX_REASON] if kind == FAILED
        else "", channel=mask_numbers(cell("saluran"))[:60])
