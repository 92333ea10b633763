"""The rakor pack warns when a programme delivered more than its budget (issue 19 §3: the demo's
RTLH paid Rp 8,92 M against a Rp 3,6 M pagu and neither the page nor the PDF said so).
Scene: tests/reports/conftest.py (Bedah Rumah delivered Rp 20 M, PKH Kabupaten Rp 9 M)."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def budgets(scene, users):
    """Bedah Rumah gets a Rp 10 M pagu (over it), PKH Kabupaten Rp 100 M (within it)."""
    from tepat.interventions.services import ProgrammeData, save_programme

    for kind, budget in (("RTLH", 10_000_000), ("PKH", 100_000_000)):
        p = scene.programmes[kind]
        save_programme(ProgrammeData(p.name, p.agency, p.kind, p.funding, p.unit_cost, p.year,
                                     capacity=p.capacity, budget=Decimal(budget)),
                       actor=users.admin, programme=p)
    return scene


def test_the_pack_names_the_programmes_over_their_budget(budgets, today):
    from tepat.reports.pack import rakor_pack

    pack = rakor_pack(today=today)
    rows = {p.name: p for p in pack.programmes}
    assert rows["Bedah Rumah"].over_budget and not rows["PKH Kabupaten"].over_budget
    assert not rows["PBI-JK Daerah"].over_budget  # no budget: never over it
    assert [p.name for p in pack.over_budget] == ["Bedah Rumah"]


def test_the_rakor_html_and_workbook_carry_the_warning(budgets, today):
    from openpyxl import load_workbook

    from tepat.reports.pack import rakor_pack
    from tepat.reports.pdf import rakor_html
    from tepat.reports.xlsx import rakor_xlsx

    pack = rakor_pack(today=today)
    html = rakor_html(pack)
    assert 'data-warning="over-budget"' in html and 'data-warning="over-budget-summary"' in html
    assert "melebihi pagu" in html
    book = load_workbook(io.BytesIO(rakor_xlsx(pack)))
    warnings = {row[0]: row[-1] for row in book["Program"].iter_rows(min_row=6, values_only=True)}
    assert warnings["Bedah Rumah"] == "melebihi pagu" and not warnings["PKH Kabupaten"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_rakor_pdf_says_so(budgets, today, tmp_path):
    from tepat.reports.pack import rakor_pack
    from tepat.reports.pdf import rakor_pdf

    path = tmp_path / "rakor.pdf"
    path.write_bytes(rakor_pdf(rakor_pack(today=today)))
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "melebihi pagu" in text and "Peringatan: nilai tersalur melebihi pagu" in text
