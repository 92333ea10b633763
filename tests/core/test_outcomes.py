"""The outcome rules of DESIGN.md §3: what each outcome needs, and who moves a state where."""

from tepat.core.outcomes import OUTCOMES, Review, may_move, outcome_problems


def _codes(problems):
    return [p.code for p in problems]


def test_every_outcome_needs_only_what_the_design_says():
    assert _codes(outcome_problems(None)) == ["OUTCOME_MISSING"]
    assert _codes(outcome_problems("LAYAK")) == []
    assert _codes(outcome_problems("MAMPU")) == ["REASON_MISSING"]
    assert _codes(outcome_problems("MAMPU", reason="ASN")) == []
    assert _codes(outcome_problems("MAMPU", reason="LAINNYA")) == ["NOTE_MISSING"]
    assert _codes(outcome_problems("GANDA")) == ["DUPLICATE_MISSING"]
    assert _codes(outcome_problems("GANDA", duplicate_of=12)) == []
    assert _codes(outcome_problems("LAYAK_BERUBAH")) == ["CORRECTIONS_MISSING"]
    assert _codes(outcome_problems("LAYAK_BERUBAH", corrections=1)) == []
    for code in ("PINDAH", "MENINGGAL", "TIDAK_DITEMUKAN"):
        assert outcome_problems(code) == []
    assert _codes(outcome_problems("HILANG")) == ["OUTCOME_UNKNOWN"]


def test_every_problem_is_said_in_indonesian_and_english():
    for outcome in [*OUTCOMES, None, "X"]:
        for p in outcome_problems(outcome, reason="LAINNYA"):
            assert p.message_id and p.message_en and p.message_id != p.message_en


def test_no_approval_before_submission_and_nothing_moves_after_final():
    assert not may_move(None, Review.APPROVED)
    assert not may_move(Review.DRAFT, Review.APPROVED)
    assert may_move(Review.SUBMITTED, Review.APPROVED)
    assert may_move(Review.SUBMITTED, Review.RETURNED)
    assert may_move(Review.RETURNED, Review.SUBMITTED)
    assert not may_move(Review.SUBMITTED, Review.DRAFT)  # the desa cannot take it back
    assert all(not may_move(Review.FINAL, state) for state in Review)
