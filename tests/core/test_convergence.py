"""Convergence analysis (issue 4 §4) against a small example computed by hand.

Five target families (entry: registry family, kecamatan/desa, jiwa, official):

    e1: f101  A/A1  4 jiwa  official 1
    e2: f102  A/A1  3 jiwa  official 1
    e3: f103  A/A2  2 jiwa  official 2
    e4: —     B/B1  5 jiwa  (usulan baru, not in the registry; no official)
    e5: f105  B/B1  1 jiwa  official 3          total 5 keluarga, 15 jiwa

Programmes: 1 PKH APBN (dinsos), 2 PKH daerah APBD_KAB (dinsos), 3 RTLH 2024 APBD_KAB (perkim),
4 RTLH CSR (baznas), 5 RTLH 2025 APBD_KAB (perkim), 6 modal usaha (diskop, nothing delivered).

Delivered aid: f101 ← 1 (4 payments, Rp 3.000.000) and 2 (Rp 1.000.000): PKH twice in 2024 from
two funding sources = double aid. f102 ← 3 and 5: RTLH in two different years = not double aid.
f103 ← nothing. f105 ← 3 (Rp 20 jt) and 4 (Rp 15 jt): RTLH 2024 from two agencies = double aid.
Off the list: f201 (2 jiwa) ← 1 (Rp 3 jt); f202 (6 jiwa) ← 3 (Rp 20 jt).

Needs: e1 PKH met, e1 RTLH open; e2 RTLH met; e3 PKH referred; e4 PKH open; e5 none.
Visits: e1 two, e3 one, e5 one. Registry population of the area: 20 families.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tepat.core.convergence import (
    DOUBLE_AID,
    NO_INTERVENTION,
    Aid,
    DoubleAid,
    Inputs,
    LaterVerification,
    NeedRecord,
    Programme,
    TargetFamily,
    analyse,
    coverage,
    coverage_by,
    double_aid,
    graduation,
    ranking,
)
from tepat.core.measures import Units
from tepat.core.outcomes import OUTCOMES, REMOVED, Review

FAMILIES = [
    TargetFamily(1, 101, "A", "A1", 4, official=1),
    TargetFamily(2, 102, "A", "A1", 3, official=1),
    TargetFamily(3, 103, "A", "A2", 2, official=2),
    TargetFamily(4, None, "B", "B1", 5),
    TargetFamily(5, 105, "B", "B1", 1, official=3),
]
PROGRAMMES = {p.id: p for p in (
    Programme(1, "PKH", "dinsos", "PKH", "BEBAN", "APBN", 2024),
    Programme(2, "PKH daerah", "dinsos", "PKH", "BEBAN", "APBD_KAB", 2024),
    Programme(3, "RTLH", "perkim", "RTLH", "KANTONG", "APBD_KAB", 2024, budget=200_000_000),
    Programme(4, "RTLH Baznas", "baznas", "RTLH", "KANTONG", "CSR", 2024),
    Programme(5, "RTLH 2025", "perkim", "RTLH", "KANTONG", "APBD_KAB", 2025),
    Programme(6, "Modal usaha", "diskop", "MODAL", "PENDAPATAN", "APBD_KAB", 2024),
)}
AIDS = [
    Aid(101, 1, 3_000_000, count=4, jiwa=4), Aid(101, 2, 1_000_000, jiwa=4),
    Aid(102, 3, 20_000_000, jiwa=3), Aid(102, 5, 20_000_000, jiwa=3),
    Aid(105, 3, 20_000_000, jiwa=1), Aid(105, 4, 15_000_000, jiwa=1),
    Aid(201, 1, 3_000_000, jiwa=2), Aid(202, 3, 20_000_000, jiwa=6),
]
NEEDS = [
    NeedRecord(1, "PKH", "met"), NeedRecord(1, "RTLH", "open"), NeedRecord(2, "RTLH", "met"),
    NeedRecord(3, "PKH", "referred"), NeedRecord(4, "PKH", "open"),
]
INPUTS = Inputs(FAMILIES, PROGRAMMES, AIDS, NEEDS, visits={1: 2, 3: 1, 5: 1}, population=20)


@pytest.fixture(scope="module")
def analysis():
    return analyse(INPUTS, code="K", name="Kabupaten")


def _family(analysis, entry):
    return next(r for r in analysis.families if r.family.entry == entry)


def test_a_family_shows_its_aid_by_strategy_its_open_needs_and_visits(analysis):
    e1 = _family(analysis, 1)
    assert e1.by_strategy["BEBAN"].count == 5  # 4 PKH payments + 1 PKH daerah
    assert e1.by_strategy["BEBAN"].amount == 4_000_000
    assert e1.by_strategy["KANTONG"].count == 0 and e1.by_strategy["PENDAPATAN"].count == 0
    assert (e1.needs, e1.open_needs, e1.visits) == (2, ("RTLH",), 2)
    assert e1.all_needs_met is False
    assert _family(analysis, 2).all_needs_met is True
    assert _family(analysis, 5).all_needs_met is None  # no recorded need


def test_families_without_any_delivered_aid_are_flagged(analysis):
    # e3 got nothing; e4 (usulan baru) is not in the registry, so nothing can reach it.
    assert [r.family.entry for r in analysis.no_intervention] == [3, 4]
    assert _family(analysis, 3).flags == (NO_INTERVENTION,)


def test_the_same_aid_twice_from_two_sources_or_two_agencies_is_flagged(analysis):
    assert [r.family.entry for r in analysis.double_aid] == [1, 5]
    assert _family(analysis, 1).double_aid == (
        DoubleAid("PKH", 2024, (1, 2), ("dinsos",), ("APBD_KAB", "APBN")),)
    assert _family(analysis, 5).double_aid == (
        DoubleAid("RTLH", 2024, (3, 4), ("baznas", "perkim"), ("APBD_KAB", "CSR")),)
    assert _family(analysis, 5).flags == (DOUBLE_AID,)
    assert _family(analysis, 2).double_aid == ()  # RTLH 2024 and RTLH 2025: not twice


def test_instalments_and_one_agencys_two_programmes_on_one_fund_are_not_double_aid():
    programmes = {**PROGRAMMES, 7: Programme(7, "PKH plus", "dinsos", "PKH", "BEBAN", "APBN",
                                             2024)}
    assert double_aid([Aid(1, 1, 750_000), Aid(1, 1, 750_000)], programmes) == ()
    assert double_aid([Aid(1, 1, 750_000), Aid(1, 7, 750_000)], programmes) == ()
    assert double_aid([Aid(1, 4, 1), Aid(1, 5, 1)], programmes) == ()  # 2024 and 2025


def test_coverage_counts_both_units_and_leaves_families_without_needs_out_of_needs_met(
        analysis):
    t = analysis.total
    assert t.targets == Units(5, 15)
    assert t.visited == Units(3, 7)  # e1 4 + e3 2 + e5 1
    assert t.served == Units(3, 8)  # e1 4 + e2 3 + e5 1
    assert t.served_pct_keluarga == pytest.approx(60.0)
    assert t.pct("served", "jiwa") == pytest.approx(8 / 15 * 100)  # 53.33
    assert t.with_needs == Units(4, 14)  # e5 has no recorded need: out of the denominator
    assert t.needs_met == Units(1, 3)  # e2 only
    assert t.needs_met_pct_keluarga == pytest.approx(25.0)  # 1 / 4
    assert t.pct("needs_met", "jiwa") == pytest.approx(3 / 14 * 100)  # 21.43
    assert (t.no_intervention, t.double_aid, t.open_needs) == (Units(2, 7), Units(2, 5), 3)


def test_kecamatan_rows_are_ranked_lowest_coverage_first(analysis):
    rows = coverage_by(analysis.families, lambda r: r.family.kecamatan,
                       {"A": "Kec A", "B": "Kec B"}, teams={"A": "Drs. Hariyanto"})
    a, b = rows
    assert (a.name, a.team, a.targets, a.visited, a.served) == (
        "Kec A", "Drs. Hariyanto", Units(3, 9), Units(2, 6), Units(2, 7))
    assert a.served_pct_keluarga == pytest.approx(200 / 3)  # 2 of 3
    assert a.needs_met_pct_keluarga == pytest.approx(100 / 3)  # e2 of e1, e2, e3
    assert (b.targets, b.served_pct_keluarga, b.visited_pct_keluarga) == (Units(2, 6), 50.0, 50.0)
    assert b.needs_met_pct_keluarga == 0.0  # e4's need is open; e5 has none
    assert [r.code for r in ranking(rows)] == ["B", "A"]
    row = b.as_dict()
    assert row["served_keluarga"] == 1 and row["served_jiwa"] == 1
    assert row["served_pct_jiwa"] == pytest.approx(100 / 6)


def test_an_area_without_targets_is_ranked_last():
    rows = coverage_by([], lambda r: r.family.kecamatan, {})
    assert rows == []
    empty = analyse(Inputs([], PROGRAMMES)).total
    assert empty.served_pct_keluarga is None
    some = analyse(INPUTS).total
    assert ranking([empty, some])[-1] is empty


def _programme(analysis, pid):
    return next(p for p in analysis.programmes if p.programme.id == pid)


def test_programme_targeting_errors_cgh_and_budget_by_hand(analysis):
    # Population 20 registry families + 1 usulan baru = 21; target share 5 / 21.
    pkh = _programme(analysis, 1)
    assert (pkh.beneficiaries, pkh.on_list, pkh.off_list) == (
        Units(2, 6), Units(1, 4), Units(1, 2))
    assert pkh.inclusion_error_pct == pytest.approx(50.0)  # f201 of {e1, f201}
    assert (pkh.needing, pkh.needing_unserved) == (Units(3, 11), Units(2, 7))  # e1,e3,e4; e3,e4
    assert pkh.exclusion_error_pct == pytest.approx(200 / 3)  # 2 of 3
    assert (pkh.amount, pkh.amount_to_targets) == (6_000_000, 3_000_000)
    assert pkh.budget_to_targets_pct == pytest.approx(50.0)
    assert pkh.population == 21
    assert pkh.cgh_index == pytest.approx(2.1)  # 0.5 / (5/21)

    rtlh = _programme(analysis, 3)
    assert rtlh.off_list == Units(1, 6) and rtlh.inclusion_error_pct == pytest.approx(100 / 3)
    assert rtlh.needing_unserved == Units(1, 4)  # e1 (e2 served)
    assert rtlh.exclusion_error_pct == pytest.approx(50.0)
    assert rtlh.budget_to_targets_pct == pytest.approx(200 / 3)  # 40 jt of 60 jt
    assert rtlh.cgh_index == pytest.approx(2.8)  # (2/3) / (5/21)

    baznas = _programme(analysis, 4)  # served e5, who had no recorded RTLH need
    assert baznas.inclusion_error_pct == 0.0 and baznas.exclusion_error_pct == 100.0
    assert baznas.cgh_index == pytest.approx(4.2)  # everything to targets: 1 / (5/21)


def test_a_programme_that_delivered_nothing_has_no_rates(analysis):
    modal = _programme(analysis, 6)
    assert modal.beneficiaries == Units() and modal.amount == 0
    assert modal.inclusion_error_pct is None and modal.exclusion_error_pct is None
    assert modal.cgh_index is None and modal.budget_to_targets_pct is None
    assert modal.as_dict()["needing_keluarga"] == 0


def test_graduation_counts_the_latest_verified_result_of_a_later_campaign():
    later = [
        LaterVerification(1, 1, "MAMPU", "SUBMITTED"),  # graduates: 4 jiwa
        LaterVerification(2, 1, "MAMPU", "DRAFT"),  # a draft is not a result
        LaterVerification(3, 1, "PINDAH", "APPROVED"),
        LaterVerification(3, 2, "LAYAK", "SUBMITTED"),  # the later campaign: still eligible
        LaterVerification(5, 1, "LAYAK", "FINAL"),
        LaterVerification(5, 2, "MENINGGAL", "FINAL"),  # graduates: 1 jiwa
    ]
    g = graduation(FAMILIES, later)
    assert g.on_list == Units(5, 15)
    assert g.verified_again == Units(3, 7)  # e1, e3, e5
    assert g.graduated == Units(2, 5)
    assert g.projected == Units(3, 10)  # 5 − 2 keluarga, 15 − 5 jiwa
    assert g.by_outcome["MAMPU"] == Units(1, 4) and g.by_outcome["MENINGGAL"] == Units(1, 1)
    assert g.reduction_pct_keluarga == pytest.approx(40.0)
    assert g.reduction_pct_jiwa == pytest.approx(100 / 3)
    assert g.as_dict()["projected_jiwa"] == 10


# --- the tallies against a plain count, family by family --------------------------------------

AID_KINDS = ("PKH", "RTLH")
random_programmes = {i: Programme(i, f"P{i}", agency, kind, "BEBAN", funding, year)
                     for i, (agency, kind, funding, year) in enumerate([
                         ("dinsos", "PKH", "APBN", 2024), ("dinsos", "PKH", "APBD_KAB", 2024),
                         ("perkim", "RTLH", "APBD_KAB", 2024), ("baznas", "RTLH", "CSR", 2025)])}


@st.composite
def random_inputs(draw) -> Inputs:
    """Up to 30 families with any mix of aid, needs (open, referred, met), visits and later
    verified or unverified results: the combinations the hand-made example leaves out."""
    n = draw(st.integers(0, 30))
    families = [TargetFamily(e, draw(st.one_of(st.none(), st.just(100 + e))), "A", "A1",
                             draw(st.integers(1, 9))) for e in range(1, n + 1)]
    entries = st.integers(1, max(n, 1))
    aids = draw(st.lists(st.builds(Aid, st.integers(100, 100 + n), st.sampled_from(
        sorted(random_programmes)), st.integers(0, 5_000_000), st.integers(1, 4)), max_size=40))
    needs = draw(st.lists(st.builds(NeedRecord, entries, st.sampled_from(AID_KINDS),
                                    st.sampled_from(["open", "referred", "met"])), max_size=40))
    visits = draw(st.dictionaries(entries, st.integers(1, 3), max_size=n))
    later = draw(st.lists(st.builds(
        LaterVerification, entries, st.integers(0, 3), st.sampled_from(sorted(OUTCOMES)),
        st.sampled_from([r.value for r in Review])), max_size=40))
    return Inputs(families, random_programmes, aids, needs, visits, 50, later)


def _plain_units(rows, counted) -> Units:
    chosen = [r for r in rows if counted(r)]
    return Units(len(chosen), sum(r.family.jiwa for r in chosen))


@settings(max_examples=300, deadline=None)
@given(random_inputs())
def test_coverage_and_graduation_equal_a_plain_count_family_by_family(inputs):
    rows = analyse(inputs).families
    for r in rows:
        assert r.interventions == sum(s.count for s in r.by_strategy.values())
        assert r.amount == sum(s.amount for s in r.by_strategy.values())
    c = coverage(rows, "A", "A")
    assert c.targets == _plain_units(rows, lambda r: True)
    assert c.visited == _plain_units(rows, lambda r: r.visits > 0)
    assert c.served == _plain_units(rows, lambda r: r.interventions > 0)
    assert c.no_intervention == _plain_units(rows, lambda r: r.interventions == 0)
    assert c.with_needs == _plain_units(rows, lambda r: r.needs > 0)
    assert c.needs_met == _plain_units(rows, lambda r: r.all_needs_met is True)
    assert c.double_aid == _plain_units(rows, lambda r: bool(r.double_aid))
    assert c.open_needs == sum(len(r.open_needs) for r in rows)

    latest: dict[int, LaterVerification] = {}
    for v in inputs.later:
        if v.outcome and v.review in ("SUBMITTED", "APPROVED", "FINAL") and (
                v.entry not in latest or v.order > latest[v.entry].order):
            latest[v.entry] = v
    g = graduation(inputs.families, inputs.later)
    families = list(inputs.families)

    def plain(keep) -> Units:
        chosen = [f for f in families if keep(latest.get(f.entry))]
        return Units(len(chosen), sum(f.jiwa for f in chosen))

    assert g.on_list == plain(lambda v: True)
    assert g.verified_again == plain(lambda v: v is not None)
    assert g.graduated == plain(lambda v: v is not None and v.outcome in REMOVED)
    for code in REMOVED:
        assert g.by_outcome[code] == plain(lambda v, code=code: v is not None and v.outcome == code)
    assert g.projected.keluarga == g.on_list.keluarga - g.graduated.keluarga


def test_the_convergence_core_imports_nothing_from_django():
    code = ("import sys, tepat.core.convergence\n"
            "print(','.join(m for m in sys.modules if m.split('.')[0] == 'django'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == ""
