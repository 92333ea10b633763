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


def test_a_user_logs_in_and_lands_on_their_first_page(users):
    response = _login(Client(), "operator.desa", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


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


def test_guessing_made_up_names_does_not_lock_out_a_user_from_the_same_address(users, settings):
    """Throttling is per (user name, address): tests/accounts/test_throttling.py has the rest."""
    settings.AXES_FAILURE_LIMIT = 3
    office = Client(REMOTE_ADDR="10.1.2.3")
    for name in ("budi", "siti", "agus", "dewi"):
        _login(office, name, "tebakan")
    assert _login(office, "operator.desa", PASSWORD).status_code == 302
