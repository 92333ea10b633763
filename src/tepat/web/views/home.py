"""Each role's first page (issue 19 §3): what the user must do next, every count a link to the
list or page where the work is done.

One small builder per role reads its figures from the domain selectors (verification for the
desa and the kecamatan, gesek for the pendamping official, interventions for the agency,
indicators and the campaign progress for leadership); every count is scoped to the user's area
(or, for the official, to their own families). The admin kabupaten keeps the regency dashboard
as first page. Pages stay light for a phone on a slow link: numbers, short lists and at most a
small inline SVG bar, no script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.accounts.models import Role
from tepat.core.outcomes import OUTCOMES, PENDING_LABEL
from tepat.core.strategies import NEED_KINDS
from tepat.gesek import selectors as gesek
from tepat.indicators import selectors as indicators
from tepat.interventions import selectors as money
from tepat.regions.models import Region
from tepat.verification import reporting
from tepat.verification import selectors as verification
from tepat.verification.models import REVIEW_CHOICES
from tepat.web.access import no_store
from tepat.web.views import dashboard
from tepat.web.views.indicators import _headline as headline_tile

Page = tuple[str, dict[str, Any]]  # template, context
REVIEW_LABELS = dict(REVIEW_CHOICES)
FAMILIES_SHOWN = 100  # the official's families on the first page (all of them on /gesek/)


def bar(pct: float | None, mark: float | None = None) -> dict[str, str] | None:
    """The widths of a small inline SVG bar (0-100, capped), as plain strings: a template would
    localize 42.5 into '42,5', which SVG does not read."""
    if pct is None:
        return None
    return {"width": f"{min(max(pct, 0.0), 100.0):.1f}",
            "mark": f"{min(max(mark, 0.0), 100.0):.1f}" if mark is not None else ""}


def deadline(schedule: reporting.Schedule) -> dict[str, Any]:
    """The campaign's closing date and the days left (negative: overdue by that many)."""
    return {"date": schedule.closes_on, "days_left": schedule.days_left,
            "overdue": -schedule.days_left}


# --- operator desa ------------------------------------------------------------------------


def desa_page(request: HttpRequest) -> Page:
    campaign = verification.current_campaign()
    desa = Region.objects.filter(code=request.user.area_id).first()
    context: dict[str, Any] = {"campaign": campaign, "desa": desa}
    if campaign is not None and desa is not None:
        work = verification.desa_work(request.user, campaign, desa.code)
        context.update(work=work, deadline=deadline(work.schedule))
    return "web/home_desa.html", context


# --- operator kecamatan -------------------------------------------------------------------


def kecamatan_page(request: HttpRequest) -> Page:
    campaign = verification.current_campaign()
    context: dict[str, Any] = {"campaign": campaign,
                               "kecamatan": Region.objects.filter(
                                   code=request.user.area_id).first()}
    if campaign is not None:
        work = verification.kecamatan_work(request.user, campaign)
        context.update(work=work, deadline=deadline(work.schedule))
    return "web/home_kecamatan.html", context


# --- pejabat pendamping -------------------------------------------------------------------


def _status(row: gesek.FamilyToVisit) -> str:
    if not row.review:
        return _(PENDING_LABEL)
    outcome = OUTCOMES.get(row.outcome)
    state = str(REVIEW_LABELS.get(row.review, row.review))
    return f"{_(outcome.label)} · {state}" if outcome else state


def pejabat_page(request: HttpRequest) -> Page:
    official = getattr(request.user, "official", None)
    target_list = gesek.current_target_list()
    context: dict[str, Any] = {"official": official, "target_list": target_list}
    if official is not None:
        rows = gesek.families_to_visit(official, target_list, verification.current_campaign(),
                                       limit=FAMILIES_SHOWN)
        for row in rows:
            row.status = _status(row)
        context.update(rows=rows, counts=gesek.official_counts(official, target_list))
    return "web/home_pejabat.html", context


# --- OPD (agency) -------------------------------------------------------------------------


def agency_page(request: HttpRequest) -> Page:
    agency = gesek.agency_of(request.user)
    context: dict[str, Any] = {"agency": agency}
    if agency is not None:
        programmes = money.programme_money(agency)
        for p in programmes:
            p.bar = bar(p.spent_pct)  # type: ignore[attr-defined]
        needs = money.referred_needs(request.user, agency, gesek.current_target_list())
        uploads = money.uploads_waiting(agency)
        context.update(
            programmes=programmes, over_budget=[p for p in programmes if p.over_budget],
            uploads=uploads, waiting_rows=sum(u.open_rows for u in uploads), needs=needs,
            need_kinds=[(_(NEED_KINDS[k].label) if k in NEED_KINDS else k, n)
                        for k, n in needs.by_kind],
        )
        for need in needs.rows:
            need.kind_label = _(NEED_KINDS[need.kind].label) if need.kind in NEED_KINDS else ""
    return "web/home_agency.html", context


# --- pimpinan (leadership) ----------------------------------------------------------------


def _campaign_figures(user: Any) -> dict[str, Any]:
    campaign = verification.current_campaign()
    if campaign is None:
        return {"campaign": None}
    schedule = reporting.schedule_of(campaign)
    report = reporting.ProgressReport(campaign, user.area_id, schedule=schedule)
    total = report.total()
    kecamatan = report.rows(reporting.KECAMATAN)
    return {
        "campaign": campaign, "deadline": deadline(schedule), "figures": total.figures,
        "kecamatan_behind": len(reporting.behind_schedule(kecamatan)),
        "kecamatan_count": len(kecamatan),
        "progress_bar": bar(total.figures.progress_pct_keluarga, schedule.expected_pct),
    }


def leadership_page(request: HttpRequest) -> Page:
    head = indicators.headline(request.user.area_id)
    return "web/home_leadership.html", {
        "p0": headline_tile(head.p0), "extreme": headline_tile(head.extreme),
        **_campaign_figures(request.user),
    }


BUILDERS: dict[str, Callable[[HttpRequest], Page]] = {
    Role.OPERATOR_DESA: desa_page,
    Role.OPERATOR_KECAMATAN: kecamatan_page,
    Role.PEJABAT: pejabat_page,
    Role.OPD: agency_page,
    Role.PIMPINAN: leadership_page,
}


@login_required
@no_store
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's first page; the admin kabupaten's is the regency dashboard."""
    user = request.user
    if not roles.can_view_dashboard(user):
        raise PermissionDenied(
            _("Akun Anda belum punya peran atau wilayah kerja. Hubungi admin kabupaten.")
        )
    builder = BUILDERS.get(user.role)
    if builder is None:
        return dashboard.dashboard(request)
    template, context = builder(request)
    return render(request, template, {"nav": "home", **context})
