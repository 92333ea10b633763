"""The message catalogue: both languages for every code, and no full NIK/KK in any text."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tepat.core.identity import PROBLEMS
from tepat.pipeline.messages import CATALOGUE, FLAGS, flag_message, render, safe_value

NIK = "3513204703850001"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_two_different_texts_with_the_same_placeholders(code):
    template_id, template_en = CATALOGUE[code]
    assert template_id and template_en and template_id != template_en

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert fields(template_id) == fields(template_en)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_renders_without_its_context(code):
    message_id, message_en = render(code)
    assert "{" not in message_id and "{" not in message_en


def test_every_flag_has_a_legend_including_identitys():
    for code in [*FLAGS, *PROBLEMS]:
        message_id, message_en = flag_message(code)
        assert message_id and message_en and "{" not in message_id


def test_a_nik_is_masked_wherever_it_appears():
    message_id, message_en = render(
        "ID_DUPLICATE",
        file=f"KK_{NIK}.xlsx",
        row=3,
        column="id",
        value=NIK,
        count=2,
        rows="3, 9",
    )
    for text in (message_id, message_en):
        assert NIK not in text and "3513********0001" in text


@given(st.from_regex(r"\A[0-9]{13,20}\Z"), st.text(max_size=10), st.text(max_size=10))
def test_safe_value_never_shows_a_long_number(number, before, after):
    assert not re.search(r"\d{13,}", safe_value(before + number + after))


def test_spaced_numbers_are_masked_too():
    assert safe_value("3513 2047 0385 0001") == "3513********0001"


def test_long_values_are_shortened():
    assert len(safe_value("x" * 500)) == 80
