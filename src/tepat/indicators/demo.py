"""Indicators for `tepat demo`: the packaged BPS series and targets, and FGT per kecamatan from
a synthetic household consumption survey (flagged `computed` and `synthetic`), through the same
services the command line and the admin use. Running it again adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tepat.core.indicators import Household
from tepat.indicators import fgt, services
from tepat.regions.models import Region
from tepat.regions.selectors import regency
from tepat.synth import consumption

DEMO_HOUSEHOLDS = 30_000
DEMO_YEAR = 2023  # the year of the poverty line used (Rp 514.274)


def synthetic_source(n: int, seed: int) -> str:
    return (f"Survei konsumsi sintetis Tepat ({n:,} rumah tangga, seed {seed}; bukan data BPS)"
            .replace(",", "."))


def region_names(parent: str | None = None) -> dict[str, str]:
    return dict(Region.objects.filter(code__startswith=parent or regency())
                .values_list("code", "name"))


def build(actor: Any = None, *, seed: int = 2024, households: int = DEMO_HOUSEHOLDS,
          echo: Callable[[str], object] = print) -> None:
    loaded = services.load_packaged(actor)
    echo(f"Indikator: {loaded.added} nilai dan {loaded.targets_added} target baru "
         f"({loaded.unchanged} sudah ada)")
    kabupaten = regency()
    frame = consumption.households(households, seed, kabupaten=kabupaten)
    rows = fgt.compute([Household(*r) for r in frame.iter_rows()],
                       consumption.POVERTY_LINE_2023, total=kabupaten)
    regional = [r for r in rows.results if r.region != kabupaten]
    saved = services.save_fgt(actor, regional, year=DEMO_YEAR,
                              source=synthetic_source(households, seed),
                              region_names=region_names(), synthetic=True)
    total = rows.results[-1]
    echo(f"FGT sintetis per kecamatan: {len(regional)} kecamatan, {saved.added} nilai baru; "
         f"P0 kabupaten {total.p0:.2f} % (data sintetis)")
