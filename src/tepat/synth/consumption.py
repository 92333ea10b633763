"""A synthetic household consumption survey of a kabupaten (Kab. Probolinggo by default;
Susenas-like), for FGT demos.

Per-capita monthly consumption is log-normal within each kecamatan; the kecamatan medians follow
the synthetic poverty index of `geography.KECAMATAN_PROFILE` (poorer highland kecamatan, richer
Kraksaan), and the common scale is calibrated so that the expected P0 at the 2023 poverty line
(Rp 514,274 per capita per month) is 17 % of persons, close to BPS's 17.19 % for 2023. Each
sampled household has a size (jiwa) and a weight: the households of its kecamatan it stands for,
so that weighted persons add up to the kecamatan's synthetic population.

Nothing here is BPS data: it only exercises the FGT code on realistic numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

from tepat.core.regions import DEFAULT_KABUPATEN
from tepat.synth.geography import desa_table

POVERTY_LINE_2023 = 514_274.0  # Rp/kapita/bulan, BPS Kab. Probolinggo 2023
TARGET_P0 = 0.17
SIGMA = 0.42  # spread of log consumption within a kecamatan
POVERTY_SLOPE = 0.55  # log-median change per unit of the kecamatan poverty index
MEAN_SIZE = 3.4  # jiwa per household (the size distribution below has about this mean)
COLUMNS = ("region", "consumption", "weight", "size")


def _kecamatan_persons(kabupaten: str = DEFAULT_KABUPATEN) -> dict[str, float]:
    table = desa_table(kabupaten)
    persons: dict[str, float] = {}
    for code, people in zip(table.kecamatan_code, table.persons, strict=True):
        persons[str(code)] = persons.get(str(code), 0.0) + float(people)
    return persons


def _kecamatan_poverty(kabupaten: str = DEFAULT_KABUPATEN) -> dict[str, float]:
    """The person-weighted mean poverty index of each kecamatan's desa."""
    table = desa_table(kabupaten)
    total: dict[str, float] = {}
    weight: dict[str, float] = {}
    for code, people, index in zip(table.kecamatan_code, table.persons, table.poverty,
                                   strict=True):
        total[str(code)] = total.get(str(code), 0.0) + float(people) * float(index)
        weight[str(code)] = weight.get(str(code), 0.0) + float(people)
    return {code: total[code] / weight[code] for code in total}


def log_medians(regions: Sequence[str], poverty_line: float = POVERTY_LINE_2023,
                target_p0: float = TARGET_P0, kabupaten: str | None = None) -> dict[str, float]:
    """ln(median consumption) per kecamatan such that the expected person-weighted P0 at
    `poverty_line` is `target_p0` (bisection on the common scale)."""
    kabupaten = kabupaten or _kabupaten_of(regions)
    persons = _kecamatan_persons(kabupaten)
    poverty = _kecamatan_poverty(kabupaten)
    shares = np.array([persons[r] for r in regions])
    shares = shares / shares.sum()
    offsets = np.array([-POVERTY_SLOPE * (poverty[r] - 1.0) for r in regions])
    normal, z = NormalDist(), math.log(poverty_line)

    def expected_p0(scale: float) -> float:
        return float(sum(s * normal.cdf((z - scale - o) / SIGMA)
                         for s, o in zip(shares, offsets, strict=True)))

    low, high = z - 3.0, z + 3.0  # P0 falls as the scale rises
    for _ in range(80):
        middle = (low + high) / 2
        if expected_p0(middle) > target_p0:
            low = middle
        else:
            high = middle
    scale = (low + high) / 2
    return {r: scale + o for r, o in zip(regions, offsets, strict=True)}


def _kabupaten_of(regions: Sequence[str]) -> str:
    return ".".join(regions[0].split(".")[:2]) if regions else DEFAULT_KABUPATEN


def households(n: int, seed: int, regions: Sequence[str] | None = None, *,
               kabupaten: str | None = None) -> pl.DataFrame:
    """`n` sampled households of the kabupaten (default: that of `regions`, else Kab.
    Probolinggo): region (kecamatan code), consumption (Rp/kapita/bulan), weight (households
    represented) and size (jiwa). Same `n` and `seed`: the same data."""
    if n <= 0:
        raise ValueError("n must be positive")
    kabupaten = kabupaten or _kabupaten_of(list(regions or ()))
    persons = _kecamatan_persons(kabupaten)
    regions = sorted(regions) if regions is not None else sorted(persons)
    unknown = [r for r in regions if r not in persons]
    if unknown:
        raise ValueError(f"unknown kecamatan: {', '.join(unknown)}")
    rng = np.random.default_rng(seed)
    population = np.array([persons[r] for r in regions])
    share = population / population.sum()
    which = rng.choice(len(regions), size=n, p=share)
    medians = log_medians(regions, kabupaten=kabupaten)
    mu = np.array([medians[r] for r in regions])[which]
    consumption = np.exp(rng.normal(mu, SIGMA))
    size = 1 + rng.binomial(7, (MEAN_SIZE - 1) / 7, size=n)
    sampled = np.bincount(which, minlength=len(regions))
    households_in = population / MEAN_SIZE
    weight = (households_in / np.maximum(sampled, 1))[which]
    return pl.DataFrame({
        "region": np.array(regions)[which],
        "consumption": np.round(consumption, 0),
        "weight": np.round(weight, 4),
        "size": size.astype(np.int64),
    })


def write(frame: pl.DataFrame, path: Path) -> Path:
    """CSV or Parquet by the file's suffix."""
    if path.suffix.lower() == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path
