"""Automatic assignment of target families to the officials of their kecamatan team (pure).

Gesek Ekstrem gives every target family one pendamping official from the team of ITS kecamatan.
`assign()` decides who, under three wishes, in this order:

1. **Quotas.** An official carries at most `quota[eselon]` families (manual assignments and
   families of other kecamatan they already carry included). Defaults, `DEFAULT_QUOTAS`:
   eselon II 15, III 40, IV 80 — a head of agency (II) has the least time, a section head (IV)
   the most. A team of one II, three III and six IV carries 615 families, ~14.8k over the 24
   kecamatan of Kab. Probolinggo: above its extreme-poor list after the 2024 verval (the list
   shrank ~85 %). A bigger list needs bigger quotas (`tepat gesek assign --quota`).
2. **Balanced load.** The team's *fair ratio* r* is the smallest common load ratio
   (load / quota) at which the team carries all the families it can: the min-max ratio, found by
   water-filling (an official already above r* through manual assignments gets no more). Each
   official's load must stay within `r* × quota × (1 ± tolerance)` (default ±10 %, rounded
   outward to whole families). The band always holds the fair shares, so it is always feasible.
3. **Shortest distances.** Within the band, the solver minimises the total km from each family's
   desa centroid to its official's base (desa centroid of the office), with HiGHS.

Why a band and not a weighted penalty on the deviation from the mean ratio: a penalty adds km to
families in one objective, so the result moves with a weight that nobody can reason about; the
band is a rule the TKPK can state ("nobody carries more than 10 % above a fair share, nobody
much below") and the distance is then the only objective. With tolerance 0 the loads are the
min-max loads, rounded; with a large tolerance the quota alone limits and the nearest official
wins. The model per kecamatan is a transportation problem (families aggregated per desa:
x[desa, official] = how many of the desa's families the official takes), totally unimodular, so
the simplex optimum of its LP relaxation is already integral (checked; a MIP solve if it ever is
not): a few ms per kecamatan with HiGHS.

Kecamatan are independent and solved one by one in code order; an official in several teams
takes into the next kecamatan what the earlier ones left of the quota. Families are handed out
within a desa in id order, officials in id order: the same input gives the same output.

Families that cannot be assigned are returned with a reason: `no_team` (the kecamatan has no
team, or none of its members is active), `no_centroid` (the desa is not in the boundaries), or
`capacity` (the team's quotas are full: it takes up to capacity, the farthest are left).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tepat.core.geo import Point, haversine_km
from tepat.core.highs import quiet_highs

DEFAULT_QUOTAS: Mapping[str, int] = {"II": 15, "III": 40, "IV": 80}
DEFAULT_BALANCE_TOLERANCE = 0.10

NO_TEAM, NO_CENTROID, CAPACITY = "no_team", "no_centroid", "capacity"
REASONS = (NO_TEAM, NO_CENTROID, CAPACITY)


@dataclass(frozen=True)
class FamilyRef:
    """A target family: its id (a target-list entry) and where it lives."""

    id: int
    kecamatan: str
    desa: str


@dataclass(frozen=True)
class OfficialRef:
    """An official who may be assigned families: eselon (for the quota) and base centroid."""

    id: int
    eselon: str
    base: Point


@dataclass(frozen=True)
class Placement:
    official: int
    distance_km: float


@dataclass(frozen=True)
class Unplaced:
    family: int
    kecamatan: str
    desa: str
    reason: str  # one of REASONS


@dataclass
class Load:
    """What one official carries: `carried` (given, e.g. manual) plus `auto` (this run)."""

    official: int
    quota: int
    carried: int = 0
    auto: int = 0
    distance_km: float = 0.0  # of the auto families

    @property
    def total(self) -> int:
        return self.carried + self.auto

    @property
    def ratio(self) -> float | None:
        return self.total / self.quota if self.quota else None

    @property
    def room(self) -> int:
        return max(0, self.quota - self.total)


@dataclass(frozen=True)
class KecamatanSolve:
    """One kecamatan's model: its size, the fair ratio r*, and how HiGHS did."""

    kecamatan: str
    families: int
    assigned: int
    desa: int
    officials: int
    variables: int
    fair_ratio: float | None
    status: str
    seconds: float


@dataclass
class Result:
    placements: dict[int, Placement] = field(default_factory=dict)
    unassigned: list[Unplaced] = field(default_factory=list)
    loads: dict[int, Load] = field(default_factory=dict)
    solves: list[KecamatanSolve] = field(default_factory=list)
    solve_seconds: float = 0.0

    @property
    def assigned(self) -> int:
        return len(self.placements)

    @property
    def total_distance_km(self) -> float:
        return math.fsum(p.distance_km for p in self.placements.values())

    def unassigned_by_reason(self) -> dict[str, int]:
        counts = dict.fromkeys(REASONS, 0)
        for item in self.unassigned:
            counts[item.reason] += 1
        return counts


def assign(families: Iterable[FamilyRef], officials: Iterable[OfficialRef],
           teams: Mapping[str, Sequence[int]], centroids: Mapping[str, Point], *,
           quotas: Mapping[str, int] | None = None, carried: Mapping[int, int] | None = None,
           balance_tolerance: float = DEFAULT_BALANCE_TOLERANCE) -> Result:
    """Assign each family to one official of its kecamatan's team (see the module docstring).

    `teams`: kecamatan code → ids of its officials; `centroids`: desa code → (lat, lng);
    `quotas`: eselon → most families per official (missing eselon: DEFAULT_QUOTAS);
    `carried`: official id → families they already carry (kept manual assignments).
    """
    solver = _Solver()  # outside the clock: the first one in a process loads HiGHS
    started = time.perf_counter()
    quota_of = {**DEFAULT_QUOTAS, **(quotas or {})}
    if any(q < 0 for q in quota_of.values()) or balance_tolerance < 0:
        raise ValueError("quotas and balance_tolerance must not be negative")
    by_id = {o.id: o for o in officials}
    carried = carried or {}
    result = Result()
    for members in teams.values():
        for oid in members:
            if oid in by_id and oid not in result.loads:
                result.loads[oid] = Load(oid, int(quota_of.get(by_id[oid].eselon, 0)),
                                         carried=int(carried.get(oid, 0)))
    pools = _pools(families, by_id, teams, centroids, result)
    for kecamatan in sorted(pools):
        team = [by_id[oid] for oid in sorted(set(teams[kecamatan])) if oid in by_id]
        _assign_kecamatan(kecamatan, pools[kecamatan], team, centroids, result, solver,
                          balance_tolerance)
    result.solve_seconds = time.perf_counter() - started
    return result


def _pools(families: Iterable[FamilyRef], by_id: Mapping[int, OfficialRef],
           teams: Mapping[str, Sequence[int]], centroids: Mapping[str, Point],
           result: Result) -> dict[str, dict[str, list[int]]]:
    """kecamatan → desa → sorted family ids of the assignable families; the others unplaced."""
    pools: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    staffed = {k for k, members in teams.items() if any(oid in by_id for oid in members)}
    for family in sorted(families, key=lambda f: f.id):
        if family.kecamatan not in staffed:
            result.unassigned.append(Unplaced(family.id, family.kecamatan, family.desa, NO_TEAM))
        elif family.desa not in centroids:
            result.unassigned.append(
                Unplaced(family.id, family.kecamatan, family.desa, NO_CENTROID))
        else:
            pools[family.kecamatan][family.desa].append(family.id)
    return pools


def fair_ratio(loads: Sequence[Load], families: int) -> float:
    """r*: the smallest common ratio at which the officials' room takes `families` (capped by
    the room they have), each official's share being clamp(r·quota − total, 0, room)."""
    def taken(r: float) -> float:
        return sum(min(max(r * ld.quota - ld.total, 0.0), ld.room) for ld in loads)

    target = min(families, sum(ld.room for ld in loads))
    low, high = 0.0, 1.0
    for _ in range(60):  # bisection to ~1e-18: plenty for quotas of a few hundred
        middle = (low + high) / 2
        low, high = (middle, high) if taken(middle) < target else (low, middle)
    return high


def bands(loads: Sequence[Load], families: int, tolerance: float) -> tuple[float, list[int],
                                                                           list[int]]:
    """r* and each official's (lowest, highest) number of new families in this kecamatan."""
    r = fair_ratio(loads, families)
    target = min(families, sum(ld.room for ld in loads))
    low = [math.floor(max(0.0, r * ld.quota * (1 - tolerance) - ld.total) + 1e-9)
           for ld in loads]
    high = [min(ld.room, math.ceil(max(0.0, r * ld.quota * (1 + tolerance) - ld.total) - 1e-9))
            for ld in loads]
    low = [min(lo, hi) for lo, hi in zip(low, high, strict=True)]
    if sum(low) > target or sum(high) < target:  # float rounding at an edge: quota alone limits
        low, high = [0] * len(loads), [ld.room for ld in loads]
    return r, low, high


def _assign_kecamatan(kecamatan: str, pool: Mapping[str, list[int]], team: list[OfficialRef],
                      centroids: Mapping[str, Point], result: Result, solver: _Solver,
                      tolerance: float) -> None:
    started = time.perf_counter()
    desa = sorted(pool)
    counts = [len(pool[d]) for d in desa]
    loads = [result.loads[o.id] for o in team]
    families = sum(counts)
    target = min(families, sum(ld.room for ld in loads))
    r, low, high = bands(loads, families, tolerance) if target else (None, [], [])
    distance = [[haversine_km(centroids[d], o.base) for o in team] for d in desa]
    taken, status, variables = {}, "nothing to assign", 0
    if target:
        taken, status, variables = solver.transport(counts, distance, low, high, target)
    for i, d in enumerate(desa):
        ids = iter(pool[d])
        for j, official in enumerate(team):
            for _ in range(taken.get((i, j), 0)):
                result.placements[next(ids)] = Placement(official.id, distance[i][j])
                loads[j].auto += 1
                loads[j].distance_km += distance[i][j]
        result.unassigned.extend(Unplaced(fid, kecamatan, d, CAPACITY) for fid in ids)
    result.solves.append(KecamatanSolve(
        kecamatan, families, sum(taken.values()), len(desa), len(team), variables,
        r, status, time.perf_counter() - started))


class _Solver:
    """A HiGHS instance reused across kecamatan, silent (no banner on stdout: the command's
    JSON goes there)."""

    def __init__(self) -> None:
        self.highs = _quiet_highs()

    def transport(self, counts: Sequence[int], distance: Sequence[Sequence[float]],
                  low: Sequence[int], high: Sequence[int],
                  target: int) -> tuple[dict[tuple[int, int], int], str, int]:
        """min Σ distance·x  s.t.  Σ_j x[i,j] ≤ counts[i], low[j] ≤ Σ_i x[i,j] ≤ high[j],
        Σ x = target, x integer ≥ 0. Returns ({(i, j): x > 0}, status, number of variables).

        The constraint matrix is that of a transportation problem (totally unimodular) and every
        bound is a whole number, so the simplex optimum of the LP is integral: solved as an LP
        (~5× faster than as a MIP here), checked, and solved again as a MIP if it ever is not."""
        import highspy

        pairs = [(i, j) for i in range(len(counts)) for j in range(len(low)) if high[j] > 0]
        lp = _model(pairs, counts, distance, low, high, target)
        values, status = self._run(lp)
        if any(abs(v - round(v)) > 1e-6 for v in values):
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(pairs)
            values, status = self._run(lp)
            status += " (MIP)"
        taken = {pair: round(v) for pair, v in zip(pairs, values, strict=True) if round(v) > 0}
        return taken, status, len(pairs)

    def _run(self, lp: Any) -> tuple[list[float], str]:
        import highspy

        self.highs.clearModel()
        self.highs.passModel(lp)
        self.highs.run()
        status = self.highs.modelStatusToString(self.highs.getModelStatus())
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS could not solve the assignment: {status}")
        return list(self.highs.getSolution().col_value), status


def _model(pairs: Sequence[tuple[int, int]], counts: Sequence[int],
           distance: Sequence[Sequence[float]], low: Sequence[int], high: Sequence[int],
           target: int) -> Any:
    """The HighsLp: one column per (desa, official) pair, rows = desa, officials, total."""
    import highspy
    import numpy as np

    n_desa, n_off = len(counts), len(low)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(pairs), n_desa + n_off + 1
    lp.col_cost_ = np.array([distance[i][j] for i, j in pairs], dtype=np.float64)
    lp.col_lower_ = np.zeros(len(pairs))
    lp.col_upper_ = np.array([min(counts[i], high[j]) for i, j in pairs], dtype=np.float64)
    lp.row_lower_ = np.array([0.0] * n_desa + list(low) + [target], dtype=np.float64)
    lp.row_upper_ = np.array(list(counts) + list(high) + [target], dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 3 * len(pairs) + 1, 3, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(
        [row for i, j in pairs for row in (i, n_desa + j, n_desa + n_off)], dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(3 * len(pairs))
    return lp


def _quiet_highs() -> Any:
    """A silent one-thread HiGHS instance (tepat.core.highs), deterministic: a fixed seed,
    the simplex (a vertex optimum: integral here, see above), no MIP gap."""
    highs = quiet_highs()
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("mip_rel_gap", 0.0)
    return highs
