"""Fixtures of the account tests: two-factor turned on as in production, enrolled users."""

from __future__ import annotations

import pytest
from django.test import Client

REQUIRED = ["admin_kabupaten", "operator_kecamatan"]


@pytest.fixture(autouse=True)
def mfa_on(settings):
    """These tests run with the production default: MFA required for the two roles."""
    settings.TEPAT_MFA_REQUIRED_ROLES = REQUIRED
    settings.AXES_ENABLED = True


@pytest.fixture
def client_for(users):
    """A logged-in test client for a persona name (as in tests/web/conftest.py)."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(users, persona))
        return client

    return make
