"""What the public dashboard shows (issue 5 §4): aggregates per kecamatan, small counts hidden.

No login, so nothing here may identify a family: only counts per kecamatan and the kabupaten,
no name, NIK, KK, address, RT/RW or coordinate, and no desa-level list. Every table goes
through `tepat.core.suppression`:

- every count below 5 is hidden, **0 included** (a 0 can say something about every family of
  an area: "0 still on the list" = all removed), and the keluarga and jiwa count of the same
  cell are hidden together;
- more cells are hidden until no hidden cell can be worked out from the row splits and column
  totals the table shows (`in_scope = verified + pending`, `verified = still_target + removed`,
  `targets = served + not_served`, kabupaten = Σ kecamatan);
- a rate is hidden when its numerator or denominator is.

Rows are the kecamatan with families in the table's population (a kecamatan outside the
campaign has no row, rather than a row of hidden zeros). The map of the public page takes its
values from these tables (`public_metric`), so it hides exactly what the tables hide.

Exports (CSV): a hidden cell is written as an empty value, and the last column `disembunyikan`
names the hidden columns of the row; rates are written with two decimals, a dot as separator.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tepat.core.spreadsheet import csv_writer
from tepat.core.suppression import Relation, grid_relations, rate, suppress
from tepat.regions.models import Region

TOTAL = "total"
KEL, JIWA = "keluarga", "jiwa"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy text
    unit: str  # "keluarga", "jiwa", "% keluarga", …
    rate: bool = False


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    cells: dict[str, int | float | None]  # None: hidden (or, for a rate, nothing to divide)
    hidden: frozenset[str]
    is_total: bool = False


@dataclass(frozen=True)
class PublicTable:
    slug: str  # the CSV's name: publik/<slug>.csv
    title: str
    columns: list[Column]
    rows: list[Row]  # the kecamatan, then the kabupaten total
    note: str = ""

    @property
    def body(self) -> list[Row]:
        return [r for r in self.rows if not r.is_total]

    @property
    def total(self) -> Row | None:
        return next((r for r in self.rows if r.is_total), None)

    @property
    def grid(self) -> list[tuple[Row, list[tuple[Column, int | float | None, bool]]]]:
        """Each row with (column, value, hidden) per column: what a template loops over."""
        return [(row, [(c, row.cells.get(c.key), c.key in row.hidden) for c in self.columns])
                for row in self.rows]

    def row(self, code: str) -> Row | None:
        return next((r for r in self.rows if r.code == code), None)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(["kode_wilayah", "nama_wilayah",
                         *(c.key for c in self.columns), "disembunyikan"])
        for row in self.rows:
            cells = [_csv_value(row.cells.get(c.key), c) for c in self.columns]
            hidden = ";".join(c.key for c in self.columns if c.key in row.hidden)
            writer.writerow([row.code, row.name, *cells, hidden])
        return out.getvalue()


def _csv_value(value: int | float | None, column: Column) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if column.rate else str(value)


# --- building a suppressed table ----------------------------------------------------------


def _names(codes: Sequence[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@dataclass(frozen=True)
class _Spec:
    counts: list[str]  # count column bases, each in keluarga and jiwa (unless in `single`)
    splits: dict[str, list[str]]  # base -> the bases it is the sum of
    rates: list[tuple[str, str, str, float]]  # (rate key, numerator key, denominator key, scale)
    single: dict[str, str] = field(default_factory=dict)  # base -> its only unit


def _keys(spec: _Spec, base: str) -> list[str]:
    if base in spec.single:
        return [f"{base}_{spec.single[base]}"]
    return [f"{base}_{KEL}", f"{base}_{JIWA}"]


def _suppressed_rows(spec: _Spec, counts: dict[str, dict[str, int]],
                     total: dict[str, int], total_name: str) -> list[Row]:
    """Rows (each kecamatan, then the total) with the hidden cells set to None."""
    codes = sorted(counts)
    keys = [k for base in spec.counts for k in _keys(spec, base)]
    values = {(code, key): counts[code].get(key, 0) for code in codes for key in keys}
    values.update({(TOTAL, key): total.get(key, 0) for key in keys})
    relations: list[Relation] = []
    for unit in (KEL, JIWA):
        columns = [f"{base}_{unit}" for base in spec.counts if base not in spec.single]
        splits = {f"{whole}_{unit}": [f"{p}_{unit}" for p in parts]
                  for whole, parts in spec.splits.items()}
        relations += grid_relations(codes, TOTAL, columns, splits)
    for base, unit in spec.single.items():
        relations += grid_relations(codes, TOTAL, [f"{base}_{unit}"])
    links = [[(code, f"{base}_{KEL}"), (code, f"{base}_{JIWA}")]
             for code in [*codes, TOTAL] for base in spec.counts if base not in spec.single]
    hidden = suppress(values, relations, links=links)
    names = _names(codes)
    rows = []
    for code in [*codes, TOTAL]:
        own = {key: values[(code, key)] for key in keys}
        gone = {key for key in keys if (code, key) in hidden}
        cells: dict[str, int | float | None] = {k: (None if k in gone else v)
                                                for k, v in own.items()}
        for key, num, den, scale in spec.rates:
            cells[key] = rate(num, den, own, gone, scale=scale)
            if num in gone or den in gone:
                gone.add(key)
        rows.append(Row(code, total_name if code == TOTAL else names.get(code, code), cells,
                        frozenset(gone), is_total=code == TOTAL))
    return rows


def _count_columns(spec: _Spec, labels: dict[str, Any]) -> list[Column]:
    columns = []
    for base in spec.counts:
        for key in _keys(spec, base):
            unit = key.rsplit("_", 1)[1]
            columns.append(Column(key, labels[base], unit))
    return columns


# --- the campaign: progress and list shrink -------------------------------------------------

PROGRESS_SPEC = _Spec(
    counts=["in_scope", "verified", "pending", "still_target", "removed", "proposed"],
    splits={"in_scope": ["verified", "pending"], "verified": ["still_target", "removed"]},
    rates=[(f"{name}_pct_{unit}", f"{num}_{unit}", f"in_scope_{unit}", 100.0)
           for name, num in (("progress", "verified"), ("reduction", "removed"))
           for unit in (KEL, JIWA)],
)
PROGRESS_LABELS = {
    "in_scope": gettext_lazy("Sasaran awal"),
    "verified": gettext_lazy("Terverifikasi"),
    "pending": gettext_lazy("Belum diverifikasi"),
    "still_target": gettext_lazy("Tetap sasaran"),
    "removed": gettext_lazy("Dikeluarkan"),
    "proposed": gettext_lazy("Usulan baru (terpisah)"),
    "progress_pct": gettext_lazy("Progres"),
    "reduction_pct": gettext_lazy("Penurunan data"),
}


def _figure_counts(f: Any) -> dict[str, int]:
    out = {}
    for base in PROGRESS_SPEC.counts:
        units = getattr(f, base)
        out[f"{base}_{KEL}"], out[f"{base}_{JIWA}"] = units.keluarga, units.jiwa
    return out


def progress_table(campaign: Any, level: str = "kecamatan",
                   kecamatan: str | None = None) -> PublicTable:
    """Progress and list shrink per kecamatan (or desa), in keluarga and jiwa, suppressed."""
    from tepat.verification import stats

    area = {"kecamatan_id": kecamatan} if kecamatan else {}
    by_area = {code: _figure_counts(f)
               for code, f in stats.figures_by(campaign, level, **area).items()
               if f.in_scope.keluarga}
    total = _figure_counts(stats.figures(campaign, **area))
    rows = _suppressed_rows(PROGRESS_SPEC, by_area, total, _total_name(kecamatan))
    columns = _count_columns(PROGRESS_SPEC, PROGRESS_LABELS)
    for key, *_rest in PROGRESS_SPEC.rates:
        base, unit = key.rsplit("_", 1)
        columns.append(Column(key, PROGRESS_LABELS[base], f"% {unit}", rate=True))
    return PublicTable(
        slug="progres", title=_("Progres verifikasi dan penurunan data per kecamatan"),
        columns=columns, rows=rows,
        note=_("Progres = terverifikasi ÷ sasaran awal. Penurunan data = dikeluarkan ÷ sasaran "
               "awal. Usulan baru dihitung terpisah dan tidak menutupi penurunan."))


def _total_name(kecamatan: str | None) -> str:
    if kecamatan:
        return _names([kecamatan]).get(kecamatan, kecamatan)
    region = Region.objects.filter(level="kabupaten").order_by("code").first()
    return region.name if region else _("Kabupaten")


# --- the target list: intervention coverage and targets per 1,000 jiwa ---------------------

COVERAGE_SPEC = _Spec(
    counts=["targets", "served", "not_served", "population"],
    splits={"targets": ["served", "not_served"]},
    rates=[("coverage_pct_keluarga", "served_keluarga", "targets_keluarga", 100.0),
           ("coverage_pct_jiwa", "served_jiwa", "targets_jiwa", 100.0),
           ("targets_per_1000", "targets_keluarga", "population_jiwa", 1000.0)],
    single={"population": JIWA},
)
COVERAGE_LABELS = {
    "targets": gettext_lazy("Keluarga sasaran"),
    "served": gettext_lazy("Sudah menerima intervensi"),
    "not_served": gettext_lazy("Belum menerima intervensi"),
    "population": gettext_lazy("Jiwa dalam registri sumber"),
}


def coverage_table(target_list: Any, level: str = "kecamatan",
                   kecamatan: str | None = None) -> PublicTable:
    """Intervention coverage of the target list per kecamatan (or desa), suppressed."""
    from tepat.web.metric_maps import coverage_rows, population_counts

    people = population_counts(target_list, level, kecamatan)
    by_area: dict[str, dict[str, int]] = {code: {} for code, n in people.items() if n}
    total: dict[str, int] = {"population_jiwa": sum(people.values())}
    for row in coverage_rows(target_list, level, kecamatan):
        by_area[row.code] = cells = {}
        for base, units in (("targets", row.targets), ("served", row.served),
                            ("not_served", row.no_intervention)):
            for unit in (KEL, JIWA):
                cells[f"{base}_{unit}"] = getattr(units, unit)
                total[f"{base}_{unit}"] = total.get(f"{base}_{unit}", 0) + getattr(units, unit)
    for code, cells in by_area.items():
        cells["population_jiwa"] = people.get(code, 0)
    rows = _suppressed_rows(COVERAGE_SPEC, by_area, total, _total_name(kecamatan))
    columns = _count_columns(COVERAGE_SPEC, COVERAGE_LABELS)
    columns += [
        Column("coverage_pct_keluarga", gettext_lazy("Cakupan intervensi"), "% keluarga",
               rate=True),
        Column("coverage_pct_jiwa", gettext_lazy("Cakupan intervensi"), "% jiwa", rate=True),
        Column("targets_per_1000", gettext_lazy("Keluarga sasaran per 1.000 jiwa"),
               "keluarga / 1.000 jiwa", rate=True),
    ]
    return PublicTable(
        slug="cakupan", title=_("Cakupan intervensi keluarga sasaran per kecamatan"),
        columns=columns, rows=rows,
        note=_("Cakupan = keluarga sasaran yang sudah menerima minimal satu intervensi ÷ "
               "keluarga sasaran. Jiwa dalam registri sumber = anggota keluarga pada registri "
               "sumber daftar sasaran (P3KE hanya memuat desil 1–4, bukan seluruh penduduk)."))


# --- the map's values, from the tables -------------------------------------------------------

_MAP_CELLS = {
    "progress": ("progres", "progress_pct_keluarga"),
    "reduction": ("progres", "reduction_pct_keluarga"),
    "targets_per_1000": ("cakupan", "targets_per_1000"),
    "coverage": ("cakupan", "coverage_pct_keluarga"),
}


def public_metric(metric: str, level: str = "kecamatan", *, campaign: Any = None,
                  target_list: Any = None, kecamatan: str | None = None
                  ) -> tuple[dict[str, float | None], frozenset[str]]:
    """The metric per area as the public tables show it, and the areas it is hidden for."""
    from tepat.web.metric_maps import _campaign, _target_list

    slug, key = _MAP_CELLS[metric]
    if slug == "progres":
        source = _campaign(campaign)
        table = progress_table(source, level, kecamatan) if source else None
    else:
        source = _target_list(target_list)
        table = coverage_table(source, level, kecamatan) if source else None
    if table is None:
        return {}, frozenset()
    values = {row.code: row.cells.get(key) for row in table.body}
    return values, frozenset(row.code for row in table.body if key in row.hidden)


# --- the page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicSummary:
    generated_at: datetime
    campaign_name: str = ""
    campaign_state: str = ""
    provisional: bool = True
    progress: PublicTable | None = None
    target_list_name: str = ""
    target_list_decree: str = ""
    coverage: PublicTable | None = None
    indicators: Any = None  # tepat.indicators.selectors.headline(), when available
    indicator_rows: Any = None

    @property
    def tables(self) -> dict[str, PublicTable]:
        return {t.slug: t for t in (self.progress, self.coverage) if t is not None}


def public_summary(*, campaign: Any = None, target_list: Any = None) -> PublicSummary:
    """Everything the public page shows, suppressed (the current campaign and list)."""
    from tepat.web.metric_maps import _campaign, _target_list

    campaign, target_list = _campaign(campaign), _target_list(target_list)
    fields: dict[str, Any] = {"generated_at": timezone.now()}
    if campaign is not None:
        from tepat.verification import stats

        fields.update(campaign_name=campaign.name, campaign_state=campaign.get_state_display(),
                      provisional=stats.figures(campaign).provisional,
                      progress=progress_table(campaign))
    if target_list is not None:
        fields.update(target_list_name=target_list.name,
                      target_list_decree=f"{target_list.sk_number} ({target_list.year})",
                      coverage=coverage_table(target_list))
    fields.update(_indicators())
    return PublicSummary(**fields)


TABLES = ("progres", "cakupan")


def public_table(slug: str) -> PublicTable | None:
    """One table of the public page (for its CSV): None if unknown or nothing to show."""
    from tepat.web.metric_maps import _campaign, _target_list

    if slug == "progres":
        campaign = _campaign(None)
        return progress_table(campaign) if campaign is not None else None
    if slug == "cakupan":
        target_list = _target_list(None)
        return coverage_table(target_list) if target_list is not None else None
    return None


def _indicators() -> dict[str, Any]:
    """The indicator headline (latest P0 and extreme poverty, their change in pp and relative %,
    gaps to targets) and the two headline series, from the indicators app (public statistics,
    no personal data)."""
    from tepat.indicators import selectors

    headline = selectors.headline()
    series = [s for s in selectors.overview() if s.indicator in selectors.HEADLINE_INDICATORS]
    has_values = headline.p0.latest is not None or headline.extreme.latest is not None
    return {"indicators": headline if has_values else None,
            "indicator_rows": [s for s in series if s.points]}
