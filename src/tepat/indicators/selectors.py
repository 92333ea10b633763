"""Reading indicator series for pages, reports and the public dashboard (no writes here).

    overview(region_code=regency) -> list[Series]   the region's official series with gaps
    comparison(indicator) -> list[Series]           Jawa Timur and Indonesia, for comparison
    headline(region_code=regency) -> Headline       latest P0 and extreme poverty, step, gaps
    fgt_table(year=None) -> FgtTable | None         computed FGT by kecamatan (latest year)

Rows flagged `computed` (FGT from a household dataset, maybe synthetic) never enter the
official series: they are shown apart, in the FGT table.
"""

from __future__ import annotations

from dataclasses import dataclass

from tepat.core import indicators as core
from tepat.indicators.models import Observation, Target
from tepat.regions.selectors import regency

COMPARISON_REGIONS = (core.JAWA_TIMUR, core.INDONESIA)
HEADLINE_INDICATORS = ("p0_percent_poor", "extreme_poverty_percent")


def _observations(region_codes: tuple[str, ...], indicator: str | None = None,
                  ) -> list[core.Observation]:
    rows = Observation.objects.filter(region_code__in=region_codes).exclude(
        flags__contains=core.COMPUTED)
    if indicator is not None:
        rows = rows.filter(indicator=indicator)
    return [o.to_core() for o in rows]


def targets() -> list[core.Target]:
    return [t.to_core() for t in Target.objects.all()]


def overview(region_code: str | None = None, *, as_of: int | None = None,
             ) -> list[core.Series]:
    """The region's series (default: the instance's kabupaten), one per indicator, with the
    gaps to its targets."""
    region_code = region_code or regency()
    return core.build_series(_observations((region_code,)), targets(), region_code, as_of=as_of)


def comparison(indicator: str, *, as_of: int | None = None) -> list[core.Series]:
    """The same indicator for Jawa Timur and Indonesia (those that have values)."""
    observations = _observations(COMPARISON_REGIONS, indicator)
    all_targets = targets()
    found = []
    for region in COMPARISON_REGIONS:
        found += [s for s in core.build_series(observations, all_targets, region, as_of=as_of)
                  if s.indicator == indicator]
    return found


@dataclass(frozen=True)
class HeadlineValue:
    indicator: str
    label: str
    latest: core.Observation | None
    step: core.Step | None  # from the previous year on the same poverty line
    gaps: tuple[core.Gap, ...]


@dataclass(frozen=True)
class Headline:
    region_code: str
    p0: HeadlineValue
    extreme: HeadlineValue


def _headline_value(series: dict[str, core.Series], indicator: str) -> HeadlineValue:
    s = series.get(indicator)
    label = core.INDICATORS[indicator].label
    if s is None or s.latest is None:
        return HeadlineValue(indicator, label, None, None, ())
    latest = s.latest
    step = s.step_to(latest.year, latest.line)
    if step is not None and step.from_year != latest.year - 1:
        step = None  # a jump over missing years is not "from the previous year"
    return HeadlineValue(indicator, label, latest, step, s.gaps)


def headline(region_code: str | None = None, *, as_of: int | None = None) -> Headline:
    region_code = region_code or regency()
    series = {s.indicator: s for s in overview(region_code, as_of=as_of)}
    return Headline(region_code, _headline_value(series, HEADLINE_INDICATORS[0]),
                    _headline_value(series, HEADLINE_INDICATORS[1]))


@dataclass(frozen=True)
class FgtRow:
    region_code: str
    region_name: str
    p0: float | None
    p1: float | None
    p2: float | None
    poor_persons: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class FgtTable:
    year: int
    source: str
    note: str
    rows: tuple[FgtRow, ...]

    @property
    def synthetic(self) -> bool:
        return any(core.SYNTHETIC in r.flags for r in self.rows)


def fgt_table(year: int | None = None, *, parent: str | None = None) -> FgtTable | None:
    """The computed FGT rows of the kecamatan (or desa) under `parent` (default: the
    instance's kabupaten), for one year (default: the latest computed year), from the latest
    source saved for that year."""
    parent = parent or regency()
    rows = Observation.objects.filter(flags__contains=core.COMPUTED,
                                      region_code__startswith=parent + ".")
    if year is None:
        year = rows.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            return None
    rows = rows.filter(year=year)
    latest = rows.order_by("-updated_at", "-pk").first()
    if latest is None:
        return None
    by_region: dict[str, dict[str, object]] = {}
    for o in rows.filter(source=latest.source).order_by("region_code"):
        entry = by_region.setdefault(o.region_code, {"name": o.region_name, "flags": o.flag_list})
        entry[o.indicator] = float(o.value)
    return FgtTable(year, latest.source, latest.note, tuple(
        FgtRow(code, str(e["name"]), e.get("p0_percent_poor"), e.get("p1_poverty_gap_index"),
               e.get("p2_poverty_severity_index"), e.get("poor_persons"),
               tuple(e["flags"]))  # type: ignore[arg-type]
        for code, e in by_region.items()))
