"""One language out of a stored "Indonesian / English" text (pure: no Django).

Background jobs (imports, reports, linkage runs) write their progress notes, import notes and
messages as one pair, "Membaca berkas / reading files", so that the command line and the logs
show both; a page shows the side of the reader's language, its numbers grouped the way that
language groups them (30.150 in Indonesian, 30,150 in English). A text without the separator is
shown as it is.
"""

from __future__ import annotations

import re

SEPARATOR = " / "
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")  # 30,150 (Python's `:,`)


def split(text: str) -> tuple[str, str] | None:
    """(Indonesian, English), or None for a text that is not a pair. When the separator occurs
    more than once (an Indonesian label may hold " / "), the pair is cut at the one that
    leaves the two sides closest in length: a text and its translation."""
    cuts = [m.start() for m in re.finditer(re.escape(SEPARATOR), text or "")]
    if not cuts:
        return None
    cut = min(cuts, key=lambda at: abs(at - (len(text) - at - len(SEPARATOR))))
    return text[:cut], text[cut + len(SEPARATOR):]


def pick(text: str, english: bool) -> str:
    """'Membaca berkas / reading files' -> 'Membaca berkas', or in English 'Reading files'."""
    pair = split(text)
    if pair is None:
        return group_numbers(text or "", english)
    indonesian, other = pair
    if not english:
        return group_numbers(indonesian, english)
    return other[:1].upper() + other[1:]


def group_numbers(text: str, english: bool) -> str:
    """Python's grouped numbers (30,150) as the language writes them (Indonesian: 30.150)."""
    if english:
        return text
    return _GROUPED.sub(lambda m: m.group(0).replace(",", "."), text)
