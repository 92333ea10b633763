"""A scored pair's comparisons in words for the candidate pages: the weightiest first, Splink's
last level read as "else", and a level nobody worded still shown rather than failing."""

from __future__ import annotations

from tepat.linkage import words

COMPARISONS = [
    {"key": "wilayah", "level": "All other comparisons", "weight": -1.3},
    {"key": "nama", "level": "jaro_winkler_high", "weight": 9.4, "similarity": 0.944},
    {"key": "nik", "level": "null", "weight": 0.0},
]


def test_the_weightiest_comparison_comes_first_and_every_one_has_a_line():
    lines = words.lines(COMPARISONS, "id")
    assert len(lines) == 3
    assert lines[0].startswith(("nama mirip", "nama: jaro_winkler_high"))
    assert lines[0].endswith(("+9,4", "(+9.4)"))
    assert lines[1].startswith(("wilayah kecamatan lain", "wilayah: else"))


def test_a_level_nobody_worded_falls_back_to_its_label_and_weight():
    assert words.line({"key": "nik", "level": "made_up", "weight": 1.25}, "en") == \
        "nik: made_up (+1.2)"
