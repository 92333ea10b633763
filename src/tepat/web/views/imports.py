"""Import pages, for the admin kabupaten: upload, follow the progress, read the result."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.registry.importing import (
    cancel_import,
    confirm_import,
    crossed_thresholds,
    read_progress,
    recover_interrupted,
    start_import,
    threshold_texts,
)
from tepat.registry.mappings import stage_upload
from tepat.registry.models import BatchStatus, SourceBatch
from tepat.web.access import get_batch_for_user, import_required, no_store
from tepat.web.flags import english
from tepat.web.forms import ImportForm
from tepat.web.imports import (
    change_list_formats,
    change_list_path,
    change_rows,
    first_errors,
    flag_counts,
    headers_unknown,
    report_formats,
    report_path,
    step_timings,
)

RUNNING = (BatchStatus.QUEUED, BatchStatus.RUNNING)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@import_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    recover_interrupted()
    batches = SourceBatch.objects.select_related("imported_by")
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(request, "web/import_list.html", {"nav": "imports", "page": page})


@import_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid() and form.needs_mapping:
        staged = stage_upload(
            source=form.cleaned_data["source"],
            period=form.cleaned_data["period"],
            family_file=form.cleaned_data["family_file"],
            person_file=form.cleaned_data["person_file"],
        )
        return redirect("import_mapping", token=staged.token)
    if form.is_bound and form.is_valid():
        batch = start_import(
            user=request.user,
            source=form.cleaned_data["source"],
            period=form.cleaned_data["period"],
            family_file=form.cleaned_data["family_file"],
            person_file=form.cleaned_data["person_file"],
        )
        return redirect("import_detail", pk=batch.pk)
    return render(request, "web/import_new.html", {"nav": "imports", "form": form})


@import_required
@no_store
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recover_interrupted()
    batch = get_batch_for_user(request.user, pk)
    rejected = batch.status == BatchStatus.REJECTED
    return render(request, "web/import_detail.html", {
        "nav": "imports",
        "batch": batch,
        "running": batch.status in RUNNING,
        "progress": read_progress(batch),
        "flag_counts": flag_counts(batch),
        # each flag links to the flagged families of this edition, once the edition is written
        "linked": batch.status == BatchStatus.DONE,
        "notes": batch.notes,  # texts, "Indonesian / English" (tepat.pipeline.validate)
        "errors": first_errors(batch) if rejected else None,
        "report_formats": report_formats(batch),
        "headers_unknown": headers_unknown(batch),
        "changes": change_rows(batch),
        "change_formats": change_list_formats(batch),
        "awaiting": batch.status == BatchStatus.AWAITING,
        "needs_reason": bool(crossed_thresholds(batch)),
        "crossed": [(text_en if english() else text_id,)
                    for text_id, text_en in threshold_texts(batch)],
        "timings": step_timings(batch),
    })


@import_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a waiting batch: plain below the thresholds, with a reason and the checkbox
    above them (tepat.registry.importing.confirm_import checks and audits)."""
    batch = get_batch_for_user(request.user, pk)
    try:
        confirm_import(batch, user=request.user, reason=request.POST.get("reason", "")[:2000],
                       agreed=request.POST.get("agree") == "1")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("import_detail", pk=batch.pk)


@import_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, pk)
    try:
        cancel_import(batch, user=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("import_detail", pk=batch.pk)


@import_required
@no_store
@require_GET
def import_changes(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """Every record of every category of the change set (NIK masked), as xlsx or csv."""
    batch = get_batch_for_user(request.user, pk)
    return _download(change_list_path(batch, fmt), f"perubahan-impor-{batch.pk}", fmt)


@import_required
@no_store
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    recover_interrupted()
    progress = read_progress(get_batch_for_user(request.user, pk))
    return JsonResponse({key: progress.get(key)
                         for key in ("status", "status_label", "progress", "label")})


@import_required
@no_store
@require_GET
def import_errors(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    batch = get_batch_for_user(request.user, pk)
    return _download(report_path(batch, fmt), f"kesalahan-impor-{batch.pk}", fmt)


def _download(path: Path | None, stem: str, fmt: str) -> FileResponse:
    """A file kept beside the batch, as an attachment; 404 when the batch has none."""
    if path is None:
        raise Http404("no such file for this import")
    return FileResponse(path.open("rb"), as_attachment=True, content_type=CONTENT_TYPES[fmt],
                        filename=f"{stem}.{fmt}")
