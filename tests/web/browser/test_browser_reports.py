"""Leadership's report in a real browser: the summary page, the map metric switch, the rakor
PDF requested, built by the real database worker, downloaded and rendered to PNG (pdftoppm).

Run only these: uv run pytest -m browser tests/web/browser/test_browser_reports.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser


@pytest.fixture
def reported(campaign, verification_of, gesek, registry, users):
    """Three of the campaign's four families verified (two removed), and aid delivered."""
    from tepat.interventions.services import add_intervention
    from tepat.verification import services as v

    families = {f.kepala_keluarga: f for f in registry.all_families}
    for head, outcome, extra in (("Sutrisno", "LAYAK", {}), ("Misnati", "MENINGGAL", {}),
                                 ("Poniti", "MAMPU", {"reason": "PENGHASILAN"})):
        row = verification_of(families[head])
        v.save_verification(row.pk, v.Findings(outcome=outcome, **extra), actor=users.admin,
                            expected_version=row.version, submit=True)
    add_intervention(gesek.programmes["PKH"], families["Sutrisno"], actor=users.admin,
                     delivered_on=date(2024, 6, 1))
    return gesek


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_leadership_switches_the_map_and_downloads_the_rakor_pdf(page, reported, settings,
                                                                  tmp_path):
    from django.core.management import call_command

    from tepat.reports.models import ReportJob

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.REPORT_DIR = tmp_path / "reports"
    page.log_in("pimpinan")
    page.goto("/laporan/")
    figure = page.locator("figure.map-figure")
    assert figure.get_attribute("data-metric") == "progress"
    before = figure.inner_html()

    page.click(".report-switch a[data-metric=reduction]")
    page.wait_for_url(re.compile(r"peta=reduction"))
    assert figure.get_attribute("data-metric") == "reduction"
    assert figure.inner_html() != before  # another metric, other colours and legend
    assert "Penurunan data" in page.locator("#peta h2").inner_text()

    page.click("#unduh-pdf-rakor")
    page.wait_for_url(re.compile(r"/laporan/\d+/$"))
    assert page.locator("#progress").count() == 1  # queued: the page polls
    call_command("db_worker", batch=True, interval=0.1, verbosity=0)  # the real worker
    job = ReportJob.objects.get()
    assert job.status == "done", job.error
    page.wait_for_selector("#unduh", timeout=15_000)  # the page reloaded itself

    with page.expect_download() as info:
        page.click("#unduh")
    pdf = tmp_path / "rakor.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    # summary, kecamatan, maps, Gesek, interventions, desa behind (no indicator series loaded)
    assert len(pages) == text.count("\f") >= 6
    assert f"Halaman 1 dari {len(pages)}" in text
    assert "Sutrisno" not in text
