"""Progress and list shrink of a campaign (issue 3 §4), per kabupaten, kecamatan and desa.

Aggregates only (no name, no NIK): the figures come from the campaign's pre-aggregated tallies
through `tepat.verification.reporting`. A kabupaten role sees the regency and may drill down
into any kecamatan (`?kecamatan=CODE`); an operator kecamatan or pejabat sees their kecamatan
and its desa; an operator desa sees their desa. A kecamatan outside the user's area is 404.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.regions.models import Level, Region
from tepat.registry.clusters import counted_once
from tepat.verification import reporting
from tepat.verification.models import Campaign, CampaignState
from tepat.verification.reporting import (
    DESA,
    KABUPATEN,
    KECAMATAN,
    AreaRow,
    Day,
    ProgressReport,
    Schedule,
)
from tepat.verification.selectors import current_campaign
from tepat.web.access import role_required
from tepat.web.metric_maps import MetricMap, metric_code, metric_map, switcher

BEHIND_SHOWN = 30  # desa behind schedule listed on the regency page (all of them in Excel)
SLOWEST_SHOWN = 5
progress_required = role_required(roles.can_view_progress)
# Aggregates only: a browser may keep them (never a shared proxy), but asks again each time,
# so that a desa that has just submitted sees its progress move.
aggregate_cache = cache_control(private=True, no_cache=True)


def _today() -> date:
    """Today in the regency's time zone (tests replace it to fix the schedule)."""
    return timezone.localdate()


def get_campaign(pk: int) -> Campaign:
    """A campaign that has been opened (a draft has no figures yet): else 404."""
    campaign = Campaign.objects.exclude(state=CampaignState.DRAFT).filter(pk=pk).first()
    if campaign is None:
        raise Http404(_("Kampanye tidak ditemukan."))
    return campaign


def focus_of(user: Any, requested: str | None) -> str:
    """The area the page shows: the user's area, or one kecamatan in it for kabupaten roles.

    A desa operator asking for their own kecamatan still sees their desa only."""
    area = user.area_id
    if not requested:
        return area
    if area.count(".") <= 1:
        inside = requested.count(".") == 2 and requested.startswith(area + ".")
        if inside and Region.objects.filter(code=requested, level=Level.KECAMATAN).exists():
            return requested
    elif requested == (area if area.count(".") == 2 else reporting.parent_of(area)):
        return area
    raise Http404(_("Kecamatan tidak ditemukan di wilayah Anda."))


def _number(value: object) -> str:
    """Counts grouped (1.234), rates with two decimals (84,97), nothing as '—'."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return floatformat(value, 2)  # rounds (number_format would cut 55.556 to 55,55)
    return number_format(value, force_grouping=True)


# --- the chart: an inline SVG (no script: a cheap phone draws it at once) -----------------

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 420, 240, 50, 14, 12, 38


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    progress: str  # SVG polyline points
    reduction: str
    expected: str
    markers: list[tuple[str, str]]
    y_ticks: list[tuple[str, int]]
    x_ticks: list[tuple[str, str, str]]  # x, label, text-anchor
    left: int
    right: int
    bottom: str


def _anchor(x: float) -> str:
    """Date labels at the chart's edges grow inwards instead of being cut off."""
    if x < LEFT + 24:
        return "start"
    return "end" if x > WIDTH - RIGHT - 24 else "middle"


def daily_chart(days: list[Day], schedule: Schedule) -> Chart | None:
    """Progress and reduction (% keluarga) per day against the linear schedule."""
    if not days:
        return None
    start = min(schedule.opens_on, days[0].day)
    end = max(schedule.closes_on, days[-1].day)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    def y(pct: float | None) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (pct or 0.0) / 100)

    def line(points: list[tuple[float, float]]) -> str:
        return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)

    def coord(value: float) -> str:  # never through the template's localized numbers
        return f"{value:.1f}"

    progress = [(x(d.day), y(d.progress_pct_keluarga)) for d in days]
    ticks = {schedule.opens_on: x(schedule.opens_on), schedule.closes_on: x(schedule.closes_on)}
    if start <= schedule.today <= end:
        ticks[schedule.today] = x(schedule.today)
    return Chart(
        width=WIDTH, height=HEIGHT,
        progress=line(progress),
        reduction=line([(x(d.day), y(d.reduction_pct_keluarga)) for d in days]),
        expected=line([(x(schedule.opens_on), y(0)), (x(schedule.closes_on), y(100))]),
        markers=[(coord(px), coord(py)) for px, py in progress],
        y_ticks=[(coord(y(v)), v) for v in (0, 25, 50, 75, 100)],
        x_ticks=[(coord(px), date_format(day, "j M"), _anchor(px))
                 for day, px in sorted(ticks.items())],
        left=LEFT, right=WIDTH - RIGHT, bottom=coord(y(0)),
    )


# --- the page -------------------------------------------------------------------------------


@dataclass
class Ranked:
    rank: int
    row: AreaRow
    behind_desa: int


def _regency(report: ProgressReport) -> dict[str, Any]:
    kecamatan, desa = report.rows(KECAMATAN), report.rows(DESA)
    late = reporting.behind_schedule(desa)
    per_kecamatan = Counter(row.parent_code for row in late)
    ranking = [Ranked(i, row, per_kecamatan[row.code]) for i, row in
               enumerate(reporting.ranked_by_reduction(kecamatan), start=1)]
    return {
        "ranking": ranking,
        "slowest": reporting.ranked_by_slowest(kecamatan)[:SLOWEST_SHOWN],
        "behind": late[:BEHIND_SHOWN],
        "behind_count": len(late),
        "not_started_count": sum(row.not_started for row in desa),
    }


def _kecamatan(report: ProgressReport) -> dict[str, Any]:
    desa = report.rows(DESA)
    late = reporting.behind_schedule(desa)
    return {
        "desa_rows": desa,
        "behind": late,
        "behind_count": len(late),
        "not_started_count": sum(row.not_started for row in desa),
    }


def _progress_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    focus = focus_of(request.user, request.GET.get("kecamatan"))
    schedule = reporting.schedule_of(campaign, _today())
    report = ProgressReport(campaign, focus, schedule=schedule)
    total = report.total()
    context: dict[str, Any] = {
        "campaign": campaign, "schedule": schedule, "total": total, "level": total.level,
        "lines": [(label, _number(k), _number(j)) for label, k, j in
                  reporting.figure_lines(total.figures)],
        "behind_rule": reporting.BEHIND_RULE,
        "drilled": focus != request.user.area_id,
        "focus_region": Region.objects.filter(code=focus).first(),
        "campaigns": Campaign.objects.exclude(state=CampaignState.DRAFT).only(
            "id", "name", "state"),
    }
    if total.level == KABUPATEN:
        context.update(_regency(report))
    elif total.level == KECAMATAN:
        context.update(_kecamatan(report))
    if total.level != DESA:  # the daily series is kept per kecamatan
        context["days"] = reporting.daily(campaign, focus)
        context["chart"] = daily_chart(context["days"], schedule)
        context.update(_map_context(request, campaign, report, total.level, focus))
    return context


_CAMPAIGN_METRICS = {"progress": "verified", "reduction": "removed"}


def _map_context(request: HttpRequest, campaign: Campaign, report: ProgressReport, level: str,
                 focus: str) -> dict[str, Any]:
    """The metric map (`?peta=`): kecamatan of the regency, or desa of one kecamatan.

    Progress and reduction come from the report's rows (no extra query); the target-list
    metrics from the current target list (tepat.web.metric_maps)."""
    metric = metric_code(request.GET.get("peta"))
    unit_level, kecamatan = (KECAMATAN, None) if level == KABUPATEN else (DESA, focus)
    counts = None
    if metric in _CAMPAIGN_METRICS:
        part = _CAMPAIGN_METRICS[metric]
        counts = {row.code: (getattr(row.figures, part).keluarga, row.figures.in_scope.keluarga)
                  for row in report.rows(unit_level)}
    href = None
    if unit_level == KECAMATAN:
        def href(code: str) -> str:
            return "?" + urlencode({"kecamatan": code, "peta": metric})
    the_map: MetricMap = metric_map(metric, unit_level, campaign=campaign, kecamatan=kecamatan,
                                    counts=counts, href=href)
    return {
        "map": the_map,
        "map_svg": mark_safe(the_map.svg),  # maps.py escapes every text it writes
        "metrics": switcher(metric),
        "map_query": urlencode({"kecamatan": focus}) if kecamatan else "",
    }


@progress_required
@require_GET
@aggregate_cache
def progress(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    chosen = request.GET.get("kampanye", "")
    if pk is None and chosen.isdigit():  # the campaign picker (a plain GET form, no script)
        return redirect("progress_campaign", pk=int(chosen))
    campaign = current_campaign() if pk is None else get_campaign(pk)
    context: dict[str, Any] = {"nav": "progress", "campaign": campaign}
    if campaign is not None:
        context.update(_progress_context(request, campaign), jiwa_counted_once=counted_once())
    return render(request, "web/progress.html", context)


@progress_required
@require_GET
@aggregate_cache
def progress_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's area as a workbook: summary, kecamatan, desa and daily sheets."""
    campaign, today = get_campaign(pk), _today()
    content = reporting.excel_report(campaign, request.user.area_id, today=today)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"progres-verval-{campaign.pk}-{today.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("progres/", progress, name="progress"),
    path("progres/<int:pk>/", progress, name="progress_campaign"),
    path("progres/<int:pk>/unduh.xlsx", progress_xlsx, name="progress_xlsx"),
]
