"""The 330 desa/kelurahan of Kabupaten Probolinggo with the synthetic weights the generator uses.

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
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np

from tepat.core.regions import data_path, national_table, undotted

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

    def __len__(self) -> int:
        return len(self.code)


def _unit_hash(text: str) -> float:
    """A number in (0, 1) fixed by the text (not by any seed)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


@cache
def desa_table() -> DesaTable:
    with data_path("wilayah", "probolinggo_kecamatan.csv").open(encoding="utf-8") as fh:
        kecamatan = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    with data_path("wilayah", "probolinggo_desa.csv").open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda row: row["code"])
    kec_codes = sorted(kecamatan)
    normal = NormalDist()
    persons, poverty, madurese, coastal, dusun = [], [], [], [], []
    for row in rows:
        kec_suffix = row["kecamatan_code"][-2:]
        pov, mad, coast = KECAMATAN_PROFILE[kec_suffix]
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
    )


@cache
def jatim_kecamatan_digits() -> tuple[str, ...]:
    """Every kecamatan of Jawa Timur as six digits, sorted (where people born elsewhere got
    their NIK)."""
    table = national_table()
    return tuple(sorted(d for d in table.kecamatan_digits if d.startswith("35")))


@cache
def destination_regions() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Possible destinations of a moved family: desa of Jawa Timur outside the kabupaten,
    kabupaten/kota of Jawa Timur, and kabupaten/kota of other provinces (sorted, deterministic)."""
    table = national_table()
    jatim_desa = tuple(
        sorted(
            c
            for c in table.regions
            if c.startswith("35.") and c.count(".") == 3 and not c.startswith("35.13.")
        )
    )
    jatim_kab = tuple(sorted(c for c in table.regions if c.startswith("35.") and c.count(".") == 1))
    other_kab = tuple(
        sorted(c for c in table.regions if not c.startswith("35") and c.count(".") == 1)
    )
    return jatim_desa, jatim_kab, other_kab
