"""Kohort daftar sasaran (issue 17 §5): of the families on an earlier target list, how many are
on the later one, graduated, moved, died, merged as duplicates, left otherwise; of the later
list, how many were carried over, came back after leaving (re-entry) or are new. Per kecamatan,
in keluarga and jiwa, in the user's area (kabupaten roles: the regency; kecamatan roles: their
kecamatan). Counts only, so leadership reads it too; the download is the same table.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.core.cohort import share
from tepat.history import cohort as history
from tepat.web.access import no_store, role_required
from tepat.web.forms_history import CohortForm

cohort_required = role_required(roles.can_view_cohort)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _result(request: HttpRequest) -> tuple[CohortForm, history.Cohort | None]:
    form = CohortForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, history.cohort(data["dari"], data["ke"], area=request.user.area_id,
                                 lists=form.lists)


@cohort_required
@no_store
@require_GET
def cohort(request: HttpRequest) -> HttpResponse:
    form, result = _result(request)
    total = result.table.total if result else None
    return render(request, "web/cohort.html", {
        "nav": "cohort", "form": form, "result": result,
        "columns": history.columns(), "rows": history.table_rows(result) if result else [],
        "stayed_share": share(total.left["tetap"].keluarga, total.earlier.keluarga)
        if total else None,
        "query": request.GET.urlencode(),
    })


@cohort_required
@no_store
@require_GET
def cohort_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404
    form, result = _result(request)
    if result is None:  # no two lists to compare, or a wrong pair: the page says why
        query = request.GET.urlencode()
        return redirect(reverse("cohort") + (f"?{query}" if query else ""))
    name = f"kohort-{result.earlier.pk}-{result.later.pk}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(history.cohort_xlsx(result), content_type=XLSX)
    else:
        response = HttpResponse(history.cohort_csv(result), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("daftar-sasaran/kohort/", cohort, name="cohort"),
    path("daftar-sasaran/kohort/unduh.<str:fmt>", cohort_export, name="cohort_export"),
]
