"""The public dashboard (issue 5 §4): no login, aggregates per kecamatan only, small counts
hidden (tepat.web.public_data). Nothing here reads a family, a person or a coordinate.

Caching: the CSV files are the same for everyone (`public, max-age=300`). The page carries the
language switch, a POST form with a CSRF token tied to the visitor's cookie, so a shared cache
must not hand it to someone else: `private, max-age=300` and `Vary: Cookie`. On the server, the
page's figures and map are kept per language and metric while the data they come from is
unchanged (`data_stamp`: a few indexed aggregates), for at most `SERVER_CACHE_SECONDS`: an
anonymous page must not cost a convergence analysis per visitor.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.indicators.charts import trend_svg
from tepat.regions.selectors import regency_name
from tepat.registry.scoping import unscoped_access
from tepat.web.metric_maps import metric_code, metric_map, switcher
from tepat.web.public_data import public_summary, public_table

MAX_AGE = 300
SERVER_CACHE_SECONDS = 300


def data_stamp() -> tuple:
    """What the public figures come from, as a few indexed aggregates: a committed change to
    tallies, target lists, interventions, indicators or the campaign moves it."""
    from tepat.indicators.models import Observation, Target
    from tepat.interventions.models import Intervention
    from tepat.verification.models import Campaign, CampaignStat, TargetList

    def stamp(model, *fields):
        with unscoped_access("public: change stamp of the published figures (counts, max ids)"):
            return tuple(model.objects.aggregate(n=Count("id"), **{
                f: Max(f) for f in ("id", *fields)}).values())

    return (stamp(CampaignStat), stamp(TargetList), stamp(Intervention),
            stamp(Observation, "updated_at"), stamp(Target, "updated_at"),
            tuple(Campaign.objects.order_by("pk").values_list("pk", "state")))


def _figures(metric: str) -> dict:
    """The page's figures and map for a metric, kept while the data is unchanged."""
    key = f"tepat:public:{get_language()}:{metric}:{hash(data_stamp())}"
    figures = cache.get(key)
    if figures is None:
        summary = public_summary()
        the_map = metric_map(metric, suppress=True)
        figures = {"summary": summary, "map": the_map,
                   "charts": [trend_svg(series) for series in summary.indicator_rows or ()]}
        cache.set(key, figures, SERVER_CACHE_SECONDS)
    return figures


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    metric = metric_code(request.GET.get("peta"))
    figures = _figures(metric)
    summary, the_map = figures["summary"], figures["map"]
    response = render(request, "web/public.html", {
        "regency_name": regency_name(),
        "summary": summary,
        "map": the_map,
        # maps.py escapes every text it writes into the SVG
        "map_svg": mark_safe(the_map.svg),
        "metrics": switcher(metric),
        # charts.py escapes every text it writes into the SVG
        "indicator_charts": [mark_safe(svg) for svg in figures["charts"]],
        "indicator_items": ([summary.indicators.p0, summary.indicators.extreme]
                            if summary.indicators else []),
    })
    patch_cache_control(response, private=True, max_age=MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def public_csv(request: HttpRequest, table: str) -> HttpResponse:
    key = f"tepat:public-csv:{get_language()}:{table}:{hash(data_stamp())}"
    found = cache.get(key)
    if found is None:
        found = public_table(table)
        cache.set(key, found, SERVER_CACHE_SECONDS)
    if found is None:
        raise Http404(_("Tabel tidak ditemukan."))
    response = HttpResponse(found.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tepat-publik-{table}.csv"'
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


urlpatterns = [
    path("publik/", public, name="public"),
    path("publik/<slug:table>.csv", public_csv, name="public_csv"),
]
