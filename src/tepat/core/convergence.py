"""Convergence analysis (issue 4 §4): who gets what among the target families (pure, no Django).

The population is one fixed target list. The database layer (tepat.interventions.convergence)
reads it into the plain records below; `analyse` turns them into the figures.

Definitions (every count of families is given in keluarga and in jiwa; jiwa = the members the
target list records for the family, or, for a beneficiary not on the list, the members the
registry records):

- Only **delivered** interventions count as aid received (an agency's disbursement file marks a
  paid row delivered). **Planned** aid and **failed** payments (the bank or Pos could not pay)
  are counted apart (`AidStatus`, and per programme `amount_planned` / `amount_failed`): never
  as received, never in coverage, targeting or double aid.
- **NO_INTERVENTION**: a target family with no delivered intervention of any programme. An
  approved usulan baru that is not yet in the registry cannot receive a recorded intervention,
  so it counts here too (an intervention is recorded against a registry family).
- **DOUBLE_AID**: a target family that received, in one programme year, delivered interventions
  of the same kind of aid (the programme's `kind`, e.g. two RTLH house repairs) from more than
  one agency, or from more than one funding source. Several deliveries of one programme
  (instalments, quarterly PKH payments), aid of the same kind in different years, and two
  programmes of one agency on one funding source are not double aid.
- A family is **visited** with ≥ 1 recorded visit; **served** with ≥ 1 delivered intervention.
- **Needs met**: a family whose recorded needs are all met (status `met`). Families with no
  recorded need are neither met nor unmet: they are left out of the denominator of
  `needs_met_pct` (which is None where no family has a recorded need) and counted apart as
  `with_needs`.
- Per programme (DESIGN.md §4, through tepat.core.measures.targeting): inclusion error =
  beneficiaries not on the target list / beneficiaries; exclusion error = target families with a
  recorded need of the programme's kind not served *by this programme* / target families with
  that need; CGH index = share of the programme's benefits (Rp) reaching target families / the
  target families' share of the population. The population is the number of registry families
  of the list's source in the area, plus the target families not in the registry (usulan baru),
  which are families of the area too. Budget reaching targets = amount to target families /
  total amount delivered (Rp).
- **Graduation**: a family of the list graduates when its latest *verified* result (review
  SUBMITTED, APPROVED or FINAL) in a campaign opened after the list was fixed says it is no
  longer eligible (an outcome in tepat.core.outcomes.REMOVED). Projected = list − graduated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from tepat.core.measures import Units, percent, targeting
from tepat.core.outcomes import REMOVED, VERIFIED_STATES
from tepat.core.strategies import STRATEGIES

NO_INTERVENTION = "NO_INTERVENTION"
DOUBLE_AID = "DOUBLE_AID"
MET = "met"
OPEN_STATUSES = frozenset({"open", "referred"})

# --- inputs ---------------------------------------------------------------------------------


class TargetFamily(NamedTuple):
    """One entry of the target list. (The records read in bulk are named tuples: a regency
    reads ~40k of these and ~100k `Aid`s, and a tuple is several times cheaper to make.)"""

    entry: int
    family: int | None  # registry family; None for an usulan baru not in the registry
    kecamatan: str
    desa: str
    jiwa: int
    official: int | None = None  # the pendamping official, if assigned


@dataclass(frozen=True)
class Programme:
    id: int
    name: str
    agency: str  # agency code
    kind: str  # a need kind (tepat.core.strategies.NEED_KINDS)
    strategy: str
    funding: str  # a funding source code
    year: int
    budget: int | None = None  # pagu, Rp


class Aid(NamedTuple):
    """The delivered interventions of one programme to one registry family (summed)."""

    family: int
    programme: int
    amount: int  # Rp
    count: int = 1
    jiwa: int = 0  # the family's members in the registry (for beneficiaries off the list)


class NeedRecord(NamedTuple):
    entry: int
    kind: str
    status: str  # open, referred, met


class LaterVerification(NamedTuple):
    """A verification of a list family in a campaign opened after the list was fixed."""

    entry: int
    order: int  # higher = later campaign
    outcome: str
    review: str


@dataclass(frozen=True)
class Inputs:
    families: Sequence[TargetFamily]
    programmes: Mapping[int, Programme]
    aids: Sequence[Aid] = ()
    needs: Sequence[NeedRecord] = ()
    visits: Mapping[int, int] = field(default_factory=dict)  # entry -> number of visits
    population: int = 0  # registry families of the list's source in the area
    later: Sequence[LaterVerification] = ()
    planned: Sequence[Aid] = ()  # planned interventions, summed like `aids` (not received)
    failed: Sequence[Aid] = ()  # failed payments (not received)


# --- per family -----------------------------------------------------------------------------


class StrategyAid(NamedTuple):
    count: int = 0
    amount: int = 0


@dataclass(frozen=True)
class DoubleAid:
    """Aid of one kind in one year from several agencies or funding sources."""

    kind: str
    year: int
    programmes: tuple[int, ...]
    agencies: tuple[str, ...]
    fundings: tuple[str, ...]


class FamilyConvergence(NamedTuple):
    """One target family's row (a named tuple, as the inputs: a regency makes ~40k of them)."""

    family: TargetFamily
    by_strategy: Mapping[str, StrategyAid]  # every strategy code, zeros included
    needs: int  # recorded needs
    open_needs: tuple[str, ...]  # kinds of the needs still open or referred
    visits: int
    double_aid: tuple[DoubleAid, ...] = ()
    interventions: int = 0  # delivered interventions: the counts of by_strategy, summed
    amount: int = 0  # Rp: the amounts of by_strategy, summed

    @property
    def no_intervention(self) -> bool:
        return self.interventions == 0

    @property
    def all_needs_met(self) -> bool | None:
        """None when no need is recorded (neither met nor unmet)."""
        return None if self.needs == 0 else not self.open_needs

    @property
    def flags(self) -> tuple[str, ...]:
        return ((NO_INTERVENTION,) if self.no_intervention else ()) + (
            (DOUBLE_AID,) if self.double_aid else ())


NOTHING = StrategyAid()
NO_AID: Mapping[str, StrategyAid] = MappingProxyType(dict.fromkeys(STRATEGIES, NOTHING))


def double_aid(aids: Iterable[Aid], programmes: Mapping[int, Programme]) -> tuple[DoubleAid, ...]:
    """The kinds of aid one family got twice (see the module's definition of DOUBLE_AID)."""
    progs = [programmes[aid.programme] for aid in aids]
    if len({(p.kind, p.year) for p in progs}) == len(progs):
        return ()  # no kind of aid twice in one year: most families with aid
    groups: dict[tuple[str, int], list[Programme]] = defaultdict(list)
    for p in progs:
        groups[(p.kind, p.year)].append(p)
    found = []
    for (kind, year), group in sorted(groups.items()):
        if len(group) < 2:
            continue
        agencies = tuple(sorted({p.agency for p in group}))
        fundings = tuple(sorted({p.funding for p in group}))
        if len(agencies) > 1 or len(fundings) > 1:
            found.append(DoubleAid(kind, year, tuple(sorted({p.id for p in group})),
                                   agencies, fundings))
    return tuple(found)


def _aid_totals(aids: Sequence[Aid], strategy_of: Mapping[int, str]
                ) -> tuple[Mapping[str, StrategyAid], int, int]:
    """A family's aid per strategy (every strategy code, zeros included), its number of
    delivered interventions and its amount (Rp). Most families have one programme's aid."""
    by_strategy = dict(NO_AID)
    if len(aids) == 1:
        aid = aids[0]
        by_strategy[strategy_of[aid.programme]] = StrategyAid(aid.count, aid.amount)
        return by_strategy, aid.count, aid.amount
    counts: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for aid in aids:
        strategy = strategy_of[aid.programme]
        counts[strategy] = counts.get(strategy, 0) + aid.count
        amounts[strategy] = amounts.get(strategy, 0) + aid.amount
    for strategy, count in counts.items():
        by_strategy[strategy] = StrategyAid(count, amounts[strategy])
    return by_strategy, sum(counts.values()), sum(amounts.values())


def family_convergence(inputs: Inputs) -> list[FamilyConvergence]:
    """One row per target family, in the order of `inputs.families`."""
    aids_of: dict[int | None, list[Aid]] = defaultdict(list)
    for aid in inputs.aids:
        aids_of[aid.family].append(aid)
    aids_of.pop(None, None)  # an usulan baru (no registry family) gets nothing
    open_of: dict[int, list[str]] = defaultdict(list)
    needs_of: dict[int, int] = defaultdict(int)
    for need in inputs.needs:
        needs_of[need.entry] += 1
        if need.status != MET:
            open_of[need.entry].append(need.kind)
    strategy_of = {pid: p.strategy for pid, p in inputs.programmes.items()}
    programmes, visits = inputs.programmes, inputs.visits
    rows = []
    make = FamilyConvergence._make
    for f in inputs.families:
        open_needs = open_of.get(f.entry)
        needs = (needs_of.get(f.entry, 0), tuple(sorted(open_needs)) if open_needs else (),
                 visits.get(f.entry, 0))
        aids = aids_of.get(f.family)
        if aids is None:  # most families of a regency: no delivered aid
            rows.append(make((f, NO_AID, *needs, (), 0, 0)))
            continue
        by_strategy, count, amount = _aid_totals(aids, strategy_of)
        rows.append(make((f, by_strategy, *needs,
                          double_aid(aids, programmes) if len(aids) > 1 else (), count, amount)))
    return rows


# --- per area, per team, per official -------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Coverage of the target families of one area (or of one team, one official)."""

    code: str
    name: str
    targets: Units
    visited: Units
    served: Units  # ≥ 1 delivered intervention
    with_needs: Units  # ≥ 1 recorded need: the denominator of needs_met_pct
    needs_met: Units  # every recorded need met
    no_intervention: Units
    double_aid: Units
    open_needs: int = 0  # needs still open or referred (a count of needs, not of families)
    team: str = ""  # the team's coordinator, where the rows are kecamatan

    def pct(self, part: str, unit: str) -> float | None:
        whole = self.with_needs if part == "needs_met" else self.targets
        return percent(getattr(getattr(self, part), unit), getattr(whole, unit))

    @property
    def visited_pct_keluarga(self) -> float | None:
        return self.pct("visited", "keluarga")

    @property
    def served_pct_keluarga(self) -> float | None:
        return self.pct("served", "keluarga")

    @property
    def needs_met_pct_keluarga(self) -> float | None:
        return self.pct("needs_met", "keluarga")

    @property
    def visited_pct_jiwa(self) -> float | None:
        return self.pct("visited", "jiwa")

    @property
    def served_pct_jiwa(self) -> float | None:
        return self.pct("served", "jiwa")

    @property
    def needs_met_pct_jiwa(self) -> float | None:
        return self.pct("needs_met", "jiwa")

    def as_dict(self) -> dict[str, object]:
        """snake_case fields, every count in both units, rates in per cent."""
        row: dict[str, object] = {"code": self.code, "name": self.name}
        if self.team:
            row["team_coordinator"] = self.team
        for name in ("targets", "visited", "served", "with_needs", "needs_met",
                     "no_intervention", "double_aid"):
            units = getattr(self, name)
            row[f"{name}_keluarga"], row[f"{name}_jiwa"] = units.keluarga, units.jiwa
        for name in ("visited", "served", "needs_met"):
            for unit in ("keluarga", "jiwa"):
                row[f"{name}_pct_{unit}"] = self.pct(name, unit)
        row["open_needs"] = self.open_needs
        return row


PARTS = ("targets", "visited", "served", "with_needs", "needs_met", "no_intervention",
         "double_aid")  # the Units fields of Coverage, in order


def coverage(rows: Iterable[FamilyConvergence], code: str, name: str,
             team: str = "") -> Coverage:
    """The rows are tallied by what is true of them (visited, served, with needs, all needs
    met, double aid: a few dozen combinations at most), then each part sums its combinations:
    a regency's 40k rows cost one small tuple each instead of a test per part."""
    tally: dict[tuple[bool, bool, bool, bool, bool], list[int]] = {}
    open_needs = 0
    for r in rows:
        key = (r.visits > 0, r.interventions > 0, r.needs > 0, not r.open_needs,
               bool(r.double_aid))
        counts = tally.get(key)
        if counts is None:
            counts = tally[key] = [0, 0]
        counts[0] += 1
        counts[1] += r.family.jiwa
        open_needs += len(r.open_needs)
    keluarga, jiwa = dict.fromkeys(PARTS, 0), dict.fromkeys(PARTS, 0)
    for (visited, served, with_needs, none_open, double), (k, j) in tally.items():
        for part, counted in (("targets", True), ("visited", visited), ("served", served),
                              ("with_needs", with_needs),
                              ("needs_met", with_needs and none_open),
                              ("no_intervention", not served), ("double_aid", double)):
            if counted:
                keluarga[part] += k
                jiwa[part] += j
    return Coverage(code, name, *(Units(keluarga[p], jiwa[p]) for p in PARTS),
                    open_needs=open_needs, team=team)


def coverage_by(rows: Iterable[FamilyConvergence], key: Callable[[FamilyConvergence], str],
                names: Mapping[str, str], teams: Mapping[str, str] | None = None,
                ) -> list[Coverage]:
    """One Coverage per key (a kecamatan or desa code, an official), in key order."""
    groups: dict[str, list[FamilyConvergence]] = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    teams = teams or {}
    return [coverage(groups[k], k, names.get(k, k), teams.get(k, "")) for k in sorted(groups)]


def ranking(rows: Iterable[Coverage]) -> list[Coverage]:
    """What the TKPK discusses first: the lowest share of families with ≥ 1 intervention
    (keluarga), then the lowest share visited, then the code. Areas without targets go last."""

    def order(c: Coverage) -> tuple[bool, float, float, str]:
        served, visited = c.served_pct_keluarga, c.visited_pct_keluarga
        return (served is None, served or 0.0, visited or 0.0, c.code)

    return sorted(rows, key=order)


# --- per programme --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeTargeting:
    programme: Programme
    beneficiaries: Units
    on_list: Units  # beneficiaries on the target list
    off_list: Units  # beneficiaries not on the list: the inclusion error's numerator
    needing: Units  # target families with a recorded need of the programme's kind
    needing_unserved: Units  # ... not served by this programme: the exclusion error's numerator
    amount: int  # Rp delivered
    amount_to_targets: int  # Rp delivered to target families
    population: int  # keluarga the CGH shares are taken over
    inclusion_error_pct: float | None
    exclusion_error_pct: float | None
    cgh_index: float | None
    budget_to_targets_pct: float | None
    amount_planned: int = 0  # Rp planned, not (yet) received
    amount_failed: int = 0  # Rp of failed payments

    def as_dict(self) -> dict[str, object]:
        p = self.programme
        row: dict[str, object] = {
            "programme_id": p.id, "programme": p.name, "agency": p.agency, "kind": p.kind,
            "strategy": p.strategy, "funding": p.funding, "year": p.year, "budget": p.budget,
        }
        for name in ("beneficiaries", "on_list", "off_list", "needing", "needing_unserved"):
            units = getattr(self, name)
            row[f"{name}_keluarga"], row[f"{name}_jiwa"] = units.keluarga, units.jiwa
        row.update(
            amount=self.amount, amount_to_targets=self.amount_to_targets,
            amount_planned=self.amount_planned, amount_failed=self.amount_failed,
            population_keluarga=self.population,
            inclusion_error_pct=self.inclusion_error_pct,
            exclusion_error_pct=self.exclusion_error_pct,
            cgh_index=self.cgh_index, budget_to_targets_pct=self.budget_to_targets_pct,
        )
        return row


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else fraction * 100


def _jiwa(keys: Collection[int], jiwa_of: Mapping[int, int]) -> Units:
    return Units(len(keys), sum(map(jiwa_of.__getitem__, keys)))


def programme_targeting(inputs: Inputs) -> list[ProgrammeTargeting]:
    """DESIGN.md §4 targeting of every programme (those without a delivery included).

    A target family's key is its entry (an int), a beneficiary off the list "f<registry
    family>" (a str): the two never collide."""
    key_of = {f.family: f.entry for f in inputs.families if f.family is not None}
    jiwa_of = {f.entry: f.jiwa for f in inputs.families}
    targets = set(jiwa_of)
    population = inputs.population + sum(1 for f in inputs.families if f.family is None)
    needing_of: dict[str, set[int]] = defaultdict(set)
    for need in inputs.needs:
        if need.entry in jiwa_of:
            needing_of[need.kind].add(need.entry)
    aids_of: dict[int, list[Aid]] = defaultdict(list)
    for aid in inputs.aids:
        aids_of[aid.programme].append(aid)
    planned, failed = _amounts(inputs.planned), _amounts(inputs.failed)
    rows = []
    for pid in sorted(inputs.programmes, key=lambda i: (inputs.programmes[i].name, i)):
        p = inputs.programmes[pid]
        benefits: dict[int | str, float] = {}
        off_jiwa: dict[int | str, int] = {}
        for aid in aids_of.get(pid, []):
            key = key_of.get(aid.family)
            if key is None:
                key = f"f{aid.family}"
                off_jiwa[key] = aid.jiwa
            benefits[key] = benefits.get(key, 0) + aid.amount
        needing = needing_of.get(p.kind, set())
        unserved = needing.difference(benefits)
        t = targeting(beneficiaries=set(benefits), targets=targets, needing=needing,
                      benefits=benefits, population=population)
        on_list = _jiwa([k for k in benefits if k not in off_jiwa], jiwa_of)
        off_list = Units(len(off_jiwa), sum(off_jiwa.values()))
        amount = int(sum(benefits.values()))
        to_targets = amount - int(sum(map(benefits.__getitem__, off_jiwa)))
        rows.append(ProgrammeTargeting(
            programme=p, beneficiaries=on_list + off_list, on_list=on_list, off_list=off_list,
            needing=_jiwa(needing, jiwa_of), needing_unserved=_jiwa(unserved, jiwa_of),
            amount=amount, amount_to_targets=to_targets, population=population,
            inclusion_error_pct=_pct(t.inclusion_error),
            exclusion_error_pct=_pct(t.exclusion_error),
            cgh_index=t.cgh_index, budget_to_targets_pct=percent(to_targets, amount),
            amount_planned=planned.get(pid, 0), amount_failed=failed.get(pid, 0),
        ))
    return rows


def _amounts(aids: Iterable[Aid]) -> dict[int, int]:
    """programme → Rp."""
    found: dict[int, int] = defaultdict(int)
    for aid in aids:
        found[aid.programme] += aid.amount
    return found


# --- received, planned, failed --------------------------------------------------------------


@dataclass(frozen=True)
class AidStatus:
    """The target families by the state of their aid: received (≥ 1 delivered intervention,
    `Coverage.served`), planned but nothing received yet, and a failed payment with nothing
    received; with the amounts (Rp, to target families) of each."""

    received: Units
    planned_only: Units
    failed_only: Units
    amount_received: int
    amount_planned: int
    amount_failed: int

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {}
        for name in ("received", "planned_only", "failed_only"):
            units = getattr(self, name)
            row[f"{name}_keluarga"], row[f"{name}_jiwa"] = units.keluarga, units.jiwa
        row.update(amount_received=self.amount_received, amount_planned=self.amount_planned,
                   amount_failed=self.amount_failed)
        return row


def aid_status(inputs: Inputs) -> AidStatus:
    targets = {f.family: f for f in inputs.families if f.family is not None}

    def families(aids: Iterable[Aid]) -> set[int]:
        return {a.family for a in aids if a.family in targets}

    def amount(aids: Iterable[Aid]) -> int:
        return sum(a.amount for a in aids if a.family in targets)

    received = families(inputs.aids)
    planned = families(inputs.planned) - received
    failed = families(inputs.failed) - received - planned

    def units(keys: set[int]) -> Units:
        return Units(len(keys), sum(targets[k].jiwa for k in keys))

    return AidStatus(units(received), units(planned), units(failed), amount(inputs.aids),
                     amount(inputs.planned), amount(inputs.failed))


# --- graduation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Graduation:
    on_list: Units
    verified_again: Units  # with a verified result in a later campaign
    graduated: Units  # ... that says no longer eligible
    by_outcome: Mapping[str, Units]  # graduated, per outcome
    projected: Units  # on_list − graduated: the projected extreme-poor count

    @property
    def reduction_pct_keluarga(self) -> float | None:
        return percent(self.graduated.keluarga, self.on_list.keluarga)

    @property
    def reduction_pct_jiwa(self) -> float | None:
        return percent(self.graduated.jiwa, self.on_list.jiwa)

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {}
        for name in ("on_list", "verified_again", "graduated", "projected"):
            units = getattr(self, name)
            row[f"{name}_keluarga"], row[f"{name}_jiwa"] = units.keluarga, units.jiwa
        for code, units in self.by_outcome.items():
            row[f"graduated_{code.lower()}_keluarga"] = units.keluarga
            row[f"graduated_{code.lower()}_jiwa"] = units.jiwa
        row["reduction_pct_keluarga"] = self.reduction_pct_keluarga
        row["reduction_pct_jiwa"] = self.reduction_pct_jiwa
        return row


def latest_verified(later: Iterable[LaterVerification]) -> dict[int, LaterVerification]:
    """Per entry, the verified result (review ≥ SUBMITTED) of the latest campaign; drafts and
    returned verifications are not results."""
    latest: dict[int, LaterVerification] = {}
    for v in later:
        if v.review not in VERIFIED_STATES or not v.outcome:
            continue
        if v.entry not in latest or v.order > latest[v.entry].order:
            latest[v.entry] = v
    return latest


def graduation(families: Sequence[TargetFamily],
               later: Iterable[LaterVerification]) -> Graduation:
    latest = latest_verified(later)
    tally: dict[str | None, list[int]] = {}  # latest verified outcome (None: none) -> counts
    for f in families:
        v = latest.get(f.entry)
        counts = tally.setdefault(v.outcome if v is not None else None, [0, 0])
        counts[0] += 1
        counts[1] += f.jiwa

    def units(outcomes: Iterable[str | None]) -> Units:
        found = [tally[o] for o in outcomes if o in tally]
        return Units(sum(k for k, _ in found), sum(j for _, j in found))

    on_list = units(tally)
    graduated = units(REMOVED)
    projected = Units(on_list.keluarga - graduated.keluarga, on_list.jiwa - graduated.jiwa)
    return Graduation(on_list, units(o for o in tally if o is not None), graduated,
                      {code: units([code]) for code in sorted(REMOVED)}, projected)


# --- everything at once ---------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    families: list[FamilyConvergence]
    total: Coverage
    programmes: list[ProgrammeTargeting]
    graduation: Graduation
    aid: AidStatus | None = None  # received vs planned vs failed

    @property
    def no_intervention(self) -> list[FamilyConvergence]:
        return [r for r in self.families if r.no_intervention]

    @property
    def double_aid(self) -> list[FamilyConvergence]:
        return [r for r in self.families if r.double_aid]


def analyse(inputs: Inputs, *, code: str = "", name: str = "") -> Analysis:
    rows = family_convergence(inputs)
    return Analysis(
        families=rows,
        total=coverage(rows, code, name),
        programmes=programme_targeting(inputs),
        graduation=graduation(inputs.families, inputs.later),
        aid=aid_status(inputs),
    )
