"""The dashboard: families and persons of the user's area, by kecamatan/desa and by desil."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.registry.clusters import counted_once
from tepat.registry.models import Source
from tepat.web.areas import DESA, KECAMATAN, Area, area_of
from tepat.web.charts import families_by_desil_html, families_by_desil_svg
from tepat.web.dashboard import Summary, summarize
from tepat.web.maps import choropleth_svg
from tepat.web.metric_maps import drawn_level, fallback_note, shapes


def _number(value: float) -> str:
    return number_format(value, force_grouping=True)


def _map_svg(user: Any, area: Area, summary: Summary) -> tuple[str, str]:
    """Families per kecamatan (kabupaten users) or per desa (kecamatan users) as an SVG map,
    and a note when a desa map is drawn at kecamatan level (no desa boundaries); ('', '') for a
    desa user or when the boundaries do not cover the area."""
    if area.level == DESA or summary.source is None:
        return "", ""
    if drawn_level(area.unit_level) != area.unit_level:  # one kecamatan, its total
        own = [s for s in shapes(KECAMATAN) if s.code == area.code]
        if not own:
            return "", ""
        return choropleth_svg(own, {area.code: summary.families}, unit=_("keluarga"),
                              title=_("Jumlah keluarga di kecamatan"), fmt=_number), (
            fallback_note())
    codes = {unit.code for unit in summary.units}
    drawn = [shape for shape in shapes(area.unit_level) if shape.code in codes]
    if not drawn:
        return "", ""
    href = None
    if roles.can_view_registry(user):
        base, param = reverse("families"), area.unit_level

        def href(code: str) -> str:
            return f"{base}?{urlencode({param: code, 'sumber': summary.source})}"

    title = (_("Jumlah keluarga per kecamatan") if area.unit_level == KECAMATAN
             else _("Jumlah keluarga per desa/kelurahan"))
    return choropleth_svg(drawn, summary.values, href=href, unit=_("keluarga"), title=title,
                          fmt=_number), ""


def _chart_html(request: HttpRequest, area: Area, summary: Summary) -> str:
    """Plotly for the regency (a desktop page with 24 kecamatan to compare); inline SVG for a
    kecamatan, a desa or an official, read on a phone (no 1.4 MB script to fetch)."""
    if not summary.families:
        return ""
    names = [unit.name for unit in summary.units]
    if uses_plotly(area):
        return families_by_desil_html(names, summary.series(), unit=_("keluarga"),
                                      div_id="chart-desil", nonce=str(get_nonce(request)))
    return families_by_desil_svg(names, summary.series(), unit=_("keluarga"),
                                 title=_("Keluarga per desa/kelurahan menurut desil"))


def uses_plotly(area: Area) -> bool:
    """The regency (and a province) compares kecamatan: there the chart is interactive."""
    return area.unit_level == KECAMATAN


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not roles.can_view_dashboard(request.user):
        raise PermissionDenied(
            _("Akun Anda belum punya peran atau wilayah kerja. Hubungi admin kabupaten.")
        )
    area = area_of(request.user)
    summary = summarize(request.user, area, request.GET.get("sumber"))
    map_svg, map_note = _map_svg(request.user, area, summary)
    return render(request, "web/dashboard.html", {
        "nav": "dashboard",
        "summary": summary,
        "jiwa_counted_once": counted_once(),
        "source_choices": [(s, Source(s).label) for s in summary.sources],
        "source_label": Source(summary.source).label if summary.source else "",
        "by_kecamatan": area.unit_level == KECAMATAN,
        "can_list": roles.can_view_registry(request.user),
        # Built from escaped parts: maps.py and svgbars escape every text, plotly encodes
        # its JSON.
        "map_svg": mark_safe(map_svg),
        "map_note": map_note,
        "chart_html": mark_safe(_chart_html(request, area, summary)),
        "plotly": uses_plotly(area),
    })
