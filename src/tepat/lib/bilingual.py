"""One language out of a stored "Indonesian / English" progress note (pure: no Django).

Background jobs (imports, reports, linkage runs) write their progress notes as one pair,
"Membaca berkas / reading files", so that the command line shows both; a page shows the side
of the reader's language. A note without the separator is shown as it is.
"""

from __future__ import annotations

SEPARATOR = " / "


def pick(note: str, english: bool) -> str:
    """'Membaca berkas / reading files' -> 'Membaca berkas' (or 'reading files' in English),
    the English side with a capital letter as the Indonesian one has."""
    indonesian, found, other = (note or "").partition(SEPARATOR)
    if not found:
        return note or ""
    if not english:
        return indonesian
    return other[:1].upper() + other[1:]
