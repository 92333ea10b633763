"""An agency (OPD) operator uploads a beneficiary list in a real browser (Playwright + Debian's
Chromium) on a phone-sized screen, reads the report and resolves one unmatched row; the
convergence page shows the families no longer without aid.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_programmes.py
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"


def _family(registry, desa, head):
    return next(f for f in registry.families[desa] if f.kepala_keluarga == head)


def _beneficiary_list(path, registry) -> str:
    """Three rows that match exactly (two NIK, one KK) and two that do not: Misnati's NIK cut
    short and her name misspelt (her birth date points to her; a full name, birth date and
    desa would be linked by the model), and a stranger."""
    import xlsxwriter

    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    siti = _family(registry, GUNUNGBEKEL, "Siti Aminah")
    poniti = _family(registry, NGADISARI, "Poniti")
    misnati = _family(registry, MALESANWETAN, "Misnati")
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Penerima PKH")
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "DAFTAR PENERIMA PKH TAHAP II 2024 — DINAS SOSIAL")
    sheet.write_row(2, 0, ["No", "NIK", "No. KK", "Nama", "Tanggal Lahir", "Desa",
                           "Tanggal Penyaluran", "Nilai"])
    rows = [
        (sutrisno.nik, "", "Sutrisno", None, "", 750000),
        ("", siti.no_kk, "Siti Aminah", None, "", 750000),
        (poniti.nik, "", "Poniti", None, "", 750000),
        (misnati.nik[:10], "", "Misnata", misnati.tanggal_lahir, "", 750000),
        ("3513999999990001", "", "Budi Santoso", None, "", 750000),
    ]
    for number, (nik, kk, name, born, desa, amount) in enumerate(rows, start=1):
        line = 2 + number
        sheet.write_row(line, 0, [number, nik, kk, name], None)
        if born:
            sheet.write_datetime(line, 4, datetime(born.year, born.month, born.day), day)
        sheet.write(line, 5, desa)
        sheet.write_datetime(line, 6, datetime(2024, 5, 20), day)
        sheet.write_number(line, 7, amount)
    book.close()
    return str(path)


def test_an_agency_uploads_a_beneficiary_list_and_resolves_an_unmatched_row(
        page, gesek, registry, users, tmp_path):
    from tepat.interventions.models import Intervention

    users.opd.agency = "dinsos"
    users.opd.save()
    page.log_in("opd")
    page.click("nav.main >> text=Konvergensi")
    no_aid = page.locator('[data-total="no-intervention"]')
    assert no_aid.inner_text() == "4"  # none of the 4 target families has had aid yet
    page.click("nav.main >> text=Program")
    page.wait_for_url(re.compile(r"/program/$"))
    page.click("table.programmes >> text=PKH Kabupaten")
    page.wait_for_url(re.compile(r"/program/\d+/$"))
    assert page.locator('[data-total="interventions"]').inner_text() == "0"

    page.click("text=Unggah daftar penerima")
    page.set_input_files("#id_berkas", _beneficiary_list(tmp_path / "pkh-tahap-2.xlsx",
                                                         registry))
    page.click("button:has-text('Unggah dan cocokkan')")
    page.wait_for_url(re.compile(r"/program/unggahan/\d+/$"))
    assert "5 baris dibaca: 3 cocok" in page.locator("ul.messages").inner_text()
    assert page.locator('[data-total="matched"]').inner_text() == "3"
    assert page.locator('[data-total="unmatched"]').inner_text() == "2"

    misnati_row = page.locator("article.unmatched", has_text="Misnata")
    first = misnati_row.locator("ol.candidates > li").first
    sync_api.expect(first).to_contain_text("Misnati")
    assert re.search(r"\*{4}", first.inner_text())  # NIK and KK masked
    first.locator("button.confirm").click()
    page.wait_for_url(re.compile(r"/program/unggahan/\d+/"))
    assert "dicocokkan dengan keluarga Misnati" in page.locator("ul.messages").inner_text()
    sync_api.expect(page.locator("article.unmatched", has_text="Misnata")).to_contain_text(
        "Dicocokkan dengan keluarga Misnati")

    page.click(".crumbs >> text=PKH Kabupaten")
    page.wait_for_url(re.compile(r"/program/\d+/$"))
    assert page.locator('[data-total="interventions"]').inner_text() == "4"
    assert Intervention.objects.filter(programme=gesek.programmes["PKH"]).count() == 4
    page.click("nav.main >> text=Konvergensi")  # the convergence page shows the change
    assert no_aid.inner_text() == "0"
