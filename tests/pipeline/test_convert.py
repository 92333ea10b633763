"""The vectorised conversions: dates, desa codes, cell checks, row hashes."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tepat.core.codes import CODE_LISTS
from tepat.core.regions import normalize_code
from tepat.pipeline import convert

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-05-17", date(1980, 5, 17)),
        ("1980-05-17 00:00:00", date(1980, 5, 17)),
        ("1980-05-17T13:04:05", date(1980, 5, 17)),
        ("17-05-1980", date(1980, 5, 17)),
        ("17/05/1980", date(1980, 5, 17)),
        ("7/5/1980", date(1980, 5, 7)),
        ("17.05.1980", date(1980, 5, 17)),
        ("1980/05/17", date(1980, 5, 17)),
        ("29358", date(1980, 5, 17)),
        ("29358.0", date(1980, 5, 17)),
        ("31-02-1980", None),
        ("05/17/1980", date(1980, 5, 17)),  # readable only month-first (issue 17 §2)
        ("17-05-80", None),  # no century
        ("1980", None),  # a year alone is not a serial
        ("1890-01-01", None),
        ("2030-01-01", None),  # after today
        ("kemarin", None),
    ],
)
def test_dates_are_read_in_the_formats_of_real_files(raw, expected):
    assert convert.parse_dates([raw], TODAY)[raw] == expected


def test_every_value_gets_a_date_or_none():
    values = ["1980-05-17", "x", "", "99999"]
    assert set(convert.parse_dates(values, TODAY)) == set(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=25), max_size=20))
def test_date_parsing_never_fails(values):
    parsed = convert.parse_dates(values, TODAY)
    assert all(d is None or date(1900, 1, 1) <= d <= TODAY for d in parsed.values())


@settings(max_examples=300, deadline=None)
@given(st.dates(date(1900, 1, 1), TODAY), st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]))
def test_a_real_date_survives_any_accepted_format(day, fmt):
    raw = day.strftime(fmt)
    assert convert.parse_dates([raw], TODAY)[raw] == day


desa_like = st.one_of(
    st.from_regex(r"\A[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\Z"),
    st.from_regex(r"\A[0-9]{10}(\.0)?\Z"),
    st.from_regex(r"\A[0-9.]{0,14}\Z"),
    st.text(max_size=14),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(desa_like, max_size=20))
def test_desa_code_expr_agrees_with_normalize_code_at_desa_level(values):
    frame = pl.DataFrame({"raw": values}, schema={"raw": pl.String})
    got = frame.select(convert.desa_code_expr(pl.col("raw"))).to_series().to_list()
    for raw, code in zip(values, got, strict=True):
        expected = normalize_code(raw)
        if expected is not None and expected.count(".") != 3:
            expected = None
        assert code == expected, raw


def test_code_mapping_uses_the_code_lists_own_lookup():
    pendidikan = CODE_LISTS["pendidikan"]
    values = ["Tamat SD/Sederajat", "TAMAT SD / SEDERAJAT", "3", "3.0", "S1", "Astronot"]
    assert convert.code_mapping(values, pendidikan) == {
        "Tamat SD/Sederajat": "3",
        "TAMAT SD / SEDERAJAT": "3",
        "3": "3",
        "3.0": "3",
        "S1": "7",
        "Astronot": None,
    }


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3. Anak", "3"),
        ("1 - Kepala Keluarga", "1"),
        ("2) Istri", "2"),
        ("3. Istri", None),
        ("9. Anak", "3"),
        ("1. Astronot", None),
    ],
)
def test_numbered_labels_are_read_when_number_and_label_agree(raw, code):
    hubungan = CODE_LISTS["hubungan_dengan_kepala_keluarga"]
    assert convert.code_mapping([raw], hubungan)[raw] == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ('=HYPERLINK("http://x","klik")', "FORMULA"),
        ("@SUM(A1)", "FORMULA"),
        ("+A1", "FORMULA"),
        ("-cmd", "FORMULA"),
        ("#N/A", "CELL_ERROR"),
        ("#DIV/0!", "CELL_ERROR"),
        ("a\x00b", "VALUE_UNREADABLE"),
        ("x" * 1001, "VALUE_TOO_LONG"),
        ("+62 812", None),
        ("-5", None),
        ("Jl. Mawar #3", None),
    ],
)
def test_bad_cells_are_found_and_named(value, code):
    frame = pl.DataFrame({"c": [value]})
    flagged = frame.select(convert.bad_cell_expr("c")).item()
    assert flagged == (code is not None)
    assert convert.bad_cell_code(value) == code


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=50), st.text(min_size=990, max_size=1010)))
def test_the_bad_cell_filter_and_its_classifier_agree(value):
    flagged = pl.DataFrame({"c": [value]}).select(convert.bad_cell_expr("c")).item()
    assert flagged == (convert.bad_cell_code(value) is not None)


def test_row_hashes_are_fixed_values_across_versions():
    frame = pl.DataFrame(
        {"a": ["F1", None], "b": [date(1980, 5, 17), None], "c": [1, None]},
        schema={"a": pl.String, "b": pl.Date, "c": pl.Int8},
    )
    hashes = convert.row_hashes(frame, ["a", "b", "c"]).to_list()
    # Pinned: a change here changes every stored row_hash (every row would look changed).
    assert hashes == [
        _blake("v1\x1fF1\x1f1980-05-17\x1f1"),
        _blake("v1\x1f\u2400\x1f\u2400\x1f\u2400"),
    ]


def _blake(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def test_null_and_empty_text_hash_differently():
    frame = pl.DataFrame({"a": [None, ""]}, schema={"a": pl.String})
    first, second = convert.row_hashes(frame, ["a"]).to_list()
    assert first != second
