"""HiGHS across features: a budget plan and an assignment solved one after the other in one
thread, as the background worker and a web thread do (tepat.core.highs)."""

from __future__ import annotations

import threading

from tepat.core.assignment import FamilyRef, OfficialRef, assign
from tepat.core.planning import PlanProgramme, TargetFamily, plan

KEC, DESA = "35.13.20", "35.13.20.2001"


def _plan_then_assign() -> tuple[int, dict[int, int]]:
    planned = plan([TargetFamily(1, frozenset({"PKH"}), 1, KEC, jiwa=3)],
                   [PlanProgramme("pkh", "PKH", 3_000_000, budget=3_000_000)]).optimal
    officials = [OfficialRef(1, "III", (-7.9, 113.2))]
    assigned = assign([FamilyRef(10, KEC, DESA), FamilyRef(11, KEC, DESA)], officials,
                      {KEC: [1]}, {DESA: (-7.9, 113.2)})
    return planned.families_served, {f: p.official for f, p in assigned.placements.items()}


def test_a_plan_then_an_assignment_in_one_fresh_thread_both_solve():
    # HiGHS fixes its thread count at the first solve of a thread; an assignment asking for
    # another count after a plan failed with "HiGHS could not solve the assignment: Not Set".
    # A fresh thread, so that what other tests solved before does not matter.
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = _plan_then_assign()
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcome["error"] = error

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"] == (1, {10: 1, 11: 1})
