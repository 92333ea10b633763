"""Linkage sits between the registry and the apps that match people (docs/architecture.md):
it never imports verification, interventions, gesek or web, and the registry never imports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "tepat"
IMPORT = re.compile(r"^\s*(?:from|import)\s+tepat\.(\w+)", re.MULTILINE)


def imported_apps(app: str) -> set[str]:
    found: set[str] = set()
    for path in (SRC / app).rglob("*.py"):
        found |= set(IMPORT.findall(path.read_text(encoding="utf-8")))
    return found - {app}


def test_linkage_imports_nothing_above_it():
    assert imported_apps("linkage") & {"verification", "interventions", "gesek", "web",
                                       "reports", "history"} == set()


@pytest.mark.parametrize("lower", ["core", "pipeline", "synth", "registry", "regions", "lib"])
def test_nothing_below_linkage_imports_it(lower):
    assert "linkage" not in imported_apps(lower)
