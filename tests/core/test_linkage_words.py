"""The words of the review page, in Indonesian and English.

Run: uv run pytest tests/core/test_linkage_words.py -p no:django -q
"""

from __future__ import annotations

import pytest

from tepat.core.linkage_words import COMPARISON_WORDS, LEVEL_WORDS, contribution_words


def test_contribution_words_in_indonesian_use_a_decimal_comma() -> None:
    words = contribution_words("nama", "jaro_winkler", 6.1, 0.93, "id")
    assert words == "nama mirip (Jaro-Winkler 0,93): +6,1"


def test_contribution_words_in_english() -> None:
    words = contribution_words("nama", "jaro_winkler_high", 6.1, 0.93, "en")
    assert words == "name similar (Jaro-Winkler 0.93): +6.1"


def test_a_disagreement_weighs_against() -> None:
    assert contribution_words("nik", "else", -8.4, None, "id") == "NIK berbeda: -8,4"
    assert contribution_words("wilayah", "same_kecamatan", 1.2, None, "en") == (
        "area same kecamatan, another desa: +1.2"
    )


def test_a_missing_value_weighs_nothing() -> None:
    assert contribution_words("kk", "null", 0.0, None, "id") == (
        "No. KK tidak diisi di salah satu data: 0"
    )


@pytest.mark.parametrize(("comparison", "level"), sorted(LEVEL_WORDS))
def test_every_level_has_words_in_both_languages(comparison: str, level: str) -> None:
    indonesian = contribution_words(comparison, level, 1.0, None, "id")
    english = contribution_words(comparison, level, 1.0, None, "en")
    assert indonesian.endswith(": +1,0") and english.endswith(": +1.0")
    assert indonesian != english or comparison == "nik"


def test_the_vocabulary_covers_every_comparison_of_the_engine() -> None:
    levels = {comparison: {lvl for c, lvl in LEVEL_WORDS if c == comparison}
              for comparison in COMPARISON_WORDS}  # fmt: skip
    assert levels == {
        "nik": {"exact", "one_digit", "transposed", "region_date", "else"},
        "kk": {"exact", "else"},
        "nama": {"exact", "sorted_tokens", "jaro_winkler_high", "jaro_winkler_mid", "else"},
        "tanggal_lahir": {"exact", "day_month_swapped", "year_off_by_one", "placeholder", "else"},
        "jenis_kelamin": {"exact", "else"},
        "wilayah": {"same_desa", "same_kecamatan", "else"},
        "hubungan": {"exact", "else"},
    }


def test_an_unknown_level_is_an_error() -> None:
    with pytest.raises(KeyError):
        contribution_words("nama", "soundex", 1.0, None, "id")
