"""Reveals and exports of NIK/KK: the purposes a user may state, the check of the free text, the
per-user reveal limit, and the rule that marks a user's day as unusual in the daily digest.

Pure: no Django. Labels are the Indonesian texts (the web layer translates them).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# --- purposes ---------------------------------------------------------------------------------
# Stored code -> Indonesian label. The code goes in AccessEvent.purpose_code, the free text in
# AccessEvent.purpose. Events logged before the list existed have an empty code.
PURPOSES: dict[str, str] = {
    "verifikasi_lapangan": "Verifikasi lapangan",
    "penyaluran_bantuan": "Penyaluran bantuan",
    "permintaan_warga": "Permintaan warga (subjek data)",
    "pemutakhiran_data": "Pemutakhiran / koreksi data",
    "pengaduan": "Penanganan pengaduan",
    "pemeriksaan": "Pemeriksaan / audit",
    "lainnya": "Lainnya",
}
LEGACY_PURPOSE_LABEL = "Tidak tercatat (sebelum daftar tujuan)"
PURPOSE_TEXT_MIN = 10  # characters
PURPOSE_TEXT_MAX = 300  # AccessEvent.purpose
PURPOSE_WORDS_MIN = 2
PURPOSE_LETTERS_MIN = 4  # different letters, case ignored


def purpose_text_problem(text: str) -> str | None:
    """Why a purpose's free text is not enough, or None. Kept simple enough to explain on the
    form: at least 10 characters, two words and four different letters ("aaaaa" and
    "aaaaaaaaaaaa" fail; "cek KTP warga" passes). Returns one of "short", "long", "one_word",
    "few_letters"."""
    text = text.strip()
    if len(text) < PURPOSE_TEXT_MIN:
        return "short"
    if len(text) > PURPOSE_TEXT_MAX:
        return "long"
    if len(text.split()) < PURPOSE_WORDS_MIN:
        return "one_word"
    if len({c for c in text.casefold() if c.isalpha()}) < PURPOSE_LETTERS_MIN:
        return "few_letters"
    return None


# --- the reveal limit -------------------------------------------------------------------------
HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class Window:
    """A sliding window: at most `limit` reveals in the last `seconds` (limit 0: no limit)."""

    name: str  # "hour", "day"
    seconds: int
    limit: int


def exceeded(windows: Sequence[Window], counts: dict[str, int]) -> Window | None:
    """The first window whose reveals so far (`counts[name]`, before this one) leave no room
    for one more, or None when the reveal may go ahead."""
    for window in windows:
        if window.limit > 0 and counts.get(window.name, 0) >= window.limit:
            return window
    return None


# --- the daily digest -------------------------------------------------------------------------
UNUSUAL_MIN = 10  # fewer than this in a day is never unusual
UNUSUAL_FACTOR = 3  # ... and more than 3 × the user's usual day


def usual_day(history: Sequence[int]) -> float:
    """The user's usual day: the median of their daily counts over the previous days, quiet
    days counted as 0 (one busy day in a month does not move it)."""
    return float(statistics.median(history)) if history else 0.0


def mean_day(history: Sequence[int]) -> float:
    return sum(history) / len(history) if history else 0.0


def is_unusual(count: int, history: Sequence[int]) -> bool:
    """A day is unusual when it has at least 10 events and more than three times the user's
    usual day (the median of the previous days, zeros included). A user who seldom reveals
    is flagged from 10; one whose work needs 8 a day, from 25."""
    return count >= UNUSUAL_MIN and count > UNUSUAL_FACTOR * usual_day(history)
