"""What the linkage pages show of a pair: masked numbers with the differing positions marked,
the words of a comparison, bars around a zero axis."""

from __future__ import annotations

from tepat.web.linkage_display import (
    BAR_WIDTH,
    Digit,
    contribution,
    differing_positions,
    marked_number,
    model_chart,
    weight_bars,
)

A = "3513201503750001"
B = "3513201505370001"  # differs at positions 9, 10 and 11 (hidden by the mask)


def shown(digits: list[Digit]) -> str:
    return "".join(d.char for d in digits)


def test_differing_positions_are_found_only_between_numbers_of_one_length():
    assert differing_positions(A, B) == [9, 10, 11]
    assert differing_positions(A, A[:15]) == []
    assert differing_positions(A, None) == []


def test_a_marked_number_shows_no_more_digits_than_the_mask():
    digits = marked_number(A, B)
    assert shown(digits) == "3513********0001"
    assert [i for i, d in enumerate(digits) if d.differs] == [9, 10, 11]
    assert all(d.char == "*" for d in digits if d.differs)


def test_a_difference_in_the_shown_digits_is_marked_on_the_digit():
    digits = marked_number(A, "3513201503750009")
    assert [(i, d.char) for i, d in enumerate(digits) if d.differs] == [(15, "1")]


def test_a_missing_number_is_a_dash_with_nothing_marked():
    assert marked_number(None, A) == [Digit("—", False)]


def test_a_level_the_words_do_not_know_falls_back_to_its_label():
    assert contribution({"key": "nama", "level": "Jaro-Winkler >= 0.9", "weight": 2.25}) in (
        "nama: Jaro-Winkler >= 0.9 (+2.2)", "nama: Jaro-Winkler >= 0.9 (+2.3)")


def test_bars_grow_right_for_a_positive_weight_and_left_for_a_negative_one():
    plus, minus, nothing = weight_bars([{"key": "nik", "level": "exact", "weight": 8.0},
                                        {"key": "kk", "level": "exact", "weight": -4.0},
                                        {"key": "hubungan", "level": "null", "weight": 0.0}])
    middle = BAR_WIDTH / 2
    assert (plus.x, plus.width, plus.positive) == (middle, middle, True)
    assert (minus.x, minus.width, minus.positive) == (middle - middle / 2, middle / 2, False)
    assert nothing.width == 0


def test_the_model_chart_has_one_bar_per_level_grouped_by_comparison():
    rows = [{"comparison": "nik", "level": "exact", "weight": 10.0},
            {"comparison": "nik", "level": "All other comparisons", "weight": -5.0},
            {"comparison": "nama", "level": "exact", "weight": None}]
    bars = model_chart(rows)
    assert [b.group for b in bars] == ["nik", "nik", "nama"]
    assert bars[0].width == BAR_WIDTH / 2 and bars[2].width == 0
