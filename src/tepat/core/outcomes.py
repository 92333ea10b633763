"""Verification outcomes and review states of DESIGN.md §3 (codes stored, labels shown)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    still_target: bool
    reason_required: bool = False


OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("LAYAK", "Masih layak (tetap sasaran)", still_target=True),
        Outcome("LAYAK_BERUBAH", "Masih layak, data/anggota berubah", still_target=True),
        Outcome("MAMPU", "Sudah mampu / tidak memenuhi kriteria", still_target=False,
                reason_required=True),
        Outcome("PINDAH", "Pindah domisili", still_target=False),
        Outcome("MENINGGAL", "Meninggal / keluarga bubar", still_target=False),
        Outcome("TIDAK_DITEMUKAN", "Tidak ditemukan di alamat", still_target=False),
        Outcome("GANDA", "Data ganda", still_target=False, reason_required=True),
    )
}
STILL_TARGET = frozenset(code for code, o in OUTCOMES.items() if o.still_target)
REMOVED = frozenset(code for code, o in OUTCOMES.items() if not o.still_target)
PENDING_LABEL = "Belum diverifikasi"


class Review(StrEnum):
    """Review state of one verification, in the order it moves."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"
    FINAL = "FINAL"


# States that count as "verified" (≥ SUBMITTED) and as approved (≥ APPROVED), DESIGN.md §4.
VERIFIED_STATES = frozenset({Review.SUBMITTED, Review.APPROVED, Review.FINAL})
APPROVED_STATES = frozenset({Review.APPROVED, Review.FINAL})
