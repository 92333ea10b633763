"""Report jobs (queued → running → done or failed, with progress), the command line, and the
pages' access rules. Scene: tests/reports/conftest.py."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_requested_report_is_queued_then_built_by_the_worker(scene, users, settings):
    from tepat.audit.models import AuditEvent
    from tepat.reports.models import JobStatus
    from tepat.reports.services import download_path, request_report

    settings.TASKS = DB_TASKS
    job = request_report(users.pimpinan, "rakor", "xlsx")
    assert (job.status, job.progress) == (JobStatus.QUEUED, 0)
    assert AuditEvent.objects.filter(action="report.requested", object_id=str(job.pk)).exists()
    call_command("db_worker", batch=True, interval=0.1, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == 100 and job.finished_at is not None
    path = download_path(job)
    assert path is not None and path.read_bytes().startswith(b"PK")  # an xlsx is a zip
    assert str(settings.REPORT_DIR) in str(path)


def test_progress_notes_reach_the_job_row_while_it_builds(scene, users, monkeypatch):
    from tepat.reports import services
    from tepat.reports.models import ReportJob

    seen = []

    def build(kind, fmt, params, progress):
        progress(0.5, "setengah / half")
        seen.append(ReportJob.objects.values_list("status", "progress", "message").get())
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(services, "build", build)
    job = ReportJob.objects.create(kind="rakor", format="pdf", requested_by=users.admin)
    services.run_job(job.pk)
    assert seen == [("running", 50, "setengah / half")]
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)


def test_a_failing_build_marks_the_job_failed_without_a_traceback(scene, users, monkeypatch):
    from tepat.audit.models import AuditEvent
    from tepat.reports import services
    from tepat.reports.models import ReportJob

    def build(kind, fmt, params, progress):
        raise ValueError("baris dengan NIK 3513011503750001 rusak")

    monkeypatch.setattr(services, "build", build)
    job = ReportJob.objects.create(kind="rakor", format="pdf", requested_by=users.admin)
    job = services.run_job(job.pk)
    assert job.status == "failed" and job.message == services.FAILED_MESSAGE
    assert "3513011503750001" not in job.error and "Traceback" not in job.error
    assert "ValueError" in job.error
    assert services.download_path(job) is None
    assert AuditEvent.objects.filter(action="report.failed", object_id=str(job.pk)).exists()
    assert services.run_job(job.pk).status == "failed"  # a task delivered twice does nothing


@pytest.mark.parametrize("persona", ["opd", "operator_kecamatan", "operator_desa", "pejabat"])
def test_only_admin_and_pimpinan_may_request_a_report(scene, users, persona):
    from django.core.exceptions import PermissionDenied

    from tepat.reports.services import request_report

    with pytest.raises(PermissionDenied):
        request_report(getattr(users, persona), "rakor", "pdf")


@pytest.mark.parametrize("kind, fmt, quarter, expected", [
    ("rakor", "docx", None, "pdf atau xlsx"),
    ("bulanan", "pdf", None, "rakor atau quarterly"),
    ("quarterly", "pdf", "2024Q7", "2024Q1"),
    ("quarterly", "xlsx", None, "TAHUNQn"),
])
def test_a_bad_request_is_refused_with_a_clear_message(scene, users, kind, fmt, quarter,
                                                       expected):
    from tepat.reports.models import ReportJob
    from tepat.reports.services import ReportRequestError, request_report

    with pytest.raises(ReportRequestError, match=expected):
        request_report(users.admin, kind, fmt, quarter=quarter)
    assert not ReportJob.objects.exists()


# --- the command line ---------------------------------------------------------------------


def test_the_command_writes_the_rakor_pdf_and_prints_progress(scene, tmp_path):
    out, target = io.StringIO(), tmp_path / "rakor.pdf"
    call_command("report", "rakor", "--out", str(target), stdout=out)
    lines = out.getvalue().splitlines()
    assert target.read_bytes().startswith(b"%PDF")
    assert lines[-1] == str(target.resolve())
    assert any(line.strip().startswith("100%") for line in lines)


def test_the_command_writes_the_quarterly_workbook(scene, tmp_path):
    target = tmp_path / "triwulan.xlsx"
    call_command("report", "quarterly", "--quarter", "2024Q2", "--out", str(target),
                 stdout=io.StringIO())
    assert target.read_bytes().startswith(b"PK")


@pytest.mark.parametrize("args, message", [
    (["rakor", "--out", "laporan.docx"], ".pdf atau .xlsx"),
    (["quarterly", "--quarter", "2024-5", "--out", "laporan.pdf"], "2024Q1"),
])
def test_the_command_refuses_a_bad_extension_or_quarter(regions, tmp_path, args, message,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, stdout=io.StringIO())
    assert not list(tmp_path.iterdir())


# --- the pages ------------------------------------------------------------------------------

ALLOWED, REFUSED = ("admin", "pimpinan"), ("operator_kecamatan", "operator_desa",
                                          "operator_other_kecamatan", "opd", "pejabat",
                                          "no_area")


@pytest.fixture
def done_job(scene, users):
    from tepat.reports.models import ReportJob
    from tepat.reports.services import run_job

    job = ReportJob.objects.create(kind="rakor", format="xlsx", requested_by=users.admin)
    return run_job(job.pk)


def _urls(job):
    return [reverse("reports"), reverse("report_job", args=[job.pk]),
            reverse("report_progress", args=[job.pk]),
            reverse("report_download", args=[job.pk])]


@pytest.mark.parametrize("persona", ALLOWED)
def test_admin_and_pimpinan_open_every_report_page(done_job, client_for, persona):
    client = client_for(persona)
    for url in _urls(done_job):
        response = client.get(url)
        assert response.status_code == 200, url
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"PK")


@pytest.mark.parametrize("persona", REFUSED)
def test_other_roles_get_403_on_every_report_page(done_job, client_for, persona):
    client = client_for(persona)
    for url in _urls(done_job):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("report_request"),
                       {"jenis": "rakor", "format": "pdf"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(done_job, client):
    for url in _urls(done_job):
        response = client.get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_an_unknown_job_is_404(scene, client_for):
    client = client_for("pimpinan")
    for name in ("report_job", "report_progress", "report_download"):
        assert client.get(reverse(name, args=[999_999])).status_code == 404


def test_the_page_shows_the_summary_and_switches_the_map(scene, client_for):
    client = client_for("pimpinan")
    page = client.get(reverse("reports")).content.decode()
    assert "Unduh PDF rakor" in page and "Unduh Excel rakor" in page
    assert 'data-metric="progress"' in page and "Sutrisno" not in page
    reduction = client.get(reverse("reports") + "?peta=reduction").content.decode()
    assert '<figure class="map-figure" data-metric="reduction">' in reduction
    assert "2024Q" in page or "Q" in page  # the quarter picker


def test_requesting_from_the_page_goes_to_the_job(scene, client_for, settings):
    from tepat.reports.models import ReportJob

    settings.TASKS = DB_TASKS
    client = client_for("admin")
    response = client.post(reverse("report_request"), {"jenis": "quarterly", "format": "pdf",
                                                       "triwulan": "2024Q2"})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report_job",
                                                                           args=[job.pk])
    assert job.params == {"quarter": "2024Q2"}
    progress = client.get(reverse("report_progress", args=[job.pk])).json()
    assert progress["status"] == "queued" and progress["progress"] == 0
    bad = client.post(reverse("report_request"), {"jenis": "quarterly", "format": "pdf",
                                                  "triwulan": "kuartal"}, follow=True)
    assert "TAHUNQn" in bad.content.decode()


def test_the_job_state_agrees_with_its_progress_in_the_readers_language(
        scene, users, settings, client_for):
    """Issue 19 §8: a job said "Dalam antrean" at 85 %, and its note read "id / en"."""
    from tepat.reports.models import JobStatus, ReportJob

    job = ReportJob.objects.create(kind="rakor", format="xlsx", requested_by=users.admin,
                                   status=JobStatus.QUEUED, progress=85,
                                   message="Menyusun berkas XLSX / rendering the XLSX file")
    client = client_for("admin")
    html = client.get(reverse("report_job", args=[job.pk])).content.decode()
    assert "Sedang dibuat</span>" in html and "Dalam antrean" not in html
    assert "Menyusun berkas XLSX" in html and "rendering the" not in html
    progress = client.get(reverse("report_progress", args=[job.pk])).json()
    assert progress == {"status": "queued", "status_label": "Sedang dibuat", "progress": 85,
                        "label": "Menyusun berkas XLSX"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    progress = client.get(reverse("report_progress", args=[job.pk])).json()
    assert progress["label"] == "Rendering the XLSX file"
