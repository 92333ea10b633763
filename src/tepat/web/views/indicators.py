"""Indikator kemiskinan (issue 5 §1): the regency's poverty series against their targets.

Every signed-in role with an area reads the page (public statistics: no personal data); the
admin kabupaten enters or corrects a value, adds a target and imports a file. Changes between
two values are shown in percentage points (index points, jiwa, rupiah) and in relative per
cent, each labelled; series on different poverty lines are separate tables and separate lines
in the charts. Values flagged unverified or conflicting carry a visible badge.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tepat.accounts import roles
from tepat.core import indicators as core
from tepat.indicators import selectors
from tepat.indicators.charts import trend_svg
from tepat.indicators.formats import change_label, number, unit_label
from tepat.indicators.models import Observation
from tepat.indicators.services import import_observations, save_observation, save_target
from tepat.regions.selectors import regency, regency_name
from tepat.verification.errors import RuleError
from tepat.web.access import role_required
from tepat.web.code_labels import indicator_flag, label
from tepat.web.forms import add_problems
from tepat.web.forms_indicators import IndicatorImportForm, ObservationForm, TargetForm

view_required = role_required(roles.can_view_indicators)
manage_required = role_required(roles.can_manage_indicators)
CHARTED = ("p0_percent_poor", "extreme_poverty_percent", "poor_persons",
           "p1_poverty_gap_index", "p2_poverty_severity_index")

def flag_badges(flags: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"code": f, "text": indicator_flag(f),
             "severity": "error" if f == core.CONFLICT else "warning"} for f in flags]


def conflict_text(text: str) -> str:
    """A conflict between sources in the reader's language (the core writes Indonesian)."""
    if not isinstance(text, core.ConflictText):
        return text
    return _("%(year)s %(label)s: %(kept)s dipakai; berbeda dengan %(rivals)s. Periksa ke "
             "BPS.") % {"year": text.year, "label": label(text.label), "kept": text.kept,
                        "rivals": text.rivals}


# --- the page ----------------------------------------------------------------------------------


def _keys_to_pk(region_code: str) -> dict[tuple[Any, ...], int]:
    rows = Observation.objects.filter(region_code=region_code).values_list(
        "pk", "indicator", "year", "month", "line", "source")
    return {(ind, year, month or None, line, source): pk
            for pk, ind, year, month, line, source in rows}


def _point_rows(series: core.Series, pks: dict[tuple[Any, ...], int]) -> list[dict[str, Any]]:
    rows = []
    for segment in series.segments:
        for p in segment.points:
            step = series.step_to(p.year, p.line)
            rows.append({
                "year": p.year, "month": p.month, "value": number(p.value, series.unit),
                "line": core.POVERTY_LINES[p.line].short if p.line in core.POVERTY_LINES
                else p.line, "source": p.source, "url": p.url, "badges": flag_badges(p.flags),
                "step": (f"{step.from_year}→{step.to_year}: "
                         f"{change_label(step.change, series.unit)}") if step else "",
                "pk": pks.get((p.indicator, p.year, p.month, p.line, p.source)),
            })
    return rows


def _gap_rows(gaps: tuple[core.Gap, ...], unit: str) -> list[dict[str, Any]]:
    rows = []
    for g in gaps:
        t = g.target
        if g.met:
            state, css = _("tercapai"), "ok"
        elif g.years_left is not None and g.years_left > 0 or g.latest is None:
            state, css = _("belum tercapai"), "warning"
        else:
            state, css = _("tidak tercapai"), "error"
        gap_unit = _("poin persen") if unit == core.PERCENT else unit_label(unit)
        rows.append({
            "target": f"{'<' if t.comparator == '<' else '≤'} {number(t.value, unit)}",
            "year": t.year, "level": t.level, "basis": t.basis, "note": t.note,
            "latest": (f"{number(g.latest.value, unit)} ({g.latest.year})"
                       if g.latest else "—"),
            "gap": (f"{core.format_number(g.gap_pp, 2, sign=True)} {gap_unit}"
                    if g.gap_pp is not None else "—"),
            "state": state, "css": css, "years_left": g.years_left,
        })
    return rows


def _headline(value: selectors.HeadlineValue) -> dict[str, Any] | None:
    if value.latest is None:
        return None
    step = value.step
    return {
        "label": label(value.label), "year": value.latest.year,
        "value": number(value.latest.value, core.PERCENT),
        "line": core.POVERTY_LINES[value.latest.line].short,
        "badges": flag_badges(value.latest.flags),
        "previous": f"{number(step.old, core.PERCENT)} ({step.from_year})" if step else "",
        "change": change_label(step.change, core.PERCENT) if step else "",
        "gaps": _gap_rows(tuple(g for g in value.gaps if g.target.year >= value.latest.year),
                          core.PERCENT),
    }


def _sections(series: list[core.Series]) -> list[dict[str, Any]]:
    pks = _keys_to_pk(regency())
    sections = []
    for s in series:
        chart = None
        if s.indicator in CHARTED:
            comparisons = selectors.comparison(s.indicator)
            chart = mark_safe(trend_svg(s, comparisons=comparisons))  # noqa: S308 - escaped
        sections.append({
            "series": s, "unit": unit_label(s.unit), "rows": _point_rows(s, pks),
            "gaps": _gap_rows(s.gaps, s.unit), "chart": chart,
            "lines": [label(seg.line_label) for seg in s.segments],
        })
    return sections


def _fgt(table: selectors.FgtTable | None) -> dict[str, Any] | None:
    if table is None:
        return None
    return {"year": table.year, "source": table.source, "note": table.note,
            "synthetic": table.synthetic,
            "rows": [{"code": r.region_code, "name": r.region_name,
                      "p0": number(r.p0, core.PERCENT), "p1": number(r.p1, core.INDEX),
                      "p2": number(r.p2, core.INDEX),
                      "poor": number(r.poor_persons, core.JIWA)} for r in table.rows]}


@view_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    series = selectors.overview()
    head = selectors.headline()
    return render(request, "web/indicators.html", {
        "nav": "indicators",
        "regency_name": regency_name(),
        "has_series": any(s.points for s in series),
        "p0": _headline(head.p0), "extreme": _headline(head.extreme),
        "sections": _sections(series),
        "conflicts": [conflict_text(c) for s in series for c in s.conflicts],
        "fgt": _fgt(selectors.fgt_table()),
        "may_manage": roles.can_manage_indicators(request.user),
    })


# --- admin: a value, a target, a file ----------------------------------------------------------


@manage_required
@require_http_methods(["GET", "POST"])
def indicator_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    obj = None
    if pk is not None:
        obj = Observation.objects.filter(pk=pk).first()
        if obj is None:
            raise Http404(_("Nilai indikator tidak ditemukan."))
    if request.method == "POST":
        form = ObservationForm(request.POST)
    else:
        form = ObservationForm.for_observation(obj) if obj else ObservationForm()
    if form.is_bound and form.is_valid():
        try:
            saved = save_observation(request.user, form.observation_data(),
                                     pk=obj.pk if obj else None)
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Nilai %(indicator)s %(year)s disimpan.") % {
                "indicator": saved.get_indicator_display(), "year": saved.year})
            return redirect("indicators")
    return render(request, "web/indicators_form.html", {
        "nav": "indicators", "form": form, "observation": obj,
        "title": _("Ubah nilai indikator") if obj else _("Nilai indikator baru"),
    })


@manage_required
@require_http_methods(["GET", "POST"])
def target_form(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            saved = save_target(request.user, form.target_data())
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Target %(year)s disimpan.") % {"year": saved.year})
            return redirect("indicators")
    return render(request, "web/indicators_form.html", {
        "nav": "indicators", "form": form, "title": _("Target baru"),
    })


@manage_required
@require_http_methods(["GET", "POST"])
def indicators_import(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = IndicatorImportForm(request.POST if posted else None, request.FILES if posted else None)
    report = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_observations(request.user, upload, file_name=upload.name)
        except RuleError as error:
            add_problems(form, error)
        else:
            if report.ok:
                messages.success(request, _(
                    "%(file)s: %(rows)s baris; %(added)s baru, %(changed)s diubah, "
                    "%(unchanged)s sama.") % {"file": report.file, "rows": report.rows,
                                             "added": report.added, "changed": report.changed,
                                             "unchanged": report.unchanged})
                return redirect("indicators")
    from tepat.indicators.loading import COLUMNS

    return render(request, "web/indicators_import.html", {
        "nav": "indicators", "form": form, "report": report, "columns": COLUMNS,
        "indicator_codes": list(core.INDICATORS.items()),
        "line_codes": list(core.POVERTY_LINES.items()),
        "flag_codes": list(core.FLAG_LABELS.items()),
    }, status=422 if report is not None and not report.ok else 200)


urlpatterns = [
    path("indikator/", indicators, name="indicators"),
    path("indikator/nilai/baru/", indicator_form, name="indicator_new"),
    path("indikator/nilai/<int:pk>/", indicator_form, name="indicator_edit"),
    path("indikator/target/baru/", target_form, name="indicator_target_new"),
    path("indikator/impor/", indicators_import, name="indicators_import"),
]
