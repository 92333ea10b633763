"""The three national strategies for extreme poverty and the kinds of need under each
(Inpres 4/2022, DESIGN.md §1). A need and a programme share a kind: that is how a need finds the
programme, and the agency, that can meet it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strategy:
    code: str
    label: str


@dataclass(frozen=True)
class NeedKind:
    code: str
    label: str
    strategy: str


STRATEGIES: dict[str, Strategy] = {
    s.code: s
    for s in (
        Strategy("BEBAN", "Mengurangi beban pengeluaran"),
        Strategy("PENDAPATAN", "Meningkatkan pendapatan"),
        Strategy("KANTONG", "Mengurangi kantong kemiskinan"),
    )
}

NEED_KINDS: dict[str, NeedKind] = {
    k.code: k
    for k in (
        NeedKind("PBI_JK", "PBI-JK (jaminan kesehatan)", "BEBAN"),
        NeedKind("PKH", "PKH", "BEBAN"),
        NeedKind("SEMBAKO", "BPNT / sembako", "BEBAN"),
        NeedKind("PIP", "PIP / KIP (bantuan sekolah)", "BEBAN"),
        NeedKind("PELATIHAN", "Pelatihan keterampilan", "PENDAPATAN"),
        NeedKind("MODAL", "Modal usaha", "PENDAPATAN"),
        NeedKind("KERJA", "Penempatan kerja", "PENDAPATAN"),
        NeedKind("RTLH", "Bedah rumah (RTLH)", "KANTONG"),
        NeedKind("JAMBAN", "Jamban sehat", "KANTONG"),
        NeedKind("AIR", "Air bersih", "KANTONG"),
        NeedKind("LISTRIK", "Sambungan listrik", "KANTONG"),
        NeedKind("LAHAN", "Lahan / sertifikat tanah", "KANTONG"),
    )
}

FUNDING_SOURCES: dict[str, str] = {
    "APBN": "APBN",
    "APBD_PROV": "APBD provinsi",
    "APBD_KAB": "APBD kabupaten",
    "DANA_DESA": "Dana Desa",
    "CSR": "CSR / Baznas",
}

ESELON = ("II", "III", "IV")
