"""The end of a campaign in a real browser (Playwright + Debian's Chromium, offline): the
kecamatan operator returns one family with a reason and approves the rest; the admin closes the
campaign, finalizes it with the SK Bupati number and downloads the target list and the diff.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_campaign.py
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

sync_api = pytest.importorskip("playwright.sync_api")


pytestmark = pytest.mark.browser

MALESANWETAN = "35.13.20.2001"


@pytest.fixture
def submitted(registry, users):
    """An open campaign (P3KE desil 1-2) where Malesanwetan submitted its 3 families, and the
    2023 list it will be compared with."""
    from tepat.verification import campaigns, services
    from tepat.verification.models import Verification

    campaign = campaigns.open_campaign(campaigns.create_campaign(campaigns.CampaignPlan(
        name="Pemutakhiran P3KE 2024", period="2024", source="p3ke", desil="1,2",
        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15), finalize_by=date(2024, 4, 22),
    ), actor=users.admin), actor=users.admin)
    earlier = campaigns.register_list(
        campaigns.scope_families(campaign, users.admin),
        campaigns.Decree("Daftar sasaran 2023", 2023, "SK 400/1/2023", date(2023, 5, 2)),
        actor=users.admin)
    outcomes = {"Sutrisno": services.Findings(outcome="LAYAK"),
                "Misnati": services.Findings(outcome="PINDAH", destination="Surabaya"),
                "Abdul Rahman": services.Findings(outcome="MAMPU", reason="PENGHASILAN")}
    for family in registry.families[MALESANWETAN]:
        if family.kepala_keluarga in outcomes:
            v = Verification.objects.get(campaign=campaign, family=family)
            services.save_verification(v.pk, outcomes[family.kepala_keluarga],
                                       actor=users.operator_desa, expected_version=0,
                                       submit=True)
    return campaign, earlier


def _workbook_rows(path) -> list[tuple]:
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def _download(page, purpose: str):
    page.select_option("#unduh select[name=jenis_tujuan]", "penyaluran_bantuan")
    page.fill("#unduh input[name=tujuan]", purpose)
    with page.expect_download() as info:
        page.click("#unduh button[type=submit]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    return _workbook_rows(download.path())


def test_the_kecamatan_reviews_and_the_admin_finalizes_and_downloads(page, registry, users,
                                                                     submitted):
    from tepat.audit.models import AccessEvent
    from tepat.verification.models import Verification

    campaign, _earlier = submitted
    expect = sync_api.expect

    # The operator kecamatan: Malesanwetan waits with 3 families.
    page.log_in("operator.kecamatan")
    page.click("nav.main >> text=Pemeriksaan")
    page.click("table.review-overview >> text=Malesanwetan")
    page.wait_for_url(re.compile(rf"/periksa/{re.escape(MALESANWETAN)}/"))
    expect(page.locator("table.review tbody tr")).to_have_count(3)

    # Return Misnati with a reason.
    page.locator("table.review tbody tr", has_text="Misnati").locator("input[name=ids]").check()
    page.fill("#id_return_reason", "Alamat tujuan pindah belum jelas")
    page.click("button[value=return]")
    expect(page.locator("ul.messages")).to_contain_text("1 keluarga dikembalikan ke desa.")
    expect(page.locator("table.review tbody tr")).to_have_count(2)

    # Approve the rest: tick all (the page's small script), approve.
    page.check("[data-select-all]")
    expect(page.locator("table.review input[name=ids]:checked")).to_have_count(2)
    page.click("button[value=approve]")
    expect(page.locator("ul.messages")).to_contain_text("2 keluarga disetujui.")
    reviews = dict(Verification.objects.filter(campaign=campaign, desa_id=MALESANWETAN)
                   .values_list("family__kepala_keluarga", "review"))
    assert reviews == {"Sutrisno": "APPROVED", "Misnati": "RETURNED",
                       "Abdul Rahman": "APPROVED"}
    page.click("nav.main form button")  # log out

    # The admin: close, then finalize with the SK number and the 2023 list to compare.
    page.log_in("admin")
    page.click("nav.main >> text=Kampanye")
    page.click("text=Pemutakhiran P3KE 2024")
    page.click("#tutup button")  # the browser refuses without the confirmation box
    assert page.eval_on_selector("#tutup input[name=confirm]", "e => e.validity.valueMissing")
    expect(page.locator("#campaign-state")).not_to_have_text("Ditutup")
    page.check("#tutup input[name=confirm]")
    page.click("#tutup button")
    expect(page.locator("#campaign-state")).to_have_text("Ditutup")
    page.fill("#id_sk_number", "188/123/426.32/2024")
    page.fill("#id_sk_date", "2024-04-22")
    page.select_option("#id_previous", label="Daftar sasaran 2023 (SK 400/1/2023)")
    page.click("#finalisasi button[type=submit]")
    page.wait_for_url(re.compile(r"/daftar-sasaran/\d+/$"))
    expect(page.locator("ul.messages")).to_contain_text("188/123/426.32/2024")

    # The target list: Sutrisno (still target), Misnati (returned: carried over), Siti and
    # Poniti (never verified: carried over); Abdul Rahman left the list.
    rows = _download(page, "Bahan rapat finalisasi TKPK")
    assert rows[0][3] == "Kepala keluarga"
    heads = {row[3] for row in rows[1:]}
    assert heads == {"Sutrisno", "Misnati", "Siti Aminah", "Poniti"}
    sutrisno = registry.families[MALESANWETAN][0]
    assert sutrisno.no_kk_masked in {row[4] for row in rows[1:]}
    assert not ({str(cell) for row in rows for cell in row} & registry.numbers)

    # The diff against 2023: Abdul Rahman removed, with the reason.
    page.click("text=Perubahan dari Daftar sasaran 2023")
    page.wait_for_url(re.compile(r"/perubahan/"))
    expect(page.locator("#removed-keluarga")).to_have_text("−1")
    diff = _download(page, "Bahan rapat finalisasi TKPK")
    assert [(row[0], row[3]) for row in diff[1:]] == [("Keluar dari daftar", "Abdul Rahman")]
    assert str(diff[1][7]).startswith("Sudah mampu")
    assert AccessEvent.objects.filter(action="export", actor=users.admin).count() == 2
