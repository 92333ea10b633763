"""The linkage model and its runs (issue 18 §1): the model in force with the match weight of
each comparison level (a server-rendered chart, like Splink's match weights chart), and the
training and linking jobs with their progress, figures and timings.

The admin kabupaten queues jobs ("Latih model", "Jalankan kaitan", "Kaitkan rekaman baru")
through `tepat.linkage.runs.start`; leadership reads the page (no record is on it). While a job
is queued or running the page refreshes itself every few seconds.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tepat.accounts import roles
from tepat.linkage import engine, runs
from tepat.linkage.matching import default_model
from tepat.linkage.models import LinkPair, LinkRun
from tepat.linkage.writes import thresholds
from tepat.web.access import no_store, role_required
from tepat.web.linkage_display import model_chart

model_required = role_required(roles.can_view_link_model)
run_required = role_required(roles.can_run_linkage)
RUNS_SHOWN = 20
REFRESH_SECONDS = 5
ACTIVE = (LinkRun.Status.QUEUED, LinkRun.Status.RUNNING)


def _model_in_force() -> dict[str, Any]:
    """The latest trained model, or the packaged default one (a fresh instance)."""
    kept = runs.current_model()
    if kept is not None:
        return {"kept": kept, "json": kept.model, "accept": kept.accept_threshold,
                "review": kept.review_threshold}
    accept, review = thresholds()
    return {"kept": None, "json": default_model(), "accept": accept, "review": review}


def _queue_counts(user: Any) -> dict[str, int]:
    """Pairs per state in the user's area (counts only: no record is named)."""
    rows = (LinkPair.objects.for_area(user.area_id)
            .values_list("state").annotate(n=Count("pk")).order_by())
    return dict(rows)


@model_required
@no_store
@require_GET
def link_home(request: HttpRequest) -> HttpResponse:
    model = _model_in_force()
    recent = list(LinkRun.objects.select_related("requested_by")[:RUNS_SHOWN])
    for run in recent:
        run.seconds = ((run.finished_at - run.started_at).total_seconds()
                       if run.started_at and run.finished_at else None)
    return render(request, "web/link_home.html", {
        "nav": "linkage", "model": model, "chart": model_chart(
            engine.match_weight_chart(model["json"])),
        "runs": recent, "active": any(r.status in ACTIVE for r in recent),
        "refresh": REFRESH_SECONDS, "counts": _queue_counts(request.user),
        "may_run": roles.can_run_linkage(request.user), "kinds": LinkRun.Kind.choices,
    })


def _refusal(kind: str) -> str | None:
    if kind not in LinkRun.Kind.values:
        return _("Pilih salah satu tombol proses.")
    if LinkRun.objects.filter(status__in=ACTIVE).exists():
        return _("Masih ada proses yang berjalan; tunggu sampai selesai.")
    if kind != LinkRun.Kind.TRAIN and runs.current_model() is None:
        return _("Belum ada model terlatih: latih model dulu.")
    return None


@run_required
@no_store
@require_POST
def link_run_start(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    refusal = _refusal(kind)
    if refusal:
        messages.error(request, refusal)
    else:
        run = runs.start(kind, actor=request.user)
        messages.success(request, _("%(job)s masuk antrean.") % {"job": run.get_kind_display()})
    return redirect("link_home")


urlpatterns = [
    path("kaitan/", link_home, name="link_home"),
    path("kaitan/jalankan/", link_run_start, name="link_run_start"),
]
