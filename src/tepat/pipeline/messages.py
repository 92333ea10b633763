"""The message catalogue of the import pipeline: every code with an Indonesian and English text.

Read errors (the file cannot be read at all), row errors (block the import until fixed) and
data-quality flags (kept on the row, never block) share one catalogue. Templates name the file, row
and column and say what was expected. `{value}` is always passed through `safe_value`, so a full
NIK or KK number never reaches a message (UU 24/2013, UU 27/2022).
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass

from tepat.core import identity

_AT = "Berkas {file} baris {row} kolom {column}: "
_AT_EN = "File {file} row {row} column {column}: "

# code -> (Indonesian template, English template)
READ_ERRORS: dict[str, tuple[str, str]] = {
    "FILE_NOT_FOUND": (
        "Berkas {file} tidak ditemukan.",
        "File {file} was not found.",
    ),
    "FILE_EMPTY": (
        "Berkas {file} kosong (0 byte). Unggah ulang berkas yang berisi data.",
        "File {file} is empty (0 bytes). Upload a file that contains data.",
    ),
    "FILE_TOO_LARGE": (
        "Berkas {file} berukuran {size} MB, melebihi batas {limit} MB. Pecah per kecamatan lalu "
        "unggah satu per satu.",
        "File {file} is {size} MB, above the {limit} MB limit. Split it by kecamatan and upload "
        "the parts one by one.",
    ),
    "FILE_WRONG_FORMAT": (
        "Berkas {file} bukan lembar kerja Excel .xlsx atau CSV (isinya {detail}). Buka datanya di "
        "Excel lalu simpan ulang sebagai .xlsx.",
        "File {file} is not an Excel .xlsx workbook or a CSV file (it holds {detail}). Open the "
        "data in Excel and save it again as .xlsx.",
    ),
    "FILE_XLS_OLD": (
        "Berkas {file} berformat Excel lama (.xls, 97-2003) yang tidak dapat dibaca. Buka di Excel "
        "lalu simpan ulang sebagai .xlsx (Excel Workbook).",
        "File {file} is in the old Excel format (.xls, 97-2003), which cannot be read. Open it in "
        "Excel and save it again as .xlsx (Excel Workbook).",
    ),
    "FILE_ENCRYPTED": (
        "Berkas {file} dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca. Buka di "
        "Excel, hapus kata sandinya (File > Info > Proteksi Buku Kerja), lalu simpan ulang sebagai "
        ".xlsx.",
        "File {file} is password-protected (encrypted) and cannot be read. Open it in Excel, "
        "remove the password (File > Info > Protect Workbook) and save it again as .xlsx.",
    ),
    "FILE_CORRUPT": (
        "Berkas {file} rusak atau terpotong (mungkin unduhan belum selesai): {detail}. Unduh "
        "ulang berkasnya, atau buka di Excel lalu simpan ulang sebagai .xlsx.",
        "File {file} is damaged or truncated (perhaps the download did not finish): {detail}. "
        "Download it again, or open it in Excel and save it again as .xlsx.",
    ),
    "FILE_ZIP_BOMB": (
        "Berkas {file} tidak wajar: isinya mengembang menjadi {size} MB ({detail}); batasnya "
        "{limit}. Berkas ini tidak dibaca demi keamanan server.",
        "File {file} is abnormal: it expands to {size} MB ({detail}); the limit is {limit}. It "
        "was not read, to protect the server.",
    ),
    "FILE_HOSTILE": (
        "Berkas {file} tidak wajar di bagian {value}: {detail}. Berkas ini tidak dibaca demi "
        "keamanan server. Buka di Excel, salin tabelnya ke buku kerja baru, lalu simpan dan "
        "unggah ulang.",
        "File {file} is abnormal in part {value}: {detail}. It was not read, to protect the "
        "server. Open it in Excel, copy the table into a new workbook, save it and upload it "
        "again.",
    ),
    "FILE_PARSE_LIMIT": (
        "Berkas {file} tidak dapat dibaca dalam batas aman ({detail}; batas {limit}). Berkas "
        "ini tidak dibaca demi keamanan server. Pecah per kecamatan, atau salin tabelnya ke "
        "buku kerja baru, lalu unggah ulang.",
        "File {file} could not be read within the safe limits ({detail}; limit {limit}). It "
        "was not read, to protect the server. Split it by kecamatan, or copy the table into a "
        "new workbook, and upload it again.",
    ),
    "SHEET_NOT_FOUND": (
        "Berkas {file} tidak memiliki lembar (sheet) '{value}'. Lembar yang ada: {expected}.",
        "File {file} has no sheet '{value}'. Its sheets are: {expected}.",
    ),
    "FILE_NO_HEADER": (
        "Berkas {file}: baris judul kolom tidak ditemukan di {limit} baris pertama. Judul kolom "
        "yang diharapkan antara lain: {expected}.",
        "File {file}: no row of column headers was found in the first {limit} rows. Expected "
        "headers include: {expected}.",
    ),
    "FILE_NO_DATA": (
        "Berkas {file} hanya berisi judul kolom (baris {row}), tanpa baris data.",
        "File {file} holds only the column headers (row {row}) and no data rows.",
    ),
    "CSV_ENCODING": (
        "Berkas {file} bukan teks yang dapat dibaca ({detail}). Simpan ulang sebagai CSV UTF-8 "
        "(Excel: Simpan Sebagai > CSV UTF-8) atau sebagai .xlsx.",
        "File {file} is not readable text ({detail}). Save it again as CSV UTF-8 (Excel: Save As "
        "> CSV UTF-8) or as .xlsx.",
    ),
    "CSV_MIXED_DELIMITER": (
        "Berkas {file} baris {row}: pemisah kolom tidak sama dengan baris judul (judul memakai "
        "{expected}, baris ini memakai {value}). Gunakan satu pemisah untuk seluruh berkas.",
        "File {file} row {row}: the column separator differs from the header row (the header "
        "uses {expected}, this row uses {value}). Use one separator for the whole file.",
    ),
    "CSV_PARSE": (
        "Berkas {file} tidak dapat dibaca sebagai CSV: {detail}. Periksa tanda kutip dan jumlah "
        "kolom, atau simpan ulang sebagai .xlsx.",
        "File {file} cannot be read as CSV: {detail}. Check the quotes and the number of columns, "
        "or save it again as .xlsx.",
    ),
}

ROW_ERRORS: dict[str, tuple[str, str]] = {
    "MISSING_COLUMN": (
        "Berkas {file}: kolom wajib '{column}' tidak ada (baris judul: baris {row}). Nama judul "
        "yang dikenali: {expected}.",
        "File {file}: the required column '{column}' is missing (header row: row {row}). "
        "Accepted header names: {expected}.",
    ),
    "ID_EMPTY": (
        _AT + "ID kosong; setiap baris wajib memiliki ID.",
        _AT_EN + "the ID is empty; every row must have an ID.",
    ),
    "FAMILY_KEY_INVALID": (
        _AT + "No. KK '{value}' tidak dapat menjadi kunci keluarga ({detail}). Berkas tanpa "
        "kolom ID keluarga mengelompokkan anggota menurut No. KK, jadi No. KK harus 16 angka "
        "yang utuh, tersimpan sebagai teks.",
        _AT_EN + "the KK number '{value}' cannot be the family's key ({detail}). A file without "
        "a family ID column groups the members by their KK number, so it must be 16 whole "
        "digits, stored as text.",
    ),
    "ID_DUPLICATE": (
        _AT + "ID '{value}' muncul {count} kali dalam berkas ini (baris {rows}); ID harus unik.",
        _AT_EN + "the ID '{value}' occurs {count} times in this file (rows {rows}); IDs must be "
        "unique.",
    ),
    "REQUIRED_EMPTY": (
        _AT + "kolom wajib ini kosong; yang diharapkan: {expected}.",
        _AT_EN + "this required column is empty; expected: {expected}.",
    ),
    "DESA_MISSING": (
        _AT + "kode desa kosong; isi kode desa/kelurahan Kemendagri (misalnya 35.13.20.2001).",
        _AT_EN + "the desa code is empty; fill in the Kemendagri desa/kelurahan code (e.g. "
        "35.13.20.2001).",
    ),
    "DESA_INVALID": (
        _AT + "nilai '{value}' bukan kode desa/kelurahan Kemendagri (harus 10 angka, misalnya "
        "35.13.20.2001 atau 3513202001).",
        _AT_EN + "the value '{value}' is not a Kemendagri desa/kelurahan code (10 digits "
        "expected, e.g. 35.13.20.2001 or 3513202001).",
    ),
    "DESA_UNKNOWN": (
        _AT + "kode desa '{value}' tidak ada dalam daftar wilayah Kemendagri 2025.",
        _AT_EN + "the desa code '{value}' is not in the 2025 Kemendagri region list.",
    ),
    "DESA_OUTSIDE": (
        _AT + "kode desa '{value}' berada di luar wilayah {expected}.",
        _AT_EN + "the desa code '{value}' lies outside {expected}.",
    ),
    "FAMILY_NOT_FOUND": (
        _AT + "ID keluarga '{value}' tidak ada di berkas keluarga {expected}.",
        _AT_EN + "the family ID '{value}' is not in the family file {expected}.",
    ),
    "DESIL_INVALID": (
        _AT + "nilai '{value}' bukan desil yang dikenal (harus 1–4 untuk P3KE, 1–10 untuk DTSEN).",
        _AT_EN + "the value '{value}' is not a known decile (1–4 for P3KE, 1–10 for DTSEN).",
    ),
    "VALUE_INVALID": (
        _AT + "nilai '{value}' tidak dikenal; yang diharapkan: {expected}.",
        _AT_EN + "the value '{value}' is not known; expected: {expected}.",
    ),
    "FORMULA": (
        _AT + "sel berisi rumus ('{value}'). Rumus tidak diterima (risiko formula-injection); "
        "ketik nilainya sebagai teks biasa.",
        _AT_EN + "the cell holds a formula ('{value}'). Formulas are not accepted "
        "(formula-injection risk); type the value as plain text.",
    ),
    "CELL_ERROR": (
        _AT + "sel berisi galat Excel '{value}'; perbaiki rumus sumbernya atau ketik nilainya.",
        _AT_EN + "the cell holds the Excel error '{value}'; fix its source formula or type the "
        "value.",
    ),
    "VALUE_UNREADABLE": (
        _AT + "nilai '{value}' berisi karakter yang tidak terbaca (karakter kontrol, atau � dari "
        "pengodean yang salah).",
        _AT_EN + "the value '{value}' holds unreadable characters (control characters, or � "
        "from a wrong encoding).",
    ),
    "VALUE_TOO_LONG": (
        _AT + "nilai terlalu panjang ({count} karakter; batasnya {limit}).",
        _AT_EN + "the value is too long ({count} characters; the limit is {limit}).",
    ),
}

# Data-quality flags raised by the pipeline itself; NIK_* and KK_* flags from tepat.core.identity
# carry their own texts there (identity.PROBLEMS).
FLAGS: dict[str, tuple[str, str]] = {
    "NIK_DUPLICATE": (
        "NIK yang sama tercatat lebih dari sekali dalam impor ini",
        "The same NIK occurs more than once in this import",
    ),
    "KK_DUPLICATE": (
        "No. KK yang sama tercatat pada lebih dari satu keluarga",
        "The same KK number is on more than one family",
    ),
    "NIK_STORED_AS_NUMBER": (
        "NIK tersimpan sebagai angka di Excel, bukan teks: periksa dengan kartu, lalu simpan "
        "kolomnya dengan format sel Teks",
        "The NIK is stored as a number in Excel, not as text: check it against the card, then "
        "store the column with the Text cell format",
    ),
    "KK_STORED_AS_NUMBER": (
        "No. KK tersimpan sebagai angka di Excel, bukan teks: periksa dengan kartu, lalu simpan "
        "kolomnya dengan format sel Teks",
        "The KK number is stored as a number in Excel, not as text: check it against the card, "
        "then store the column with the Text cell format",
    ),
    "BIRTHDATE_MISSING": ("Tanggal lahir kosong", "The birth date is empty"),
    "BIRTHDATE_AMBIGUOUS": (
        "Tanggal lahir dapat dibaca dua cara (hari/bulan atau bulan/hari) dan urutan di berkas "
        "ini tidak dapat dipastikan; dibaca sebagai hari/bulan",
        "The birth date reads two ways (day/month or month/day) and this file's order cannot be "
        "told; it was read as day/month",
    ),
    "BIRTHDATE_INVALID": (
        "Tanggal lahir tidak dapat dibaca atau tidak mungkin (nilai asli disimpan)",
        "The birth date cannot be read or is impossible (the raw value is kept)",
    ),
    "CODE_UNKNOWN": (
        "Ada nilai berkode yang tidak dikenal (nilai asli disimpan)",
        "A coded value is not known (the raw value is kept)",
    ),
    "FAMILY_NO_HEAD": (
        "Keluarga tanpa anggota berstatus kepala keluarga",
        "The family has no member who is the head of the family",
    ),
    "FAMILY_MANY_HEADS": (
        "Keluarga dengan lebih dari satu kepala keluarga",
        "The family has more than one head of the family",
    ),
    "FAMILY_NO_MEMBERS": (
        "Keluarga tanpa anggota di berkas individu, atau semua anggotanya pindah keluarga atau "
        "tidak ada di edisi terbaru",
        "The family has no members in the person file, or all its members moved to another "
        "family or are not in the latest edition",
    ),
    "FAMILY_HEAD_MISMATCH": (
        "NIK kepala keluarga di berkas keluarga berbeda dengan NIK anggota yang berstatus kepala "
        "keluarga",
        "The head's NIK in the family file differs from the NIK of the member who is the head",
    ),
    "FAMILY_ROWS_DISAGREE": (
        "Kolom keluarga berbeda-beda antarbaris anggota keluarga yang sama (dipakai nilai pertama)",
        "The family's columns differ between the rows of its members (the first value is used)",
    ),
    "REGION_NAME_MISMATCH": (
        "Nama desa di berkas tidak sama dengan nama desa menurut kode Kemendagri",
        "The desa name in the file differs from the name of the Kemendagri code",
    ),
}

NOTES: dict[str, tuple[str, str]] = {
    "NOTE_SHEET": (
        "Berkas {file}: data dibaca dari lembar '{value}'.",
        "File {file}: the data was read from the sheet '{value}'.",
    ),
    "NOTE_TEXT_FILE": (
        "Berkas {file} berisi teks CSV walaupun ekstensinya bukan .csv; dibaca sebagai CSV.",
        "File {file} holds CSV text although its extension is not .csv; it was read as CSV.",
    ),
    "NOTE_ENCODING": (
        "Berkas {file} bukan UTF-8; dibaca dengan pengodean {value}. Periksa huruf beraksen.",
        "File {file} is not UTF-8; it was read with the {value} encoding. Check accented letters.",
    ),
    "NOTE_TOTAL_REMOVED": (
        "Berkas {file} baris {row}: baris jumlah/total tidak diimpor ({value}).",
        "File {file} row {row}: the total row was not imported ({value}).",
    ),
    "NOTE_FOOTNOTE_REMOVED": (
        "Berkas {file} baris {row}: catatan di bawah tabel tidak diimpor ({value}).",
        "File {file} row {row}: the note below the table was not imported ({value}).",
    ),
    "NOTE_BLANK_ROWS": (
        "Berkas {file}: {count} baris kosong dilewati.",
        "File {file}: {count} blank rows were skipped.",
    ),
    "NOTE_IGNORED_COLUMNS": (
        "Berkas {file}: kolom berikut tidak dikenal dan tidak diimpor: {value}.",
        "File {file}: these columns are not known and were not imported: {value}.",
    ),
    "NOTE_NIK_NUMERIC": (
        "Berkas {file} kolom {column}: {count} dari {value} nomor berakhiran 0; kolom ini "
        "tampaknya pernah disimpan sebagai angka di Excel sehingga angka terakhir hilang.",
        "File {file} column {column}: {count} of {value} numbers end in 0; the column seems to "
        "have been stored as numbers in Excel, which lost the last digits.",
    ),
    "NOTE_STORED_AS_NUMBER": (
        "Berkas {file} kolom {column}: {count} sel tersimpan sebagai angka, bukan teks; Excel "
        "hanya menyimpan 15 angka, jadi nomor 16 angka di sel itu ditandai rusak dan tidak "
        "dipakai untuk mencocokkan.",
        "File {file} column {column}: {count} cells are stored as numbers, not text; Excel keeps "
        "15 digits only, so the 16-digit numbers in those cells are flagged as damaged and not "
        "used for matching.",
    ),
    "NOTE_DATE_ORDER": (
        "Berkas {file}: tanggal ditulis {value} (terlihat dari {count} tanggal yang hanya dapat "
        "dibaca satu cara).",
        "File {file}: dates are written {value} (shown by {count} dates that read one way only).",
    ),
    "NOTE_DATE_ORDER_MIXED": (
        "Berkas {file}: urutan tanggal bercampur ({count} tanggal hanya terbaca hari/bulan, "
        "{value} hanya bulan/hari); tanggal yang dapat dibaca dua cara ditandai.",
        "File {file}: the date order is mixed ({count} dates read only day/month, {value} only "
        "month/day); the dates that read both ways are flagged.",
    ),
    "NOTE_PERSON_IDS": (
        "Berkas {file} tidak memiliki kolom ID individu: {count} individu dikenali dari NIK yang "
        "sah, {value} dari keluarga dan urutannya di dalam keluarga.",
        "File {file} has no person ID column: {count} persons are identified by their valid "
        "NIK, {value} by their family and their position in it.",
    ),
    "NOTE_FAMILY_BY_KK": (
        "Berkas {file} tidak memiliki kolom ID keluarga: keluarga dikelompokkan menurut No. KK "
        "(kolom {column}).",
        "File {file} has no family ID column: families are grouped by their KK number "
        "(column {column}).",
    ),
    "NOTE_TWO_ROW_HEADER": (
        "Berkas {file}: judul kolom tersusun dua baris (baris {row} dan {value}); keduanya "
        "digabung.",
        "File {file}: the column headers span two rows (rows {row} and {value}); they were "
        "joined.",
    ),
    "NOTE_COMBINED": (
        "Berkas {file} berisi keluarga dan anggotanya dalam satu lembar; dipisah menjadi {count} "
        "keluarga dan {value} individu.",
        "File {file} holds families and their members in one sheet; it was split into {count} "
        "families and {value} persons.",
    ),
}

# Files read through a column mapping (tepat.pipeline.mapping).
MAPPING: dict[str, tuple[str, str]] = {
    "MAPPING_COLUMN_MISSING": (
        "Berkas {file}: kolom '{column}' yang dipetakan ke {value} (wajib) tidak ada di berkas. "
        "Perbaiki pemetaan kolom atau berkasnya. Kolom yang ada: {expected}.",
        "File {file}: the column '{column}' mapped to {value} (required) is not in the file. "
        "Fix the column mapping or the file. The file's columns: {expected}.",
    ),
    "NOTE_PERSON_ID_MADE": (
        "Berkas {file}: tidak ada kolom ID individu; ID setiap individu dibuat dari kunci "
        "keluarga dan urutannya dalam keluarga.",
        "File {file}: there is no person ID column; each person's ID is made from the family key "
        "and the person's position in the family.",
    ),
    "NOTE_UNMAPPED_COLUMNS": (
        "Berkas {file}: kolom berikut tidak dipetakan dan tidak diimpor: {value}.",
        "File {file}: these columns are not mapped and were not imported: {value}.",
    ),
    "NOTE_MAPPED_ABSENT": (
        "Berkas {file}: kolom pemetaan berikut tidak ada di berkas ini: {value}.",
        "File {file}: these mapped columns are not in this file: {value}.",
    ),
}

CATALOGUE: dict[str, tuple[str, str]] = {
    **READ_ERRORS, **ROW_ERRORS, **FLAGS, **NOTES, **MAPPING
}

_FORMATTER = string.Formatter()
# 13+ digits, possibly split by spaces, dots or dashes: a NIK/KK or a mangled one.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){12,}")
_MAX_VALUE_CHARS = 80


def mask_numbers(text: str) -> str:
    """Every run of 13 or more digits (a NIK or KK, whole or damaged) masked: 3513********0001."""
    return _LONG_NUMBER.sub(lambda m: identity.mask(m.group()), text)


def safe_value(value: object) -> str:
    """A cell value fit for a message: long digit runs (NIK/KK) masked, long text shortened."""
    if value is None:
        return ""
    text = mask_numbers(str(value))
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def render(code: str, **context: object) -> tuple[str, str]:
    """The Indonesian and English message of a code; unknown placeholders render empty."""
    if code in CATALOGUE:
        template_id, template_en = CATALOGUE[code]
    elif code in identity.PROBLEMS:
        problem = identity.describe(code)
        return problem.message_id, problem.message_en
    else:
        raise KeyError(f"no message for code {code!r}")
    values: defaultdict[str, object] = defaultdict(str)
    for key, value in context.items():  # file names and details too: a KK can name a file
        values[key] = mask_numbers(value) if isinstance(value, str) else value
    if "value" in context:
        values["value"] = safe_value(context["value"])
    return _FORMATTER.vformat(template_id, (), values), _FORMATTER.vformat(template_en, (), values)


def flag_message(code: str) -> tuple[str, str]:
    """The legend text of a data-quality flag (pipeline or identity), for reports and the UI."""
    if code in FLAGS:
        return FLAGS[code]
    problem = identity.describe(code)
    return problem.message_id, problem.message_en


@dataclass(frozen=True)
class Note:
    """Something the import did that the user should know (never silent), in both languages."""

    code: str
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return self.message_id


def note(code: str, file: str, **context: object) -> Note:
    """A note for the import summary; see NOTES."""
    message_id, message_en = render(code, file=file, **context)
    return Note(code, message_id, message_en)


# Row errors of an agency's disbursement file (tepat.pipeline.disbursement). A refused row is
# listed in the preview and in the upload's audit event; the file's other rows are imported.
DISBURSEMENT_ERRORS: dict[str, tuple[str, str]] = {
    "PAY_NO_NUMBER": (
        _AT + "NIK dan No. KK kosong; yang diharapkan: NIK atau No. KK penerima (16 angka).",
        _AT_EN + "both NIK and No. KK are empty; expected: the recipient's NIK or No. KK "
        "(16 digits).",
    ),
    "PAY_STATUS_EMPTY": (
        _AT + "status penyaluran kosong; yang diharapkan: Tersalur, Dibayar, Sudah Cair "
        "(dibayar) atau Gagal, Retur, Tidak Tersalur (gagal).",
        _AT_EN + "the payment status is empty; expected: Tersalur, Dibayar, Sudah Cair (paid) "
        "or Gagal, Retur, Tidak Tersalur (failed).",
    ),
    "PAY_STATUS_UNKNOWN": (
        _AT + "status '{value}' tidak dikenal; yang diharapkan: Tersalur, Dibayar, Sudah Cair "
        "(dibayar) atau Gagal, Retur, Tidak Tersalur (gagal).",
        _AT_EN + "the status '{value}' is unknown; expected: Tersalur, Dibayar, Sudah Cair "
        "(paid) or Gagal, Retur, Tidak Tersalur (failed).",
    ),
    "PAY_PERIOD_EMPTY": (
        _AT + "periode kosong; yang diharapkan: bulan seperti 2025-04 atau April 2025, triwulan "
        "seperti Triwulan 2 2025 atau TW2 2025, atau tanggal.",
        _AT_EN + "the period is empty; expected: a month like 2025-04 or April 2025, a quarter "
        "like Triwulan 2 2025 or TW2 2025, or a date.",
    ),
    "PAY_PERIOD_BAD": (
        _AT + "'{value}' bukan periode yang dikenal; yang diharapkan: bulan seperti 2025-04 atau "
        "April 2025, triwulan seperti Triwulan 2 2025 atau TW2 2025, atau tanggal.",
        _AT_EN + "'{value}' is not a known period; expected: a month like 2025-04 or April 2025, "
        "a quarter like Triwulan 2 2025 or TW2 2025, or a date.",
    ),
    "PAY_PERIOD_FUTURE": (
        _AT + "periode '{value}' belum dimulai; yang diharapkan: periode yang sudah dibayar "
        "(tidak setelah hari ini).",
        _AT_EN + "the period '{value}' has not begun; expected: a period already paid (not "
        "after today).",
    ),
    "PAY_DATE_BAD": (
        _AT + "'{value}' bukan tanggal yang benar; yang diharapkan: tanggal seperti 2025-04-15 "
        "atau 15/04/2025, tidak setelah hari ini.",
        _AT_EN + "'{value}' is not a valid date; expected: a date like 2025-04-15 or 15/04/2025, "
        "not after today.",
    ),
    "PAY_AMOUNT_BAD": (
        _AT + "'{value}' bukan nilai rupiah; yang diharapkan: angka 0 atau lebih, seperti "
        "1500000 atau Rp 1.500.000.",
        _AT_EN + "'{value}' is not an amount in rupiah; expected: a number of 0 or more, like "
        "1500000 or Rp 1.500.000.",
    ),
    "PAY_AMOUNT_ZERO": (
        _AT + "pembayaran tersalur bernilai 0; yang diharapkan: nilai yang dibayarkan (lebih "
        "dari 0), atau status Gagal.",
        _AT_EN + "a paid row of amount 0; expected: the amount paid (more than 0), or the "
        "status Gagal (failed).",
    ),
    "PAY_DUPLICATE": (
        _AT + "baris ganda: referensi, atau NIK/No. KK dan periode, sama dengan baris {first}; "
        "yang diharapkan: satu baris per pembayaran.",
        _AT_EN + "a duplicate row: the same reference, or NIK/No. KK and period, as row "
        "{first}; expected: one row per payment.",
    ),
    "PAY_EXCEL_ERROR": (
        _AT + "berisi galat Excel {value}; yang diharapkan: nilai yang terisi.",
        _AT_EN + "holds the Excel error {value}; expected: a filled-in value.",
    ),
}
CATALOGUE.update(DISBURSEMENT_ERRORS)
