"""Fixtures of the indicator tests: the packaged series loaded, and a file writer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from indicator_helpers import HEADER


@pytest.fixture
def loaded(db):
    from tepat.indicators.services import load_packaged

    return load_packaged()


@pytest.fixture
def write_csv(tmp_path):
    def write(rows, *, header=HEADER, name="nilai.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write
