"""Budget planning (issue 4 §5) on instances small enough to solve by hand."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from tepat.core.planning import (
    PlanProgramme,
    TargetFamily,
    group_families,
    plan,
    synthetic_instance,
)
from tepat.core.strategies import NEED_KINDS

KEC = "35.13.20"


def family(id_: int, *needs: str, desil: int = 1, kecamatan: str = KEC,
           jiwa: int = 3) -> TargetFamily:
    return TargetFamily(id_, frozenset(needs), desil, kecamatan, jiwa=jiwa)


def test_the_optimum_serves_as_many_families_as_the_budget_allows():
    families = [family(1, "PKH"), family(2, "PKH"), family(3, "PKH")]
    pkh = PlanProgramme("pkh", "PKH", 3_000_000, budget=6_000_000)

    result = plan(families, [pkh]).optimal

    assert (result.families_served, result.needs_closed, result.cost) == (2, 2, 6_000_000)
    assert result.lp_bound == pytest.approx(2)
    assert result.gap == pytest.approx(0)
    assert result.status == "Optimal"
    assert len({f for f, _p in result.assignments()}) == 2


def test_greedy_cheapest_first_does_worse_than_the_optimum_on_a_crafted_case():
    # Both families' cheapest option is the one PKH place; the greedy plan gives it to the
    # first family, which could have had the house repair instead.
    families = [family(1, "PKH", "RTLH"), family(2, "PKH")]
    programmes = [PlanProgramme("pkh", "PKH", 1_000_000, budget=1_000_000),
                  PlanProgramme("rtlh", "RTLH", 10_000_000, budget=10_000_000)]

    result = plan(families, programmes)

    assert result.optimal.families_served == 2
    assert sorted(result.optimal.assignments()) == [(1, "rtlh"), (2, "pkh")]
    assert result.greedy.families_served == 1
    assert result.greedy.needs_closed == 2  # the leftover RTLH place went to family 1 too


def test_the_minimum_budget_is_the_hand_sum_per_family_and_strategy():
    families = [
        family(1, "PKH", "RTLH", desil=2),  # BEBAN 3M + KANTONG: only the APBD RTLH (20M)
        family(2, "PKH", "SEMBAKO"),  # one BEBAN intervention is enough: sembako 200k
        family(3, "RTLH"),  # desil 1: the Dana Desa RTLH (15M)
    ]
    programmes = [
        PlanProgramme("pkh", "PKH", 3_000_000, budget=0),
        PlanProgramme("sembako", "SEMBAKO", 200_000, budget=0),
        PlanProgramme("rtlh", "RTLH", 20_000_000, budget=0),
        PlanProgramme("rtlh-dd", "RTLH", 15_000_000, budget=0, desil_max=1),
    ]

    least = plan(families, programmes).minimum_budget

    assert least.total == 3_000_000 + 20_000_000 + 200_000 + 15_000_000
    assert {u.programme.id: (u.families, u.cost) for u in least.by_programme} == {
        "pkh": (1, 3_000_000), "sembako": (1, 200_000), "rtlh": (1, 20_000_000),
        "rtlh-dd": (1, 15_000_000)}
    assert (least.family_strategies, least.covered) == (4, 4)
    shortfall = {row["programme"]: row["shortfall"] for row in least.as_dict()["by_programme"]}
    assert shortfall["rtlh"] == 20_000_000  # a budget of 0: all of it is missing


def test_a_programme_never_serves_a_family_above_its_desil():
    families = [family(1, "PKH", desil=3), family(2, "PKH", desil=1)]
    pkh = PlanProgramme("pkh", "PKH", 3_000_000, desil_max=1)

    result = plan(families, [pkh])

    assert result.optimal.assignments() == [(2, "pkh")]
    assert result.greedy.assignments() == [(2, "pkh")]
    assert result.minimum_budget.no_programme == {"BEBAN": 1}
    assert result.minimum_budget.total == 3_000_000


def test_a_family_of_unknown_desil_is_eligible():
    result = plan([TargetFamily(1, frozenset({"PKH"}), None, KEC)],
                  [PlanProgramme("pkh", "PKH", 3_000_000, desil_max=1)])

    assert result.optimal.families_served == 1


def test_capacity_is_respected_even_with_money_to_spare():
    families = [family(i, "PELATIHAN") for i in range(1, 4)]
    blk = PlanProgramme("blk", "PELATIHAN", 2_500_000, budget=None, capacity=1)

    result = plan(families, [blk])

    assert result.optimal.families_served == 1
    assert result.greedy.families_served == 1
    assert result.minimum_budget.over_capacity == {"PENDAPATAN": 2}
    assert result.minimum_budget.total == 2_500_000


def test_budget_and_capacity_together_allow_the_smaller_of_the_two():
    assert PlanProgramme("p", "AIR", 2_000_000, budget=9_000_000, capacity=10).slots == 4
    assert PlanProgramme("p", "AIR", 2_000_000, budget=9_000_000, capacity=3).slots == 3
    assert PlanProgramme("p", "AIR", 2_000_000).slots is None


def test_a_need_is_closed_once_even_when_two_programmes_meet_it():
    families = [family(1, "RTLH"), family(2, "RTLH")]
    programmes = [PlanProgramme("apbd", "RTLH", 20_000_000, budget=40_000_000),
                  PlanProgramme("csr", "RTLH", 17_500_000, budget=35_000_000)]

    result = plan(families, programmes, objective="needs").optimal

    assert result.needs_closed == 2
    assert Counter(f for f, _p in result.assignments()) == {1: 1, 2: 1}


def test_closing_the_most_needs_still_spreads_them_over_the_most_families():
    families = [family(1, "PKH", "SEMBAKO"), family(2, "PKH"), family(3, "SEMBAKO")]
    programmes = [PlanProgramme("pkh", "PKH", 3_000_000, capacity=1),
                  PlanProgramme("sembako", "SEMBAKO", 200_000, capacity=1)]

    result = plan(families, programmes, objective="needs").optimal

    assert (result.needs_closed, result.families_served) == (2, 2)


def test_serving_the_most_families_also_spends_what_is_left_on_more_needs():
    families = [family(1, "PKH", "SEMBAKO"), family(2, "PKH")]
    programmes = [PlanProgramme("pkh", "PKH", 3_000_000, capacity=2),
                  PlanProgramme("sembako", "SEMBAKO", 200_000, capacity=1)]

    result = plan(families, programmes).optimal

    assert (result.families_served, result.needs_closed, result.cost) == (2, 3, 6_200_000)


def test_identical_families_are_one_group_and_the_plan_serves_the_largest_first():
    families = [family(1, "PKH", jiwa=2), family(2, "PKH", jiwa=6), family(3, "PKH", jiwa=4),
                family(4, "PKH", kecamatan="35.13.01")]
    assert [g.count for g in group_families(families)] == [3, 1]

    result = plan(families[:3], [PlanProgramme("pkh", "PKH", 1_000_000, capacity=2)]).optimal

    assert sorted(f for f, _p in result.assignments()) == [2, 3]
    assert (result.jiwa_served, result.jiwa_total) == (10, 12)


def test_per_kecamatan_figures_add_up():
    families = [family(1, "PKH"), family(2, "PKH", kecamatan="35.13.01"), family(3, "AIR")]
    result = plan(families, [PlanProgramme("pkh", "PKH", 1_000_000, capacity=1)]).optimal

    rows = result.by_kecamatan
    assert {k.kecamatan: (k.families, k.needs, k.jiwa) for k in rows} == {
        KEC: (2, 2, 6), "35.13.01": (1, 1, 3)}
    assert sum(k.served for k in rows) == result.families_served == 1


def test_nothing_to_plan_is_an_empty_plan():
    result = plan([family(1, "LAHAN")], [PlanProgramme("pkh", "PKH", 1_000_000)])

    assert (result.optimal.families_served, result.optimal.cost) == (0, 0)
    assert result.minimum_budget.no_programme == {"KANTONG": 1}


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError):
        plan([family(1, "PKH")], [PlanProgramme("pkh", "PKH", 1)], objective="votes")


@pytest.fixture(scope="module")
def regency():
    families, programmes = synthetic_instance(families=3_000, programmes=20, seed=11)
    return families, programmes, plan(families, programmes)


def test_the_synthetic_regency_has_every_kind_realistic_costs_and_too_little_money(regency):
    families, programmes, _result = regency
    assert {p.kind for p in programmes} == set(NEED_KINDS)
    costs = [p.unit_cost for p in programmes]
    assert min(costs) == 200_000 and max(costs) == 20_000_000
    demand = Counter(k for f in families for k in f.needs)
    for kind in NEED_KINDS:
        slots = [p.slots for p in programmes if p.kind == kind]
        assert None not in slots and sum(slots) < demand[kind], kind


def test_a_regency_plan_is_within_the_gap_and_beats_or_equals_greedy(regency):
    families, programmes, result = regency
    best = result.optimal

    assert best.gap is not None and best.gap <= 0.001
    assert best.families_served >= result.greedy.families_served
    assert best.families_served <= best.lp_bound + 1e-6


def test_a_regency_plan_keeps_every_rule(regency):
    families, programmes, result = regency
    by_id = {f.id: f for f in families}
    offer = {p.id: p for p in programmes}
    pairs = result.optimal.assignments()
    for family_id, programme_id in pairs:
        fam, prog = by_id[family_id], offer[programme_id]
        assert prog.kind in fam.needs and prog.admits(fam.desil)
    kinds_per_family = Counter((f, offer[p].kind) for f, p in pairs)
    assert max(kinds_per_family.values()) == 1
    per_programme = Counter(p for _f, p in pairs)
    for programme_id, count in per_programme.items():
        slots = offer[programme_id].slots
        assert slots is None or count <= slots
    assert len(pairs) == result.optimal.needs_closed
    assert len({f for f, _p in pairs}) == result.optimal.families_served


def test_the_planner_imports_no_django_and_prints_nothing():
    code = ("import sys\nfrom tepat.core.planning import plan, synthetic_instance\n"
            "plan(*synthetic_instance(families=50, seed=2))\n"
            "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
            "sys.stderr.write(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout == ""  # not even HiGHS's banner: `tepat plan --format json` stays JSON
    assert result.stderr.strip() == ""


def test_when_the_solver_stops_without_a_solution_the_plan_falls_back_on_greedy(monkeypatch):
    from tepat.core import planning

    solve = planning._Model.solve

    def out_of_time(self, **kwargs):
        solved = solve(self, **kwargs)
        solved.values, solved.status = [], "Time limit reached"
        return solved

    monkeypatch.setattr(planning._Model, "solve", out_of_time)
    families = [family(1, "PKH", "RTLH"), family(2, "PKH"), family(3, "PELATIHAN")]
    programmes = [PlanProgramme("pkh", "PKH", 1_000_000, budget=1_000_000),
                  PlanProgramme("rtlh", "RTLH", 10_000_000, budget=10_000_000),
                  PlanProgramme("blk", "PELATIHAN", 2_500_000, capacity=1)]

    result = plan(families, programmes)

    assert result.optimal.status == "Time limit reached"
    assert result.optimal.assignments() == result.greedy.assignments()
    assert result.minimum_budget.total == 2 * 1_000_000 + 10_000_000 + 2_500_000
