"""The pendamping official in a real browser (Playwright + Debian's Chromium), on a phone-sized
screen: open one of their families, record a visit with the location and a photo, record a need
(RTLH) and see it referred to Perkim.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_gesek.py
"""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser


def test_an_official_records_a_visit_and_a_need_referred_to_perkim(page, gesek, users,
                                                                    house_photo):
    from tepat.gesek.models import Need, Visit
    from tepat.gesek.services import reassign

    entry = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    reassign(entry, gesek.member, actor=users.admin, why="dekat kantor")

    page.log_in("pejabat")
    page.click("nav.main >> text=Gesek Ekstrem")
    page.wait_for_url(re.compile(r"/gesek/$"))
    sync_api.expect(page.locator("h1")).to_have_text("Keluarga dampingan saya")
    assert page.locator("table.my-families tbody tr").count() == 1
    page.click("table.my-families >> text=Sutrisno")
    page.wait_for_url(re.compile(rf"/gesek/keluarga/{entry.pk}/$"))

    page.fill("#id_notes", "Atap bocor, dinding bambu")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -7.812345, "longitude": 113.201234})
    page.click("text=Ambil lokasi")
    sync_api.expect(page.locator("[data-gps-status]")).to_contain_text("-7.812345")
    page.set_input_files("#id_photo", house_photo)
    page.click("text=Simpan kunjungan")
    page.wait_for_url(re.compile(r"#kunjungan$"))
    assert "Kunjungan ke Sutrisno tercatat" in page.locator("ul.messages").inner_text()
    sync_api.expect(page.locator("ol.visits li")).to_have_count(1)
    sync_api.expect(page.locator("ol.visits")).to_contain_text("Atap bocor")

    page.select_option("#id_kind", "RTLH")
    page.fill("#id_note", "Rumah tidak layak huni")
    page.click("text=Simpan kebutuhan")
    page.wait_for_url(re.compile(r"#kebutuhan$"))
    need = page.locator('ul.needs li[data-need="RTLH"]')
    sync_api.expect(need.locator("[data-status]")).to_have_text("Dirujuk")
    sync_api.expect(need.locator("[data-agency]")).to_have_text("Perkim")

    visit = Visit.objects.get(entry=entry)
    assert str(visit.latitude) == "-7.812345" and visit.photo
    assert Need.objects.get(entry=entry).referred_to == gesek.agencies.perkim
    photo = page.locator("ol.visits img")
    photo.scroll_into_view_if_needed()  # lazy-loaded
    sync_api.expect(photo).to_have_js_property("naturalWidth", 1280)
