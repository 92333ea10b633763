"""The public dashboard (issue 5 §4): no login, aggregates per kecamatan only, small counts
hidden (tepat.web.public_data). Nothing here reads a family, a person or a coordinate.

Caching: the CSV files are the same for everyone (`public, max-age=300`). The page carries the
language switch, a POST form with a CSRF token tied to the visitor's cookie, so a shared cache
must not hand it to someone else: `private, max-age=300` and `Vary: Cookie`.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.indicators.charts import trend_svg
from tepat.web.metric_maps import metric_code, metric_map, switcher
from tepat.web.public_data import public_summary, public_table

MAX_AGE = 300


def _indicator_charts(summary) -> list[str]:
    """One trend chart per headline indicator (charts.py escapes every text it writes)."""
    return [mark_safe(trend_svg(series)) for series in summary.indicator_rows or ()]


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    summary = public_summary()
    metric = metric_code(request.GET.get("peta"))
    the_map = metric_map(metric, suppress=True)
    response = render(request, "web/public.html", {
        "summary": summary,
        "map": the_map,
        # maps.py escapes every text it writes into the SVG
        "map_svg": mark_safe(the_map.svg),
        "metrics": switcher(metric),
        "indicator_charts": _indicator_charts(summary),
        "indicator_items": ([summary.indicators.p0, summary.indicators.extreme]
                            if summary.indicators else []),
    })
    patch_cache_control(response, private=True, max_age=MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def public_csv(request: HttpRequest, table: str) -> HttpResponse:
    found = public_table(table)
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
