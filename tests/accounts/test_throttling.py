"""Sign-in throttling behind a reverse proxy (tepat.accounts.throttling, docs/authz.md).

Every request comes from the simulated nginx at 10.0.0.2 (REMOTE_ADDR), which is the one
trusted proxy; the client's address is what nginx appended to X-Forwarded-For.
"""

from __future__ import annotations

import pytest
from account_helpers import PASSWORD as TEST_PASSWORD
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse

NGINX = "10.0.0.2"
OFFICE = "203.0.113.10"  # a kecamatan office: everybody behind one NAT address
HOME = "198.51.100.20"
ELSEWHERE = "192.0.2.30"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    from ipaddress import ip_network

    settings.TEPAT_TRUSTED_PROXIES = [ip_network(NGINX)]
    settings.TEPAT_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AXES_FAILURE_LIMIT = 5
    settings.TEPAT_LOGIN_ADDRESS_LIMIT = 8
    settings.TEPAT_LOGIN_USERNAME_LIMIT = 8


def _from(address: str, forwarded: str | None = None) -> Client:
    """A browser at `address` seen through nginx (or `forwarded` as the whole header)."""
    return Client(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded or address)


def _login(client: Client, username: str, password: str) -> int:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code


def _fail(address: str, username: str, times: int = 1) -> None:
    for i in range(times):
        assert _login(_from(address), username, f"tebakan-{i}") in {200, 429}


def test_made_up_names_from_the_office_do_not_lock_out_a_colleague_there(users):
    """The bug of issue 16 §5: five failures with invented names locked everybody out."""
    for name in ("budi", "siti", "agus", "dewi", "rina", "joko", "tono", "wati", "yanto"):
        _fail(OFFICE, name)
    assert _login(_from(OFFICE), "operator.desa", TEST_PASSWORD) == 302


def test_a_name_is_locked_from_the_address_that_guessed_it(users):
    _fail(OFFICE, "operator.desa", times=5)
    assert _login(_from(OFFICE), "operator.desa", TEST_PASSWORD) == 429


def test_a_name_guessed_from_one_address_still_opens_from_another(users):
    _fail(ELSEWHERE, "operator.desa", times=5)
    assert _login(_from(OFFICE), "operator.desa", TEST_PASSWORD) == 302


def test_an_address_spraying_names_gets_one_try_per_name(users):
    for i in range(8):
        _fail(ELSEWHERE, f"pengguna{i}")
    assert _login(_from(ELSEWHERE), "operator.desa", "tebakan") == 429  # the first failure
    assert _login(_from(ELSEWHERE), "operator.desa", TEST_PASSWORD) == 429
    assert _login(_from(OFFICE), "operator.desa", TEST_PASSWORD) == 302  # its owner, elsewhere


def test_a_name_guessed_from_many_addresses_gets_one_try_per_address(users):
    for i in range(8):
        _fail(f"192.0.2.{100 + i}", "operator.desa")
    assert _login(_from("192.0.2.100"), "operator.desa", TEST_PASSWORD) == 429
    assert _login(_from(HOME), "operator.desa", "salah-ketik") == 429  # one try, then locked
    assert _login(_from(OFFICE), "operator.desa", TEST_PASSWORD) == 302


def test_the_wide_lock_page_says_why_in_indonesian(users):
    for i in range(8):
        _fail(ELSEWHERE, f"pengguna{i}")
    response = _from(ELSEWHERE).post(
        reverse("login"), {"username": "operator.desa", "password": "tebakan"}
    )
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal dari alamat Anda" in response.content.decode()


def test_the_wide_lock_page_is_in_english_too(users, settings):
    for i in range(8):
        _fail(ELSEWHERE, f"pengguna{i}")
    browser = _from(ELSEWHERE)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = browser.post(reverse("login"), {"username": "operator.desa", "password": "x"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts from your address" in response.content.decode()


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(users):
    """A guesser talking to the app directly cannot buy fresh addresses with the header."""
    for i in range(5):
        spoofer = Client(REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        _login(spoofer, "operator.desa", f"tebakan-{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ELSEWHERE}
    direct = Client(REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert _login(direct, "operator.desa", TEST_PASSWORD) == 429


def test_an_address_the_client_prepends_to_the_header_is_not_believed(users):
    for i in range(5):
        _login(_from(OFFICE, forwarded=f"192.0.2.{i}, {OFFICE}"), "operator.desa", "tebakan")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}


def test_without_trusted_proxies_every_client_behind_nginx_is_nginx(users, settings):
    """The misconfiguration that caused the bug: then the pair rule still keeps users apart."""
    settings.TEPAT_TRUSTED_PROXIES = []
    _fail(OFFICE, "pengguna-palsu", times=5)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {NGINX}
    assert _login(_from(HOME), "operator.desa", TEST_PASSWORD) == 302


def test_a_successful_sign_in_is_logged_with_the_clients_address(users):
    _login(_from(HOME), "operator.desa", TEST_PASSWORD)
    assert list(AccessLog.objects.values_list("username", "ip_address")) == [
        ("operator.desa", HOME)
    ]


def test_a_successful_sign_in_clears_only_its_own_pair(users):
    _fail(HOME, "operator.desa", times=2)
    _fail(HOME, "pengguna-lain", times=2)
    assert _login(_from(HOME), "operator.desa", TEST_PASSWORD) == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["pengguna-lain"]


def test_a_forwarded_header_without_trusted_proxies_warns_once(users, settings, caplog):
    from tepat.accounts import throttling

    settings.TEPAT_TRUSTED_PROXIES = []
    throttling._warn_once_of_untrusted_proxy.cache_clear()
    for _ in range(3):
        _login(_from(OFFICE), "operator.desa", "tebakan")
    warnings = [r for r in caplog.records if "TEPAT_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1 and NGINX in warnings[0].getMessage()
