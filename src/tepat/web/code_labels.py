"""The Indonesian labels of the core's code lists, shown in the user's language (issue 19 §8).

The core keeps its codes and Indonesian labels (it never imports Django); the data keeps the
codes. These labels are listed here as literals so that the catalogue holds them, and `label`
/ `code_label` translate them at display time. `ENGLISH_LABELLED` names the code lists whose
every label has an English entry in the catalogue (tests/web/test_english_pages.py builds its
list of words an English page must not show from them).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from tepat.core import codes
from tepat.core import indicators as core_indicators

MARKED = (
    # jenis kelamin, hubungan dengan kepala keluarga, status kawin
    gettext_noop("Laki-laki"), gettext_noop("Perempuan"),
    gettext_noop("Kepala keluarga"), gettext_noop("Istri/suami"), gettext_noop("Anak"),
    gettext_noop("Menantu"), gettext_noop("Cucu"), gettext_noop("Orang tua/mertua"),
    gettext_noop("Famili lain"), gettext_noop("Lainnya"),
    gettext_noop("Belum kawin"), gettext_noop("Kawin"), gettext_noop("Cerai hidup"),
    gettext_noop("Cerai mati"),
    # pendidikan
    gettext_noop("Tidak/belum sekolah"), gettext_noop("Tidak tamat SD/sederajat"),
    gettext_noop("Tamat SD/sederajat"), gettext_noop("SLTP/sederajat"),
    gettext_noop("SLTA/sederajat"), gettext_noop("Diploma I/II/III"),
    gettext_noop("Diploma IV/Strata I"), gettext_noop("Strata II/III"),
    # pekerjaan
    gettext_noop("Tidak/belum bekerja"), gettext_noop("Mengurus rumah tangga"),
    gettext_noop("Pelajar/mahasiswa"), gettext_noop("Petani/pekebun"),
    gettext_noop("Buruh tani/perkebunan"), gettext_noop("Nelayan/perikanan"),
    gettext_noop("Buruh harian lepas"), gettext_noop("Pedagang"), gettext_noop("Wiraswasta"),
    gettext_noop("Karyawan swasta"), gettext_noop("PNS/ASN/PPPK"), gettext_noop("TNI/Polri"),
    gettext_noop("Pensiunan"), gettext_noop("Sopir/ojek"),
    gettext_noop("Tukang/pekerja bangunan"),
    # indicators, their flags and poverty lines
    gettext_noop("Persentase penduduk miskin (P0)"), gettext_noop("Jumlah penduduk miskin"),
    gettext_noop("Indeks kedalaman kemiskinan (P1)"),
    gettext_noop("Indeks keparahan kemiskinan (P2)"), gettext_noop("Garis kemiskinan"),
    gettext_noop("Persentase penduduk miskin ekstrem"),
    gettext_noop("Jumlah penduduk miskin ekstrem"),
    gettext_noop("belum diverifikasi"), gettext_noop("sumber berbeda"),
    gettext_noop("dihitung"), gettext_noop("data sintetis"), gettext_noop("tahun disimpulkan"),
    gettext_noop("Garis kemiskinan nasional (BPS)"),
    gettext_noop("Miskin ekstrem: USD 1,90 PPP 2011 (BPS sampai 2024)"),
    gettext_noop("Miskin ekstrem: USD 2,15 PPP 2017 (BPS mulai 2025)"),
)

# Code lists whose every label is in MARKED (and so in the catalogue).
ENGLISH_LABELLED = {
    "jenis_kelamin": codes.JENIS_KELAMIN, "hubungan": codes.HUBUNGAN,
    "status_kawin": codes.STATUS_KAWIN, "pendidikan": codes.PENDIDIKAN,
    "pekerjaan": codes.PEKERJAAN,
}


def label(text: Any) -> str:
    """A label of a core code list in the active language (as is when it has no entry)."""
    return gettext(str(text)) if text else ""


def code_label(list_name: str, code: Any) -> str:
    """The label of `code` in the code list `list_name` (codes.CODE_LISTS), translated."""
    code_list = codes.CODE_LISTS.get(list_name) or ENGLISH_LABELLED.get(list_name)
    return label(code_list.label(code)) if code_list and code else ""


def indicator_label(code: str) -> str:
    found = core_indicators.INDICATORS.get(code)
    return label(found.label) if found else code


def indicator_flag(code: str) -> str:
    return label(core_indicators.FLAG_LABELS.get(code, code))
