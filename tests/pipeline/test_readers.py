"""read_sheet: title blocks, total rows, row numbers, CSV dialects, and hostile files."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from pipeline_helpers import as_table, family_rows, person_rows, write_csv, write_xlsx

from tepat.core.layout import P3KE_FAMILY, P3KE_PERSON
from tepat.pipeline import ReadError, ZipLimits, read_sheet

TITLE = [
    ["DATA P3KE KABUPATEN PROBOLINGGO"],
    ["PENSASARAN PERCEPATAN PENGHAPUSAN KEMISKINAN EKSTREM"],
    [],
    ["Kecamatan", ": TEGALSIWALAN"],
    ["Desa", ": MALESANWETAN"],
    ["Tanggal unduh", ": 27-03-2024"],
]

LABELS = {c.header: (c.labels[0] if c.labels else c.header) for c in P3KE_FAMILY.columns}


def family_table(headers: list[str] | None = None) -> list[list]:
    table = as_table(family_rows(), P3KE_FAMILY.headers)
    if headers is not None:
        table[0] = headers
    return table


# ---------------------------------------------------------------------------------------------
# Headers, title blocks, totals


def test_the_header_row_is_found_under_a_title_block_and_rows_keep_their_numbers(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", family_table(), start_row=12, above=TITLE)
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.header_row == 13
    assert raw.headers[:2] == ["id_keluarga_p3ke", "provinsi"]
    assert raw.frame["_row"].to_list() == [14, 15]
    assert raw.frame["id_keluarga_p3ke"].to_list() == ["F1", "F2"]


def test_indonesian_labels_in_capitals_are_recognised(tmp_path):
    headers = [LABELS[h].upper() for h in P3KE_FAMILY.headers]
    path = write_xlsx(tmp_path / "k.xlsx", family_table(headers), start_row=11, above=TITLE)
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.header_row == 12 and raw.headers[0] == "ID KELUARGA P3KE"
    assert raw.height == 2


@pytest.mark.parametrize(
    ("total_row", "reason"),
    [
        (["TOTAL", None, None, None, None, None, None, "2"], "total"),
        ([None, "JUMLAH", None, None, None, None, None, "2"], "total"),
        ([None, None, None, None, None, None, "2", "3"], "total"),
        (["Sumber: Kemenko PMK, 2024"], "footnote"),
    ],
)
def test_a_trailing_total_row_is_removed_and_reported(tmp_path, total_row, reason):
    table = [*family_table(), [], total_row]
    path = write_xlsx(tmp_path / "k.xlsx", table, start_row=12, above=TITLE)
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.frame["id_keluarga_p3ke"].to_list() == ["F1", "F2"]
    [removed] = raw.removed_rows
    assert (removed.row, removed.reason) == (17, reason)
    assert any(
        n.code == f"NOTE_{reason.upper()}_REMOVED" and "baris 17" in n.message_id for n in raw.notes
    )
    assert raw.blank_rows == 1


def test_a_data_row_at_the_bottom_is_never_taken_for_a_total(tmp_path):
    rows = family_rows()
    rows[1]["kepala_keluarga"] = "JUMLAH"  # an unlucky name, but the row has its ID
    path = write_xlsx(tmp_path / "k.xlsx", as_table(rows, P3KE_FAMILY.headers))
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.height == 2 and raw.removed_rows == []


def test_blank_rows_in_the_middle_are_skipped_and_counted(tmp_path):
    header, first, second = family_table()
    path = write_xlsx(tmp_path / "k.xlsx", [header, first, [], [], second])
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.frame["_row"].to_list() == [2, 5]
    assert raw.blank_rows == 2


def test_a_trailing_separator_adds_no_column(tmp_path):
    lines = [",".join(P3KE_FAMILY.headers[:8]) + ","]
    lines += [",".join(str(v) for v in row[:8]) + "," for row in family_table()[1:]]
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n")
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.headers == P3KE_FAMILY.headers[:8]
    assert raw.frame.columns == [*P3KE_FAMILY.headers[:8], "_row"]


def test_duplicate_and_blank_headers_get_distinct_names(tmp_path):
    table = family_table()
    table[0] = [*table[0][:-1], "nik"]
    table[0][5] = None
    raw = read_sheet(write_xlsx(tmp_path / "k.xlsx", table), P3KE_FAMILY)
    assert "kolom_F" in raw.headers and "nik (2)" in raw.headers


def test_the_sheet_with_the_table_is_chosen_among_several(tmp_path):
    path = write_xlsx(
        tmp_path / "k.xlsx",
        family_table(),
        sheet="Keluarga",
        extra_sheets={"Individu": as_table(person_rows()), "Petunjuk": [["Isi dengan benar"]]},
    )
    assert read_sheet(path, P3KE_FAMILY).sheet == "Keluarga"
    person = read_sheet(path, P3KE_PERSON)
    assert person.sheet == "Individu" and person.height == 4
    assert read_sheet(path, P3KE_FAMILY, sheet="Individu").sheet == "Individu"


def test_the_first_sheet_is_skipped_when_it_is_only_instructions(tmp_path):
    path = write_xlsx(
        tmp_path / "k.xlsx",
        [["Petunjuk pengisian"], ["1. Isi semua kolom"]],
        sheet="Petunjuk",
        extra_sheets={"Data": family_table()},
    )
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.sheet == "Data" and raw.height == 2


def test_a_named_sheet_that_does_not_exist_is_a_read_error(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", family_table(), sheet="Keluarga")
    with pytest.raises(ReadError) as caught:
        read_sheet(path, P3KE_FAMILY, sheet="Data")
    assert caught.value.code == "SHEET_NOT_FOUND" and "'Keluarga'" in caught.value.message_id


def test_every_cell_is_read_as_text(tmp_path):
    table = family_table()
    table[1][8] = 3513200107150011  # the KK as a number
    table[1][6] = 1  # desil as a number
    raw = read_sheet(write_xlsx(tmp_path / "k.xlsx", table), P3KE_FAMILY)
    assert raw.frame["no_kk"].to_list()[0] == "3513200107150011"
    assert raw.frame["desil_kesejahteraan"].to_list()[0] == "1"
    assert all(dtype == pl.String for name, dtype in raw.frame.schema.items() if name != "_row")


# ---------------------------------------------------------------------------------------------
# CSV dialects


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_the_csv_delimiter_is_detected(tmp_path, delimiter):
    path = write_csv(tmp_path / "k.csv", family_table(), delimiter=delimiter)
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.delimiter == delimiter and raw.height == 2
    assert raw.frame["alamat"].to_list()[0] == "Dusun Krajan RT 001 RW 002"


def test_a_csv_title_block_is_skipped(tmp_path):
    path = write_csv(tmp_path / "k.csv", [*TITLE, *family_table()], delimiter=";")
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.header_row == 7 and raw.frame["_row"].to_list() == [8, 9]


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path / "k.csv", family_table(), encoding="utf-8-sig")
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.encoding == "utf-8-sig" and raw.headers[0] == "id_keluarga_p3ke"
    assert raw.notes == []


def test_a_windows_1252_csv_is_read_and_the_encoding_noted(tmp_path):
    rows = family_rows()
    rows[0]["kepala_keluarga"] = "MA’RUF"  # a curly apostrophe: 0x92 in cp1252
    path = write_csv(tmp_path / "k.csv", as_table(rows), encoding="cp1252")
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.encoding == "cp1252"
    assert raw.frame["kepala_keluarga"].to_list()[0] == "MA’RUF"
    assert [n.code for n in raw.notes] == ["NOTE_ENCODING"]


def test_a_utf16_csv_from_excels_unicode_text_is_read(tmp_path):
    path = write_csv(tmp_path / "k.txt", family_table(), delimiter="\t", encoding="utf-16")
    raw = read_sheet(path, P3KE_FAMILY)
    assert raw.encoding == "utf-16" and raw.height == 2


def test_a_quoted_cell_with_a_line_break_keeps_the_row_numbers(tmp_path):
    rows = family_rows()
    rows[0]["alamat"] = "Dusun Krajan\nRT 001"
    raw = read_sheet(write_csv(tmp_path / "k.csv", as_table(rows)), P3KE_FAMILY)
    assert raw.frame["_row"].to_list() == [2, 3]
    assert raw.frame["alamat"].to_list()[0] == "Dusun Krajan\nRT 001"


# ---------------------------------------------------------------------------------------------
# Hostile files: each gives a ReadError with both messages naming the file, never a traceback


def assert_read_error(path: Path, code: str, **options) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_sheet(path, P3KE_FAMILY, **options)
    error = caught.value
    assert error.code == code, error.message_en
    assert error.file == path.name
    assert path.name in error.message_id and path.name in error.message_en
    assert error.message_id != error.message_en
    return error


def test_a_missing_file(tmp_path):
    assert_read_error(tmp_path / "hilang.xlsx", "FILE_NOT_FOUND")


def test_a_directory_is_not_a_file(tmp_path):
    (tmp_path / "folder.xlsx").mkdir()
    assert_read_error(tmp_path / "folder.xlsx", "FILE_NOT_FOUND")


def test_an_empty_file(tmp_path):
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    assert_read_error(path, "FILE_EMPTY")


def test_an_oversize_file_is_refused_before_reading(tmp_path):
    path = write_csv(tmp_path / "besar.csv", family_table())
    error = assert_read_error(path, "FILE_TOO_LARGE", max_bytes=100)
    assert "MB" in error.message_id


def test_a_pdf_renamed_to_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    error = assert_read_error(path, "FILE_WRONG_FORMAT")
    assert "PDF" in error.message_id and "simpan ulang sebagai .xlsx" in error.message_id


def test_a_word_document_renamed_to_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word" in assert_read_error(path, "FILE_WRONG_FORMAT").message_id


def test_an_old_xls_file_asks_to_save_again_as_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    directory = "Workbook".encode("utf-16-le").ljust(64, b"\x00")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + directory * 4)
    assert "simpan ulang sebagai .xlsx" in assert_read_error(path, "FILE_XLS_OLD").message_id


def test_a_password_protected_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    names = b"".join(
        n.encode("utf-16-le").ljust(64, b"\x00")
        for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + names + os.urandom(4096))
    error = assert_read_error(path, "FILE_ENCRYPTED")
    assert "kata sandi" in error.message_id and "password" in error.message_en


def test_a_truncated_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", family_table())
    path = tmp_path / "terpotong.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert_read_error(path, "FILE_CORRUPT")


def test_an_xlsx_whose_sheet_is_damaged(tmp_path):
    path = tmp_path / "rusak.xlsx"
    good = write_xlsx(tmp_path / "good.xlsx", family_table())
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<<<not xml"
            target.writestr(item, data)
    assert_read_error(path, "FILE_CORRUPT")


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            block = b"\x00" * (1024 * 1024)
            for _ in range(40):  # 40 MB of zeros: about 40 KB compressed, ratio ~1000
                entry.write(block)
    started = time.perf_counter()
    error = assert_read_error(path, "FILE_ZIP_BOMB")
    assert time.perf_counter() - started < 1.0
    assert "rasio" in error.message_id


def test_a_zip_whose_total_content_is_too_large_is_refused(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", family_table())
    limits = ZipLimits(max_unzipped_bytes=1000)
    assert_read_error(good, "FILE_ZIP_BOMB", zip_limits=limits)


def test_50_mb_of_random_bytes_named_xlsx_are_refused_quickly(tmp_path):
    path = tmp_path / "acak.xlsx"
    path.write_bytes(b"\x07\x00" + os.urandom(50 * 1024 * 1024))
    started = time.perf_counter()
    error = assert_read_error(path, "FILE_WRONG_FORMAT")
    assert time.perf_counter() - started < 0.5
    assert "biner" in error.message_id


def test_a_web_page_named_xls(tmp_path):
    path = tmp_path / "unduhan.xls"
    path.write_text("<html><body><table><tr><td>id_keluarga_p3ke</td></tr></table></body></html>")
    assert "HTML" in assert_read_error(path, "FILE_WRONG_FORMAT").message_id


def test_a_csv_in_utf16_without_byte_order_mark(tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes("id_keluarga_p3ke,kode_kemdagri\nF1,3513202001\n".encode("utf-16-le"))
    assert_read_error(path, "CSV_ENCODING")


def test_a_file_with_headers_only(tmp_path):
    path = write_xlsx(tmp_path / "judul.xlsx", [P3KE_FAMILY.headers], start_row=8, above=TITLE)
    error = assert_read_error(path, "FILE_NO_DATA")
    assert "baris 9" in error.message_id


def test_a_csv_with_headers_only_and_a_total(tmp_path):
    path = write_csv(tmp_path / "judul.csv", [P3KE_FAMILY.headers, ["TOTAL", "", "0"]])
    assert_read_error(path, "FILE_NO_DATA")


def test_a_sheet_without_any_known_header(tmp_path):
    path = write_xlsx(tmp_path / "lain.xlsx", [["nama barang", "harga"], ["beras", "12000"]])
    error = assert_read_error(path, "FILE_NO_HEADER")
    assert "id_keluarga_p3ke" in error.message_id


def test_a_csv_with_mixed_delimiters(tmp_path):
    text = io.StringIO()
    table = family_table()
    text.write(";".join(table[0]) + "\n")
    text.write(";".join(str(v) for v in table[1]) + "\n")
    text.write(",".join(str(v) for v in table[2]) + "\n")
    path = tmp_path / "campur.csv"
    path.write_text(text.getvalue())
    error = assert_read_error(path, "CSV_MIXED_DELIMITER")
    assert error.context["row"] == 3 and "koma" in error.message_id


def test_a_csv_with_mixed_delimiters_far_down_the_file(tmp_path):
    table = family_table()
    lines = [";".join(table[0])] + [";".join(str(v) for v in table[1])] * 200
    lines.append(",".join(str(v) for v in table[2]))
    path = tmp_path / "campur.csv"
    path.write_text("\n".join(lines) + "\n")
    assert assert_read_error(path, "CSV_MIXED_DELIMITER").context["row"] == 202


def test_a_csv_with_more_cells_than_headers(tmp_path):
    table = family_table()
    table[2] = [*table[2], "extra", "more"]
    assert_read_error(write_csv(tmp_path / "k.csv", table), "CSV_PARSE")
