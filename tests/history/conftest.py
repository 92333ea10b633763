"""The history tests read Indonesian labels: run each in Indonesian, whatever language an
earlier test of the process left active."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _indonesian():
    try:
        from django.utils import translation
    except ImportError:  # the pure rules run without Django
        yield
        return
    with translation.override("id"):
        yield
