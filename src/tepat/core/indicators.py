"""Poverty indicator series against targets, and FGT by region (issue 5 §1). Pure Python.

An *observation* is one published value: a region, an indicator, a year (and reference month),
the poverty line it rests on, and where it comes from. The same value is often published by
several sources; `choose` keeps one per (region, indicator, year, line) by the preference
BPS document > news citing BPS > data aggregator > third-party dataset, and records a conflict
when they disagree. `build_series` turns the chosen values into one series per indicator, split
into segments by poverty line (a series on USD 1.90 2011 PPP is never joined to one on USD 2.15
2017 PPP), with the change between consecutive points in percentage points and relative per cent
(`measures.rate_change`), and the gap to every target.

`fgt_by_region` computes P0, P1, P2 and the minimum transfer (P1 × z × N) per region from any
household dataset with per-capita consumption, weights and household sizes, through
`measures.fgt` and `measures.minimum_transfer`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from tepat.core import measures
from tepat.core.measures import Change

# --- codes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str  # Indonesian, as BPS names it
    unit: str  # percent, jiwa, index, Rp/kapita/bulan
    extreme: bool = False  # rests on an extreme-poverty (PPP) line

    @property
    def is_rate(self) -> bool:
        """Changes are in percentage points (percent) or index points (P1, P2)."""
        return self.unit in {"percent", "index"}


PERCENT, JIWA, INDEX, RUPIAH = "percent", "jiwa", "index", "Rp/kapita/bulan"

INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("p0_percent_poor", "Persentase penduduk miskin (P0)", PERCENT),
        Indicator("poor_persons", "Jumlah penduduk miskin", JIWA),
        Indicator("p1_poverty_gap_index", "Indeks kedalaman kemiskinan (P1)", INDEX),
        Indicator("p2_poverty_severity_index", "Indeks keparahan kemiskinan (P2)", INDEX),
        Indicator("poverty_line_idr_per_capita_month", "Garis kemiskinan", RUPIAH),
        Indicator("extreme_poverty_percent", "Persentase penduduk miskin ekstrem", PERCENT,
                  extreme=True),
        Indicator("extreme_poor_persons", "Jumlah penduduk miskin ekstrem", JIWA, extreme=True),
    )
}

# Units as other files write them -> ours.
UNIT_ALIASES = {"persons": JIWA, "person": JIWA, "orang": JIWA, "%": PERCENT,
                "idr/capita/month": RUPIAH, "rp/kapita/bulan": RUPIAH}


@dataclass(frozen=True)
class PovertyLine:
    code: str
    label: str
    short: str


NATIONAL, EXTREME_2011, EXTREME_2017 = "national", "extreme_190_2011ppp", "extreme_215_2017ppp"
POVERTY_LINES: dict[str, PovertyLine] = {
    line.code: line
    for line in (
        PovertyLine(NATIONAL, "Garis kemiskinan nasional (BPS)", "GK BPS"),
        PovertyLine(EXTREME_2011, "Miskin ekstrem: USD 1,90 PPP 2011 (BPS sampai 2024)",
                    "USD 1,90 PPP 2011"),
        PovertyLine(EXTREME_2017, "Miskin ekstrem: USD 2,15 PPP 2017 (BPS mulai 2025)",
                    "USD 2,15 PPP 2017"),
    )
}
LAST_YEAR_ON_2011_PPP = 2024

# Region codes for comparison series that are not in the Kemendagri table: Indonesia as a whole.
INDONESIA = "ID"
JAWA_TIMUR = "35"

# Flags an observation may carry.
UNVERIFIED, CONFLICT, COMPUTED, SYNTHETIC, YEAR_INFERRED = (
    "unverified", "conflict", "computed", "synthetic", "year_inferred")
FLAG_LABELS = {
    UNVERIFIED: "belum diverifikasi",
    CONFLICT: "sumber berbeda",
    COMPUTED: "dihitung",
    SYNTHETIC: "data sintetis",
    YEAR_INFERRED: "tahun disimpulkan",
}

COMPARATORS = ("<=", "<")
LEVELS = ("nasional", "daerah")


def default_line(indicator: str, year: int) -> str:
    """The line an indicator rests on when a row does not say: extreme indicators use USD 1.90
    (2011 PPP) until 2024 and USD 2.15 (2017 PPP) from 2025; the others the national line."""
    if INDICATORS[indicator].extreme:
        return EXTREME_2011 if year <= LAST_YEAR_ON_2011_PPP else EXTREME_2017
    return NATIONAL


def normalize_unit(unit: str, indicator: str) -> str:
    text = (unit or "").strip()
    return UNIT_ALIASES.get(text.lower(), text) or INDICATORS[indicator].unit


# --- the values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    region_code: str
    region_name: str
    indicator: str
    year: int
    month: int | None
    value: float
    unit: str
    line: str
    source: str
    url: str
    source_kind: str
    flags: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Target:
    region_code: str
    indicator: str
    year: int
    value: float
    comparator: str  # "<=" or "<"
    level: str  # "nasional" or "daerah"
    basis: str  # legal basis
    note: str = ""

    def applies_to(self, region_code: str) -> bool:
        """A national target holds for every region; a local one for its own region only."""
        return self.level == "nasional" or self.region_code == region_code

    def satisfied_by(self, value: float) -> bool:
        # Values are published to two decimals: compare at that precision, not in binary floats.
        a, b = round(value, 6), round(self.value, 6)
        return a < b if self.comparator == "<" else a <= b


@dataclass(frozen=True)
class Step:
    from_year: int
    to_year: int
    old: float
    new: float
    change: Change  # pp (or index points, or jiwa) and relative %


@dataclass(frozen=True)
class Segment:
    line: str
    line_label: str
    points: tuple[Observation, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Gap:
    target: Target
    latest: Observation | None  # the value of the target year if known, else the latest
    gap_pp: float | None  # latest.value − target.value
    met: bool | None
    years_left: int | None  # target year − the year of reference (today); < 0: passed


@dataclass(frozen=True)
class Series:
    region_code: str
    region_name: str
    indicator: str
    label: str
    unit: str
    segments: tuple[Segment, ...]
    gaps: tuple[Gap, ...]
    conflicts: tuple[str, ...]

    @property
    def points(self) -> tuple[Observation, ...]:
        """Every point of every segment, by year (for tables; never draw them as one line)."""
        return tuple(sorted((p for s in self.segments for p in s.points),
                            key=lambda p: (p.year, p.line)))

    @property
    def latest(self) -> Observation | None:
        points = self.points
        return points[-1] if points else None

    def step_to(self, year: int, line: str) -> Step | None:
        for segment in self.segments:
            if segment.line == line:
                for step in segment.steps:
                    if step.to_year == year:
                        return step
        return None


# --- choosing one value per year ---------------------------------------------------------------

RANK_BPS, RANK_NEWS, RANK_AGGREGATOR, RANK_THIRD_PARTY, RANK_OTHER = range(5)
RANK_LABELS = {RANK_BPS: "dokumen BPS", RANK_NEWS: "berita mengutip BPS",
               RANK_AGGREGATOR: "agregator data", RANK_THIRD_PARTY: "pihak ketiga",
               RANK_OTHER: "lainnya"}


def source_rank(source_kind: str) -> int:
    """0 = a BPS document (or its copy), 1 = news citing BPS or an official, 2 = a data
    aggregator, 3 = a third-party dataset, 4 = anything else (e.g. computed by Tepat)."""
    kind = source_kind.lower()
    if kind.startswith("bps") or "berita resmi statistik" in kind:  # a BPS document or copy
        return RANK_BPS
    if "aggregator" in kind or "agregator" in kind:
        return RANK_AGGREGATOR
    if "third-party" in kind or "pihak ketiga" in kind:
        return RANK_THIRD_PARTY
    if kind.startswith("news") or kind.startswith("berita"):
        return RANK_NEWS
    return RANK_OTHER


def _key(o: Observation) -> tuple[str, str, int, str]:
    return (o.region_code, o.indicator, o.year, o.line)


def _preference(o: Observation) -> tuple[int, int]:
    return (source_rank(o.source_kind), 0 if o.month else 1)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


class ConflictText(str):
    """The Indonesian sentence of a conflict, with its parts for a page that writes it in the
    reader's language (`year`, `label`: the indicator's Indonesian label, `kept`, `rivals`)."""

    year: int
    label: str
    kept: str
    rivals: str


def _conflict_text(kept: Observation, others: Sequence[Observation]) -> str:
    def show(o: Observation) -> str:
        return f"{format_number(o.value, _decimals(o))} ({o.source})"

    label = INDICATORS[kept.indicator].label if kept.indicator in INDICATORS else kept.indicator
    rivals = "; ".join(show(o) for o in others)
    text = ConflictText(f"{kept.year} {label}: {show(kept)} dipakai; berbeda dengan {rivals}. "
                        f"Periksa ke BPS.")
    text.year, text.label, text.kept, text.rivals = kept.year, label, show(kept), rivals
    return text


def _pick(observations: Iterable[Observation]) -> list[tuple[Observation, str | None]]:
    groups: dict[tuple[str, str, int, str], list[Observation]] = defaultdict(list)
    for o in observations:
        groups[_key(o)].append(o)
    picked: list[tuple[Observation, str | None]] = []
    for key in sorted(groups):
        rows = sorted(groups[key], key=_preference)  # stable: file order breaks ties
        kept = rows[0]
        differing = [o for o in rows[1:] if not _same(o.value, kept.value)]
        if not differing:
            picked.append((kept, None))
            continue
        if CONFLICT not in kept.flags:
            kept = replace(kept, flags=(*kept.flags, CONFLICT))
        picked.append((kept, _conflict_text(kept, differing)))
    return picked


def choose(observations: Iterable[Observation]) -> tuple[list[Observation], list[str]]:
    """One value per (region, indicator, year, poverty line), by source preference; the second
    list holds one text per conflict. A kept value that others contradict carries `conflict`."""
    picked = _pick(observations)
    return [o for o, _text in picked], [text for _o, text in picked if text]


# --- series ------------------------------------------------------------------------------------


def _steps(points: Sequence[Observation]) -> tuple[Step, ...]:
    return tuple(
        Step(a.year, b.year, a.value, b.value, measures.rate_change(a.value, b.value))
        for a, b in zip(points, points[1:], strict=False)
    )


def _segments(points: Sequence[Observation]) -> tuple[Segment, ...]:
    by_line: dict[str, list[Observation]] = defaultdict(list)
    for p in sorted(points, key=lambda p: p.year):
        by_line[p.line].append(p)
    ordered = sorted(by_line.items(), key=lambda item: item[1][0].year)
    return tuple(
        Segment(line, POVERTY_LINES[line].label if line in POVERTY_LINES else line,
                tuple(rows), _steps(rows))
        for line, rows in ordered
    )


def gap_to(target: Target, points: Sequence[Observation], as_of: int) -> Gap:
    """The gap of a series (its points, any line) to one target: the value of the target year
    when known, else the latest value."""
    at_year = [p for p in points if p.year == target.year]
    ordered = sorted(points, key=lambda p: p.year)
    latest = at_year[-1] if at_year else (ordered[-1] if ordered else None)
    if latest is None:
        return Gap(target, None, None, None, target.year - as_of)
    return Gap(target, latest, round(latest.value - target.value, 6),
               target.satisfied_by(latest.value),
               target.year - as_of)


def build_series(
    observations: Iterable[Observation],
    targets: Iterable[Target],
    region_code: str,
    *,
    as_of: int | None = None,
) -> list[Series]:
    """The series of one region, one per indicator that has a value (in INDICATORS order), with
    the gaps to the targets that apply to it. `as_of` is the year `years_left` counts from
    (default: this year)."""
    as_of = as_of if as_of is not None else date.today().year
    picked = _pick(o for o in observations if o.region_code == region_code)
    targets = [t for t in targets if t.applies_to(region_code)]
    result = []
    for code, indicator in INDICATORS.items():
        points = [o for o, _text in picked if o.indicator == code]
        if not points:
            continue
        wanted = sorted((t for t in targets if t.indicator == code),
                        key=lambda t: (t.year, t.level, t.basis))
        result.append(Series(
            region_code=region_code,
            region_name=points[-1].region_name,
            indicator=code,
            label=indicator.label,
            unit=indicator.unit,
            segments=_segments(points),
            gaps=tuple(gap_to(t, points, as_of) for t in wanted),
            conflicts=tuple(text for o, text in picked if text and o.indicator == code),
        ))
    return result


# --- FGT by region -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    region: str
    consumption: float  # per capita per month, Rp
    weight: float = 1.0  # survey weight (households it stands for)
    size: float = 1.0  # household size (jiwa)


@dataclass(frozen=True)
class RegionFGT:
    region: str
    households: int  # rows of the dataset (sample households)
    persons: float  # weighted persons, jiwa
    poor_persons: float  # weighted persons below the line, jiwa
    p0: float  # percent
    p1: float  # index × 100, as BPS publishes it
    p2: float  # index × 100
    poverty_line: float  # Rp/kapita/bulan
    transfer_month: float  # P1 × z × N, Rp per month
    transfer_year: float  # × 12


def _as_household(row: Household | Sequence[object]) -> Household:
    if isinstance(row, Household):
        return row
    region, consumption, weight, size = row
    return Household(str(region), float(consumption), float(weight), float(size))  # type: ignore[arg-type]


def fgt_of(region: str, rows: Sequence[Household], poverty_line: float) -> RegionFGT:
    consumption = [r.consumption for r in rows]
    weights = [r.weight for r in rows]
    sizes = [r.size for r in rows]
    p0, p1, p2 = (measures.fgt(consumption, poverty_line, alpha, weights=weights, sizes=sizes)
                  for alpha in (0, 1, 2))
    persons = sum(w * s for w, s in zip(weights, sizes, strict=True))
    monthly = measures.minimum_transfer(p1, poverty_line, persons)
    return RegionFGT(region, len(rows), persons, p0 * persons, p0 * 100, p1 * 100, p2 * 100,
                     poverty_line, monthly, monthly * 12)


def fgt_by_region(
    rows: Iterable[Household | Sequence[object]],
    poverty_line: float,
    *,
    total: str | None = None,
) -> list[RegionFGT]:
    """P0, P1, P2 (in %) per region, over persons (weight × size), and the minimum transfer
    that would close the poverty gap with perfect targeting. With `total`, a last row for all
    regions together under that name."""
    groups: dict[str, list[Household]] = defaultdict(list)
    for row in rows:
        household = _as_household(row)
        groups[household.region].append(household)
    result = [fgt_of(region, groups[region], poverty_line) for region in sorted(groups)]
    if total is not None and groups:
        result.append(fgt_of(total, [h for g in groups.values() for h in g], poverty_line))
    return result


# --- numbers in Indonesian ---------------------------------------------------------------------

MINUS = "\u2212"


def _decimals(o: Observation) -> int:
    unit = INDICATORS[o.indicator].unit if o.indicator in INDICATORS else o.unit
    return 0 if unit in {JIWA, RUPIAH} else 2


def format_number(value: float, decimals: int = 2, *, sign: bool = False,
                  decimal_sep: str = ",", thousands_sep: str = ".") -> str:
    """17.19 -> '17,19'; 205020 -> '205.020'; with `sign`, '+0,07' / '−0,90' (a real minus)."""
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", decimal_sep).replace("\0", thousands_sep)
    rounded_zero = round(abs(value), decimals) == 0
    if value < 0 and not rounded_zero:
        return MINUS + text
    return ("+" if sign and not rounded_zero else "±" if sign else "") + text


def relative_decimals(relative_pct: float) -> int:
    """Two decimals for small relative changes (+0,41 %), one from 10 % (−28,3 %)."""
    return 2 if abs(relative_pct) < 10 else 1
