"""The kecamatan decides with the evidence in view (issue 19 §4), on a phone (390 × 844) in a
real browser, offline: thumbnails load on the desa's review page, the family's review page shows
its photos, the GPS point on the desa's map flagged outside, the reason and the corrections
before → after; "Setujui semua" needs the tick before it approves.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_review_evidence.py
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

MALESANWETAN = "35.13.20.2001"


@pytest.fixture
def submitted(registry, users, house_photo):
    """An open campaign where Malesanwetan sent Sutrisno (a rename, two photos, a point far
    outside the desa) and Misnati (MAMPU, ASN)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.registry.models import Person
    from tepat.verification import campaigns, services
    from tepat.verification.models import Verification

    campaign = campaigns.open_campaign(campaigns.create_campaign(campaigns.CampaignPlan(
        name="Pemutakhiran P3KE 2024", period="2024", source="p3ke", desil="1,2",
        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15), finalize_by=date(2024, 4, 22),
    ), actor=users.admin), actor=users.admin)
    families = {f.kepala_keluarga: f for f in registry.families[MALESANWETAN]}
    sutrisno = Verification.objects.get(campaign=campaign, family=families["Sutrisno"])
    member = Person.objects.unscoped("test").filter(family=families["Sutrisno"]).first()
    content = Path(house_photo).read_bytes()
    photos = [SimpleUploadedFile(f"rumah{i}.jpg", content) for i in (1, 2)]
    services.save_verification(sutrisno.pk, services.Findings(
        outcome="LAYAK", corrections=[{"op": "rename", "person": member.pk,
                                        "nama": "SUTRISNO BIN KARTO"}],
        latitude=Decimal("-7.95"), longitude=Decimal("112.95")),
        actor=users.operator_desa, expected_version=0, submit=True, photos=photos)
    misnati = Verification.objects.get(campaign=campaign, family=families["Misnati"])
    services.save_verification(misnati.pk, services.Findings(outcome="MAMPU", reason="ASN"),
                               actor=users.operator_desa, expected_version=0, submit=True)
    waiting = Verification.objects.filter(campaign=campaign, review="SUBMITTED").count()
    return campaign, sutrisno, waiting


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page is {width} px wide on a 390 px phone"


def test_the_kecamatan_reviews_with_the_evidence_on_a_phone(page, submitted):
    _campaign, sutrisno, waiting = submitted
    page.log_in("operator.kecamatan")
    page.goto(f"/periksa/{MALESANWETAN}/")
    thumbs = page.locator("ul.thumbs img")
    assert thumbs.count() == 2
    for i in range(2):
        thumbs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=thumbs.nth(i).element_handle())

    page.locator(f'a[href="/periksa/{MALESANWETAN}/keluarga/{sutrisno.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/periksa/{MALESANWETAN}/keluarga/\d+/$"))
    assert page.locator("svg.point-map").is_visible()
    assert page.get_by_text("Titik di luar desa").is_visible()
    assert page.get_by_text("SUTRISNO BIN KARTO").is_visible()
    big = page.locator("ul.thumbs.large img")
    assert big.count() == 2
    big.first.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=big.first.element_handle())
    full = page.locator("ul.thumbs.large a").first.get_attribute("href")
    assert full.endswith("/") and "/kecil/" not in full
    _no_sideways_scroll(page)

    page.goto(f"/periksa/{MALESANWETAN}/")
    approve_all = page.locator("form.batch-approve button[value=approve_desa]")
    approve_all.click()  # the tick is required: the browser keeps the form
    assert page.url.endswith(f"/periksa/{MALESANWETAN}/")
    assert page.locator("text=disetujui.").count() == 0
    page.locator("form.batch-approve input[name=confirmed]").check()
    approve_all.click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{waiting} keluarga disetujui.").is_visible()
    sutrisno.refresh_from_db()
    assert sutrisno.review == "APPROVED"
