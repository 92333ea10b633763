"""Budget planning (issue 4 §5): which programme serves which target family, within each
programme's budget and capacity, solved as a MILP with HiGHS; a greedy plan to compare; and the
minimum budget that would give every target family one intervention in each strategy it needs.

Pure: no Django. Families that look the same to the model (same open needs, desil, kecamatan)
are aggregated into groups with a count, so a regency (~10k families) stays a small model.

The plan model, for groups g (n_g families) and programmes p (kind k_p, unit cost c_p):

    x[g,p] ∈ {0..n_g}   families of g served by p        (only where k_p is a need of g and
                                                           g's desil is eligible for p)
    Σ_g x[g,p]               ≤ slots_p = min(capacity_p, ⌊budget_p / c_p⌋)
    Σ_{p: k_p = k} x[g,p]    ≤ n_g      (a need is closed once, whichever programme closes it)
    objective "families":  max Σ_g s[g],  s[g] ≤ Σ_p x[g,p],  s[g] ∈ {0..n_g}
    objective "needs":     max Σ x[g,p]

A budget with one unit cost is a limit on the number of families, so it becomes a slot count.
Within a group the interventions are spread over its families (one family never gets the same
kind twice), which is what makes s[g] = min(n_g, Σ_p x[g,p]) achievable. The constraint
structure is that of a flow network, so the LP relaxation is usually already integral and HiGHS
closes the gap at the root; the gap is reported anyway.

Ties are broken by the other figure: the objective's figure is weighted above anything the
other can add up to, so of the plans serving the most families the MILP picks one that closes
the most needs (and, for "needs", of the plans closing the most needs, one that serves the most
families). The LP bound and the gap are those of the objective's figure alone.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tepat.core.highs import quiet_highs
from tepat.core.strategies import NEED_KINDS

OBJECTIVES = ("families", "needs")
MIP_REL_GAP = 0.001
TIME_LIMIT = 10.0
# The models are already small and tight: HiGHS's presolve removes nothing from them but took
# 5-10 s of the 10k-family plan on the 2-vCPU VM, against ~1 s for the whole MILP without it
# (bench/plan_bench.py --presolve on).
PRESOLVE = "off"


# --- the instance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetFamily:
    id: Hashable
    needs: frozenset[str]  # open need kinds (NEED_KINDS codes)
    desil: int | None  # None (e.g. an approved usulan baru): eligible everywhere
    kecamatan: str
    jiwa: int = 0  # persons, for the figures in jiwa


@dataclass(frozen=True)
class PlanProgramme:
    id: Hashable
    kind: str  # the need kind it meets
    unit_cost: int  # Rp per family
    budget: int | None = None  # Rp; None = no limit
    capacity: int | None = None  # families; None = no limit
    desil_max: int | None = None  # None = every desil
    strategy: str = ""  # defaults to the kind's strategy
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in NEED_KINDS:
            raise ValueError(f"unknown need kind {self.kind!r}")
        if self.unit_cost < 0:
            raise ValueError(f"negative unit cost for programme {self.id!r}")
        if not self.strategy:
            object.__setattr__(self, "strategy", NEED_KINDS[self.kind].strategy)

    @property
    def slots(self) -> int | None:
        """How many families the budget and the capacity allow together (None: no limit)."""
        limits = [] if self.capacity is None else [self.capacity]
        if self.budget is not None and self.unit_cost > 0:
            limits.append(max(0, self.budget) // self.unit_cost)
        return min(limits) if limits else None

    def admits(self, desil: int | None) -> bool:
        return self.desil_max is None or desil is None or desil <= self.desil_max


@dataclass(frozen=True)
class Group:
    """Families the model cannot tell apart: same needs, desil and kecamatan. Members are
    ordered by jiwa, largest first: a group's interventions go to its first members, so when
    only some of them can be served, the plan reaches the most persons."""

    needs: frozenset[str]
    desil: int | None
    kecamatan: str
    members: tuple[Hashable, ...]
    jiwa: tuple[int, ...]  # of each member

    @property
    def count(self) -> int:
        return len(self.members)

    def jiwa_of_first(self, count: int) -> int:
        return sum(self.jiwa[:count])


def group_families(families: Iterable[TargetFamily]) -> list[Group]:
    """Groups in the order of their first family (so results are reproducible)."""
    buckets: dict[tuple[frozenset[str], int | None, str], list[TargetFamily]] = {}
    for family in families:
        buckets.setdefault((frozenset(family.needs), family.desil, family.kecamatan),
                           []).append(family)
    groups = []
    for (needs, desil, kecamatan), members in buckets.items():
        members.sort(key=lambda f: -f.jiwa)  # stable: ties keep their order
        groups.append(Group(needs, desil, kecamatan, tuple(f.id for f in members),
                            tuple(f.jiwa for f in members)))
    return groups


Pair = tuple[int, int]  # (group index, programme index)


class _Instance:
    """Groups, programmes and who may serve whom, shared by the three models."""

    def __init__(self, families: Iterable[TargetFamily],
                 programmes: Sequence[PlanProgramme]) -> None:
        self.groups = group_families(families)
        self.programmes = list(programmes)
        self.slots = [p.slots for p in self.programmes]
        # options[g] = programme indexes that may serve group g, cheapest first
        self.options: list[list[int]] = []
        for group in self.groups:
            usable = [i for i, p in enumerate(self.programmes)
                      if p.kind in group.needs and p.admits(group.desil)]
            self.options.append(sorted(usable, key=lambda i: (self.programmes[i].unit_cost, i)))

    @property
    def families(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def needs(self) -> int:
        return sum(g.count * len(g.needs) for g in self.groups)

    def cost(self, i: int) -> int:
        return self.programmes[i].unit_cost

    def kind(self, i: int) -> str:
        return self.programmes[i].kind


# --- results --------------------------------------------------------------------------------


@dataclass
class ProgrammeUse:
    programme: PlanProgramme
    families: int = 0
    cost: int = 0

    def as_dict(self) -> dict[str, Any]:
        p = self.programme
        return {"programme": p.id, "name": p.name, "kind": p.kind, "strategy": p.strategy,
                "unit_cost": p.unit_cost, "budget": p.budget, "capacity": p.capacity,
                "desil_max": p.desil_max, "families": self.families, "cost": self.cost}


@dataclass
class KecamatanUse:
    kecamatan: str
    families: int = 0  # target families (keluarga)
    jiwa: int = 0  # their persons
    served: int = 0  # keluarga with at least one need closed
    served_jiwa: int = 0
    needs: int = 0
    needs_closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"kecamatan": self.kecamatan, "families": self.families, "jiwa": self.jiwa,
                "served": self.served, "served_jiwa": self.served_jiwa, "needs": self.needs,
                "needs_closed": self.needs_closed}


@dataclass
class PlanResult:
    """One plan: its figures, and the allocation (group, programme) → families."""

    method: str  # "milp" or "greedy"
    objective: str
    status: str
    families_total: int
    needs_total: int
    families_served: int
    needs_closed: int
    cost: int
    objective_value: float  # the objective's figure: families served, or needs closed
    jiwa_total: int = 0
    jiwa_served: int = 0  # of the MILP (before the fill-up), or of the greedy plan
    lp_bound: float | None = None  # optimum of the LP relaxation
    mip_bound: float | None = None  # HiGHS's dual bound at the end of branch and bound
    gap: float | None = None  # (lp_bound − objective_value) / lp_bound
    solve_seconds: float = 0.0  # the MILP (or the greedy plan)
    lp_seconds: float = 0.0
    by_programme: list[ProgrammeUse] = field(default_factory=list)
    by_kecamatan: list[KecamatanUse] = field(default_factory=list)
    allocation: dict[Pair, int] = field(default_factory=dict, repr=False)
    groups: list[Group] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "objective": self.objective, "status": self.status,
            "families_total": self.families_total, "needs_total": self.needs_total,
            "families_served": self.families_served, "jiwa_total": self.jiwa_total,
            "jiwa_served": self.jiwa_served, "needs_closed": self.needs_closed,
            "cost": self.cost, "objective_value": self.objective_value,
            "lp_bound": self.lp_bound, "mip_bound": self.mip_bound, "gap": self.gap,
            "solve_seconds": round(self.solve_seconds, 4),
            "lp_seconds": round(self.lp_seconds, 4),
        }

    def assignments(self) -> list[tuple[Hashable, Hashable]]:
        """(family id, programme id) pairs. A group's interventions are dealt out over its
        families in turn, kind after kind: as many families as possible get one, and no family
        gets the same kind twice (at most n_g interventions of a kind per group)."""
        per_group: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        programmes = [u.programme for u in self.by_programme]
        for (g, i), count in self.allocation.items():
            if count:
                per_group[g].append((programmes[i].kind, i, count))
        pairs = []
        for g, items in sorted(per_group.items()):
            members, turn = self.groups[g].members, 0
            for _kind, i, count in sorted(items):
                for _ in range(count):
                    pairs.append((members[turn % len(members)], programmes[i].id))
                    turn += 1
        return pairs


@dataclass
class MinimumBudget:
    """The least money for one intervention per (family, strategy it needs), ignoring the
    budgets but not the capacities; what even that cannot cover is counted, with the reason."""

    total: int
    status: str
    solve_seconds: float
    family_strategies: int  # (family, strategy) pairs to cover
    covered: int
    by_programme: list[ProgrammeUse]
    no_programme: dict[str, int]  # strategy → pairs no eligible programme can meet
    over_capacity: dict[str, int]  # strategy → pairs left out by the capacities

    def as_dict(self) -> dict[str, Any]:
        rows = []
        for use in self.by_programme:
            row = use.as_dict()
            budget = use.programme.budget
            row["shortfall"] = None if budget is None else max(0, use.cost - budget)
            rows.append(row)
        return {"total": self.total, "status": self.status,
                "solve_seconds": round(self.solve_seconds, 4),
                "family_strategies": self.family_strategies, "covered": self.covered,
                "no_programme": self.no_programme, "over_capacity": self.over_capacity,
                "by_programme": rows}


@dataclass
class Planning:
    objective: str
    families_total: int
    needs_total: int
    groups: int
    variables: int
    optimal: PlanResult
    greedy: PlanResult
    minimum_budget: MinimumBudget
    seconds: float  # everything: grouping, the three models, the greedy plan

    def as_dict(self) -> dict[str, Any]:
        return {"objective": self.objective, "families_total": self.families_total,
                "needs_total": self.needs_total, "groups": self.groups,
                "variables": self.variables, "seconds": round(self.seconds, 4),
                "optimal": self.optimal.as_dict(), "greedy": self.greedy.as_dict(),
                "minimum_budget": self.minimum_budget.as_dict()}


# --- HiGHS ----------------------------------------------------------------------------------


def _highs() -> Any:
    """A silent one-thread HiGHS instance (tepat.core.highs), presolve as PRESOLVE says."""
    h = quiet_highs()
    h.setOptionValue("presolve", PRESOLVE)
    return h


class _Model:
    """Columns and rows, passed to HiGHS in one go (row-wise)."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []

    def column(self, cost: float, upper: float) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        self.starts.append(len(self.index))
        for col, coefficient in terms:
            self.index.append(col)
            self.value.append(coefficient)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def _lp(self, *, maximize: bool, integer: bool, cost: Sequence[float] | None) -> Any:
        import highspy

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.row_lower)
        lp.col_cost_ = self.cost if cost is None else cost
        lp.col_lower_ = [0.0] * len(self.cost)
        lp.col_upper_ = [min(u, inf) for u in self.upper]
        lp.row_lower_ = [max(v, -inf) for v in self.row_lower]
        lp.row_upper_ = [min(v, inf) for v in self.row_upper]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = [*self.starts, len(self.index)]
        lp.a_matrix_.index_ = self.index
        lp.a_matrix_.value_ = self.value
        lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(self.cost)
        return lp

    def solve(self, *, maximize: bool, integer: bool, time_limit: float,
              mip_rel_gap: float, cost: Sequence[float] | None = None) -> _Solved:
        """Solve (`cost` instead of the columns' own costs, if given)."""
        h = _highs()
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        h.passModel(self._lp(maximize=maximize, integer=integer, cost=cost))
        return _run(h, integer)


def _run(h: Any, integer: bool) -> _Solved:
    import highspy

    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
    return _Solved(
        status=h.modelStatusToString(h.getModelStatus()), seconds=seconds,
        values=list(h.getSolution().col_value) if has_solution else [],
        objective=info.objective_function_value if has_solution else None,
        mip_bound=info.mip_dual_bound if integer else None)


@dataclass
class _Solved:
    status: str
    values: list[float]
    seconds: float
    objective: float | None
    mip_bound: float | None


# --- the plan -------------------------------------------------------------------------------


@dataclass
class _PlanModel:
    model: _Model
    x: list[tuple[int, Pair]]  # column of each x[g,p]
    primary: list[int]  # the columns of the objective's figure (s, or x)
    weight: float  # of the objective's figure against the tie-breaking one

    def primary_cost(self) -> list[float]:
        """The objective's figure alone (for the LP bound)."""
        cost = [0.0] * len(self.model.cost)
        for c in self.primary:
            cost[c] = 1.0
        return cost


def _plan_model(inst: _Instance, objective: str) -> _PlanModel:
    """The MILP of the module docstring. The objective's figure weighs more than the other
    figure can ever add up to, so the other one only breaks ties: weight × families + needs,
    or weight × needs + families. (Costs change nothing in the flow structure: the LP
    relaxation stays as tight.)"""
    model, x, s_columns = _Model(), [], []
    by_programme: dict[int, list[int]] = defaultdict(list)
    weight = float((inst.needs if objective == "families" else inst.families) + 1)
    x_cost, s_cost = (weight, 1.0) if objective == "needs" else (1.0, weight)
    for g, group in enumerate(inst.groups):
        cols_of_kind: dict[str, list[int]] = defaultdict(list)
        for i in inst.options[g]:
            slots = inst.slots[i]
            upper = group.count if slots is None else min(group.count, slots)
            if upper <= 0:
                continue
            col = model.column(x_cost, upper)
            x.append((col, (g, i)))
            by_programme[i].append(col)
            cols_of_kind[inst.kind(i)].append(col)
        for cols in cols_of_kind.values():
            if len(cols) > 1:
                model.row([(c, 1.0) for c in cols], 0.0, group.count)
        if cols_of_kind:
            s = model.column(s_cost, group.count)
            s_columns.append(s)
            cols = [c for kind_cols in cols_of_kind.values() for c in kind_cols]
            model.row([(s, 1.0), *((c, -1.0) for c in cols)], float("-inf"), 0.0)
    for i, cols in by_programme.items():
        slots = inst.slots[i]
        if slots is not None and slots < sum(model.upper[c] for c in cols):
            model.row([(c, 1.0) for c in cols], 0.0, slots)
    primary = s_columns if objective == "families" else [c for c, _pair in x]
    return _PlanModel(model, x, primary, weight)


def solve_plan(inst: _Instance, objective: str = "families", *,
               time_limit: float = TIME_LIMIT, mip_rel_gap: float = MIP_REL_GAP,
               ) -> tuple[PlanResult, int]:
    """The MILP plan for the objective, ties broken by the other figure (needs closed, or
    families served); returns the plan with the number of model columns. The LP bound is that
    of the objective's figure alone."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    built = _plan_model(inst, objective)
    model = built.model
    if not model.cost:
        result = _summary(inst, "milp", objective, {}, status="Optimal", objective_value=0.0)
        result.lp_bound, result.mip_bound, result.gap = 0.0, 0.0, 0.0
        return result, 0
    lp = model.solve(maximize=True, integer=False, time_limit=time_limit,
                     mip_rel_gap=mip_rel_gap, cost=built.primary_cost())
    mip = model.solve(maximize=True, integer=True, time_limit=time_limit,
                      mip_rel_gap=mip_rel_gap)
    allocation = _allocation(built, mip.values)
    if not mip.values:  # stopped before any solution: fall back on the greedy plan
        allocation = dict(greedy_plan(inst, objective).allocation)
    _fill(inst, allocation)  # a safety net: closes nothing more after an optimal solve
    value = _objective_value(inst, objective, allocation)
    result = _summary(inst, "milp", objective, allocation, status=mip.status,
                      objective_value=value)
    result.solve_seconds, result.lp_seconds = mip.seconds, lp.seconds
    result.lp_bound = lp.objective
    if mip.mip_bound is not None and math.isfinite(mip.mip_bound):  # ties add less than 1
        result.mip_bound = math.floor(mip.mip_bound / built.weight + 1e-6)
    if lp.objective is not None:
        result.gap = (lp.objective - value) / lp.objective if lp.objective > 1e-9 else 0.0
    return result, len(model.cost)


def _allocation(built: _PlanModel, values: Sequence[float]) -> dict[Pair, int]:
    if not values:
        return {}
    return {pair: round(values[c]) for c, pair in built.x if round(values[c]) > 0}


def _objective_value(inst: _Instance, objective: str, allocation: dict[Pair, int]) -> float:
    if objective == "needs":
        return float(sum(allocation.values()))
    given: dict[int, int] = defaultdict(int)
    for (g, _i), count in allocation.items():
        given[g] += count
    return float(sum(min(inst.groups[g].count, n) for g, n in given.items()))


def _room(inst: _Instance, allocation: dict[Pair, int]) -> list[float]:
    room = [float("inf") if s is None else float(s) for s in inst.slots]
    for (_g, i), count in allocation.items():
        room[i] -= count
    return room


def _fill(inst: _Instance, allocation: dict[Pair, int]) -> None:
    """Close more needs with what the programmes have left: groups with families still
    unserved first, then the cheapest needs first. Never takes an intervention away."""
    room = _room(inst, allocation)
    closed: dict[tuple[int, str], int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    for (g, i), count in allocation.items():
        closed[g, inst.kind(i)] += count
        given[g] += count
    todo: dict[tuple[int, str], tuple[int, int]] = {}
    for g, group in enumerate(inst.groups):
        for i in inst.options[g]:  # cheapest first: the first of a kind is its cheapest
            todo.setdefault((g, inst.kind(i)),
                            (0 if given[g] < group.count else 1, inst.cost(i)))
    for (g, kind), _rank in sorted(todo.items(), key=lambda item: (item[1], item[0])):
        count = inst.groups[g].count
        for i in inst.options[g]:
            if inst.kind(i) != kind or room[i] <= 0:
                continue
            take = int(min(count - closed[g, kind], room[i]))
            if take <= 0:
                break
            allocation[g, i] = allocation.get((g, i), 0) + take
            closed[g, kind] += take
            room[i] -= take


def greedy_plan(inst: _Instance, objective: str = "families") -> PlanResult:
    """What a person with a spreadsheet would do. "families": each family, cheapest first,
    gets the cheapest programme that still has room, then leftovers close more needs (cheapest
    first); "needs": the cheapest needs first."""
    started = time.perf_counter()
    allocation: dict[Pair, int] = {}
    if objective == "families":
        room = _room(inst, allocation)
        order = sorted((g for g in range(len(inst.groups)) if inst.options[g]),
                       key=lambda g: (inst.cost(inst.options[g][0]), g))
        for g in order:
            left, closed = inst.groups[g].count, defaultdict(int)
            for i in inst.options[g]:
                take = int(min(left, room[i], inst.groups[g].count - closed[inst.kind(i)]))
                if take > 0:
                    allocation[g, i] = take
                    closed[inst.kind(i)] += take
                    room[i] -= take
                    left -= take
    _fill(inst, allocation)
    value = _objective_value(inst, objective, allocation)
    result = _summary(inst, "greedy", objective, allocation, status="Heuristic",
                      objective_value=value)
    result.solve_seconds = time.perf_counter() - started
    return result


def _summary(inst: _Instance, method: str, objective: str, allocation: dict[Pair, int], *,
             status: str, objective_value: float) -> PlanResult:
    uses = [ProgrammeUse(p) for p in inst.programmes]
    kecamatan: dict[str, KecamatanUse] = {}
    given: dict[int, int] = defaultdict(int)
    for (g, i), count in allocation.items():
        uses[i].families += count
        uses[i].cost += count * inst.cost(i)
        given[g] += count
    for g, group in enumerate(inst.groups):
        row = kecamatan.setdefault(group.kecamatan, KecamatanUse(group.kecamatan))
        served = min(group.count, given[g])
        row.families += group.count
        row.jiwa += group.jiwa_of_first(group.count)
        row.needs += group.count * len(group.needs)
        row.served += served
        row.served_jiwa += group.jiwa_of_first(served)
        row.needs_closed += given[g]
    return PlanResult(
        method=method, objective=objective, status=status, families_total=inst.families,
        needs_total=inst.needs, families_served=sum(k.served for k in kecamatan.values()),
        needs_closed=sum(allocation.values()), cost=sum(u.cost for u in uses),
        objective_value=objective_value, by_programme=uses,
        jiwa_total=sum(k.jiwa for k in kecamatan.values()),
        jiwa_served=sum(k.served_jiwa for k in kecamatan.values()),
        by_kecamatan=sorted(kecamatan.values(), key=lambda k: k.kecamatan),
        allocation=allocation, groups=inst.groups)


# --- the minimum budget ---------------------------------------------------------------------


def minimum_budget(inst: _Instance, *, time_limit: float = TIME_LIMIT,
                   mip_rel_gap: float = MIP_REL_GAP) -> MinimumBudget:
    """min Σ c_p y[g,p] such that every (family, strategy it needs) gets one intervention of
    that strategy meeting one of its needs, within the capacities (budgets ignored). A pair the
    capacities leave out costs a penalty above any chain of reassignments ((P+1) × the dearest
    unit cost), so covering comes first and the cost second."""
    model, columns, slack = _Model(), [], []
    no_programme: dict[str, int] = defaultdict(int)
    penalty = (len(inst.programmes) + 1) * max([1, *(p.unit_cost for p in inst.programmes)]) + 1
    by_programme: dict[int, list[int]] = defaultdict(list)
    to_cover = 0
    for g, group in enumerate(inst.groups):
        for strategy in sorted({NEED_KINDS[k].strategy for k in group.needs}):
            to_cover += group.count
            usable = [i for i in inst.options[g] if inst.programmes[i].strategy == strategy
                      and inst.programmes[i].capacity != 0]
            if not usable:
                no_programme[strategy] += group.count
                continue
            cols = []
            for i in usable:
                cols.append(model.column(float(inst.cost(i)), group.count))
                columns.append((cols[-1], i))
                by_programme[i].append(cols[-1])
            u = model.column(float(penalty), group.count)
            slack.append((u, strategy, cols))
            model.row([(c, 1.0) for c in (*cols, u)], group.count, float("inf"))
    for i, cols in by_programme.items():
        capacity = inst.programmes[i].capacity
        if capacity is not None and capacity < sum(model.upper[c] for c in cols):
            model.row([(c, 1.0) for c in cols], 0.0, capacity)
    uses = [ProgrammeUse(p) for p in inst.programmes]
    over_capacity: dict[str, int] = defaultdict(int)
    status, seconds = "Optimal", 0.0
    if model.cost:
        solved = model.solve(maximize=False, integer=True, time_limit=time_limit,
                             mip_rel_gap=mip_rel_gap)
        status, seconds, values = solved.status, solved.seconds, solved.values
        if not values:  # stopped before any solution: cheapest with room first
            values = _cheapest_cover(inst, model, columns, slack)
        for c, i in columns:
            count = round(values[c])
            uses[i].families += count
            uses[i].cost += count * inst.cost(i)
        for u, strategy, _cols in slack:
            if round(values[u]):
                over_capacity[strategy] += round(values[u])
    left_out = sum(no_programme.values()) + sum(over_capacity.values())
    return MinimumBudget(
        total=sum(u.cost for u in uses), status=status, solve_seconds=seconds,
        family_strategies=to_cover, covered=to_cover - left_out, by_programme=uses,
        no_programme=dict(no_programme), over_capacity=dict(over_capacity))


def _cheapest_cover(inst: _Instance, model: _Model, columns: list[tuple[int, int]],
                    slack: list[tuple[int, str, list[int]]]) -> list[float]:
    """A covering without the solver: each (group, strategy) takes its cheapest programmes
    that still have capacity; what is left goes to the slack."""
    programme_of = dict(columns)
    room = [float("inf") if p.capacity is None else float(p.capacity)
            for p in inst.programmes]
    values = [0.0] * len(model.cost)
    for u, _strategy, cols in slack:
        left = model.upper[u]  # the group's count
        for c in sorted(cols, key=lambda c: model.cost[c]):
            take = min(left, room[programme_of[c]])
            values[c], left = take, left - take
            room[programme_of[c]] -= take
        values[u] = left
    return values


# --- all of it ------------------------------------------------------------------------------


def plan(families: Iterable[TargetFamily], programmes: Sequence[PlanProgramme], *,
         objective: str = "families", time_limit: float = TIME_LIMIT,
         mip_rel_gap: float = MIP_REL_GAP) -> Planning:
    """The optimal plan, the greedy plan and the minimum budget of one instance."""
    started = time.perf_counter()
    inst = _Instance(families, programmes)
    optimal, variables = solve_plan(inst, objective, time_limit=time_limit,
                                    mip_rel_gap=mip_rel_gap)
    greedy = greedy_plan(inst, objective)
    least = minimum_budget(inst, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    return Planning(objective=objective, families_total=inst.families,
                    needs_total=inst.needs, groups=len(inst.groups), variables=variables,
                    optimal=optimal, greedy=greedy, minimum_budget=least,
                    seconds=time.perf_counter() - started)


# --- a synthetic regency --------------------------------------------------------------------

# How often each need is recorded for an extreme-poor family (a plausible mix).
NEED_PREVALENCE = {
    "PBI_JK": 0.45, "PKH": 0.35, "SEMBAKO": 0.50, "PIP": 0.25, "PELATIHAN": 0.20,
    "MODAL": 0.20, "KERJA": 0.10, "RTLH": 0.25, "JAMBAN": 0.20, "AIR": 0.15, "LISTRIK": 0.08,
    "LAHAN": 0.05,
}

# name, kind, unit cost (Rp per family), desil_max, share of the kind's demand the budget pays
# for (None: no budget limit), capacity as a share of the demand (None: no capacity limit)
SYNTH_PROGRAMMES: tuple[tuple[str, str, int, int | None, float | None, float | None], ...] = (
    ("PBI-JK APBN", "PBI_JK", 1_512_000, None, None, 0.45),
    ("PBI-JK Daerah", "PBI_JK", 1_512_000, 2, 0.25, None),
    ("PKH", "PKH", 3_000_000, 1, 0.45, None),
    ("BPNT / sembako", "SEMBAKO", 2_400_000, None, 0.40, None),
    ("Paket sembako Baznas", "SEMBAKO", 200_000, 1, 0.30, 0.30),
    ("PIP / KIP", "PIP", 1_000_000, None, 0.60, None),
    ("Pelatihan BLK", "PELATIHAN", 2_500_000, None, None, 0.30),
    ("Pelatihan keterampilan desa", "PELATIHAN", 1_200_000, 2, 0.20, None),
    ("Modal usaha UMKM", "MODAL", 5_000_000, None, 0.30, None),
    ("Modal usaha Baznas", "MODAL", 2_000_000, 1, 0.20, None),
    ("Penempatan kerja", "KERJA", 1_500_000, None, 0.30, 0.30),
    ("Bedah rumah APBD", "RTLH", 20_000_000, None, 0.15, None),
    ("RTLH Dana Desa", "RTLH", 15_000_000, 1, 0.10, None),
    ("RTLH CSR", "RTLH", 17_500_000, 2, 0.05, None),
    ("Jamban sehat", "JAMBAN", 3_500_000, None, 0.40, None),
    ("Jamban Dana Desa", "JAMBAN", 3_000_000, 1, 0.20, None),
    ("Sambungan air bersih", "AIR", 2_500_000, None, 0.40, None),
    ("Air bersih CSR", "AIR", 2_000_000, 2, 0.20, None),
    ("Sambungan listrik", "LISTRIK", 1_500_000, None, 0.50, None),
    ("Sertifikat tanah", "LAHAN", 4_000_000, None, 0.30, None),
)


def synthetic_instance(families: int = 10_000, programmes: int = 20, seed: int = 1,
                       ) -> tuple[list[TargetFamily], list[PlanProgramme]]:
    """A regency-like instance: 24 kecamatan of unequal size, desil mostly 1, one to several
    needs per family, programmes from Rp 200k (a sembako package) to Rp 20M (RTLH) whose
    budgets and capacities cannot serve everyone (shares jittered by the seed)."""
    rng = random.Random(seed)
    kecamatan = [f"35.13.{k:02d}" for k in range(1, 25)]
    weights = [rng.uniform(0.5, 2.0) for _ in kecamatan]
    kinds = list(NEED_PREVALENCE)
    made = []
    for n in range(families):
        needs = {k for k in kinds if rng.random() < NEED_PREVALENCE[k]}
        if not needs:
            needs = {rng.choice(kinds)}
        desil = rng.choices([1, 2, 3, 4], weights=[70, 20, 7, 3])[0]
        made.append(TargetFamily(n + 1, frozenset(needs), desil,
                                 rng.choices(kecamatan, weights=weights)[0],
                                 jiwa=rng.choices([1, 2, 3, 4, 5, 6, 7],
                                                  weights=[8, 15, 22, 25, 16, 9, 5])[0]))
    demand: dict[str, int] = defaultdict(int)
    for family in made:
        for kind in family.needs:
            demand[kind] += 1
    offers = []
    for n in range(programmes):
        name, kind, cost, desil_max, budget_share, capacity_share = (
            SYNTH_PROGRAMMES[n % len(SYNTH_PROGRAMMES)])
        if n >= len(SYNTH_PROGRAMMES):
            name, cost = f"{name} ({n // len(SYNTH_PROGRAMMES) + 1})", round(cost * 1.1)
        budget = capacity = None
        if budget_share is not None:
            share = budget_share * rng.uniform(0.8, 1.2)
            budget = int(round(share * demand[kind] * cost, -6))
        if capacity_share is not None:
            capacity = round(capacity_share * rng.uniform(0.8, 1.2) * demand[kind])
        offers.append(PlanProgramme(n + 1, kind, cost, budget=budget, capacity=capacity,
                                    desil_max=desil_max, name=name))
    return made, offers

