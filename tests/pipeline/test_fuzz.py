"""Hypothesis: any cell content gives a Validated (errors and flags), never an exception."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline_helpers import HEAD_1, KK_1, TODAY, WIFE_1, write_csv

from tepat.core.layout import P3KE_FAMILY, P3KE_PERSON, Layout
from tepat.core.regions import national_table
from tepat.pipeline import RawTable, ReadError, output_columns, read_sheet, validate_tables

REGIONS = national_table()

CELL = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.sampled_from(
        [
            "1",
            "4",
            "7",
            "Ya",
            "Tidak",
            "Laki-laki",
            "P",
            "Kepala Keluarga",
            "Anak",
            "Istri",
            "35.13.20.2001",
            "3513202001",
            "35.13.20",
            "1980-05-17",
            "17/05/1980",
            "29358",
            "31-02-1980",
            "=1+1",
            "@x",
            "+A1",
            "#N/A",
            "3.51320E+15",
            HEAD_1,
            WIFE_1,
            KK_1,
            HEAD_1[:15],
            "0000000000000000",
            "F1",
            "F2",
            "P1",
            " ",
            "Tamat SD/Sederajat",
        ]
    ),
    st.integers(-(10**17), 10**17).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def frames(layout: Layout, ids: list[str], id_header: str):
    """A text frame with a random subset of the layout's headers and random cells."""
    required = [c.header for c in layout.columns if c.required]
    optional = [c.header for c in layout.columns if not c.required]

    @st.composite
    def build(draw):
        headers = required + draw(st.lists(st.sampled_from(optional), unique=True, max_size=12))
        n = draw(st.integers(1, 6))
        data = {h: [draw(CELL) for _ in range(n)] for h in headers}
        data[id_header] = [draw(st.one_of(st.sampled_from(ids), CELL)) for _ in range(n)]
        frame = pl.DataFrame(data, schema={h: pl.String for h in headers})
        return frame.with_columns(pl.int_range(2, n + 2, dtype=pl.Int32).alias("_row"))

    return build()


def raw_table(frame: pl.DataFrame, name: str) -> RawTable:
    headers = [c for c in frame.columns if c != "_row"]
    return RawTable(Path(name), name, frame, headers, header_row=1)


def check(validated, family_layout: Layout, person_layout: Layout) -> None:
    assert validated.error_count >= len(validated.errors)
    if validated.error_count == 0:
        assert validated.families.schema == pl.Schema(output_columns(family_layout))
        assert validated.persons.schema == pl.Schema(output_columns(person_layout))
    for frame in (validated.families, validated.persons):
        for flags in frame["flags"].to_list():
            codes = flags.split(",") if flags else []
            assert codes == sorted(set(codes))
        for text in frame["unknown_values"].to_list():
            assert text == "" or isinstance(json.loads(text), dict)
    for error in validated.errors:
        for text in (error.value, error.message_id, error.message_en):
            assert not re.search(r"\d{13,}", text), text


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames(P3KE_FAMILY, ["F1", "F2", "F3"], "id_keluarga_p3ke"),
    frames(P3KE_PERSON, ["F1", "F2", "F9"], "id_keluarga_p3ke"),
)
def test_random_rows_are_validated_without_exceptions(families, persons):
    validated = validate_tables(
        raw_table(families, "keluarga.xlsx"),
        raw_table(persons, "individu.xlsx"),
        "p3ke",
        regions=REGIONS,
        today=TODAY,
    )
    check(validated, P3KE_FAMILY, P3KE_PERSON)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(P3KE_FAMILY, ["F1", "F2"], "id_keluarga_p3ke"))
def test_random_family_files_alone_are_validated_without_exceptions(families):
    validated = validate_tables(
        raw_table(families, "keluarga.xlsx"),
        None,
        "p3ke",
        regions=REGIONS,
        today=date(2024, 3, 1),
    )
    check(validated, P3KE_FAMILY, P3KE_PERSON)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.lists(CELL, min_size=1, max_size=8), min_size=1, max_size=8),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_random_csv_files_are_read_or_refused_cleanly(tmp_path, rows, delimiter):
    path = write_csv(tmp_path / "acak.csv", [P3KE_FAMILY.headers[:8], *rows], delimiter=delimiter)
    try:
        raw = read_sheet(path, P3KE_FAMILY)
    except ReadError as error:
        assert error.message_id and error.message_en and "acak.csv" in error.message_id
        return
    assert raw.height >= 1 and raw.frame["_row"].is_sorted()
