"""Choropleth maps of the campaign and target-list metrics (issue 5 §3), per kecamatan or desa.

One map, four metrics (DESIGN.md §4 and tepat.core.convergence):

- `progress`: verified / in_scope × 100 (keluarga), from `stats.figures_by`;
- `reduction`: removed / in_scope × 100 (keluarga), from `stats.figures_by`;
- `targets_per_1000`: families of the current target list in the area per 1,000 persons (jiwa)
  of the registry's families of the list's source in the area. For P3KE that registry holds
  desil 1–4 only: it is the poorest ~40%, not the whole population (the `note` says so);
- `coverage`: % of the list's families with at least one delivered intervention, from
  `tepat.interventions.convergence.report()` (Coverage.served / Coverage.targets, keluarga).

The SVG (tepat.web.maps.choropleth_svg) holds no script and no external reference, so the same
string goes into the web pages and the PDF report. With `suppress=True` (the public dashboard)
an area whose numerator or denominator is hidden by the small-count rule of
`tepat.core.suppression` (through the public tables of `tepat.web.public_data`, so that the map
and the tables hide the same cells) is hatched and its value left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tepat.regions import boundaries
from tepat.web.maps import Shape, choropleth_svg, shapes_from_features

KECAMATAN, DESA = "kecamatan", "desa"
LEVELS = (KECAMATAN, DESA)
# {id(layer): (layer, shapes)}: the layers in force are kept per process (regions.boundaries),
# their shapes too; the layer itself is held so that its id is not reused.
_SHAPES: dict[int, tuple[Any, tuple[Shape, ...]]] = {}

METRICS: dict[str, Any] = {
    "progress": gettext_lazy("Progres verifikasi (% keluarga)"),
    "reduction": gettext_lazy("Penurunan data (% keluarga)"),
    "targets_per_1000": gettext_lazy("Keluarga sasaran per 1.000 jiwa"),
    "coverage": gettext_lazy("Cakupan intervensi (% keluarga sasaran)"),
}
UNITS: dict[str, Any] = {
    "progress": gettext_lazy("% keluarga"),
    "reduction": gettext_lazy("% keluarga"),
    "targets_per_1000": gettext_lazy("keluarga per 1.000 jiwa"),
    "coverage": gettext_lazy("% keluarga sasaran"),
}
DEFAULT_METRIC = "progress"
PERCENT_BREAKS = (20.0, 40.0, 60.0, 80.0, 100.0)  # rates are comparable between maps


@dataclass(frozen=True)
class MetricMap:
    metric: str
    label: str
    unit: str
    level: str
    values: dict[str, float | None]  # area code -> value (None: no data or hidden)
    names: dict[str, str]  # area code -> name
    svg: str
    note: str
    suppressed: frozenset[str] = frozenset()  # area codes hidden by the small-count rule
    fallback: bool = False  # a desa map drawn at kecamatan level (no desa layer)


def metric_code(requested: str | None) -> str:
    """A known metric code (`?peta=`), else the default."""
    return requested if requested in METRICS else DEFAULT_METRIC


def layer_shapes(layer: Any) -> tuple[Shape, ...]:
    """The shapes of a boundary layer (a GeoJSON FeatureCollection), made once per layer."""
    if not layer:
        return ()
    kept = _SHAPES.get(id(layer))
    if kept is None or kept[0] is not layer:
        kept = (layer, shapes_from_features(layer.get("features", [])))
        _SHAPES[id(layer)] = kept
    return kept[1]


def drawn_level(level: str) -> str:
    """The level a map of `level` is drawn at: desa maps fall back to kecamatan level when the
    instance's kabupaten has no desa layer (none packaged, none loaded by an admin)."""
    return KECAMATAN if level == DESA and not boundaries.has_desa_layer() else level


def fallback_note() -> str:
    return _("Peta tingkat kecamatan: batas desa/kelurahan kabupaten ini belum tersedia (admin "
             "dapat memuatnya dengan tepat regions boundaries).")


def shapes(level: str, kecamatan: str | None = None) -> tuple[Shape, ...]:
    """The shapes of the instance's kecamatan (or desa, of one kecamatan when given); a desa
    level without a desa layer gives the kecamatan's own shape (see `drawn_level`)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if drawn_level(level) == KECAMATAN:
        found = layer_shapes(boundaries.kecamatan_layer())
        return tuple(s for s in found if not kecamatan or s.code == kecamatan)
    found = layer_shapes(boundaries.desa_layer())
    return tuple(s for s in found if not kecamatan or s.parent == kecamatan)


def _by_kecamatan(counts: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Desa counts summed per kecamatan (for a desa map drawn at kecamatan level)."""
    summed: dict[str, tuple[int, int]] = {}
    for code, (part, whole) in counts.items():
        key = code.rsplit(".", 1)[0] if code.count(".") == 3 else code
        before = summed.get(key, (0, 0))
        summed[key] = (before[0] + part, before[1] + whole)
    return summed


# --- counts: (numerator, denominator) per area -------------------------------------------


def _campaign(campaign: Any) -> Any:
    if campaign is not None:
        return campaign
    from tepat.verification.selectors import current_campaign

    return current_campaign()


def _target_list(target_list: Any) -> Any:
    if target_list is not None:
        return target_list
    from tepat.gesek.selectors import current_target_list

    return current_target_list()


def _area(kecamatan: str | None) -> dict[str, str]:
    return {"kecamatan_id": kecamatan} if kecamatan else {}


def _campaign_counts(field: str) -> Callable[..., dict[str, tuple[int, int]]]:
    def counts(level: str, *, campaign: Any = None, kecamatan: str | None = None,
               **_ignored: Any) -> dict[str, tuple[int, int]]:
        from tepat.verification import stats

        campaign = _campaign(campaign)
        if campaign is None:
            return {}
        return {code: (getattr(f, field).keluarga, f.in_scope.keluarga)
                for code, f in stats.figures_by(campaign, level, **_area(kecamatan)).items()}

    return counts


def target_counts(target_list: Any, level: str, kecamatan: str | None = None) -> dict[str, int]:
    """Families of the list per area (the area the list recorded for each family)."""
    from django.db.models import Count

    from tepat.verification.models import TargetListEntry

    rows = (TargetListEntry.objects.unscoped("map: family counts per area, no rows shown")
            .filter(target_list=target_list, **_area(kecamatan))
            .values(f"{level}_id").annotate(n=Count("id")).values_list(f"{level}_id", "n"))
    return dict(rows)


def population_counts(target_list: Any, level: str,
                      kecamatan: str | None = None) -> dict[str, int]:
    """Persons (jiwa) of the registry's families of the list's source, per area (DesaStat)."""
    from tepat.interventions.convergence import list_source
    from tepat.registry.models import DesaStat

    source = list_source(target_list)
    if source is None:
        return {}
    rows = (DesaStat.objects.filter(source=source, **_area(kecamatan))
            .values(f"{level}_id").annotate(n=Sum("persons")).values_list(f"{level}_id", "n"))
    return {code: n or 0 for code, n in rows}


def _per_1000_counts(level: str, *, target_list: Any = None, kecamatan: str | None = None,
                     **_ignored: Any) -> dict[str, tuple[int, int]]:
    target_list = _target_list(target_list)
    if target_list is None:
        return {}
    targets = target_counts(target_list, level, kecamatan)
    people = population_counts(target_list, level, kecamatan)
    return {code: (targets.get(code, 0), people.get(code, 0)) for code in {*targets, *people}}


def coverage_rows(target_list: Any, level: str, kecamatan: str | None = None) -> list[Any]:
    """tepat.core.convergence.Coverage per kecamatan or desa of the list."""
    from tepat.interventions.convergence import report

    rep = report(target_list, area=kecamatan)
    if rep is None:
        return []
    return rep.by_kecamatan if level == KECAMATAN else rep.by_desa


def _coverage_counts(level: str, *, target_list: Any = None, kecamatan: str | None = None,
                     **_ignored: Any) -> dict[str, tuple[int, int]]:
    target_list = _target_list(target_list)
    if target_list is None:
        return {}
    return {row.code: (row.served.keluarga, row.targets.keluarga)
            for row in coverage_rows(target_list, level, kecamatan)}


_COUNTS: dict[str, Callable[..., dict[str, tuple[int, int]]]] = {
    "progress": _campaign_counts("verified"),
    "reduction": _campaign_counts("removed"),
    "targets_per_1000": _per_1000_counts,
    "coverage": _coverage_counts,
}
SCALE = {"progress": 100.0, "reduction": 100.0, "targets_per_1000": 1000.0, "coverage": 100.0}


def metric_counts(metric: str, level: str, *, campaign: Any = None, target_list: Any = None,
                  kecamatan: str | None = None) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) per area code: the counts behind `metric_values`."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    return _COUNTS[metric](level, campaign=campaign, target_list=target_list,
                           kecamatan=kecamatan)


def metric_values(metric: str, level: str, *, campaign: Any = None, target_list: Any = None,
                  kecamatan: str | None = None) -> dict[str, float | None]:
    """The metric per area code of the level (every shape; None where there is nothing to
    divide by, e.g. a kecamatan with no family in the campaign)."""
    level = drawn_level(level)
    counts = metric_counts(metric, level, campaign=campaign, target_list=target_list,
                           kecamatan=kecamatan)
    scale = SCALE[metric]
    values: dict[str, float | None] = {s.code: None for s in shapes(level, kecamatan)}
    for code, (part, whole) in counts.items():
        values[code] = part / whole * scale if whole else None
    return values


# --- the map --------------------------------------------------------------------------------


def _note(metric: str, suppress: bool) -> str:
    notes = {
        "progress": _("Progres = keluarga terverifikasi ÷ sasaran awal kampanye × 100."),
        "reduction": _("Penurunan data = keluarga dikeluarkan ÷ sasaran awal kampanye × 100; "
                       "sementara sampai kampanye difinalkan."),
        "targets_per_1000": _(
            "Keluarga dalam daftar sasaran terbaru per 1.000 jiwa anggota keluarga dalam "
            "registri sumber daftar itu (P3KE hanya memuat desil 1–4, jadi penyebutnya bukan "
            "seluruh penduduk)."),
        "coverage": _("Cakupan = keluarga sasaran yang sudah menerima minimal satu intervensi "
                      "÷ keluarga dalam daftar sasaran × 100."),
    }
    text = notes[metric]
    if suppress:
        text += " " + _("Wilayah berarsir disembunyikan: angka di bawah 5 (termasuk 0) tidak "
                        "ditampilkan, juga angka lain yang dapat dipakai menghitungnya.")
    return text


def _fmt(metric: str) -> Callable[[float], str]:
    decimals = 1 if metric == "targets_per_1000" else 0
    return lambda v: str(floatformat(v, decimals))


def metric_map(metric: str, level: str = KECAMATAN, *, campaign: Any = None,
               target_list: Any = None, kecamatan: str | None = None, width: int = 640,
               suppress: bool = False, href: Callable[[str], str] | None = None,
               counts: dict[str, tuple[int, int]] | None = None) -> MetricMap:
    """The metric as an SVG choropleth of the kecamatan (or of the desa, of one kecamatan when
    `kecamatan` is given). `suppress=True` hides what the public tables hide. `counts`
    ((numerator, denominator) per area) spares a page that has them already a query."""
    fallback = drawn_level(level) != level
    if fallback and counts is not None:
        counts = _by_kecamatan(counts)
    level = drawn_level(level)
    drawn = shapes(level, kecamatan)
    hidden: frozenset[str] = frozenset()
    if suppress:
        from tepat.web.public_data import public_metric

        shown, hidden = public_metric(metric, level, campaign=campaign,
                                      target_list=target_list, kecamatan=kecamatan)
        values = {s.code: shown.get(s.code) for s in drawn}
    elif counts is not None:
        values = {s.code: None for s in drawn}
        values.update({code: (part / whole * SCALE[metric] if whole else None)
                       for code, (part, whole) in counts.items()})
    else:
        values = metric_values(metric, level, campaign=campaign, target_list=target_list,
                               kecamatan=kecamatan)
    label, unit = str(METRICS[metric]), str(UNITS[metric])
    where = _("per kecamatan") if level == KECAMATAN else _("per desa/kelurahan")
    title = f"{label} {where}"
    svg = choropleth_svg(
        drawn, values, href=href, unit=unit, title=title, width=width, fmt=_fmt(metric),
        breaks=PERCENT_BREAKS if SCALE[metric] == 100.0 else None,
        zero_label=_("0 atau tidak ada data"), no_data_text=_("tidak ada data"),
        suppressed=hidden, suppressed_label=_("disembunyikan (angka kecil)"),
        desc=_note(metric, suppress),
    )
    note = _note(metric, suppress)
    if fallback:
        note = f"{fallback_note()} {note}"
    return MetricMap(metric=metric, label=label, unit=unit, level=level, values=values,
                     names={s.code: s.name for s in drawn}, svg=svg, note=note,
                     suppressed=hidden, fallback=fallback)


def switcher(selected: str) -> list[tuple[str, str, bool]]:
    """(code, label, selected) of every metric: the `?peta=` links above a map."""
    return [(code, str(label), code == selected) for code, label in METRICS.items()]
