"""Two-factor in a real browser: the admin kabupaten enrols an authenticator at the first
login (QR code and secret, one code, the recovery codes once), logs out, and logs in again with
a TOTP code computed here with pyotp, as the phone would."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

PASSWORD = "uji-tepat-2026!"  # TEST_PASSWORD of tests/conftest.py
DASHBOARD = re.compile(r"^https?://[^/]+/$")


def _password_step(page) -> None:
    page.goto("/masuk/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")


def test_the_admin_enrols_then_logs_in_with_a_totp_code(page, users, settings):
    settings.TEPAT_MFA_REQUIRED_ROLES = ["admin_kabupaten", "operator_kecamatan"]
    _password_step(page)
    page.wait_for_url(re.compile(r"/akun/mfa/daftar/$"))
    assert page.locator(".mfa-qr svg").is_visible()
    assert page.locator("nav.main").count() == 0  # not logged in yet: no menu
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.fill("#id_kode", totp.at(time.time(), counter_offset=-1))
    page.click("button[type=submit].primary")
    codes = page.locator("#recovery-codes li")
    codes.first.wait_for()
    assert codes.count() == 10
    with page.expect_navigation():
        page.click("text=Saya sudah menyimpan kode ini, lanjutkan")
    assert DASHBOARD.match(page.url), page.url
    assert page.locator("nav.main").is_visible()

    page.click("nav.main form button[type=submit]")  # Keluar
    page.wait_for_url(re.compile(r"/masuk/"))
    _password_step(page)
    page.wait_for_url(re.compile(r"/masuk/kode/$"))
    page.fill("#id_kode", "000000")
    page.click("button[type=submit].primary")
    assert "Kode salah" in page.locator("[role=alert]").inner_text()
    page.fill("#id_kode", totp.at(time.time(), counter_offset=1))
    page.click("button[type=submit].primary")
    page.wait_for_url(DASHBOARD)
    assert page.locator("nav.main").is_visible()
    assert secret not in page.content()
