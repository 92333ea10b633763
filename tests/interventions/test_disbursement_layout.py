"""The disbursement layout (issue 17 §6), pure: statuses, periods, rupiah as Indonesian offices
write them, and one bilingual problem (file, row, column, expected value) per refused row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from tepat.pipeline.disbursement import (
    FAILED,
    PAID,
    Period,
    missing_columns,
    parse_disbursements,
    parse_period,
    parse_rupiah,
    parse_status,
    payment_key,
)
from tepat.pipeline.readers import ROW

TODAY = date(2025, 12, 1)
NIK = "3513204703850001"
KK = "3513200101000001"


@pytest.mark.parametrize(("text", "expected"), [
    ("Tersalur", (PAID, "")), ("TERSALURKAN", (PAID, "")), ("Dibayar", (PAID, "")),
    ("Sudah Cair", (PAID, "")), ("sudah-cair", (PAID, "")), ("Berhasil", (PAID, "")),
    ("Gagal", (FAILED, "")), ("Retur", (FAILED, "")), ("Tidak Tersalur", (FAILED, "")),
    ("Gagal - rekening tidak aktif", (FAILED, "rekening tidak aktif")),
    ("RETUR (KPM meninggal)", (FAILED, "KPM meninggal")),
    ("Tidak Tersalur: pindah domisili", (FAILED, "pindah domisili")),
    ("Gagal Salur; NIK beda", (FAILED, "NIK beda")),
])
def test_statuses_paid_and_failed_with_their_reason(text, expected):
    assert parse_status(text) == expected


@pytest.mark.parametrize("text", ["Proses", "belum tersalur", "ok", "-", "Lunas?"])
def test_an_unknown_status_is_none(text):
    assert parse_status(text) is None


@pytest.mark.parametrize(("text", "code", "start", "end"), [
    ("2025-04", "2025-04", date(2025, 4, 1), date(2025, 4, 30)),
    ("2025/4", "2025-04", date(2025, 4, 1), date(2025, 4, 30)),
    ("04/2025", "2025-04", date(2025, 4, 1), date(2025, 4, 30)),
    ("April 2025", "2025-04", date(2025, 4, 1), date(2025, 4, 30)),
    ("Bulan Februari 2024", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("Agt 2025", "2025-08", date(2025, 8, 1), date(2025, 8, 31)),
    ("Triwulan 2 2025", "2025-T2", date(2025, 4, 1), date(2025, 6, 30)),
    ("TRIWULAN II 2025", "2025-T2", date(2025, 4, 1), date(2025, 6, 30)),
    ("TW2 2025", "2025-T2", date(2025, 4, 1), date(2025, 6, 30)),
    ("tw 4-2024", "2024-T4", date(2024, 10, 1), date(2024, 12, 31)),
    ("Q1 2025", "2025-T1", date(2025, 1, 1), date(2025, 3, 31)),
    ("2025 TW3", "2025-T3", date(2025, 7, 1), date(2025, 9, 30)),
    ("Tahap 3 2025", "2025-T3", date(2025, 7, 1), date(2025, 9, 30)),
])
def test_periods_months_and_quarters(text, code, start, end):
    period = parse_period(text)
    assert (period.code, period.start, period.end) == (code, start, end)
    assert Period.from_code(code) == period


def test_a_date_as_period_is_its_month():
    assert parse_period("15/04/2025", {"15/04/2025": date(2025, 4, 15)}).code == "2025-04"


@pytest.mark.parametrize("text", ["2025-13", "Triwulan 5 2025", "Maretan 2025", "kemarin", ""])
def test_a_bad_period_is_none(text):
    assert parse_period(text, {}) is None


@pytest.mark.parametrize(("text", "amount"), [
    ("Rp 1.500.000", 1_500_000), ("Rp1.500.000,00", 1_500_000), ("1.500.000", 1_500_000),
    ("1,500,000", 1_500_000), ("1500000", 1_500_000), ("1500000.0", 1_500_000),
    ("Rp. 600.000,-", 600_000), ("Rp 200.000", 200_000), ("0", 0),
])
def test_rupiah_as_written(text, amount):
    assert parse_rupiah(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["satu juta", "1.5.00", "Rp", "12ab"])
def test_not_rupiah(text):
    assert parse_rupiah(text) is None


def test_a_payment_is_keyed_by_the_reference_else_the_number_and_period():
    assert payment_key(" trx-001 ", NIK, None, "2025-04") == "ref:TRX-001"
    assert payment_key("", NIK, KK, "2025-04") == f"nik:{NIK}:2025-04"
    assert payment_key("", None, KK, "2025-T2") == f"kk:{KK}:2025-T2"


def _frame(headers, *rows):
    data = {h: [r[i] for r in rows] for i, h in enumerate(headers)}
    frame = pl.DataFrame(data, schema={h: pl.String for h in headers})
    return frame.with_columns(pl.int_range(5, 5 + frame.height, dtype=pl.Int32).alias(ROW))


HEADERS = ["No Referensi", "NIK KPM", "No KK", "Nama Penerima", "Periode", "Tanggal Salur",
           "Nominal (Rp)", "Status Penyaluran", "Keterangan", "Bank Penyalur"]


def test_rows_parsed_and_messy_rows_refused_one_problem_each():
    frame = _frame(
        HEADERS,
        ["TRX-1", f"'{NIK}", "", "Siti", "April 2025", "15/04/2025", "Rp 600.000", "Tersalur",
         "", "BNI"],
        ["", "", KK, "Budi", "TW2 2025", "", "600000", "Gagal", "rekening pasif", "Pos"],
        ["", NIK, "", "Siti", "2025-05", "", "", "Sudah Cair", "", ""],
        ["", "", "", "Tanpa", "2025-05", "", "", "Tersalur", "", ""],  # no number
        ["", "3513204703850002", "", "X", "2025-05", "", "enam ratus", "Tersalur", "", ""],
        ["", "3513204703850003", "", "X", "minggu lalu", "", "", "Tersalur", "", ""],
        ["", "3513204703850004", "", "X", "2025-05", "", "", "Proses", "", ""],
        ["", "3513204703850005", "", "X", "2025-05", "", "0", "Dibayar", "", ""],
        ["", NIK, "", "Siti", "2025-05", "", "", "Tersalur", "", ""],  # duplicate of row 7
        ["", "3513204703850006", "", "X", "2025-05", "31/02/2025", "", "Tersalur", "", ""],
        ["", "3513204703850007", "", "X", "Triwulan 1 2026", "", "", "Tersalur", "", ""],
    )
    rows, problems = parse_disbursements(frame, HEADERS, "salur.xlsx", TODAY)

    first, second, third = rows
    assert (first.row, first.key, first.nik, first.status, first.amount, first.paid_on,
            first.period.code, first.channel) == (
        5, "ref:TRX-1", NIK, PAID, Decimal(600_000), date(2025, 4, 15), "2025-04", "BNI")
    assert (second.key, second.status, second.reason, second.paid_on) == (
        f"kk:{KK}:2025-T2", FAILED, "rekening pasif", date(2025, 4, 1))
    assert third.amount is None and third.key == f"nik:{NIK}:2025-05"
    assert [(p.row, p.code) for p in problems] == [
        (8, "PAY_NO_NUMBER"), (9, "PAY_AMOUNT_BAD"), (10, "PAY_PERIOD_BAD"),
        (11, "PAY_STATUS_UNKNOWN"), (12, "PAY_AMOUNT_ZERO"), (13, "PAY_DUPLICATE"),
        (14, "PAY_DATE_BAD"), (15, "PAY_PERIOD_FUTURE")]
    for problem in problems:  # file, row, column and the expected value, in both languages
        assert problem.message_id.startswith(f"Berkas salur.xlsx baris {problem.row} kolom '")
        assert problem.message_en.startswith(f"File salur.xlsx row {problem.row} column '")
        assert "yang diharapkan" in problem.message_id and "expected" in problem.message_en
        assert "3513204703850" not in problem.message_id  # never a whole NIK
    assert "baris 7" in problems[5].message_id


def test_a_failed_row_without_a_reason_says_so_and_excel_errors_are_refused():
    headers = ["NIK", "Periode", "Status", "Jumlah"]
    frame = _frame(headers, [NIK, "2025-04", "Retur", "600000"],
                   ["3513204703850002", "2025-04", "Tersalur", "#N/A"])
    rows, problems = parse_disbursements(frame, headers, "f.csv", TODAY,
                                         [(6, "Jumlah", "#N/A")])
    assert rows[0].reason == "tanpa keterangan"
    assert [(p.row, p.code, p.column) for p in problems] == [(6, "PAY_EXCEL_ERROR", "Jumlah")]


def test_required_columns():
    assert [c.field for c in missing_columns(["Nama", "Nominal"])] == [
        "nik", "no_kk", "periode", "status"]
    assert missing_columns(["No KK", "Bulan", "Status Salur"]) == []
