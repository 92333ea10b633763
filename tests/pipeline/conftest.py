"""Fixtures of the pipeline tests; the file builders are in pipeline_helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import as_table, family_rows, person_rows, write_xlsx

from tepat.core.layout import P3KE_FAMILY, P3KE_PERSON
from tepat.core.regions import national_table


@pytest.fixture(scope="session")
def region_table():
    return national_table()


@pytest.fixture
def clean_files(tmp_path: Path) -> tuple[Path, Path]:
    """The clean batch as p3ke_keluarga.xlsx + p3ke_individu.xlsx."""
    return (
        write_xlsx(tmp_path / "p3ke_keluarga.xlsx", as_table(family_rows(), P3KE_FAMILY.headers)),
        write_xlsx(tmp_path / "p3ke_individu.xlsx", as_table(person_rows(), P3KE_PERSON.headers)),
    )
