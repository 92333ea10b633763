"""Laporan (issue 5 §2): the rakor pack's summary on screen with its map, and the PDF/Excel of
the rakor pack and of the quarterly report, built as background jobs.

Aggregates only. For the admin kabupaten and pimpinan (`can_view_reports`); every other role
gets 403, an anonymous visitor the login page. Jobs are the instance's (one regency), like
import batches: any user who may view reports may follow and download them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tepat.accounts import roles
from tepat.lib import bilingual
from tepat.reports.models import JobStatus, ReportJob
from tepat.reports.pack import current, screen_summary
from tepat.reports.quarterly import Quarter, current_quarter
from tepat.reports.services import ReportRequestError, download_path, request_report
from tepat.web.access import no_store, role_required
from tepat.web.flags import english

reports_required = role_required(roles.can_view_reports)
RECENT_JOBS = 10
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _map(metric: str, campaign: Any, target_list: Any) -> tuple[Any, list[Any]]:
    """Helper C's metric map of the kecamatan and its `?peta=` switcher (None when absent)."""
    try:
        from tepat.web import metric_maps
    except ImportError:
        return None, []
    code = metric_maps.metric_code(metric)
    return (metric_maps.metric_map(code, "kecamatan", campaign=campaign,
                                   target_list=target_list),
            metric_maps.switcher(code))


def quarter_choices(today_quarter: Quarter) -> list[Quarter]:
    """This year's quarters up to the current one, then last year's, newest first."""
    year, n = today_quarter.year, today_quarter.number
    found = [Quarter(year, i) for i in range(n, 0, -1)]
    return found + [Quarter(year - 1, i) for i in range(4, 0, -1)]


def job_status_label(job: ReportJob) -> str:
    """The job's state as the progress shows it: a job with progress is being made, whatever
    a page loaded while it was queued said."""
    if job.status == JobStatus.QUEUED and job.progress:
        return str(JobStatus.RUNNING.label)
    return job.get_status_display()


def job_note(job: ReportJob) -> str:
    """The job's progress note (or failure) in the reader's language."""
    return bilingual.pick(job.message, english()) if job.message else job_status_label(job)


def get_job(pk: int) -> ReportJob:
    job = ReportJob.objects.select_related("requested_by").filter(pk=pk).first()
    if job is None:
        raise Http404(_("Laporan tidak ditemukan."))
    return job


@reports_required
@no_store
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    campaign, target_list = current()
    summary, kecamatan, notes = screen_summary(campaign=campaign, target_list=target_list)
    metric_map, metrics = _map(request.GET.get("peta", ""), campaign, target_list)
    quarter = current_quarter()
    return render(request, "web/report.html", {
        "nav": "reports", "summary": summary, "campaign": campaign,
        "target_list": target_list, "ranking": kecamatan, "notes": notes,
        "map": metric_map, "metrics": metrics, "quarters": quarter_choices(quarter),
        "quarter": quarter, "jobs": ReportJob.objects.select_related("requested_by")
        [:RECENT_JOBS],
    })


@reports_required
@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    try:
        job = request_report(request.user, request.POST.get("jenis", ""),
                             request.POST.get("format", ""),
                             quarter=request.POST.get("triwulan") or None)
    except ReportRequestError as exc:
        messages.error(request, str(exc))
        return redirect("reports")
    return redirect("report_job", pk=job.pk)


@reports_required
@no_store
@require_GET
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job(pk)
    return render(request, "web/report_job.html", {
        "nav": "reports", "job": job, "running": not job.finished,
        "status_label": job_status_label(job), "note": job_note(job),
        "ready": download_path(job) is not None,
    })


@reports_required
@no_store
@require_GET
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_job(pk)
    return JsonResponse({"status": job.status, "status_label": job_status_label(job),
                         "progress": job.progress, "label": job_note(job)})


@reports_required
@no_store
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_job(pk)
    found = download_path(job)
    if found is None:
        raise Http404(_("Berkas laporan belum ada atau sudah dihapus."))
    return FileResponse(found.open("rb"), as_attachment=True, filename=job.download_name,
                        content_type=CONTENT_TYPES[job.format])


urlpatterns = [
    path("laporan/", reports, name="reports"),
    path("laporan/buat/", report_request, name="report_request"),
    path("laporan/<int:pk>/", report_job, name="report_job"),
    path("laporan/<int:pk>/progres.json", report_progress, name="report_progress"),
    path("laporan/<int:pk>/unduh", report_download, name="report_download"),
]
