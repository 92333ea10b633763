"""Each role's first page in a real browser on a phone (390×844): the user lands on it after
logging in, it fits the screen (no sideways scrolling), loads no script, and its counts are
links that open the page where the work is done (issue 19 §3).

Run only these: uv run pytest -m browser tests/web/browser/test_browser_home.py
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"
PHONE_WIDTH = 390


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page is {width} px wide on a {PHONE_WIDTH} px screen"
    assert page.locator("script").count() == 0


def _lands(page, username: str, role_page: str) -> None:
    page.log_in(username)
    sync_api.expect(page.locator(f'[data-role-page="{role_page}"]')).to_be_visible()
    _fits_the_phone(page)


@pytest.fixture
def returned(campaign, registry, users):
    """Sutrisno sent by Malesanwetan and returned by the kecamatan with a reason; Siti Aminah
    sent by Gunungbekel and waiting."""
    from tepat.verification import services
    from tepat.verification.models import Verification

    def send(family, actor):
        v = Verification.objects.get(campaign=campaign, family=family)
        return services.save_verification(v.pk, services.Findings(outcome="LAYAK"), actor=actor,
                                          expected_version=v.version, submit=True)

    sent = send(registry.families[MALESANWETAN][0], users.operator_desa)
    services.review(campaign, [sent.pk], actor=users.operator_kecamatan, approve=False,
                    reason="Foto rumah tidak jelas")
    send(registry.families[GUNUNGBEKEL][0], users.admin)
    return sent


def test_the_desa_operator_lands_on_their_work_and_opens_the_returned_family(page, returned):
    _lands(page, "operator.desa", "desa")
    sync_api.expect(page.locator("[data-deadline]")).to_be_visible()
    sync_api.expect(page.locator("body")).to_contain_text("Foto rumah tidak jelas")
    page.click('[data-count="returned"]')
    page.wait_for_url(re.compile(r"/verval/\?status=dikembalikan$"))
    sync_api.expect(page.locator("body")).to_contain_text("Sutrisno")


def test_the_kecamatan_operator_lands_on_the_review_queue_and_opens_a_desa(page, returned):
    _lands(page, "operator.kecamatan", "kecamatan")
    waiting = page.locator(f'#menunggu li[data-desa="{GUNUNGBEKEL}"] a.item-head')
    sync_api.expect(waiting).to_contain_text("Gunungbekel")
    waiting.click()
    page.wait_for_url(re.compile(rf"/periksa/{re.escape(GUNUNGBEKEL)}/$"))


def test_the_official_lands_on_their_families_with_a_map_link(page, gesek, users):
    from tepat.gesek import services

    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    for head in ("Sutrisno", "Siti Aminah"):
        services.reassign(entries[head], gesek.member, actor=users.admin, why="uji")
    services.record_visit(entries["Siti Aminah"], actor=users.pejabat,
                          visited_on=date(2024, 5, 2), latitude=Decimal("-7.812345"),
                          longitude=Decimal("113.401234"))
    _lands(page, "pejabat", "pejabat")
    sync_api.expect(page.locator("ul.items > li")).to_have_count(2)
    link = page.locator("a[data-geo]")
    sync_api.expect(link).to_have_count(1)
    assert link.get_attribute("href") == "geo:-7.812345,113.401234?q=-7.812345,113.401234"
    sync_api.expect(page.locator("ul.items")).to_contain_text("Belum ada titik GPS")
    page.click("ul.items >> text=Sutrisno")
    page.wait_for_url(re.compile(rf"/gesek/keluarga/{entries['Sutrisno'].pk}/$"))


def test_the_agency_lands_on_its_budget_and_sees_the_warning(page, gesek, registry, users):
    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme

    users.opd.agency = "perkim"
    users.opd.save()
    rtlh = gesek.programmes["RTLH"]
    rtlh = save_programme(ProgrammeData(rtlh.name, rtlh.agency, "RTLH", "APBD_KAB",
                                        Decimal("20000000"), 2024, capacity=10,
                                        budget=Decimal("30000000")),
                          actor=users.admin, programme=rtlh)
    for family in registry.families[MALESANWETAN][:2]:
        add_intervention(rtlh, family, actor=users.admin, delivered_on=date(2024, 6, 1))
    _lands(page, "opd", "agency")
    sync_api.expect(page.locator("[data-over-budget]")).to_contain_text("Melebihi pagu")
    sync_api.expect(page.locator('[data-warning="over-budget"]')).to_be_visible()
    sync_api.expect(page.locator("svg.bar")).to_have_count(1)
    page.click(f'li[data-programme="{rtlh.pk}"] a.item-head')
    page.wait_for_url(re.compile(rf"/program/{rtlh.pk}/$"))


def test_leadership_lands_on_the_headline_and_the_campaign_figures(page, returned):
    from tepat.indicators.services import load_packaged

    load_packaged()
    _lands(page, "pimpinan", "leadership")
    sync_api.expect(page.locator(".indicator-tile")).to_have_count(2)
    sync_api.expect(page.locator('[data-count="progress"]')).to_contain_text("%")
    page.click('[data-count="progress"]')
    page.wait_for_url(re.compile(r"/progres/$"))
