"""The pure rules of reveals and exports (issue 16 §6): what a purpose's text needs, when the
reveal limit refuses, and when a user's day is unusual in the digest."""

from __future__ import annotations

import pytest

from tepat.core.reveals import (
    PURPOSES,
    Window,
    exceeded,
    is_unusual,
    mean_day,
    purpose_text_problem,
    usual_day,
)


@pytest.mark.parametrize("text, problem", [
    ("aaaaa", "short"),
    ("cek KTP", "short"),
    ("aaaaaaaaaaaa", "one_word"),
    ("asdfghjklqwe", "one_word"),
    ("aaaaa aaaaa", "few_letters"),
    ("abab abab ab", "few_letters"),
    ("x" * 150 + " " + "y" * 150, "long"),
])
def test_a_purpose_text_without_meaning_is_refused_with_its_reason(text, problem):
    assert purpose_text_problem(text) == problem


@pytest.mark.parametrize("text", ["cek KTP warga", "Rapat TKPK April",
                                  "  Verifikasi musdes Malesanwetan 2026  ", "BLT DD tahap 2"])
def test_a_purpose_of_a_few_real_words_passes(text):
    assert purpose_text_problem(text) is None


def test_the_purpose_list_has_other_and_a_data_subject_request():
    assert {"lainnya", "permintaan_warga", "verifikasi_lapangan"} <= set(PURPOSES)
    assert all(code == code.lower() and len(code) <= 30 for code in PURPOSES)


HOURLY, DAILY = Window("hour", 3600, 3), Window("day", 86400, 5)


def test_a_reveal_goes_ahead_below_every_limit():
    assert exceeded([HOURLY, DAILY], {"hour": 2, "day": 4}) is None


def test_the_first_full_window_refuses():
    assert exceeded([HOURLY, DAILY], {"hour": 3, "day": 3}) == HOURLY
    assert exceeded([HOURLY, DAILY], {"hour": 1, "day": 5}) == DAILY


def test_a_limit_of_zero_is_no_limit():
    assert exceeded([Window("hour", 3600, 0)], {"hour": 10_000}) is None


def test_the_usual_day_is_the_median_with_quiet_days_counted():
    history = [0] * 25 + [40, 40, 40, 40, 40]
    assert usual_day(history) == 0
    assert mean_day(history) == pytest.approx(200 / 30)
    assert usual_day([]) == 0 and mean_day([]) == 0


def test_a_day_is_unusual_from_ten_events_when_above_three_times_the_usual_day():
    quiet = [0] * 30
    assert not is_unusual(9, quiet)
    assert is_unusual(10, quiet)
    busy = [8] * 30  # a user whose work needs 8 a day
    assert not is_unusual(24, busy)
    assert is_unusual(25, busy)
