"""The metric formulas of DESIGN.md §4, implemented once (pure Python, no Django).

Every count carries both units, keluarga (families) and jiwa (persons). Rates are percentages.
Changes between two rates are given in percentage points and in relative per cent, never one
for the other (17.12% → 17.19% is +0.07 pp, +0.41% relative).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tepat.core.outcomes import APPROVED_STATES, REMOVED, STILL_TARGET, VERIFIED_STATES


@dataclass(frozen=True)
class Units:
    """A count in both units."""

    keluarga: int = 0
    jiwa: int = 0

    def __add__(self, other: Units) -> Units:
        return Units(self.keluarga + other.keluarga, self.jiwa + other.jiwa)


def percent(part: float, whole: float) -> float | None:
    """part / whole × 100, or None when there is nothing to divide by."""
    return None if whole == 0 else part / whole * 100


@dataclass(frozen=True)
class Change:
    old: float
    new: float
    pp: float  # new − old, percentage points
    relative_pct: float | None  # (new − old) / old × 100; None when old is 0

    def label(self, decimals: int = 2) -> str:
        """'+0.07 pp (+0.41% relatif)': both figures, each named."""
        pp = f"{self.pp:+.{decimals}f} pp"
        if self.relative_pct is None:
            return pp
        return f"{pp} ({self.relative_pct:+.{decimals}f}% relatif)"


def rate_change(old: float, new: float) -> Change:
    return Change(old=old, new=new, pp=new - old, relative_pct=percent(new - old, old))


# --- verification campaign ----------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """One family's state in a campaign: its members, and its outcome and review state if any."""

    jiwa: int
    outcome: str | None = None
    review: str | None = None


@dataclass(frozen=True)
class Tally:
    """How many baseline families (and their members) share one outcome and review state.

    The unit of pre-aggregation: a database groups its verifications into tallies per area,
    and `figures_from_tallies` turns any set of them into the figures of DESIGN.md §4.
    """

    outcome: str | None
    review: str | None
    keluarga: int
    jiwa: int


@dataclass(frozen=True)
class CampaignFigures:
    in_scope: Units
    pending: Units
    verified: Units  # outcome in review state ≥ SUBMITTED
    approved: Units  # ≥ APPROVED
    by_outcome: Mapping[str, Units]
    still_target: Units
    removed: Units
    progress_pct_keluarga: float | None
    progress_pct_jiwa: float | None
    reduction_pct_keluarga: float | None
    reduction_pct_jiwa: float | None
    provisional: bool
    proposed: Units = Units()  # usulan baru, counted apart: never part of in_scope or removed
    proposed_approved: Units = Units()

    @property
    def submitted(self) -> Units:
        """Verified but not yet approved (waiting for the kecamatan)."""
        return Units(self.verified.keluarga - self.approved.keluarga,
                     self.verified.jiwa - self.approved.jiwa)

    def as_dict(self) -> dict[str, object]:
        """Every field in both units, snake_case names: what the CLI and exports print."""
        row: dict[str, object] = {}
        for name, units in (
            ("in_scope", self.in_scope), ("pending", self.pending),
            ("verified", self.verified), ("submitted", self.submitted),
            ("approved", self.approved), ("still_target", self.still_target),
            ("removed", self.removed), ("proposed", self.proposed),
            ("proposed_approved", self.proposed_approved),
        ):
            row[f"{name}_keluarga"] = units.keluarga
            row[f"{name}_jiwa"] = units.jiwa
        for code, units in self.by_outcome.items():
            row[f"outcome_{code.lower()}_keluarga"] = units.keluarga
            row[f"outcome_{code.lower()}_jiwa"] = units.jiwa
        row.update(
            progress_pct_keluarga=self.progress_pct_keluarga,
            progress_pct_jiwa=self.progress_pct_jiwa,
            reduction_pct_keluarga=self.reduction_pct_keluarga,
            reduction_pct_jiwa=self.reduction_pct_jiwa,
            provisional=self.provisional,
        )
        return row


def _sum(tallies: Iterable[Tally]) -> Units:
    total = Units()
    for t in tallies:
        total += Units(t.keluarga, t.jiwa)
    return total


def figures_from_tallies(
    tallies: Iterable[Tally],
    *,
    proposals: Iterable[Tally] = (),
    finalized: bool = False,
) -> CampaignFigures:
    """DESIGN.md §4 for one area, from the tallies of its frozen baseline.

    A family counts as verified when it has an outcome and its review state is ≥ SUBMITTED;
    the outcome split, still-target and removed counts use verified families only (a draft or
    a returned verification is still pending). Reduction is provisional while anything is
    pending, unless the campaign is finalized. Proposals (usulan baru) are not part of the
    baseline: they are counted apart, so they never hide removals.
    """
    tallies = list(tallies)
    verified = [t for t in tallies if t.outcome and t.review in VERIFIED_STATES]
    in_scope, done = _sum(tallies), _sum(verified)
    removed = _sum(t for t in verified if t.outcome in REMOVED)
    proposals = [p for p in proposals if p.review in VERIFIED_STATES]
    pending = Units(in_scope.keluarga - done.keluarga, in_scope.jiwa - done.jiwa)
    return CampaignFigures(
        in_scope=in_scope,
        pending=pending,
        verified=done,
        approved=_sum(t for t in verified if t.review in APPROVED_STATES),
        by_outcome={
            code: _sum(t for t in verified if t.outcome == code)
            for code in sorted(STILL_TARGET | REMOVED)
        },
        still_target=_sum(t for t in verified if t.outcome in STILL_TARGET),
        removed=removed,
        progress_pct_keluarga=percent(done.keluarga, in_scope.keluarga),
        progress_pct_jiwa=percent(done.jiwa, in_scope.jiwa),
        reduction_pct_keluarga=percent(removed.keluarga, in_scope.keluarga),
        reduction_pct_jiwa=percent(removed.jiwa, in_scope.jiwa),
        provisional=not finalized and pending.keluarga > 0,
        proposed=_sum(proposals),
        proposed_approved=_sum(p for p in proposals if p.review in APPROVED_STATES),
    )


def campaign_figures(
    baseline: Sequence[Verification], *, finalized: bool = False
) -> CampaignFigures:
    """`figures_from_tallies` for a list of families (each its own tally)."""
    return figures_from_tallies(
        (Tally(v.outcome, v.review, 1, v.jiwa) for v in baseline), finalized=finalized
    )


# --- poverty measures (Foster–Greer–Thorbecke) --------------------------------------------


def fgt(
    consumption: Sequence[float],
    poverty_line: float,
    alpha: int,
    *,
    weights: Sequence[float] | None = None,
    sizes: Sequence[float] | None = None,
) -> float:
    """P_α = (1/N) Σ_{y_i < z} ((z − y_i)/z)^α over persons.

    `consumption` is per capita per household; each household counts `weight × size` persons
    (survey weight × household size), so N is the weighted number of persons.
    """
    if poverty_line <= 0:
        raise ValueError("the poverty line must be positive")
    n = len(consumption)
    weights = weights if weights is not None else [1.0] * n
    sizes = sizes if sizes is not None else [1.0] * n
    if not (len(weights) == len(sizes) == n):
        raise ValueError("consumption, weights and sizes must have the same length")
    persons = [w * s for w, s in zip(weights, sizes, strict=True)]
    total = sum(persons)
    if total == 0:
        raise ValueError("no persons to measure")
    gap_sum = sum(
        p * ((poverty_line - y) / poverty_line) ** alpha
        for y, p in zip(consumption, persons, strict=True)
        if y < poverty_line
    )
    return gap_sum / total


def minimum_transfer(p1: float, poverty_line: float, persons: float) -> float:
    """What closes the poverty gap with perfect targeting: P1 × z × N (per period of z)."""
    return p1 * poverty_line * persons


# --- targeting of a programme against a target list ---------------------------------------


@dataclass(frozen=True)
class Targeting:
    inclusion_error: float | None  # beneficiaries not on the target list / beneficiaries
    exclusion_error: float | None  # target families with the need not served / with the need
    cgh_index: float | None  # share of benefits to the target group / its population share


def targeting(
    *,
    beneficiaries: set[str],
    targets: set[str],
    needing: set[str],
    benefits: Mapping[str, float],
    population: int,
) -> Targeting:
    """DESIGN.md §4, as fractions (0–1) for the errors.

    `beneficiaries` and `targets` are family keys; `needing` are the target families with the
    need the programme meets; `benefits` the amount each beneficiary received; `population`
    the number of families the shares are taken over.
    """
    included_wrongly = beneficiaries - targets
    inclusion = len(included_wrongly) / len(beneficiaries) if beneficiaries else None
    unmet = (needing & targets) - beneficiaries
    exclusion = len(unmet) / len(needing & targets) if needing & targets else None
    total_benefit = sum(benefits.values())
    cgh = None
    if total_benefit and population and targets:
        to_targets = sum(amount for key, amount in benefits.items() if key in targets)
        cgh = (to_targets / total_benefit) / (len(targets) / population)
    return Targeting(inclusion, exclusion, cgh)
