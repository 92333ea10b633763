"""The cohort of two target lists (issue 17 §5): where the families of an earlier list went.

Every family of the earlier list lands in exactly one category: still on the later list, or
left it, by the verification outcome that removed it (MAMPU graduated, PINDAH moved, MENINGGAL
died, GANDA merged as a duplicate, TIDAK_DITEMUKAN not found), or left without an approved
outcome ("lainnya": e.g. a later list fixed outside a campaign). Every family of the later list
lands in exactly one of: carried over from the earlier list, re-entry (on some list before,
then off a list, now back: it had left and returned to poverty), or new.

Counts are in keluarga (families) and jiwa (persons); jiwa are the ones the entries froze (a
list entry keeps the family's member count when the list was fixed): the earlier entry's for
the earlier side, the later entry's for the later side. Rows are per kecamatan (the entry's).

Pure: plain rows in, a table out; tepat.history.cohort reads the rows from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

STAYED = "tetap"
OTHER = "lainnya"
# The earlier list's families: a category per family. Outcome codes of core/outcomes.py.
LEFT_BY_OUTCOME = {
    "MAMPU": "mampu",
    "PINDAH": "pindah",
    "MENINGGAL": "meninggal",
    "GANDA": "ganda",
    "TIDAK_DITEMUKAN": "tidak_ditemukan",
}
EARLIER_CATEGORIES = (STAYED, *LEFT_BY_OUTCOME.values(), OTHER)
EARLIER_LABELS = {
    STAYED: "Masih di daftar berikutnya",
    "mampu": "Graduasi (sudah mampu)",
    "pindah": "Pindah domisili",
    "meninggal": "Meninggal / keluarga bubar",
    "ganda": "Digabung sebagai data ganda",
    "tidak_ditemukan": "Tidak ditemukan",
    OTHER: "Keluar tanpa hasil verifikasi",
}
# The later list's families.
CARRIED = "bertahan"
REENTRY = "kembali"
NEW = "baru"
LATER_CATEGORIES = (CARRIED, REENTRY, NEW)
LATER_LABELS = {
    CARRIED: "Dari daftar sebelumnya",
    REENTRY: "Kembali miskin (re-entry)",
    NEW: "Baru",
}


class EarlierRow(NamedTuple):
    """A family of the earlier list (or `keluarga` families of one kecamatan alike, `jiwa`
    their sum): is it on the later list, and the approved outcome that removed it from a list
    after the earlier one ("" when none)."""

    key: str
    kecamatan: str
    jiwa: int
    on_later: bool
    outcome: str = ""
    keluarga: int = 1


class LaterRow(NamedTuple):
    """A family of the later list (or `keluarga` alike, as EarlierRow): was it on the earlier
    list, and its presence on each list fixed before the later one, oldest first (the earlier
    list included)."""

    key: str
    kecamatan: str
    jiwa: int
    on_earlier: bool
    lists_before: tuple[bool, ...] = ()
    keluarga: int = 1


@dataclass
class Count:
    keluarga: int = 0
    jiwa: int = 0

    def add(self, jiwa: int, keluarga: int = 1) -> None:
        self.keluarga += keluarga
        self.jiwa += jiwa


@dataclass
class CohortRow:
    kecamatan: str
    earlier: Count = field(default_factory=Count)
    later: Count = field(default_factory=Count)
    left: dict[str, Count] = field(
        default_factory=lambda: {c: Count() for c in EARLIER_CATEGORIES})
    joined: dict[str, Count] = field(
        default_factory=lambda: {c: Count() for c in LATER_CATEGORIES})

    def merge(self, other: CohortRow) -> None:
        for mine, theirs in ((self.earlier, other.earlier), (self.later, other.later)):
            mine.keluarga += theirs.keluarga
            mine.jiwa += theirs.jiwa
        for ours, theirs_by in ((self.left, other.left), (self.joined, other.joined)):
            for category, count in theirs_by.items():
                ours[category].keluarga += count.keluarga
                ours[category].jiwa += count.jiwa


@dataclass
class CohortTable:
    rows: list[CohortRow]  # per kecamatan, by code
    total: CohortRow


def earlier_category(row: EarlierRow) -> str:
    if row.on_later:
        return STAYED
    return LEFT_BY_OUTCOME.get(row.outcome, OTHER)


def left_and_returned(presence: Sequence[bool]) -> bool:
    """On some list, then off a later one: the family had left (before coming back)."""
    seen = False
    for on in presence:
        if on:
            seen = True
        elif seen:
            return True
    return False


def later_category(row: LaterRow) -> str:
    if row.on_earlier:
        return CARRIED
    return REENTRY if left_and_returned(row.lists_before) else NEW


def cohort(earlier: Iterable[EarlierRow], later: Iterable[LaterRow]) -> CohortTable:
    by_kecamatan: dict[str, CohortRow] = {}

    def row_of(code: str) -> CohortRow:
        found = by_kecamatan.get(code)
        if found is None:
            found = by_kecamatan[code] = CohortRow(code)
        return found

    for e in earlier:
        target = row_of(e.kecamatan)
        target.earlier.add(e.jiwa, e.keluarga)
        target.left[earlier_category(e)].add(e.jiwa, e.keluarga)
    for n in later:
        target = row_of(n.kecamatan)
        target.later.add(n.jiwa, n.keluarga)
        target.joined[later_category(n)].add(n.jiwa, n.keluarga)
    rows = [by_kecamatan[code] for code in sorted(by_kecamatan)]
    total = CohortRow("")
    for row in rows:
        total.merge(row)
    return CohortTable(rows, total)


def one_kecamatan(table: CohortTable, code: str) -> CohortTable:
    """The table of one kecamatan, cut from the regency's: each row counts the families of its
    kecamatan (their entry's) only, so the kecamatan's own cohort is its row."""
    rows = [row for row in table.rows if row.kecamatan == code]
    total = CohortRow("")
    for row in rows:
        total.merge(row)
    return CohortTable(rows, total)


def _count_json(count: Count) -> list[int]:
    return [count.keluarga, count.jiwa]


def _row_json(row: CohortRow) -> dict:
    return {"kecamatan": row.kecamatan, "earlier": _count_json(row.earlier),
            "later": _count_json(row.later),
            "left": {c: _count_json(n) for c, n in row.left.items()},
            "joined": {c: _count_json(n) for c, n in row.joined.items()}}


def table_to_json(table: CohortTable) -> dict:
    """The table as plain JSON (kept in the database by tepat.history)."""
    return {"rows": [_row_json(row) for row in table.rows], "total": _row_json(table.total)}


def _row_from_json(data: dict) -> CohortRow:
    row = CohortRow(data["kecamatan"], Count(*data["earlier"]), Count(*data["later"]))
    for category, pair in data["left"].items():
        row.left[category] = Count(*pair)
    for category, pair in data["joined"].items():
        row.joined[category] = Count(*pair)
    return row


def table_from_json(data: dict) -> CohortTable:
    return CohortTable([_row_from_json(r) for r in data["rows"]], _row_from_json(data["total"]))


def share(part: int, whole: int) -> float | None:
    """Percentage, one decimal; None when the whole is zero."""
    return round(100 * part / whole, 1) if whole else None
