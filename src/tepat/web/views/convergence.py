"""Konvergensi (issue 4 §4): who gets what among the target families of the user's area.

The figures come from tepat.interventions.convergence (rules in tepat.core.convergence). A
kabupaten role sees the kecamatan ranking and may open one kecamatan (`?kecamatan=CODE`); an
operator kecamatan or a pejabat sees their own kecamatan, its desa and its pendamping. The lists
of flagged families (no intervention, the same aid twice) show names and masked No. KK only to
roles that may open the registry by name (pimpinan sees counts only), read through the scoped
manager, one page at a time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.core.convergence import FamilyConvergence
from tepat.core.identity import mask
from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS, STRATEGIES
from tepat.interventions.convergence import UNASSIGNED, Report, kept_report
from tepat.regions.models import Level, Region
from tepat.registry.clusters import counted_once
from tepat.verification.labels import outcome_label
from tepat.verification.models import TargetListEntry
from tepat.web.access import no_store, role_required

PAGE_SIZE = 25
FLAG_LISTS = ("tanpa", "ganda")  # ?daftar=: no intervention, double aid


def focus_of(user: Any, requested: str | None) -> str:
    """The area shown: the user's own, or one kecamatan inside it for kabupaten roles.
    A kecamatan outside the user's area answers 404."""
    area = user.area_id
    if not requested or requested == area:
        return area
    inside = requested.count(".") == 2 and requested.startswith(area + ".")
    if (area.count(".") <= 1 and inside
            and Region.objects.filter(code=requested, level=Level.KECAMATAN).exists()):
        return requested
    raise Http404(_("Kecamatan tidak ditemukan di wilayah Anda."))


def _kind(code: str) -> str:
    kind = NEED_KINDS.get(code)
    return gettext(kind.label) if kind else code  # core labels: translated by the catalogue


def _source(rep: Report, programme_id: int) -> str:
    """'PKH Plus (Dinsos, APBD kabupaten)': which programme, agency and fund an aid came from."""
    p = rep.inputs.programmes[programme_id]
    agency = rep.agencies.get(p.agency) or p.agency
    return f"{p.name} ({agency}, {gettext(FUNDING_SOURCES.get(p.funding, p.funding))})"


def _flagged_page(request: HttpRequest, rep: Report, which: str) -> Page:
    rows = rep.no_intervention if which == "tanpa" else rep.double_aid
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _flagged_rows(user: Any, rep: Report, page: Page) -> list[dict[str, Any]]:
    """The page's families with their names and masked No. KK, read through the user's scope."""
    rows: list[FamilyConvergence] = list(page.object_list)
    entries = {e.pk: e for e in TargetListEntry.objects.for_user(user)
               .filter(pk__in=[r.family.entry for r in rows]).select_related("desa")}
    shown = []
    for r in rows:
        entry = entries.get(r.family.entry)
        if entry is None:
            continue
        shown.append({
            "entry": entry, "row": r, "no_kk": mask(entry.no_kk),
            "open_needs": [_kind(k) for k in r.open_needs],
            "doubles": [{"kind": _kind(d.kind), "year": d.year,
                         "programmes": [_source(rep, pid) for pid in d.programmes]}
                        for d in r.double_aid],
        })
    return shown


def _programme_rows(rep: Report) -> list[dict[str, Any]]:
    return [{"t": t, "agency": rep.agencies.get(t.programme.agency) or t.programme.agency,
             "kind": _kind(t.programme.kind),
             "strategy": gettext(STRATEGIES[t.programme.strategy].label)
             if t.programme.strategy in STRATEGIES else t.programme.strategy,
             "funding": gettext(FUNDING_SOURCES.get(t.programme.funding, t.programme.funding))}
            for t in rep.analysis.programmes]


def _officials(rep: Report) -> list[Any]:
    """The per-official rows, the families without one named in the reader's language (the
    report is kept between requests in any language)."""
    return [replace(row, name=_("(belum ada pendamping)")) if row.code == UNASSIGNED else row
            for row in rep.by_official]


@no_store
@role_required(roles.can_view_convergence)
@require_GET
def convergence(request: HttpRequest) -> HttpResponse:
    user = request.user
    focus = focus_of(user, request.GET.get("kecamatan"))
    rep = kept_report(area=focus)
    context: dict[str, Any] = {"nav": "convergence", "report": rep,
                               "focus_region": Region.objects.filter(code=focus).first(),
                               "drilled": focus != user.area_id}
    if rep is None:
        return render(request, "web/convergence.html", context)
    which = request.GET.get("daftar") if request.GET.get("daftar") in FLAG_LISTS else "tanpa"
    kecamatan_level = focus.count(".") == 2
    context.update(
        level="kecamatan" if kecamatan_level else "kabupaten",
        total=rep.analysis.total, aid=rep.analysis.aid,
        ranking=rep.by_desa if kecamatan_level else rep.by_kecamatan,
        officials=_officials(rep) if kecamatan_level else [],
        programmes=_programme_rows(rep),
        graduation=rep.analysis.graduation,
        graduated_by_outcome=[(outcome_label(code), units) for code, units in
                              rep.analysis.graduation.by_outcome.items() if units.keluarga],
        which=which, jiwa_counted_once=counted_once(),
        flag_counts={"tanpa": rep.analysis.total.no_intervention,
                     "ganda": rep.analysis.total.double_aid},
        may_see_names=roles.can_view_registry(user),
    )
    if context["may_see_names"]:
        page = _flagged_page(request, rep, which)
        context.update(page=page, flagged=_flagged_rows(user, rep, page))
    return render(request, "web/convergence.html", context)


urlpatterns = [path("konvergensi/", convergence, name="convergence")]
