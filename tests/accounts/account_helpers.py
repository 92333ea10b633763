"""Plain helpers of the account tests (imported as `account_helpers`: pytest puts tests/accounts
on sys.path)."""

from __future__ import annotations

import time

import pyotp
from django.test import Client
from django.urls import reverse

PASSWORD = "uji-tepat-2026!"  # TEST_PASSWORD of tests/conftest.py


def code_for(secret: str, offset: int = 0) -> str:
    """The TOTP code of now (offset 0) or of a neighbouring time step (accepted ±1)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=offset)


def enrol(user) -> str:
    """Enrol `user` through the services; returns the plain secret (as the phone knows it)."""
    from tepat.accounts import services

    secret = services.start_enrolment(user)
    services.confirm_enrolment(user, code_for(secret, -1))  # an older step: logins use now/+1
    return secret


def password_step(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def is_logged_in(client: Client) -> bool:
    """Whether the client's session is an authenticated one (the dashboard opens)."""
    return client.get(reverse("dashboard")).status_code == 200
