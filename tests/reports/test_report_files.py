"""The rendered files: the PDF's pages (pdftoppm) and text (pdftotext), the workbook's sheets
and numbers (openpyxl). Scene: tests/reports/conftest.py."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed"),
]


def pdf_pages(content: bytes, folder) -> int:
    """Render the PDF to PNG at 40 dpi and count the pages."""
    path = folder / "report.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(folder / "page")], check=True)
    return len(list(folder.glob("page-*.png")))


def pdf_text(content: bytes, folder) -> str:
    path = folder / "text.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_rakor_pdf_has_the_summary_first_and_every_section(scene, indicators, today,
                                                                 tmp_path):
    from tepat.reports.pack import rakor_pack
    from tepat.reports.pdf import rakor_pdf

    content = rakor_pdf(rakor_pack(today=today))
    assert content.startswith(b"%PDF")
    pages = pdf_pages(content, tmp_path)
    text = pdf_text(content, tmp_path)
    assert pages >= 7  # summary, indicators (2+), kecamatan, maps, Gesek, interventions, desa
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    first = text.split("\f")[0]
    assert "Ringkasan" in first and "SEMENTARA" in first
    assert "50,00%" in first and "44,44%" in first  # reduction keluarga / jiwa
    for heading in ("Indikator kemiskinan dan target",
                    "Progres verifikasi dan penurunan data per kecamatan",
                    "Peta per kecamatan", "Status Gesek Ekstrem per tim kecamatan",
                    "Ketepatan sasaran per program", "Desa tertinggal jadwal"):
        assert heading in text, heading
    assert "Gunungbekel" in text and "Drs. Hariyanto" in text
    assert "Sutrisno" not in text and "Misnati" not in text


def test_the_quarterly_pdf_opens_with_its_cover_and_numbers(scene, tmp_path):
    from tepat.reports.pdf import quarterly_pdf
    from tepat.reports.quarterly import quarterly_pack

    content = quarterly_pdf(quarterly_pack("2024Q2"))
    pages = pdf_pages(content, tmp_path)
    text = pdf_text(content, tmp_path)
    assert pages >= 5
    first = text.split("\f")[0]
    assert "Triwulan II tahun 2024" in first and "Menteri Dalam Negeri" in first
    assert "Kemenko PMK" in first and "SK 400/7/2024" in first
    assert "30.504.000" in text  # Rp delivered since 1 January
    assert f"Halaman {pages} dari {pages}" in text
    assert "ekspor daftar sasaran" in " ".join(text.split())  # lines wrap


def _sheet_rows(sheet):
    return [[c for c in row] for row in sheet.iter_rows(min_row=6, values_only=True)]


def test_the_rakor_workbook_has_one_sheet_per_table_with_units(scene, indicators, today):
    from openpyxl import load_workbook

    from tepat.reports.pack import rakor_pack
    from tepat.reports.xlsx import rakor_xlsx

    book = load_workbook(io.BytesIO(rakor_xlsx(rakor_pack(today=today))))
    assert book.sheetnames == ["Ringkasan", "Indikator", "Kecamatan", "Gesek", "Intervensi",
                               "Program", "Desa terlambat"]
    kec = book["Kecamatan"]
    assert [kec.cell(5, col).value for col in (4, 5)] == ["keluarga", "jiwa"]
    rows = _sheet_rows(kec)
    assert [r[2] for r in rows] == ["Sukapura", "Tegalsiwalan", "Kabupaten Probolinggo"]
    assert rows[-1][3:7] == [4, 9, 3, 7]  # in scope, verified (keluarga, jiwa)
    assert rows[-1][11] == pytest.approx(50.0)
    gesek = {r[0]: r for r in _sheet_rows(book["Gesek"])}
    assert gesek["35.13.20"][2] == "Drs. Hariyanto" and gesek["35.13.20"][3] == 3
    assert [r[0] for r in _sheet_rows(book["Desa terlambat"])] == ["Tegalsiwalan"]
    assert any(r[0] == "PKH Kabupaten" and r[9] == pytest.approx(100 / 3)
               for r in _sheet_rows(book["Program"]))


def test_the_quarterly_workbook_adds_up(scene):
    from openpyxl import load_workbook

    from tepat.reports.quarterly import quarterly_pack
    from tepat.reports.xlsx import quarterly_xlsx

    book = load_workbook(io.BytesIO(quarterly_xlsx(quarterly_pack("2024Q2"))))
    assert book.sheetnames == ["Ringkasan", "Daftar sasaran", "Triwulan strategi",
                               "Triwulan dana", "Kumulatif strategi", "Kumulatif dana",
                               "Anggaran", "Hasil"]
    strategies = _sheet_rows(book["Kumulatif strategi"])
    total = strategies[-1]
    assert total[0] == "Jumlah" and total[5] == 30_504_000
    assert sum(r[5] for r in strategies[:-1]) == total[5]
    assert _sheet_rows(book["Daftar sasaran"])[-1][2:4] == [4, 9]
    assert [r[0] for r in _sheet_rows(book["Hasil"])] == ["2024Q1", "2024Q2"]
