"""Activation on a phone (390×844): an operator kecamatan gets a code from the admin's sheet,
opens the login page, follows the activation link, types user name, code and a new password,
and goes straight into the authenticator enrolment; the dashboard opens only after it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

DASHBOARD = re.compile(r"^https?://[^/]+/$")


def test_a_kecamatan_operator_activates_on_a_phone_and_enrols(page, users, settings):
    from tepat.accounts import onboarding

    settings.TEPAT_MFA_REQUIRED_ROLES = ["admin_kabupaten", "operator_kecamatan"]
    spec, problems = onboarding.check_user(
        {"username": "kec.sukapura", "name": "Agus Salim", "role": "operator_kecamatan",
         "area": "35.13.01", "phone": "081234567890"}, users.admin.area)
    assert not problems
    issued = onboarding.create_user(users.admin, spec)

    page.goto("/masuk/")
    page.click("text=Akun baru? Aktifkan dengan kode aktivasi")
    page.wait_for_url(re.compile(r"/aktivasi/$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("#id_username", "kec.sukapura")
    page.fill("#id_kode", "AAAA-BBBB-CCCC")
    page.fill("#id_new_password1", "sawah-hijau-2026")
    page.fill("#id_new_password2", "sawah-hijau-2026")
    with page.expect_response(lambda r: r.url.endswith("/aktivasi/")) as answer:
        page.click("button[type=submit].primary")
    assert answer.value.status == 400  # the form again, with the problem named
    assert "kode aktivasi salah" in page.locator("[data-field=kode]").inner_text()

    page.fill("#id_kode", issued.code)
    page.fill("#id_new_password1", "sawah-hijau-2026")
    page.fill("#id_new_password2", "sawah-hijau-2026")
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/akun/mfa/daftar/$"))
    assert page.locator("nav.main").count() == 0  # no session yet
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.fill("#id_kode", pyotp.TOTP(secret).at(time.time()))
    page.click("button[type=submit].primary")
    page.locator("#recovery-codes li").first.wait_for()
    with page.expect_navigation():
        page.click("text=Saya sudah menyimpan kode ini, lanjutkan")
    assert DASHBOARD.match(page.url), page.url
    assert page.locator("nav.main").is_visible()
    # The wrong code's 400 is the expected refusal (its response and the console line that
    # reports it, which may arrive late); anything else stays a problem.
    page.network.problems[:] = [p for p in page.network.problems
                                if "/aktivasi/" not in p and "status of 400" not in p]
