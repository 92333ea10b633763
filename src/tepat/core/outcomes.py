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


# Why a family is no longer eligible (MAMPU needs one of these).
MAMPU_REASONS: dict[str, str] = {
    "ASN": "Menjadi ASN/PPPK/TNI/Polri",
    "PENGHASILAN": "Penghasilan sudah cukup",
    "ASET": "Memiliki aset (kendaraan, tanah, usaha, ternak)",
    "BANTUAN": "Kebutuhan dasar sudah terpenuhi",
    "LAINNYA": "Lainnya (tulis di catatan)",
}


# States that count as "verified" (≥ SUBMITTED) and as approved (≥ APPROVED), DESIGN.md §4.
VERIFIED_STATES = frozenset({Review.SUBMITTED, Review.APPROVED, Review.FINAL})
APPROVED_STATES = frozenset({Review.APPROVED, Review.FINAL})


# Who may move a verification from one state to the next. The desa drafts and submits (again
# after a return); the kecamatan approves or returns what was submitted (and may still return
# an approval until the campaign closes); the kabupaten finalizes approvals.
DESA_EDITABLE = frozenset({None, Review.DRAFT, Review.RETURNED})
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({Review.DRAFT, Review.SUBMITTED}),
    Review.DRAFT: frozenset({Review.DRAFT, Review.SUBMITTED}),
    Review.RETURNED: frozenset({Review.DRAFT, Review.SUBMITTED}),
    Review.SUBMITTED: frozenset({Review.APPROVED, Review.RETURNED}),
    Review.APPROVED: frozenset({Review.RETURNED, Review.FINAL}),
    Review.FINAL: frozenset(),
}


def may_move(current: str | None, new: str) -> bool:
    return new in TRANSITIONS[current or None]


def may_take_back(current: str | None, *, review_started: bool) -> bool:
    """The desa takes back its sent batch (SUBMITTED -> DRAFT, a move of the whole batch, never
    of one family: not in TRANSITIONS) only while the kecamatan has decided nothing since the
    batch was sent."""
    return current == Review.SUBMITTED and not review_started


@dataclass(frozen=True)
class RuleProblem:
    """A broken rule of an outcome, in Indonesian and English, and the field it concerns."""

    code: str
    field: str
    message_id: str
    message_en: str


def outcome_problems(
    outcome: str | None,
    *,
    reason: str = "",
    note: str = "",
    duplicate_of: object = None,
    corrections: int = 0,
) -> list[RuleProblem]:
    """What is missing for `outcome` to be submitted (DESIGN.md §3); empty when it may be.

    A draft may be incomplete; submitting needs the outcome and its required details.
    """
    if not outcome:
        return [RuleProblem("OUTCOME_MISSING", "outcome", "Pilih hasil verifikasi.",
                            "Choose a verification outcome.")]
    if outcome not in OUTCOMES:
        return [RuleProblem("OUTCOME_UNKNOWN", "outcome",
                            f"Hasil verifikasi '{outcome}' tidak dikenal.",
                            f"Unknown verification outcome '{outcome}'.")]
    problems = []
    if outcome == "MAMPU" and reason not in MAMPU_REASONS:
        problems.append(RuleProblem(
            "REASON_MISSING", "reason", "Hasil 'Sudah mampu' memerlukan alasan.",
            "Outcome 'no longer eligible' needs a reason."))
    if outcome == "MAMPU" and reason == "LAINNYA" and not note.strip():
        problems.append(RuleProblem(
            "NOTE_MISSING", "note", "Alasan 'Lainnya' memerlukan catatan.",
            "Reason 'other' needs a note."))
    if outcome == "GANDA" and not duplicate_of:
        problems.append(RuleProblem(
            "DUPLICATE_MISSING", "duplicate_of",
            "Hasil 'Data ganda' memerlukan keluarga yang diduplikasi.",
            "Outcome 'duplicate' needs the family it duplicates."))
    if outcome == "LAYAK_BERUBAH" and corrections == 0:
        problems.append(RuleProblem(
            "CORRECTIONS_MISSING", "outcome",
            "Hasil 'Masih layak, data berubah' memerlukan perbaikan data atau anggota.",
            "Outcome 'eligible, data changed' needs a correction of the data or members."))
    return problems
