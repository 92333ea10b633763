"""Plausible distributions of the coded columns, by desil, age, sex and cohort.

Each housing table gives, per code, the share among the poorest families (national desil 1), at
desil 4 (the top of P3KE) and at desil 10; other desil are interpolated linearly. The numbers are
informed guesses in the spirit of Susenas/Regsosek for rural East Java (mostly tile roofs and
brick walls; earth floors, bamboo walls, firewood and no own latrine concentrated in the poorest
families), not official statistics.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tepat.synth.household import ANAK, CUCU, FAMILI, KEPALA, LAINNYA, PASANGAN

# code -> (desil 1, desil 4, desil 10)
KEPEMILIKAN_RUMAH = {
    "1": (0.86, 0.88, 0.88),
    "2": (0.02, 0.03, 0.06),
    "3": (0.11, 0.08, 0.04),
    "4": (0.0, 0.002, 0.015),
    "5": (0.01, 0.008, 0.005),
}
JENIS_ATAP = {
    "1": (0.005, 0.01, 0.08),
    "2": (0.82, 0.88, 0.86),
    "3": (0.04, 0.03, 0.02),
    "4": (0.08, 0.07, 0.035),
    "5": (0.02, 0.003, 0.0),
    "6": (0.01, 0.003, 0.002),
    "7": (0.02, 0.002, 0.0),
    "8": (0.005, 0.002, 0.003),
}
JENIS_DINDING = {
    "1": (0.55, 0.80, 0.97),
    "2": (0.06, 0.04, 0.01),
    "3": (0.10, 0.06, 0.015),
    "4": (0.24, 0.08, 0.004),
    "5": (0.02, 0.01, 0.0),
    "6": (0.025, 0.008, 0.0),
    "7": (0.005, 0.002, 0.001),
}
JENIS_LANTAI = {
    "1": (0.0, 0.002, 0.03),
    "2": (0.18, 0.45, 0.78),
    "3": (0.0, 0.002, 0.01),
    "4": (0.05, 0.08, 0.06),
    "5": (0.01, 0.005, 0.002),
    "6": (0.48, 0.40, 0.115),
    "7": (0.01, 0.002, 0.0),
    "8": (0.26, 0.06, 0.003),
    "9": (0.01, 0.004, 0.0),
}
SUMBER_PENERANGAN = {
    "1": (0.78, 0.93, 0.995),
    "2": (0.19, 0.065, 0.004),
    "3": (0.015, 0.004, 0.001),
    "4": (0.015, 0.001, 0.0),
}
DAYA_TERPASANG_METERED = {  # only for "Listrik PLN meteran"; others get "0"
    "1": (0.80, 0.55, 0.08),
    "2": (0.19, 0.40, 0.50),
    "3": (0.01, 0.045, 0.28),
    "4": (0.0, 0.004, 0.10),
    "5": (0.0, 0.001, 0.04),
}
BAHAN_BAKAR_MEMASAK = {
    "00": (0.005, 0.005, 0.01),
    "01": (0.0, 0.003, 0.03),
    "02": (0.0, 0.002, 0.03),
    "03": (0.0, 0.003, 0.10),
    "04": (0.52, 0.80, 0.80),
    "05": (0.0, 0.0, 0.002),
    "06": (0.001, 0.001, 0.001),
    "07": (0.01, 0.005, 0.001),
    "08": (0.002, 0.001, 0.0),
    "09": (0.005, 0.002, 0.0),
    "10": (0.45, 0.18, 0.025),
    "11": (0.007, 0.002, 0.001),
}
SUMBER_AIR_MINUM = {
    "01": (0.005, 0.02, 0.12),
    "02": (0.10, 0.25, 0.40),
    "03": (0.08, 0.10, 0.12),
    "04": (0.30, 0.33, 0.24),
    "05": (0.22, 0.18, 0.08),
    "06": (0.08, 0.03, 0.005),
    "07": (0.12, 0.07, 0.03),
    "08": (0.06, 0.015, 0.002),
    "09": (0.02, 0.004, 0.0),
    "10": (0.005, 0.001, 0.0),
    "11": (0.01, 0.005, 0.003),
}
FASILITAS_BAB = {
    "1": (0.55, 0.80, 0.97),
    "2": (0.15, 0.09, 0.02),
    "3": (0.08, 0.04, 0.005),
    "4": (0.22, 0.07, 0.005),
}
# Share of "Ya" by desil 1..10.
SIMPANAN = (0.08, 0.14, 0.22, 0.30, 0.40, 0.50, 0.60, 0.70, 0.78, 0.85)
PKH = (0.38, 0.30, 0.22, 0.15, 0.08, 0.05, 0.03, 0.02, 0.01, 0.01)
BPNT = (0.55, 0.46, 0.38, 0.30, 0.18, 0.10, 0.06, 0.03, 0.02, 0.01)
BST = (0.25, 0.20, 0.16, 0.12, 0.08, 0.05, 0.03, 0.02, 0.01, 0.01)
BPUM = (0.03, 0.04, 0.05, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01)


def table_probabilities(table: dict[str, tuple[float, float, float]], desil: np.ndarray):
    """(codes, n x k probabilities) for national desil 1..10."""
    codes = list(table)
    anchors = np.array([table[c] for c in codes])  # k x 3
    d = desil.astype(float)
    low = np.clip((d - 1) / 3, 0, 1)[:, None]
    high = np.clip((d - 4) / 6, 0, 1)[:, None]
    p = np.where(
        (d <= 4)[:, None],
        anchors[:, 0] * (1 - low) + anchors[:, 1] * low,
        anchors[:, 1] * (1 - high) + anchors[:, 2] * high,
    )
    return codes, p


def pick(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Index of one draw per row from the categorical distribution in each row."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    return np.minimum(
        (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1),
        probabilities.shape[1] - 1,
    )


def draw_codes(rng: np.random.Generator, table, desil: np.ndarray) -> pl.Series:
    """One code (as a string Series) per family."""
    codes, p = table_probabilities(table, desil)
    return pl.Series(codes, dtype=pl.String).gather(pick(rng, p))


def share(values: tuple[float, ...], desil: np.ndarray) -> np.ndarray:
    return np.asarray(values)[desil - 1]


# ---------------------------------------------------------------------------------------------
# Education (pendidikan codes 1..8)

# Adult (19+) distributions by birth cohort, for the poorest and the richest families.
_COHORTS = np.array([1954, 1969, 1984, 1999, 9999])
_EDU_POOR = np.array(
    [
        [0.35, 0.30, 0.28, 0.04, 0.025, 0.003, 0.002, 0.0],
        [0.15, 0.27, 0.40, 0.10, 0.07, 0.005, 0.005, 0.0],
        [0.05, 0.15, 0.45, 0.18, 0.14, 0.015, 0.015, 0.0],
        [0.02, 0.06, 0.30, 0.28, 0.30, 0.02, 0.02, 0.0],
        [0.01, 0.03, 0.15, 0.30, 0.45, 0.03, 0.03, 0.0],
    ]
)
_EDU_RICH = np.array(
    [
        [0.10, 0.15, 0.40, 0.12, 0.15, 0.03, 0.05, 0.0],
        [0.04, 0.08, 0.30, 0.15, 0.28, 0.05, 0.09, 0.01],
        [0.01, 0.03, 0.18, 0.16, 0.38, 0.08, 0.14, 0.02],
        [0.0, 0.01, 0.06, 0.12, 0.45, 0.10, 0.23, 0.03],
        [0.0, 0.005, 0.03, 0.08, 0.55, 0.10, 0.22, 0.015],
    ]
)


def education(
    rng: np.random.Generator, age: np.ndarray, birth_year: np.ndarray, desil: np.ndarray
) -> np.ndarray:
    """pendidikan code (int 1..8) per person: school children by age, adults by cohort."""
    n = len(age)
    rich = ((desil - 1) / 9.0)[:, None]
    cohort = np.searchsorted(_COHORTS, birth_year)
    adult = pick(rng, _EDU_POOR[cohort] * (1 - rich) + _EDU_RICH[cohort] * rich) + 1
    u = rng.random(n)
    poor = 1.0 - rich[:, 0]
    out = np.select(
        [age < 7, age < 13, age < 16, age < 19],
        [
            np.ones(n, int),
            np.where(u < 0.03 * poor, 1, 2),
            np.where(u < 0.12 * poor, 2, 3),
            np.where(u < 0.05 * poor, 2, np.where(u < 0.30 * poor + 0.05, 3, 4)),
        ],
        adult,
    )
    # Adults 19-22 are at most SLTA unless they have had time for a diploma.
    out = np.where((age < 21) & (out >= 6), 5, out)
    out = np.where((age < 23) & (out >= 7), 6, out)
    out = np.where((age < 25) & (out == 8), 7, out)
    return out.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Occupation (pekerjaan codes of tepat.core.codes.PEKERJAAN)

OCCUPATIONS = (
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "07",
    "08",
    "09",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "99",
)
_OCC = {code: i for i, code in enumerate(OCCUPATIONS)}


def _occ_row(**shares: float) -> np.ndarray:
    row = np.zeros(len(OCCUPATIONS))
    for code, value in shares.items():
        row[_OCC[code.removeprefix("c")]] = value
    return row / row.sum()


# working-age men and women (19-64), poorest and richest
_MEN_POOR = _occ_row(
    c04=0.20,
    c05=0.30,
    c06=0.03,
    c07=0.20,
    c08=0.05,
    c09=0.05,
    c10=0.04,
    c14=0.03,
    c15=0.06,
    c99=0.02,
    c01=0.02,
)
_MEN_RICH = _occ_row(
    c04=0.15,
    c05=0.04,
    c06=0.02,
    c07=0.05,
    c08=0.12,
    c09=0.20,
    c10=0.22,
    c11=0.10,
    c12=0.03,
    c14=0.04,
    c15=0.03,
    c99=0.02,
    c01=0.01,
)
_WOMEN_POOR = _occ_row(
    c02=0.50, c05=0.20, c04=0.08, c08=0.07, c07=0.05, c09=0.03, c10=0.03, c01=0.03, c99=0.01
)
_WOMEN_RICH = _occ_row(
    c02=0.40,
    c08=0.12,
    c09=0.12,
    c10=0.15,
    c11=0.09,
    c04=0.05,
    c05=0.02,
    c07=0.01,
    c01=0.03,
    c99=0.01,
)
_OLD_MEN_POOR = _occ_row(c04=0.35, c05=0.15, c01=0.45, c13=0.005, c08=0.03, c99=0.015)
_OLD_MEN_RICH = _occ_row(c04=0.30, c05=0.03, c01=0.40, c13=0.15, c08=0.07, c09=0.05)
_OLD_WOMEN_POOR = _occ_row(c02=0.45, c01=0.35, c04=0.10, c05=0.08, c08=0.02)
_OLD_WOMEN_RICH = _occ_row(c02=0.45, c01=0.30, c04=0.08, c13=0.08, c08=0.06, c09=0.03)
_YOUTH = _occ_row(c03=0.65, c01=0.15, c05=0.08, c07=0.08, c15=0.04)  # 16-18
_YOUNG_ADULT_CHILD = _occ_row(
    c03=0.18,
    c01=0.22,
    c05=0.12,
    c07=0.16,
    c10=0.14,
    c08=0.04,
    c09=0.04,
    c15=0.05,
    c14=0.03,
    c02=0.02,
)  # unmarried 19-24


_TABLES_POOR = np.stack([_MEN_POOR, _WOMEN_POOR, _OLD_MEN_POOR, _OLD_WOMEN_POOR])
_TABLES_RICH = np.stack([_MEN_RICH, _WOMEN_RICH, _OLD_MEN_RICH, _OLD_WOMEN_RICH])


def occupation(
    rng: np.random.Generator,
    age: np.ndarray,
    female: np.ndarray,
    hubungan: np.ndarray,
    desil: np.ndarray,
    coastal: np.ndarray,
) -> np.ndarray:
    """Index into OCCUPATIONS (the pekerjaan code) per person."""
    n = len(age)
    rich = ((desil - 1) / 9.0)[:, None]
    group = female.astype(np.int64) + 2 * (age >= 60)
    p = _TABLES_POOR[group] * (1 - rich) + _TABLES_RICH[group] * rich
    # Fishing only on the coast, and more of it there.
    p[:, _OCC["06"]] *= np.where(coastal, 3.0, 0.0)
    # A woman who heads her family is its breadwinner more often than a wife is.
    p[:, _OCC["02"]] *= np.where(female & (hubungan == KEPALA) & (age < 60), 0.35, 1.0)
    # The grown children and relatives living with a family are rarely civil servants,
    # soldiers or pensioners.
    not_core = (hubungan != KEPALA) & (hubungan != PASANGAN)
    for code in ("11", "12", "13"):
        p[:, _OCC[code]] *= np.where(not_core, 0.2, 1.0)
    child_like = np.isin(hubungan, (ANAK, CUCU, FAMILI, LAINNYA))
    p[(age >= 16) & (age < 19)] = _YOUTH
    p[child_like & (age >= 19) & (age < 25)] = _YOUNG_ADULT_CHILD
    idx = pick(rng, p)
    u = rng.random(n)
    idx = np.where(age < 6, _OCC["01"], idx)
    idx = np.where((age >= 6) & (age < 16), np.where(u < 0.04, _OCC["01"], _OCC["03"]), idx)
    return idx


# DTSEN status_pekerjaan (1..8) from the occupation; "" for people who do not work.
_STATUS_BY_OCC: dict[str, tuple[tuple[str, float], ...]] = {
    "04": (("1", 0.5), ("2", 0.45), ("3", 0.05)),
    "05": (("6", 1.0),),
    "06": (("1", 0.4), ("6", 0.6)),
    "07": (("7", 1.0),),
    "08": (("1", 0.7), ("2", 0.25), ("3", 0.05)),
    "09": (("1", 0.5), ("2", 0.3), ("3", 0.2)),
    "10": (("4", 1.0),),
    "11": (("5", 1.0),),
    "12": (("5", 1.0),),
    "14": (("1", 0.6), ("4", 0.4)),
    "15": (("7", 0.7), ("4", 0.3)),
    "99": (("4", 0.4), ("7", 0.4), ("8", 0.2)),
}


JOB_STATUSES = ("", "1", "2", "3", "4", "5", "6", "7", "8")


def job_status(rng: np.random.Generator, occupation_idx: np.ndarray) -> np.ndarray:
    """Index into JOB_STATUSES (DTSEN status_pekerjaan; 0 = '' for people who do not work)."""
    n = len(occupation_idx)
    out = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    for occ, options in _STATUS_BY_OCC.items():
        mask = occupation_idx == _OCC[occ]
        cumulative = 0.0
        chosen = np.zeros(n, bool)
        for code, p in options:
            cumulative += p
            hit = mask & ~chosen & (u < cumulative)
            out[hit] = JOB_STATUSES.index(code)
            chosen |= hit
    return out


def disability(rng: np.random.Generator, age: np.ndarray, desil: np.ndarray) -> np.ndarray:
    """jenis_disabilitas code (int 0..5)."""
    n = len(age)
    p = np.where(age >= 65, 0.07, np.where(age >= 45, 0.025, 0.012))
    p = p * (1.5 - 0.6 * (desil - 1) / 9.0)
    has = rng.random(n) < p
    kind = pick(rng, np.tile([0.45, 0.10, 0.10, 0.25, 0.10], (n, 1))) + 1
    return np.where(has, kind, 0)
