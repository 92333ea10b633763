"""Builders of small hand-built P3KE files for the pipeline tests (written into tmp_path).

A clean batch: two families in Desa Malesanwetan (35.13.20.2001), Kec. Tegalsiwalan, with
valid NIK and KK numbers built by tepat.core.identity; family F1 has a head and a wife, F2 a head
and a child. `family_rows()` / `person_rows()` return header -> value dicts to tweak per test.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from tepat.core.identity import make_kk, make_nik
from tepat.core.layout import P3KE_PERSON

TODAY = date(2025, 6, 30)
DESA = "35.13.20.2001"
REGION6 = "351320"

HEAD_1 = make_nik(REGION6, date(1975, 3, 1), "1", 1)
WIFE_1 = make_nik(REGION6, date(1978, 7, 22), "2", 2)
HEAD_2 = make_nik(REGION6, date(1980, 1, 20), "2", 3)
CHILD_2 = make_nik(REGION6, date(2010, 11, 5), "1", 4)
KK_1 = make_kk(REGION6, date(2015, 7, 1), 11)
KK_2 = make_kk(REGION6, date(2016, 2, 3), 12)


def family_rows() -> list[dict[str, Any]]:
    base = {
        "provinsi": "JAWA TIMUR",
        "kabupaten_kota": "KAB. PROBOLINGGO",
        "kecamatan": "TEGALSIWALAN",
        "desa_kelurahan": "MALESANWETAN",
        "kode_kemdagri": DESA,
        "alamat": "Dusun Krajan RT 001 RW 002",
        "padan_dukcapil": "Padan",
        "pekerjaan": "Buruh Harian Lepas",
        "pendidikan": "Tamat SD/Sederajat",
        "kepemilikan_rumah": "Milik Sendiri",
        "memiliki_simpanan_uang_perhiasan_ternak_lainnya": "Tidak",
        "jenis_atap": "Genteng",
        "jenis_dinding": "Bambu",
        "jenis_lantai": "Tanah",
        "sumber_penerangan": "Listrik PLN meteran",
        "bahan_bakar_memasak": "Kayu bakar",
        "sumber_air_minum": "Sumur terlindung",
        "memiliki_fasilitas_buang_air_besar": "Tidak ada",
        "penerima_bpnt": "Ya",
        "penerima_bpum": "Tidak",
        "penerima_bst": "Tidak",
        "penerima_pkh": "Ya",
        "penerima_sembako": "Ya",
        "resiko_stunting": "Tidak",
    }
    return [
        {
            "id_keluarga_p3ke": "F1",
            **base,
            "desil_kesejahteraan": "1",
            "no_kk": KK_1,
            "kepala_keluarga": "SUTRISNO",
            "nik": HEAD_1,
            "jenis_kelamin": "Laki-laki",
            "tanggal_lahir": "1975-03-01",
        },
        {
            "id_keluarga_p3ke": "F2",
            **base,
            "desil_kesejahteraan": "2",
            "no_kk": KK_2,
            "kepala_keluarga": "MISNATI",
            "nik": HEAD_2,
            "jenis_kelamin": "Perempuan",
            "tanggal_lahir": "20-01-1980",
        },
    ]


def _bands(age_band: int) -> dict[str, str]:
    names = [c.header for c in P3KE_PERSON.columns if c.header.startswith("usia_")]
    return {name: "Ya" if i == age_band else "Tidak" for i, name in enumerate(names, 1)}


def person_rows() -> list[dict[str, Any]]:
    programmes = {
        "penerima_bpnt": "Ya",
        "penerima_bpum": "Tidak",
        "penerima_bst": "Tidak",
        "penerima_pkh": "Ya",
        "penerima_sembako": "Tidak",
    }
    return [
        {
            "id_keluarga_p3ke": "F1",
            "id_individu": "P1",
            "nik": HEAD_1,
            "nama": "SUTRISNO",
            "hubungan_dengan_kepala_keluarga": "Kepala Keluarga",
            "jenis_kelamin": "Laki-laki",
            "tanggal_lahir": "1975-03-01",
            "status_kawin": "Kawin",
            "pekerjaan": "Petani",
            "pendidikan": "SD",
            **_bands(6),
            **programmes,
        },
        {
            "id_keluarga_p3ke": "F1",
            "id_individu": "P2",
            "nik": WIFE_1,
            "nama": "SUMIATI",
            "hubungan_dengan_kepala_keluarga": "Istri",
            "jenis_kelamin": "Perempuan",
            "tanggal_lahir": "22/07/1978",
            "status_kawin": "Kawin",
            "pekerjaan": "Mengurus Rumah Tangga",
            "pendidikan": "SD",
            **_bands(6),
            **programmes,
        },
        {
            "id_keluarga_p3ke": "F2",
            "id_individu": "P3",
            "nik": HEAD_2,
            "nama": "MISNATI",
            "hubungan_dengan_kepala_keluarga": "Kepala Keluarga",
            "jenis_kelamin": "Perempuan",
            "tanggal_lahir": "1980-01-20",
            "status_kawin": "Cerai Mati",
            "pekerjaan": "Pedagang",
            "pendidikan": "SMP",
            **_bands(6),
            **programmes,
        },
        {
            "id_keluarga_p3ke": "F2",
            "id_individu": "P4",
            "nik": CHILD_2,
            "nama": "AHMAD",
            "hubungan_dengan_kepala_keluarga": "Anak",
            "jenis_kelamin": "Laki-laki",
            "tanggal_lahir": "2010-11-05",
            "status_kawin": "Belum Kawin",
            "pekerjaan": "Pelajar",
            "pendidikan": "SD",
            **_bands(3),
            **programmes,
        },
    ]


def as_table(rows: Sequence[dict[str, Any]], headers: Sequence[str] | None = None) -> list[list]:
    """Header row + value rows; headers default to the union of the dicts' keys, in order."""
    if headers is None:
        headers = list(dict.fromkeys(k for row in rows for k in row))
    return [list(headers), *([row.get(h) for h in headers] for row in rows)]


def write_xlsx(
    path: Path,
    table: Sequence[Sequence[Any]],
    *,
    start_row: int = 0,
    sheet: str = "Sheet1",
    above: Sequence[Sequence[Any]] = (),
    extra_sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
) -> Path:
    """Write rows as typed cells: str as text, int/float as numbers, date as a real date.
    `above` rows (a title block) are written from row 1; the table from `start_row`."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheets = {sheet: table, **(extra_sheets or {})}
    for name, rows in sheets.items():
        worksheet = workbook.add_worksheet(name)
        first = start_row if name == sheet else 0
        if name == sheet:
            for r, row in enumerate(above):
                _write_row(worksheet, r, row, date_format)
        for r, row in enumerate(rows, start=first):
            _write_row(worksheet, r, row, date_format)
    workbook.close()
    return path


def _write_row(worksheet, r: int, row: Sequence[Any], date_format) -> None:
    for c, value in enumerate(row):
        if value is None:
            continue
        if isinstance(value, datetime | date):
            value = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
            worksheet.write_datetime(r, c, value, date_format)
        elif isinstance(value, bool):
            worksheet.write_boolean(r, c, value)
        elif isinstance(value, int | float):
            worksheet.write_number(r, c, value)
        else:
            worksheet.write_string(r, c, str(value))


def write_csv(
    path: Path, table: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(
            ["" if v is None else v for v in row] for row in table
        )
    return path
