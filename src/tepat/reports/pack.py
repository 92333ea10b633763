"""The TKPK meeting pack (rakor, issue 5 §2): every figure the meeting discusses, as a tree of
plain dataclasses (no ORM object, no personal data) that the PDF and Excel writers render.

Nothing is computed here that another module already computes: the campaign's figures and the
desa behind schedule come from `tepat.verification.reporting` (DESIGN.md §4 through
`figures_from_tallies`), coverage, double aid and per-programme targeting from
`tepat.interventions.convergence.report()`, indicator series and their changes from
`tepat.indicators.selectors` (every change labelled in pp and relative % by
`tepat.indicators.formats.change_label`),
the maps from `tepat.web.metric_maps`. This module only picks, orders and names.

Sections, in order: a one-page summary; indicator trends against targets; verification
progress and list shrink per kecamatan (ranked as the founding article does, with maps); Gesek
Ekstrem status per kecamatan team; intervention coverage, double aid and per-programme
targeting; desa behind schedule.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.core.measures import Units, percent
from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS, STRATEGIES
from tepat.indicators.formats import change_label, difference
from tepat.interventions.selectors import over_budget
from tepat.regions.models import Level, Region
from tepat.regions.selectors import regency
from tepat.registry.scoping import unscoped_access

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


def _silent(fraction: float, message: str) -> None:
    """The default progress callback: nobody is listening."""


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator's latest value and its change since the previous value (pp and relative
    %, labelled), with the gap to each target."""

    label: str
    unit: str
    region: str
    latest_year: int | None
    latest: float | None
    previous_year: int | None = None
    previous: float | None = None
    change: str = ""  # formats.change_label: "+0,07 poin persen (+0,41 % relatif)"
    line: str = ""  # the poverty line the values rest on
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorPoint:
    year: int
    value: float
    unit: str
    line: str
    change: str  # from the previous point of the same line ("" for the first)
    source: str
    flags: str


@dataclass(frozen=True)
class IndicatorTrend:
    title: str
    region: str
    unit: str
    svg: str
    points: tuple[IndicatorPoint, ...]
    gaps: tuple[str, ...]
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignSummary:
    name: str
    period: str
    state: str
    provisional: bool
    in_scope: Units
    verified: Units
    pending: Units
    still_target: Units
    removed: Units
    proposed: Units
    progress_pct_keluarga: float | None
    progress_pct_jiwa: float | None
    reduction_pct_keluarga: float | None
    reduction_pct_jiwa: float | None
    expected_pct: float
    today: date
    opens_on: date
    closes_on: date
    finalize_by: date

    @property
    def status(self) -> str:
        return _("sementara") if self.provisional else _("final")


@dataclass(frozen=True)
class KecamatanRow:
    rank: int  # by reduction (keluarga), highest first, like the founding article
    code: str
    name: str
    in_scope: Units
    verified: Units
    removed: Units
    still_target: Units
    progress_pct_keluarga: float | None
    progress_pct_jiwa: float | None
    reduction_pct_keluarga: float | None
    reduction_pct_jiwa: float | None
    behind: bool
    behind_desa: int = 0


@dataclass(frozen=True)
class MapFigure:
    metric: str
    label: str
    unit: str
    svg: str
    note: str = ""


@dataclass(frozen=True)
class TeamRow:
    """A kecamatan's Gesek Ekstrem team and how far its target families are served."""

    code: str
    name: str
    coordinator: str
    team_size: int  # officials
    targets: Units
    assigned: int  # keluarga with a pendamping official
    visited: Units
    served: Units  # ≥ 1 delivered intervention
    no_intervention: Units
    open_needs: int  # needs (not families) still open or referred

    @property
    def served_pct_keluarga(self) -> float | None:
        return percent(self.served.keluarga, self.targets.keluarga)

    @property
    def visited_pct_keluarga(self) -> float | None:
        return percent(self.visited.keluarga, self.targets.keluarga)


@dataclass(frozen=True)
class CoverageSummary:
    target_list: str
    sk_number: str
    sk_date: date
    targets: Units
    visited: Units
    served: Units
    with_needs: Units
    needs_met: Units
    no_intervention: Units
    double_aid: Units
    open_needs: int
    served_pct_keluarga: float | None
    served_pct_jiwa: float | None
    visited_pct_keluarga: float | None
    needs_met_pct_keluarga: float | None


@dataclass(frozen=True)
class ProgrammeRow:
    name: str
    agency: str
    kind: str
    strategy: str
    funding: str
    year: int
    budget: int | None  # pagu, Rp
    beneficiaries: Units
    off_list: Units
    needing: Units
    needing_unserved: Units
    amount: int  # Rp delivered
    inclusion_error_pct: float | None
    exclusion_error_pct: float | None
    cgh_index: float | None
    budget_to_targets_pct: float | None

    @property
    def over_budget(self) -> bool:
        """Delivered more than its pagu: the pack warns (issue 19 §3)."""
        return over_budget(self.amount, self.budget)


@dataclass(frozen=True)
class DesaBehindRow:
    kecamatan: str
    code: str
    name: str
    in_scope: Units
    verified: Units
    progress_pct_keluarga: float | None
    expected_pct: float
    not_started: bool


@dataclass(frozen=True)
class GesekSummary:
    teams: int
    officials: int
    targets: Units
    assigned: int
    visited: Units
    served: Units
    open_needs: int


@dataclass(frozen=True)
class Summary:
    headlines: tuple[IndicatorLine, ...]
    campaign: CampaignSummary | None
    gesek: GesekSummary | None
    coverage: CoverageSummary | None
    behind_desa: int
    not_started_desa: int
    kecamatan_behind: int


@dataclass(frozen=True)
class RakorPack:
    title: str
    region_code: str
    region_name: str
    generated_at: datetime
    summary: Summary
    indicators: tuple[IndicatorTrend, ...] = ()
    kecamatan: tuple[KecamatanRow, ...] = ()
    kecamatan_total: KecamatanRow | None = None
    maps: tuple[MapFigure, ...] = ()
    teams: tuple[TeamRow, ...] = ()
    programmes: tuple[ProgrammeRow, ...] = ()
    behind: tuple[DesaBehindRow, ...] = ()
    behind_rule: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # what is missing, and why

    @property
    def over_budget(self) -> tuple[ProgrammeRow, ...]:
        """The programmes that delivered more than their budget (pagu)."""
        return tuple(p for p in self.programmes if p.over_budget)


# --- building it ----------------------------------------------------------------------------


def current(campaign: Any = None, target_list: Any = None) -> tuple[Any, Any]:
    """The given campaign and target list, else the ones the pages show by default."""
    from tepat.gesek.selectors import current_target_list
    from tepat.verification.selectors import current_campaign

    return (campaign if campaign is not None else current_campaign(),
            target_list if target_list is not None else current_target_list())


@unscoped_access("report: the rakor pack, aggregates of the whole regency")
def rakor_pack(*, campaign: Any = None, target_list: Any = None,
               progress: Progress | None = None, region_code: str | None = None,
               today: date | None = None) -> RakorPack:
    """The meeting pack of the regency: the current campaign and target list by default.

    `progress(fraction, message)` is told how far the build is (the background job's bar)."""
    progress = progress or _silent
    region_code = region_code or regency()
    campaign, target_list = current(campaign, target_list)
    notes: list[str] = []
    region = Region.objects.filter(code=region_code).first()
    region_name = region.name if region else region_code

    progress(0.05, _("Indikator dan target"))
    headlines, trends = indicator_sections(region_code, notes)

    progress(0.25, _("Progres verifikasi per kecamatan"))
    campaign_part = _campaign_section(campaign, today, notes)

    progress(0.45, _("Peta"))
    maps = map_figures(campaign, target_list, notes)

    progress(0.6, _("Gesek Ekstrem dan konvergensi intervensi"))
    rep = _convergence(target_list, notes)
    teams = team_rows(rep, target_list) if rep else ()
    programmes = programme_rows(rep) if rep else ()

    progress(0.85, _("Ringkasan"))
    summary = _summary(headlines, campaign_part, teams, rep)
    pack = RakorPack(
        title=_("Bahan Rapat Koordinasi TKPK %(region)s") % {"region": region_name},
        region_code=region_code, region_name=region_name,
        generated_at=timezone.localtime(),
        summary=summary, indicators=trends,
        kecamatan=campaign_part.kecamatan if campaign_part else (),
        kecamatan_total=campaign_part.total if campaign_part else None,
        maps=maps, teams=teams, programmes=programmes,
        behind=campaign_part.behind if campaign_part else (),
        behind_rule=campaign_part.rule if campaign_part else "",
        notes=tuple(notes),
    )
    progress(0.9, _("Bahan rakor tersusun"))
    return pack


def _summary(headlines: tuple[IndicatorLine, ...], part: _CampaignPart | None,
             teams: tuple[TeamRow, ...], rep: Any) -> Summary:
    return Summary(
        headlines=headlines,
        campaign=part.summary if part else None,
        gesek=gesek_summary(teams) if teams else None,
        coverage=coverage_summary(rep) if rep else None,
        behind_desa=len(part.behind) if part else 0,
        not_started_desa=sum(r.not_started for r in part.behind) if part else 0,
        kecamatan_behind=sum(r.behind for r in part.kecamatan) if part else 0)


@unscoped_access("report: the reports page summary, aggregates of the whole regency")
def screen_summary(*, campaign: Any = None, target_list: Any = None,
                   region_code: str | None = None, today: date | None = None
                   ) -> tuple[Summary, tuple[KecamatanRow, ...], tuple[str, ...]]:
    """The pack's first page for the screen (no charts, maps or long tables): the summary,
    the kecamatan ranking and the notes, from the same helpers as `rakor_pack`."""
    region_code = region_code or regency()
    campaign, target_list = current(campaign, target_list)
    notes: list[str] = []
    headlines, _trends = indicator_sections(region_code, notes, charts=False)
    part = _campaign_section(campaign, today, notes)
    rep = _convergence(target_list, notes)
    teams = team_rows(rep, target_list) if rep else ()
    return (_summary(headlines, part, teams, rep), part.kecamatan if part else (),
            tuple(notes))


# --- indicators (helper A's selectors and charts) --------------------------------------------


def gap_text(gap: Any, unit: str) -> str:
    """'Target 2026: ≤ 0,00 % (Inpres 8/2025), selisih +2,28 poin persen, 2 tahun lagi, belum
    tercapai'."""
    from tepat.indicators.charts import target_label

    parts = [target_label(gap.target, unit)]
    if gap.gap_pp is not None:
        parts.append(_("selisih %(gap)s") % {"gap": difference(gap.gap_pp, unit)})
    if gap.years_left is not None:
        parts.append(_("%(n)s tahun lagi") % {"n": gap.years_left} if gap.years_left >= 0
                     else _("tenggat sudah lewat"))
    if gap.met is not None:
        parts.append(_("tercapai") if gap.met else _("belum tercapai"))
    return ", ".join(parts)


def _line_labels(series: Iterable[Any]) -> dict[tuple[str, str], str]:
    return {(s.indicator, seg.line): seg.line_label for s in series for seg in s.segments}


def _trend(series: Any, svg: str) -> IndicatorTrend:
    points = []
    for segment in series.segments:
        changes = {step.to_year: change_label(step.change, series.unit) for step in segment.steps}
        points += [IndicatorPoint(
            year=p.year, value=float(p.value), unit=series.unit, line=segment.line_label,
            change=changes.get(p.year, ""), source=p.source, flags=", ".join(p.flags))
            for p in segment.points]
    return IndicatorTrend(
        title=series.label, region=series.region_name, unit=series.unit, svg=svg,
        points=tuple(sorted(points, key=lambda p: (p.year, p.line))),
        gaps=tuple(gap_text(g, series.unit) for g in series.gaps),
        conflicts=tuple(series.conflicts))


def _headline_line(value: Any, region_name: str, lines: dict[tuple[str, str], str]
                   ) -> IndicatorLine:
    latest, step = value.latest, value.step
    unit = latest.unit if latest else "percent"
    return IndicatorLine(
        label=value.label, unit=unit, region=latest.region_name if latest else region_name,
        latest_year=latest.year if latest else None,
        latest=float(latest.value) if latest else None,
        previous_year=step.from_year if step else None,
        previous=float(step.old) if step else None,
        change=change_label(step.change, unit) if step else "",
        line=lines.get((value.indicator, latest.line), latest.line) if latest else "",
        gaps=tuple(gap_text(g, unit) for g in value.gaps))


def indicator_sections(region_code: str, notes: list[str], *, charts: bool = True,
                       ) -> tuple[tuple[IndicatorLine, ...], tuple[IndicatorTrend, ...]]:
    """The headline (latest P0 and extreme poverty, change from the previous year, gaps) and
    every series of the region with its chart (helper A's selectors and charts)."""
    try:
        from tepat.indicators import charts as charting
        from tepat.indicators import selectors
    except ImportError:
        notes.append(_("Seri indikator belum tersedia di instalasi ini."))
        return (), ()
    series = [s for s in selectors.overview(region_code) if s.segments]
    if not series:
        notes.append(_("Belum ada data indikator untuk wilayah ini."))
        return (), ()
    head = selectors.headline(region_code)
    name = series[0].region_name
    lines = _line_labels(series)
    headlines = tuple(_headline_line(v, name, lines) for v in (head.p0, head.extreme)
                      if v.latest is not None)
    if not charts:
        return headlines, ()
    trends = tuple(_trend(s, charting.trend_svg(s, width=640, height=240)) for s in series)
    return headlines, trends


# --- the campaign -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _CampaignPart:
    summary: CampaignSummary
    kecamatan: tuple[KecamatanRow, ...]
    total: KecamatanRow
    behind: tuple[DesaBehindRow, ...]
    rule: str


def _campaign_section(campaign: Any, today: date | None, notes: list[str]
                      ) -> _CampaignPart | None:
    from tepat.verification import reporting

    if campaign is None:
        notes.append(_("Belum ada kampanye verifikasi yang dibuka."))
        return None
    schedule = reporting.schedule_of(campaign, today)
    report = reporting.ProgressReport(campaign, None, schedule=schedule)
    total = report.total()
    desa = report.rows(reporting.DESA)
    late = reporting.behind_schedule(desa)
    late_per_kecamatan = Counter(row.parent_code for row in late)
    ranked = reporting.ranked_by_reduction(report.rows(reporting.KECAMATAN))
    kecamatan = tuple(_kecamatan_row(i, row, late_per_kecamatan[row.code])
                      for i, row in enumerate(ranked, start=1))
    f = total.figures
    summary = CampaignSummary(
        name=campaign.name, period=campaign.period, state=campaign.get_state_display(),
        provisional=f.provisional, in_scope=f.in_scope, verified=f.verified, pending=f.pending,
        still_target=f.still_target, removed=f.removed, proposed=f.proposed,
        progress_pct_keluarga=f.progress_pct_keluarga, progress_pct_jiwa=f.progress_pct_jiwa,
        reduction_pct_keluarga=f.reduction_pct_keluarga,
        reduction_pct_jiwa=f.reduction_pct_jiwa, expected_pct=schedule.expected_pct,
        today=schedule.today, opens_on=schedule.opens_on, closes_on=schedule.closes_on,
        finalize_by=schedule.finalize_by)
    behind = tuple(DesaBehindRow(
        kecamatan=row.parent_name or "", code=row.code, name=row.name,
        in_scope=row.figures.in_scope, verified=row.figures.verified,
        progress_pct_keluarga=row.figures.progress_pct_keluarga,
        expected_pct=schedule.expected_pct, not_started=row.not_started) for row in late)
    return _CampaignPart(summary, kecamatan, _kecamatan_row(0, total, len(late)), behind,
                         str(reporting.BEHIND_RULE))


def _kecamatan_row(rank: int, row: Any, behind_desa: int) -> KecamatanRow:
    f = row.figures
    return KecamatanRow(
        rank=rank, code=row.code, name=row.name, in_scope=f.in_scope, verified=f.verified,
        removed=f.removed, still_target=f.still_target,
        progress_pct_keluarga=f.progress_pct_keluarga, progress_pct_jiwa=f.progress_pct_jiwa,
        reduction_pct_keluarga=f.reduction_pct_keluarga,
        reduction_pct_jiwa=f.reduction_pct_jiwa, behind=row.behind, behind_desa=behind_desa)


# --- maps (helper C's metric maps) ------------------------------------------------------------

MAP_METRICS = ("reduction", "progress")


def map_figures(campaign: Any, target_list: Any, notes: list[str],
                metrics: Iterable[str] = MAP_METRICS, width: int = 640
                ) -> tuple[MapFigure, ...]:
    try:
        from tepat.web.metric_maps import metric_map
    except ImportError:
        notes.append(_("Peta belum tersedia di instalasi ini."))
        return ()
    figures = []
    for metric in metrics:
        try:
            m = metric_map(metric, "kecamatan", campaign=campaign, target_list=target_list,
                           width=width)
        except Exception:  # a map must not sink the whole pack
            log.exception("metric map %s failed", metric)
            notes.append(_("Peta %(metric)s tidak dapat dibuat.") % {"metric": metric})
            continue
        if m is None or not m.svg:
            continue
        figures.append(MapFigure(metric=m.metric, label=str(m.label), unit=str(m.unit),
                                 svg=m.svg, note=str(m.note or "")))
    return tuple(figures)


# --- Gesek Ekstrem, coverage, programmes (tepat.interventions.convergence) --------------------


def _convergence(target_list: Any, notes: list[str]) -> Any:
    from tepat.interventions.convergence import report

    if target_list is None:
        notes.append(_("Belum ada daftar sasaran yang ditetapkan dengan SK Bupati: bagian Gesek "
                       "Ekstrem dan intervensi kosong."))
        return None
    return report(target_list)


def team_rows(rep: Any, target_list: Any) -> tuple[TeamRow, ...]:
    """Every kecamatan of the regency, in code order, with its team (if any) and the coverage
    of its target families (zeros where it has none)."""
    from tepat.gesek.models import Assignment, TeamMember

    by_code = {c.code: c for c in rep.by_kecamatan}
    sizes = dict(TeamMember.objects.values("kecamatan_id")
                 .annotate(n=Count("id")).values_list("kecamatan_id", "n"))
    assigned = dict(Assignment.objects.filter(entry__target_list=target_list)
                    .values("kecamatan_id").annotate(n=Count("id"))
                    .values_list("kecamatan_id", "n"))
    kecamatan = Region.objects.filter(level=Level.KECAMATAN, code__startswith=regency() + ".")
    zero = Units()
    rows = []
    for code, name in kecamatan.order_by("code").values_list("code", "name"):
        c = by_code.get(code)
        rows.append(TeamRow(
            code=code, name=name, coordinator=rep.teams.get(code, ""),
            team_size=sizes.get(code, 0),
            targets=c.targets if c else zero, assigned=assigned.get(code, 0),
            visited=c.visited if c else zero, served=c.served if c else zero,
            no_intervention=c.no_intervention if c else zero,
            open_needs=c.open_needs if c else 0))
    return tuple(rows)


def gesek_summary(teams: Iterable[TeamRow]) -> GesekSummary:
    teams = list(teams)
    total = Units()
    visited, served = Units(), Units()
    for t in teams:
        total += t.targets
        visited += t.visited
        served += t.served
    return GesekSummary(
        teams=sum(1 for t in teams if t.team_size), officials=sum(t.team_size for t in teams),
        targets=total, assigned=sum(t.assigned for t in teams), visited=visited,
        served=served, open_needs=sum(t.open_needs for t in teams))


def coverage_summary(rep: Any) -> CoverageSummary:
    t = rep.analysis.total
    tl = rep.target_list
    return CoverageSummary(
        target_list=tl.name, sk_number=tl.sk_number, sk_date=tl.sk_date,
        targets=t.targets, visited=t.visited, served=t.served, with_needs=t.with_needs,
        needs_met=t.needs_met, no_intervention=t.no_intervention, double_aid=t.double_aid,
        open_needs=t.open_needs, served_pct_keluarga=t.served_pct_keluarga,
        served_pct_jiwa=t.served_pct_jiwa, visited_pct_keluarga=t.visited_pct_keluarga,
        needs_met_pct_keluarga=t.needs_met_pct_keluarga)


def _label(table: dict[str, Any], code: str) -> str:
    item = table.get(code)
    if item is None:
        return code
    return str(getattr(item, "label", item))


def programme_rows(rep: Any) -> tuple[ProgrammeRow, ...]:
    rows = []
    for p in rep.analysis.programmes:
        prog = p.programme
        rows.append(ProgrammeRow(
            name=prog.name, agency=rep.agencies.get(prog.agency) or prog.agency,
            kind=_label(NEED_KINDS, prog.kind), strategy=_label(STRATEGIES, prog.strategy),
            funding=_label(FUNDING_SOURCES, prog.funding), year=prog.year, budget=prog.budget,
            beneficiaries=p.beneficiaries, off_list=p.off_list, needing=p.needing,
            needing_unserved=p.needing_unserved, amount=p.amount,
            inclusion_error_pct=p.inclusion_error_pct,
            exclusion_error_pct=p.exclusion_error_pct, cgh_index=p.cgh_index,
            budget_to_targets_pct=p.budget_to_targets_pct))
    return tuple(rows)
