"""The words of the review page: why two person records were (or were not) linked.

The linkage engine (Splink, Fellegi-Sunter) scores a pair of records as a sum of match weights,
one per comparison (NIK, KK, nama, ...), each at a level (identical, one digit different, similar,
...). A reviewer deciding on a pair needs that sum in words: 'nama mirip (Jaro-Winkler 0,93):
+6,1'. The level vocabulary is one table, comparison key × level key → Indonesian and English, so
the engine's level names and the page's words cannot drift apart.

The core is pure (no Django, so no gettext here): both languages live in the table; the web layer
may route them to the message catalogue. Indonesian numbers use a decimal comma.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["id", "en"]


COMPARISON_WORDS: dict[str, tuple[str, str]] = {
    "nik": ("NIK", "NIK"),
    "kk": ("No. KK", "KK number"),
    "nama": ("nama", "name"),
    "tanggal_lahir": ("tanggal lahir", "birth date"),
    "jenis_kelamin": ("jenis kelamin", "sex"),
    "wilayah": ("wilayah", "area"),
    "hubungan": ("hubungan keluarga", "family relationship"),
}

_SAME, _DIFFERENT = ("sama", "identical"), ("berbeda", "different")
LEVEL_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("nik", "exact"): _SAME,
    ("nik", "one_digit"): ("beda satu angka", "one digit different"),
    ("nik", "transposed"): ("dua angka bertukar tempat", "two neighbouring digits swapped"),
    ("nik", "region_date"): (
        "wilayah dan tanggal lahirnya sama", "same region and birth date digits"
    ),
    ("nik", "else"): _DIFFERENT,
    ("kk", "exact"): _SAME,
    ("kk", "else"): _DIFFERENT,
    ("nama", "exact"): _SAME,
    ("nama", "sorted_tokens"): ("sama, urutan kata berbeda", "same words in another order"),
    ("nama", "jaro_winkler_high"): ("mirip", "similar"),
    ("nama", "jaro_winkler_mid"): ("agak mirip", "somewhat similar"),
    ("nama", "else"): _DIFFERENT,
    ("tanggal_lahir", "exact"): _SAME,
    ("tanggal_lahir", "day_month_swapped"): ("hari dan bulan tertukar", "day and month swapped"),
    ("tanggal_lahir", "year_off_by_one"): ("tahun selisih satu", "year off by one"),
    ("tanggal_lahir", "placeholder"): (
        "tanggal pengganti (1 Januari atau 31 Desember)",
        "a placeholder date (1 January or 31 December)",
    ),
    ("tanggal_lahir", "else"): _DIFFERENT,
    ("jenis_kelamin", "exact"): _SAME,
    ("jenis_kelamin", "else"): _DIFFERENT,
    ("wilayah", "same_desa"): ("desa sama", "same desa"),
    ("wilayah", "same_kecamatan"): ("kecamatan sama, desa lain", "same kecamatan, another desa"),
    ("wilayah", "else"): ("kecamatan lain", "another kecamatan"),
    ("hubungan", "exact"): _SAME,
    ("hubungan", "else"): _DIFFERENT,
}  # fmt: skip
"""(comparison, level) → words in Indonesian and English. Every comparison also has the level
'null': a value missing in one of the records, which weighs nothing."""

MISSING_WORDS = ("tidak diisi di salah satu data", "missing in one of the records")
_MEASURES = {"jaro_winkler_high": "Jaro-Winkler", "jaro_winkler_mid": "Jaro-Winkler"}
_LEVEL_ALIASES = {"jaro_winkler": "jaro_winkler_high"}


def _number(value: float, digits: int, lang: Language, sign: bool = False) -> str:
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "id" else text


def contribution_words(
    comparison: str, level: str, weight: float, similarity: float | None, lang: Language
) -> str:
    """One line of the review page: 'nama mirip (Jaro-Winkler 0,93): +6,1' (id) or
    'name similar (Jaro-Winkler 0.93): +6.1' (en). The weight is the match weight the level
    adds (log2 of the Bayes factor); a missing value always adds 0."""
    language = 0 if lang == "id" else 1
    subject = COMPARISON_WORDS[comparison][language]
    if level == "null":
        return f"{subject} {MISSING_WORDS[language]}: 0"
    level = _LEVEL_ALIASES.get(level, level)
    words = LEVEL_WORDS[(comparison, level)][language]
    if similarity is not None:
        measure = _MEASURES.get(level, ("kemiripan", "similarity")[language])
        words += f" ({measure} {_number(similarity, 2, lang)})"
    return f"{subject} {words}: {_number(weight, 1, lang, sign=True)}"
