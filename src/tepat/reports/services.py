"""Requesting and building reports: the named services and the build the job and the command
line share.

`request_report` checks the role, validates the request, writes the job and its audit event in
one transaction, then queues the background task. `run_job` builds the file with progress
notes on the job row, and ends the job done or failed; a failure keeps a plain message for the
user (Indonesian / English) and a masked one-line error for the secretariat, never a
traceback.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tepat.accounts import roles
from tepat.audit.services import MANY, ONE_IF_CHANGED, log_event, write_service
from tepat.pipeline.messages import mask_numbers
from tepat.reports.models import JobStatus, ReportFormat, ReportJob, ReportKind
from tepat.reports.quarterly import QuarterError, parse_quarter

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
FAILED_MESSAGE = ("Laporan gagal dibuat; sekretariat TKPK dapat melihat catatannya / "
                  "the report could not be built; the TKPK secretariat can read the log")


class ReportRequestError(ValueError):
    """A request that cannot be built: the message says what was expected (id / en)."""


def report_dir() -> Path:
    path = Path(getattr(settings, "REPORT_DIR", None) or Path(settings.INSTANCE_DIR) / "reports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def validate_request(kind: str, fmt: str, quarter: str | None = None) -> dict[str, str]:
    """The job's params, or ReportRequestError naming the bad value and what is expected."""
    if kind not in ReportKind.values:
        raise ReportRequestError(
            f"Jenis laporan tidak dikenal: {kind!r}; pilih rakor atau quarterly / "
            f"unknown report kind {kind!r}: expected rakor or quarterly")
    if fmt not in ReportFormat.values:
        raise ReportRequestError(
            f"Format tidak dikenal: {fmt!r}; pilih pdf atau xlsx / "
            f"unknown format {fmt!r}: expected pdf or xlsx")
    if kind == ReportKind.QUARTERLY:
        try:
            return {"quarter": parse_quarter(quarter).code}
        except QuarterError as exc:
            raise ReportRequestError(str(exc)) from exc
    return {}


@write_service(MANY)  # the request's event, and the job's when the backend runs it at once
def request_report(user: Any, kind: str, fmt: str, quarter: str | None = None) -> ReportJob:
    """Queue a report for a user who may view reports (admin kabupaten, pimpinan)."""
    if not roles.can_view_reports(user):
        raise PermissionDenied("Peran Anda tidak mengizinkan membuat laporan / "
                               "your role may not produce reports")
    params = validate_request(kind, fmt, quarter)
    with transaction.atomic():
        job = ReportJob.objects.create(kind=kind, format=fmt, params=params,
                                       requested_by=user, requested_role=user.role or "")
        log_event("report.requested", actor=user, obj=job,
                  data={"kind": kind, "format": fmt, **params})
    from tepat.reports.jobs import report_task

    report_task.enqueue(job.pk)
    job.refresh_from_db()  # an immediate backend has already run it
    return job


# --- building ---------------------------------------------------------------------------------


def build(kind: str, fmt: str, params: dict[str, Any], progress: Progress) -> bytes:
    """The report's bytes (used by the job and by `tepat report`)."""
    from tepat.reports import pdf, xlsx

    if kind == ReportKind.RAKOR:
        from tepat.reports.pack import rakor_pack

        pack: Any = rakor_pack(progress=progress)
        render = pdf.rakor_pdf if fmt == ReportFormat.PDF else xlsx.rakor_xlsx
    else:
        from tepat.reports.quarterly import quarterly_pack

        pack = quarterly_pack(params["quarter"], progress=progress)
        render = pdf.quarterly_pdf if fmt == ReportFormat.PDF else xlsx.quarterly_xlsx
    progress(0.92, f"Menyusun berkas {fmt.upper()} / rendering the {fmt.upper()} file")
    content = render(pack)
    progress(1.0, "Selesai / done")
    return content


class JobProgress:
    """Progress notes on the job row, at most a few a second (the status page polls them)."""

    def __init__(self, job: ReportJob) -> None:
        self.job = job
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and fraction < 1:
            return
        self._last = now
        ReportJob.objects.filter(pk=self.job.pk).update(
            progress=max(0, min(99, round(fraction * 100))), message=str(message)[:300])


@write_service(ONE_IF_CHANGED)  # none when the job had already run
def run_job(job_id: int) -> ReportJob:
    """Build a queued job's file. Never raises for a failed build: the job says it failed."""
    job = ReportJob.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return job  # already run (a task delivered twice)
    job.status, job.started_at, job.progress = JobStatus.RUNNING, timezone.now(), 0
    job.save(update_fields=["status", "started_at", "progress"])
    try:
        content = build(job.kind, job.format, job.params, JobProgress(job))
        path = report_dir() / f"{job.pk}-{job.download_name}"
        path.write_bytes(content)
    except Exception as exc:
        return _finish(job, JobStatus.FAILED, FAILED_MESSAGE, error=_error_text(exc))
    return _finish(job, JobStatus.DONE, "Selesai / done", path=str(path))


def _finish(job: ReportJob, status: str, message: str, *, path: str = "",
            error: str = "") -> ReportJob:
    job.status, job.message, job.error = status, message, error
    job.file_path, job.finished_at = path, timezone.now()
    job.progress = 100 if status == JobStatus.DONE else job.progress
    with transaction.atomic():
        job.save(update_fields=["status", "message", "error", "file_path", "finished_at",
                                "progress"])
        log_event(f"report.{status}", actor=job.requested_by, obj=job,
                  data={"kind": job.kind, "format": job.format, **job.params,
                        **({"error": error} if error else {})})
    return job


def _error_text(exc: Exception) -> str:
    """One masked line for the secretariat (numbers hidden: errors may quote data), and the
    code locations in the log."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/tepat/" in f.filename]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-6:]))
    text = re.sub(r"\s+", " ", mask_numbers(f"{type(exc).__name__}: {exc}"))[:500]
    log.error("report build failed: %s [at %s]", text, where)
    return text


def download_path(job: ReportJob) -> Path | None:
    """The job's file if it is done and still inside the report directory."""
    if job.status != JobStatus.DONE or not job.file_path:
        return None
    path = Path(job.file_path).resolve()
    if not path.is_file() or report_dir().resolve() not in path.parents:
        return None
    return path
