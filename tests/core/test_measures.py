"""The metric formulas of DESIGN.md §4 against hand-computed examples."""

from __future__ import annotations

import pytest

from tepat.core.measures import (
    Units,
    Verification,
    campaign_figures,
    fgt,
    minimum_transfer,
    rate_change,
    targeting,
)


def test_poverty_rising_from_17_12_to_17_19_is_seven_hundredths_of_a_point():
    change = rate_change(17.12, 17.19)
    assert change.pp == pytest.approx(0.07)
    assert change.relative_pct == pytest.approx(0.4089, abs=1e-4)
    assert change.label() == "+0.07 pp (+0.41% relatif)"


def test_extreme_poverty_falling_from_3_18_to_2_28_is_minus_28_3_percent_relative():
    change = rate_change(3.18, 2.28)
    assert change.pp == pytest.approx(-0.90)
    assert change.relative_pct == pytest.approx(-28.30, abs=0.01)
    assert change.label(1) == "-0.9 pp (-28.3% relatif)"


def test_a_change_from_zero_has_no_relative_figure():
    assert rate_change(0.0, 1.0).relative_pct is None
    assert rate_change(0.0, 1.0).label() == "+1.00 pp"


def _baseline() -> list[Verification]:
    # 10 families, 35 persons: 4 pending (one a draft), 6 verified of which 4 approved.
    return [
        Verification(4, "LAYAK", "APPROVED"),
        Verification(3, "LAYAK_BERUBAH", "SUBMITTED"),
        Verification(5, "MAMPU", "APPROVED"),
        Verification(2, "MENINGGAL", "FINAL"),
        Verification(3, "PINDAH", "APPROVED"),
        Verification(4, "GANDA", "SUBMITTED"),
        Verification(3, "LAYAK", "DRAFT"),
        Verification(4, "MAMPU", "RETURNED"),
        Verification(3),
        Verification(4),
    ]


def test_campaign_figures_count_both_units_from_submitted_verifications_only():
    f = campaign_figures(_baseline())
    assert f.in_scope == Units(10, 35)
    assert f.verified == Units(6, 21)
    assert f.approved == Units(4, 14)
    assert f.pending == Units(4, 14)
    assert f.still_target == Units(2, 7)
    assert f.removed == Units(4, 14)
    assert f.by_outcome["MAMPU"] == Units(1, 5)  # the returned MAMPU is still pending
    assert f.progress_pct_keluarga == pytest.approx(60.0)
    assert f.progress_pct_jiwa == pytest.approx(60.0)
    assert f.reduction_pct_keluarga == pytest.approx(40.0)
    assert f.reduction_pct_jiwa == pytest.approx(40.0)
    assert f.provisional


def test_reduction_is_final_once_the_campaign_is_finalized_or_nothing_is_pending():
    assert not campaign_figures(_baseline(), finalized=True).provisional
    done = [Verification(2, "LAYAK", "FINAL"), Verification(3, "PINDAH", "FINAL")]
    figures = campaign_figures(done)
    assert not figures.provisional
    assert figures.reduction_pct_jiwa == pytest.approx(60.0)


def test_an_empty_area_has_no_rates_rather_than_a_division_by_zero():
    f = campaign_figures([])
    assert f.progress_pct_keluarga is None and f.reduction_pct_jiwa is None


def test_fgt_on_the_textbook_four_person_example():
    # y = 1, 2, 3, 4 and z = 3: the first two are poor, with gaps 2/3 and 1/3.
    y = [1.0, 2.0, 3.0, 4.0]
    assert fgt(y, 3.0, 0) == pytest.approx(0.5)
    assert fgt(y, 3.0, 1) == pytest.approx(0.25)
    assert fgt(y, 3.0, 2) == pytest.approx(5 / 36)


def test_fgt_counts_persons_through_weights_and_household_size():
    # Household A (poor, y=50, z=100) has 4 members and weight 2: 8 persons, gap 0.5.
    # Household B (not poor) has 2 members and weight 1: 2 persons.
    p0 = fgt([50.0, 150.0], 100.0, 0, weights=[2, 1], sizes=[4, 2])
    p1 = fgt([50.0, 150.0], 100.0, 1, weights=[2, 1], sizes=[4, 2])
    assert p0 == pytest.approx(0.8)
    assert p1 == pytest.approx(0.4)
    assert minimum_transfer(p1, 100.0, 10) == pytest.approx(400.0)  # 8 persons × 50


def test_fgt_refuses_a_zero_poverty_line():
    with pytest.raises(ValueError):
        fgt([1.0], 0.0, 0)


def test_targeting_errors_and_the_coady_grosh_hoddinott_index():
    targets = {"a", "b", "c", "d"}  # 4 of a population of 20 families
    beneficiaries = {"a", "b", "x", "y", "z"}  # 3 of 5 are not targets
    needing = {"a", "b", "c"}  # target families with the need: c is not served
    benefits = {"a": 100.0, "b": 100.0, "x": 100.0, "y": 100.0, "z": 100.0}
    t = targeting(beneficiaries=beneficiaries, targets=targets, needing=needing,
                  benefits=benefits, population=20)
    assert t.inclusion_error == pytest.approx(3 / 5)
    assert t.exclusion_error == pytest.approx(1 / 3)
    assert t.cgh_index == pytest.approx((200 / 500) / (4 / 20))  # 2.0: twice a random draw


def test_tallies_give_the_same_figures_as_the_families_they_group():
    from collections import Counter

    from tepat.core.measures import Tally, figures_from_tallies

    families = _baseline()
    keluarga = Counter((v.outcome, v.review) for v in families)
    jiwa = Counter()
    for v in families:
        jiwa[(v.outcome, v.review)] += v.jiwa
    tallies = [Tally(o, r, keluarga[(o, r)], jiwa[(o, r)]) for (o, r) in keluarga]
    assert figures_from_tallies(tallies) == campaign_figures(families)


def test_proposals_are_counted_apart_and_never_hide_removals():
    from tepat.core.measures import Tally, figures_from_tallies

    baseline = [Tally("MAMPU", "APPROVED", 2, 7), Tally("LAYAK", "SUBMITTED", 2, 8)]
    proposals = [Tally(None, "APPROVED", 3, 12), Tally(None, "SUBMITTED", 1, 4),
                 Tally(None, "DRAFT", 5, 20)]
    f = figures_from_tallies(baseline, proposals=proposals)
    assert f.in_scope == Units(4, 15)
    assert f.removed == Units(2, 7)
    assert f.reduction_pct_keluarga == pytest.approx(50.0)  # proposals do not offset it
    assert f.proposed == Units(4, 16)  # drafts are not proposals yet
    assert f.proposed_approved == Units(3, 12)
    row = f.as_dict()
    assert row["submitted_keluarga"] == 2 and row["outcome_mampu_jiwa"] == 7
    assert row["proposed_jiwa"] == 16 and row["provisional"] is False
