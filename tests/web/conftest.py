"""Helpers for the web tests (the shared fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client_for(users):
    """A logged-in test client for a persona name ('admin', 'operator_desa', …)."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(users, persona))
        return client

    return make
