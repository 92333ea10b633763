"""The desa/kelurahan of a kabupaten/kota (by default the 330 of Kabupaten Probolinggo) with the
synthetic weights the generator uses.

No official population per desa is packaged, so each desa gets a deterministic synthetic size:
log-normal around 3,500 persons (Probolinggo has about 1.15 million people in 330 desa), spread
sigma = 0.45, with the normal quantile fixed by a BLAKE2b hash of the desa code. Kelurahan (urban
villages, all five in Kraksaan, the seat of the regency) are 2.2 times larger. These weights depend
on the code only, never on the seed, so every synthetic data set has the same "big" and "small"
villages.

Poverty is concentrated in the highland south and east (Tengger and Argopuro slopes: Sumber,
Kuripan, Lumbang, Tiris, Krucil, Pakuniran, ...) and lower in the coastal plain and in Kraksaan.
The per-kecamatan index below is a plausible guess, not BPS data: it shifts where poor families
live and how poor they are, nothing else. Likewise the Madurese share per kecamatan (east mostly
Madurese, west Javanese, Tengger in Sukapura) only steers the style of names.

Any other kabupaten/kota (issue 19): its desa come from the packaged national table, and each
kecamatan's poverty index (0.7-1.4) and coastal flag are fixed by a hash of its code; the
Madurese share is 0.5 in Jawa Timur and 0 elsewhere. A kota of kelurahan only (Kota Surabaya)
works the same way.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np

from tepat.core.regions import DEFAULT_KABUPATEN, data_path, national_table, undotted

MEAN_DESA_PERSONS = 3_500
DESA_SIGMA = 0.45
KELURAHAN_FACTOR = 2.2

# kecamatan suffix -> (poverty index, Madurese share, coastal)
KECAMATAN_PROFILE: dict[str, tuple[float, float, bool]] = {
    "01": (1.10, 0.05, False),  # Sukapura (Tengger, Bromo)
    "02": (1.45, 0.30, False),  # Sumber
    "03": (1.30, 0.50, False),  # Kuripan
    "04": (1.20, 0.60, False),  # Bantaran
    "05": (0.90, 0.50, False),  # Leces
    "06": (1.15, 0.85, False),  # Banyuanyar
    "07": (1.40, 0.85, False),  # Tiris
    "08": (1.40, 0.85, False),  # Krucil
    "09": (1.25, 0.90, False),  # Gading
    "10": (1.35, 0.95, False),  # Pakuniran
    "11": (1.25, 0.95, False),  # Kotaanyar
    "12": (0.80, 0.90, True),  # Paiton
    "13": (1.10, 0.90, True),  # Besuk
    "14": (0.60, 0.75, True),  # Kraksaan
    "15": (1.00, 0.90, False),  # Krejengan
    "16": (0.90, 0.85, True),  # Pajarakan
    "17": (1.00, 0.80, False),  # Maron
    "18": (0.90, 0.70, True),  # Gending
    "19": (0.90, 0.60, True),  # Dringu
    "20": (1.00, 0.60, False),  # Tegalsiwalan
    "21": (0.80, 0.40, True),  # Sumberasih
    "22": (1.00, 0.40, False),  # Wonomerto
    "23": (1.00, 0.35, True),  # Tongas
    "24": (1.30, 0.30, False),  # Lumbang
}

DUSUN_NAMES: tuple[str, ...] = (
    "KRAJAN",
    "KRAJAN I",
    "KRAJAN II",
    "KRAJAN TIMUR",
    "KRAJAN BARAT",
    "TIMUR",
    "BARAT",
    "LOR",
    "KIDUL",
    "KARANGANYAR",
    "SUMBEREJO",
    "SUKOREJO",
    "TEGALREJO",
    "KEBONSARI",
    "GUNUNGSARI",
    "DUREN",
    "PANDEAN",
    "KEDAWUNG",
    "BENDUNGAN",
    "AMPELAN",
    "KRAMAT",
    "SUMBERSARI",
    "GENTENGAN",
    "BARAT DAYA",
    "TENGAH",
    "KRAJAN SELATAN",
    "NANGGER",
    "BUNUT",
    "PESISIR",
    "TAMBAKAN",
    "SAWAHAN",
    "PATEMON",
    "TEGALAN",
    "GADUNG",
    "NGEPUNG",
    "SIDOMULYO",
    "MULYOREJO",
    "KEDUNGDOWO",
    "KALIPANG",
    "KARANGREJO",
    "SUMBERAGUNG",
    "GEBANGAN",
    "PONDOK",
    "BLIMBING",
    "PETUNG",
    "SENTONG",
    "TOMPOKERSAN",
)

LINGKUNGAN_NAMES: tuple[str, ...] = (
    "KRAJAN",
    "PASAR",
    "PANGLIMA SUDIRMAN",
    "SEMAMPIR",
    "ALUN-ALUN",
    "KAUMAN",
    "PECINAN",
    "TIMUR",
    "BARAT",
    "STADION",
    "KEBONAGUNG",
    "PESISIR",
)


@dataclass(frozen=True)
class DesaTable:
    code: np.ndarray  # dotted '35.13.20.2001'
    code10: np.ndarray  # undotted '3513202001'
    name: np.ndarray  # upper-case desa name
    kecamatan_code: np.ndarray  # dotted '35.13.20'
    kecamatan_name: np.ndarray  # upper-case kecamatan name
    region6: np.ndarray  # '351320' (as NIKs carry it)
    kecamatan_index: np.ndarray  # 0..23
    kelurahan: np.ndarray  # bool
    persons: np.ndarray  # synthetic population (float)
    poverty: np.ndarray  # poverty index of the kecamatan (kelurahan lowered)
    madurese: np.ndarray  # Madurese share
    coastal: np.ndarray  # bool
    dusun_count: np.ndarray  # number of dusun (RW) of the desa, 2..7
    kabupaten: str = DEFAULT_KABUPATEN  # dotted '35.13'

    def __len__(self) -> int:
        return len(self.code)


def _unit_hash(text: str) -> float:
    """A number in (0, 1) fixed by the text (not by any seed)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


def _packaged_probolinggo() -> tuple[dict[str, str], list[dict[str, str]]]:
    with data_path("wilayah", "probolinggo_kecamatan.csv").open(encoding="utf-8") as fh:
        kecamatan = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    with data_path("wilayah", "probolinggo_desa.csv").open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda row: row["code"])
    return kecamatan, rows


def _national(kabupaten: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    below = national_table().descendants(kabupaten)
    kecamatan = {r.code: r.name for r in below if r.level == "kecamatan"}
    rows = [{"code": r.code, "name": r.name, "kecamatan_code": r.parent_code or "",
             "kind": "kelurahan" if r.is_kelurahan else "desa"}
            for r in sorted(below, key=lambda r: r.code) if r.level == "desa"]
    if not rows:
        raise ValueError(f"no desa/kelurahan under {kabupaten!r} in the Kemendagri 2025 table")
    return kecamatan, rows


def kecamatan_profile(kecamatan_code: str) -> tuple[float, float, bool]:
    """(poverty index, Madurese share, coastal) of a kecamatan: Probolinggo's table, else
    fixed by the code."""
    if kecamatan_code.startswith(DEFAULT_KABUPATEN + "."):
        return KECAMATAN_PROFILE[kecamatan_code[-2:]]
    poverty = 0.7 + 0.7 * _unit_hash("kecamatan-poverty:" + kecamatan_code)
    madurese = 0.5 if kecamatan_code.startswith("35.") else 0.0
    return poverty, madurese, _unit_hash("coastal:" + kecamatan_code) < 0.3


@cache
def desa_table(kabupaten: str = DEFAULT_KABUPATEN) -> DesaTable:
    kecamatan, rows = (_packaged_probolinggo() if kabupaten == DEFAULT_KABUPATEN
                       else _national(kabupaten))
    kec_codes = sorted(kecamatan)
    normal = NormalDist()
    persons, poverty, madurese, coastal, dusun = [], [], [], [], []
    for row in rows:
        pov, mad, coast = kecamatan_profile(row["kecamatan_code"])
        z = normal.inv_cdf(_unit_hash("persons:" + row["code"]))
        size = MEAN_DESA_PERSONS * np.exp(DESA_SIGMA * z - DESA_SIGMA**2 / 2)
        is_kelurahan = row["kind"] == "kelurahan"
        if is_kelurahan:
            size *= KELURAHAN_FACTOR
            pov *= 0.7
        # A desa's own deviation from its kecamatan (+-15%), also fixed by the code.
        pov *= 0.85 + 0.30 * _unit_hash("poverty:" + row["code"])
        persons.append(size)
        poverty.append(pov)
        madurese.append(mad)
        coastal.append(coast)
        dusun.append(2 + int(6 * _unit_hash("dusun:" + row["code"])))
    return DesaTable(
        code=np.array([r["code"] for r in rows]),
        code10=np.array([undotted(r["code"]) for r in rows]),
        name=np.array([r["name"].upper() for r in rows]),
        kecamatan_code=np.array([r["kecamatan_code"] for r in rows]),
        kecamatan_name=np.array([kecamatan[r["kecamatan_code"]].upper() for r in rows]),
        region6=np.array([undotted(r["kecamatan_code"]) for r in rows]),
        kecamatan_index=np.array([kec_codes.index(r["kecamatan_code"]) for r in rows]),
        kelurahan=np.array([r["kind"] == "kelurahan" for r in rows]),
        persons=np.array(persons),
        poverty=np.array(poverty),
        madurese=np.array(madurese),
        coastal=np.array(coastal),
        dusun_count=np.array(dusun),
        kabupaten=kabupaten,
    )


@cache
def jatim_kecamatan_digits(province: str = "35") -> tuple[str, ...]:
    """Every kecamatan of the province (Jawa Timur by default) as six digits, sorted (where
    people born elsewhere got their NIK)."""
    table = national_table()
    return tuple(sorted(d for d in table.kecamatan_digits if d.startswith(province)))


@cache
def destination_regions(kabupaten: str = DEFAULT_KABUPATEN,
                        ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Possible destinations of a moved family: desa of the province outside the kabupaten,
    kabupaten/kota of the province, and kabupaten/kota of other provinces (sorted,
    deterministic)."""
    table = national_table()
    province = kabupaten.split(".")[0]
    inside, here = province + ".", kabupaten + "."
    province_desa = tuple(
        sorted(
            c
            for c in table.regions
            if c.startswith(inside) and c.count(".") == 3 and not c.startswith(here)
        )
    )
    province_kab = tuple(sorted(c for c in table.regions
                                if c.startswith(inside) and c.count(".") == 1))
    other_kab = tuple(
        sorted(c for c in table.regions if not c.startswith(province) and c.count(".") == 1)
    )
    return province_desa, province_kab, other_kab


def kabupaten_labels(kabupaten: str = DEFAULT_KABUPATEN) -> tuple[str, str]:
    """(province, kabupaten) as P3KE writes them: ('JAWA TIMUR', 'KAB. PROBOLINGGO')."""
    table = national_table()
    province = table.get(kabupaten.split(".")[0])
    kab = table.get(kabupaten)
    name = kab.name if kab else kabupaten
    if name.startswith("Kabupaten "):
        name = "Kab. " + name[len("Kabupaten "):]
    return (province.name if province else "").upper(), name.upper()
