"""Login (Django's LoginView) and the lockout page of django-axes."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tepat.audit.models import AccessEvent  # noqa: F401  (the app is installed)

PASSWORD = "uji-tepat-2026!"  # TEST_PASSWORD of tests/conftest.py


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_login_page_is_in_indonesian(db):
    html = Client().get(reverse("login")).content.decode()
    assert "Masuk ke Tepat" in html and "Nama pengguna" in html and "Kata sandi" in html


def test_a_user_logs_in_and_lands_on_the_dashboard(users):
    response = _login(Client(), "operator.desa", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_a_wrong_password_says_so_in_indonesian(users):
    response = _login(Client(), "operator.desa", "salah-sandi")
    assert response.status_code == 200
    assert "nama pengguna dan sandi" in response.content.decode().lower()


def test_logging_out_needs_a_post(client_for, users):
    client = client_for("operator_desa")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_too_many_failures_show_the_lockout_page(users, settings):
    settings.AXES_LOCKOUT_TEMPLATE = "web/lockout.html"
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    _login(client, "operator.desa", "salah-1")
    response = _login(client, "operator.desa", "salah-2")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Akun dikunci sementara" in html
    assert "coba lagi setelah 15 menit" in html
    locked = _login(client, "operator.desa", PASSWORD)  # even the right password, for now
    assert locked.status_code == 429


def test_one_username_guessed_from_many_addresses_is_locked(users, settings):
    """Throttling per username: moving to another IP does not give a guesser more tries."""
    settings.AXES_FAILURE_LIMIT = 3
    for i in range(3):
        _login(Client(REMOTE_ADDR=f"10.0.0.{i + 1}"), "operator.desa", f"salah-{i}")
    fresh_address = Client(REMOTE_ADDR="10.9.9.9")
    assert _login(fresh_address, "operator.desa", PASSWORD).status_code == 429
    # Another user from that address is not affected.
    assert _login(fresh_address, "admin", PASSWORD).status_code == 302


def test_one_address_guessing_many_usernames_is_locked(users, settings):
    """Throttling per IP: trying a different username each time does not escape it."""
    settings.AXES_FAILURE_LIMIT = 3
    guesser = Client(REMOTE_ADDR="10.1.2.3")
    for name in ("budi", "siti", "agus"):
        _login(guesser, name, "tebakan")
    assert _login(guesser, "operator.desa", PASSWORD).status_code == 429
    # The same user from their own office still gets in.
    assert _login(Client(REMOTE_ADDR="10.4.5.6"), "operator.desa", PASSWORD).status_code == 302
