"""Write a village download as it circulates in kabupaten offices (issue 17 §1), for tests.

One sheet: a title block, headers over two rows with merged group labels ("Identitas Keluarga"
over "ID Keluarga P3KE | No KK | Desil", "Anggota Keluarga" over "Nama | NIK | Hubungan |
Jenis Kelamin", "Tanggal" over "Lahir"), one row per person with the family's columns repeated,
no person ID column, a JUMLAH row after each desa block and a blank row, a JUMLAH TOTAL row and
a footnote at the bottom. NIKs are stored every way Excel users store them (text, a number that
lost its 16th digit, text typed with a leading apostrophe, text with spaces, scientific notation
as text); birth dates as text, as date cells and as serial numbers.

    households = village.households(40, seed=1)
    village.write(path, households)                 # with the ID Keluarga P3KE column
    village.write(path, households, family_id=False)  # families known by their No KK only
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from tepat.core.identity import make_kk, make_nik
from tepat.core.regions import data_path

NIK_STYLES = ("text", "number", "apostrophe", "spaces", "scientific")
HEAD_LABELS = ("Kepala Keluarga", "KK", "Kepala Rumah Tangga")
SPOUSE_LABELS = ("Istri", "Suami/Istri", "ISTRI")
CHILD_LABELS = ("Anak Kandung", "Anak", "Anak Tiri", "Anak Angkat")
OTHER_LABELS = ("Cucu", "Menantu", "Orang Tua", "Mertua", "Famili Lain", "Lainnya")


@dataclass
class Member:
    nama: str
    nik: str  # the true NIK
    hubungan: str  # the label as written
    sex: str  # "1" / "2"
    born: date
    nik_style: str = "text"
    date_style: str = "text"  # "text" (DD-MM-YYYY) | "cell" (a date cell) | "serial"


@dataclass
class Household:
    fid: str
    kk: str
    desa_code: str
    desa_name: str
    desil: int
    alamat: str
    members: list[Member] = field(default_factory=list)


def _desa(count: int) -> list[tuple[str, str]]:
    with data_path("wilayah", "probolinggo_desa.csv").open(encoding="utf-8") as fh:
        rows = [(r["code"], r["name"]) for r in csv.DictReader(fh) if r["kind"] == "desa"]
    return rows[:count]


def households(
    n: int, *, seed: int = 1, desa_count: int = 2, styled: bool = True
) -> list[Household]:
    """`n` households over `desa_count` desa; with `styled`, NIKs and dates cycle through every
    way of storing them (the first member of each family keeps a clean text NIK)."""
    rnd = random.Random(seed)
    found = []
    serial = 0
    for index in range(n):
        code, name = _desa(desa_count)[index % desa_count]
        region6 = code.replace(".", "")[:6]
        kk = make_kk(region6, date(2015, 1 + index % 12, 1 + index % 28), 1 + index)
        household = Household(f"P3KE{350000 + index:08d}", kk, code, name, 1 + index % 4,
                              f"Dusun Krajan RT {1 + index % 9:02d}")
        size = 1 + rnd.randrange(5)
        for position in range(size):
            serial += 1
            if position == 0:
                sex, label = "1", HEAD_LABELS[index % len(HEAD_LABELS)]
                born = date(1960 + rnd.randrange(25), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
            elif position == 1:
                sex, label = "2", SPOUSE_LABELS[index % len(SPOUSE_LABELS)]
                born = date(1965 + rnd.randrange(20), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
            else:
                sex = rnd.choice("12")
                label = (CHILD_LABELS + OTHER_LABELS[:1])[serial % 5] if position < 4 else (
                    OTHER_LABELS[serial % len(OTHER_LABELS)])
                born = date(1990 + rnd.randrange(30), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
            nik = make_nik(region6, born, sex, serial)
            nik_style = NIK_STYLES[serial % len(NIK_STYLES)] if styled and position else "text"
            date_style = ("text", "text", "cell", "serial")[serial % 4] if styled else "text"
            household.members.append(
                Member(f"WARGA {serial:04d}", nik, label, sex, born, nik_style, date_style))
        found.append(household)
    return found


def later_edition(found: list[Household]) -> list[Household]:
    """The next edition of the same village: one family's desil changed, one member added to
    another family, and the first two family blocks swapped in the file."""
    edition = [replace(h, members=list(h.members)) for h in found]
    edition[2] = replace(edition[2], desil=4 if edition[2].desil != 4 else 3)
    host = edition[3]
    region6 = host.desa_code.replace(".", "")[:6]
    born = date(2024, 2, 14)
    host.members.append(Member("BAYI BARU", make_nik(region6, born, "2", 9001), "Anak",
                               "2", born, "text", "text"))
    edition[0], edition[1] = edition[1], edition[0]
    return edition


def write(path: Path, found: list[Household], *, family_id: bool = True) -> Path:
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    sheet = book.add_worksheet("Data P3KE")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    quote = book.add_format({"quote_prefix": True})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    title = [
        "DATA PENSASARAN PERCEPATAN PENGHAPUSAN KEMISKINAN EKSTREM (P3KE)",
        "KABUPATEN PROBOLINGGO - PROVINSI JAWA TIMUR",
        "Kecamatan: Tegalsiwalan",
        "Sumber data: Kemenko PMK, diunduh 12-03-2024",
        None,
        "Catatan: data bersifat rahasia, tidak untuk disebarluaskan",
    ]
    for row, text in enumerate(title):
        if text:
            sheet.write_string(row, 0, text)
    top = len(title) + 1
    groups: list[tuple[str, list[str]]] = [("No", [])]
    family = ["ID Keluarga P3KE"] if family_id else []
    groups += [
        ("Identitas Keluarga", [*family, "No KK", "Desil Kesejahteraan"]),
        ("Wilayah", ["Kode Kemendagri", "Desa/Kelurahan"]),
        ("Alamat", []),
        ("Anggota Keluarga", ["Nama", "NIK", "Hubungan", "Jenis Kelamin"]),
        ("Tanggal", ["Lahir"]),
    ]
    column = 0
    for label, subs in groups:
        if not subs:
            sheet.merge_range(top, column, top + 1, column, label, bold)
            column += 1
            continue
        if len(subs) == 1:
            sheet.write_string(top, column, label, bold)
        else:
            sheet.merge_range(top, column, top, column + len(subs) - 1, label, bold)
        for sub in subs:
            sheet.write_string(top + 1, column, sub, bold)
            column += 1
    row = top + 2
    number = 0
    by_desa: dict[str, list[Household]] = {}
    for household in found:
        by_desa.setdefault(household.desa_code, []).append(household)
    for desa_households in by_desa.values():
        persons = 0
        for household in desa_households:
            for member in household.members:
                number += 1
                persons += 1
                cells: list[object] = [number]
                if family_id:
                    cells.append(household.fid)
                cells += [household.kk, household.desil, household.desa_code,
                          household.desa_name, household.alamat, member.nama]
                for position, value in enumerate(cells):
                    if isinstance(value, int):
                        sheet.write_number(row, position, value)
                    else:
                        sheet.write_string(row, position, value)
                at = len(cells)
                _write_nik(sheet, row, at, member, quote)
                sheet.write_string(row, at + 1, member.hubungan)
                sheet.write_string(row, at + 2, "Laki-laki" if member.sex == "1" else "Perempuan")
                _write_date(sheet, row, at + 3, member, day)
                row += 1
        # A sub-total after each desa block, then a blank row.
        sheet.write_string(row, 0, "JUMLAH")
        sheet.write_number(row, 2 if family_id else 1, len(desa_households))
        sheet.write_number(row, 8 if family_id else 7, persons)
        row += 2
    sheet.write_string(row, 0, "JUMLAH TOTAL")
    sheet.write_number(row, 8 if family_id else 7, number)
    sheet.write_string(row + 2, 0, "Sumber: Kemenko PMK, 2024")
    book.close()
    return path


def _write_nik(sheet: object, row: int, column: int, member: Member, quote: object) -> None:
    nik = member.nik
    if member.nik_style == "number":  # typed as a number: Excel keeps 15 digits
        sheet.write_number(row, column, int(nik[:15] + "0"))  # type: ignore[attr-defined]
    elif member.nik_style == "apostrophe":  # typed '3513…: Excel stores text
        sheet.write_string(row, column, nik, quote)  # type: ignore[attr-defined]
    elif member.nik_style == "spaces":
        spaced = " ".join(nik[i:i + 4] for i in range(0, 16, 4))
        sheet.write_string(row, column, spaced)  # type: ignore[attr-defined]
    elif member.nik_style == "scientific":  # a CSV round trip through Excel
        sheet.write_string(row, column, f"{nik[0]},{nik[1:6]}E+15")  # type: ignore[attr-defined]
    else:
        sheet.write_string(row, column, nik)  # type: ignore[attr-defined]


def _write_date(sheet: object, row: int, column: int, member: Member, day: object) -> None:
    born = member.born
    if member.date_style == "cell":
        sheet.write_datetime(row, column, datetime(born.year, born.month, born.day), day)  # type: ignore[attr-defined]
    elif member.date_style == "serial":
        sheet.write_number(row, column, (born - date(1899, 12, 30)).days)  # type: ignore[attr-defined]
    else:
        sheet.write_string(row, column, f"{born:%d-%m-%Y}")  # type: ignore[attr-defined]


def mangled(member: Member) -> bool:
    """Whether the member's NIK is written so that it cannot be exact."""
    return member.nik_style in ("number", "scientific")
