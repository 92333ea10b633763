"""FGT from a household consumption file (CSV or Parquet): read, check, aggregate by region.

Columns (any of the names): region code (`region`, `kode_wilayah`, `kode_desa`,
`kode_kecamatan`), per-capita monthly consumption (`consumption`, `per_capita_consumption`,
`pengeluaran_per_kapita`), survey weight (`weight`, `bobot`, `penimbang`; default 1) and
household size (`size`, `household_size`, `jumlah_art`; default 1). A desa code is rolled up
to its kecamatan with `by="kecamatan"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tepat.core import indicators as core
from tepat.core.regions import normalize_code

ALIASES = {
    "region": ("region", "kode_wilayah", "kode_desa", "kode_kecamatan", "region_code", "kode"),
    "consumption": ("consumption", "per_capita_consumption", "pengeluaran_per_kapita",
                    "pengeluaran_perkapita", "konsumsi_per_kapita"),
    "weight": ("weight", "bobot", "penimbang", "fwt"),
    "size": ("size", "household_size", "jumlah_art", "art", "jumlah_anggota"),
}
REQUIRED = ("region", "consumption")
BY = ("kecamatan", "desa")


class FgtInputError(ValueError):
    """The file cannot be used: the message names the file, row and column (id / en)."""


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _columns(frame: pl.DataFrame, file: str) -> dict[str, str]:
    by_key = {_key(name): name for name in frame.columns}
    found = {}
    for field, names in ALIASES.items():
        for name in names:
            if _key(name) in by_key:
                found[field] = by_key[_key(name)]
                break
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise FgtInputError(
            f"Berkas {file}: kolom {', '.join(missing)} tidak ada; diharapkan kode wilayah, "
            f"pengeluaran per kapita, bobot, jumlah ART. / File {file}: column(s) "
            f"{', '.join(missing)} missing; expected region code, per-capita consumption, "
            f"weight, household size.")
    return found


def _number_column(frame: pl.DataFrame, column: str, file: str, *, positive: bool) -> pl.Series:
    values = frame[column].cast(pl.Utf8).str.strip_chars().str.replace(",", ".")
    numbers = values.cast(pl.Float64, strict=False)
    bad = (numbers.is_null() | (numbers <= 0 if positive else numbers < 0)).arg_true()
    if len(bad):
        row = int(bad[0])
        raw = frame[column][row]
        raise FgtInputError(
            f"Berkas {file} baris {row + 2} kolom {column}: {raw!r} bukan angka "
            f"{'positif' if positive else '≥ 0'}. / File {file} row {row + 2} column {column}: "
            f"{raw!r} is not a {'positive' if positive else 'non-negative'} number.")
    return numbers


def _region(raw: str, by: str) -> str | None:
    code = normalize_code(raw)
    if code is None or code.count(".") < 2:
        return None
    return code if by == "desa" else ".".join(code.split(".")[:3])


def read_households(path: Path, *, by: str = "kecamatan", file: str | None = None,
                    ) -> list[core.Household]:
    file = file or path.name
    if by not in BY:
        raise FgtInputError("--by harus kecamatan atau desa. / --by must be kecamatan or desa.")
    try:
        frame = (pl.read_parquet(path) if path.suffix.lower() == ".parquet"
                 else pl.read_csv(path, infer_schema=False))
    except (OSError, pl.exceptions.PolarsError) as error:
        raise FgtInputError(f"Berkas {file} tidak terbaca ({error}). / File {file} cannot be "
                            f"read ({error}).") from None
    if frame.height == 0:
        raise FgtInputError(f"Berkas {file} tidak berisi baris. / File {file} has no rows.")
    columns = _columns(frame, file)
    consumption = _number_column(frame, columns["consumption"], file, positive=False)
    weight = (_number_column(frame, columns["weight"], file, positive=True)
              if "weight" in columns else pl.Series([1.0] * frame.height))
    size = (_number_column(frame, columns["size"], file, positive=True)
            if "size" in columns else pl.Series([1.0] * frame.height))
    households = []
    for row, (raw, y, w, s) in enumerate(zip(frame[columns["region"]].cast(pl.Utf8), consumption,
                                             weight, size, strict=True)):
        region = _region(str(raw or ""), by)
        if region is None:
            raise FgtInputError(
                f"Berkas {file} baris {row + 2} kolom {columns['region']}: {raw!r} bukan kode "
                f"kecamatan/desa Kemendagri (mis. 35.13.20 atau 35.13.20.2001). / File {file} "
                f"row {row + 2} column {columns['region']}: {raw!r} is not a Kemendagri "
                f"kecamatan/desa code.")
        households.append(core.Household(region, y, w, s))
    return households


@dataclass(frozen=True)
class FgtRun:
    results: list[core.RegionFGT]  # per region, then the total (region = the kabupaten)
    households: int


def compute(households: list[core.Household], poverty_line: float, *, total: str,
            ) -> FgtRun:
    if poverty_line <= 0:
        raise FgtInputError("Garis kemiskinan harus positif. / The poverty line must be "
                            "positive.")
    return FgtRun(core.fgt_by_region(households, poverty_line, total=total), len(households))
