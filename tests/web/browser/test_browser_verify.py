"""The desa operator's verification in a real browser (Playwright + Debian's Chromium), on a
phone-sized screen: pick an outcome, take the location, attach a photo, submit.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_verify.py
"""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser



def test_a_desa_operator_verifies_a_family_with_a_photo_and_submits(page, campaign, registry,
                                                                    house_photo):
    from tepat.verification.models import Verification

    page.log_in("operator.desa")
    page.click("nav.main >> text=Verifikasi")
    page.wait_for_url(re.compile(r"/verval/$"))
    assert page.locator('[data-status="dikirim"] .n').inner_text() == "0"
    page.click("table.worklist >> text=Misnati")
    page.wait_for_url(re.compile(r"/verval/\d+/$"))

    assert not page.locator("#id_reason").is_visible()  # shown only for 'Sudah mampu'
    page.check("input[name=outcome][value=MAMPU]")
    page.select_option("#id_reason", "PENGHASILAN")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -7.812345, "longitude": 113.201234})
    page.click("text=Ambil lokasi")
    sync_api.expect(page.locator("[data-gps-status]")).to_contain_text("-7.812345")
    page.set_input_files("#id_photos", house_photo)
    page.click("button[name=action][value=submit]")

    page.wait_for_url(re.compile(r"/verval/$"))
    assert "Misnati dikirim ke kecamatan" in page.locator("ul.messages").inner_text()
    assert page.locator('[data-status="dikirim"] .n').inner_text() == "1"
    v = Verification.objects.get(campaign=campaign, family__kepala_keluarga="Misnati")
    assert (v.review, v.outcome, v.reason) == ("SUBMITTED", "MAMPU", "PENGHASILAN")
    assert str(v.latitude) == "-7.812345" and v.evidence.count() == 1

    page.click("table.worklist >> text=Misnati")  # now read-only, the photo shown
    sync_api.expect(page.locator(".photos img")).to_have_count(1)
    photo = page.locator(".photos img")
    photo.scroll_into_view_if_needed()  # lazy-loaded
    sync_api.expect(photo).to_have_js_property("naturalWidth", 1280)
    assert page.locator("input[name=outcome]").count() == 0


def test_an_usulan_baru_gets_a_member_row_and_its_duplicate_check(page, campaign, registry):
    sutrisno = next(f for f in registry.all_families if f.kepala_keluarga == "Sutrisno")
    page.log_in("operator.desa")
    page.goto("/verval/usulan/baru/")
    rows = page.locator("#proposal-members [data-row]")
    assert rows.count() == 1
    page.click("text=Tambah anggota")
    assert rows.count() == 2
    page.fill("#id_kepala_keluarga", "Sutrisno")
    page.fill("#id_no_kk", sutrisno.no_kk)
    page.fill("#id_a0-nama", "Sutrisno")
    page.select_option("#id_a0-hubungan", "1")
    page.select_option("#id_a0-jenis_kelamin", "1")
    page.fill("#id_a0-tanggal_lahir", "1975-03-02")
    page.fill("#id_a1-nama", "Anak Sutrisno")  # the row added by the script
    page.select_option("#id_a1-hubungan", "3")
    page.select_option("#id_a1-jenis_kelamin", "2")
    page.fill("#id_a1-tanggal_lahir", "2010-05-05")
    page.click(".actions button[name=action][value=draft]")
    page.wait_for_url(re.compile(r"/verval/usulan/\d+/$"))
    duplicates = page.locator("table.possible-duplicates")
    sync_api.expect(duplicates).to_contain_text(sutrisno.no_kk_masked)
    assert sutrisno.no_kk not in page.content()
    assert page.locator("#id_a1-nama").input_value() == "Anak Sutrisno"
