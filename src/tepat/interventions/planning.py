"""Budget planning from the database (issue 4 §5), for `tepat plan` and the admin kabupaten.

The target families are the entries of a target list (default: the current one) with open or
referred needs; the programmes are those of one year (default: the list's year, or the latest
year with programmes). What the year's interventions already took is taken off each
programme's budget (their amounts) and capacity (their families) first: the plan spends what is
left. The model itself is in tepat.core.planning.

Read-only: nothing is written (no model, no audit event); a plan is a proposal for the TKPK to
discuss, not a decision. Not scoped by user: for the admin kabupaten and the command line only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext as _

from tepat.core import planning as core
from tepat.gesek.models import Need, NeedStatus
from tepat.gesek.selectors import current_target_list
from tepat.interventions.models import Intervention, InterventionStatus, Programme
from tepat.regions.models import Region
from tepat.registry.scoping import unscoped_access
from tepat.verification.errors import RuleError
from tepat.verification.models import TargetList

OPEN_STATUSES = (NeedStatus.OPEN, NeedStatus.REFERRED)


@dataclass
class PlanReport:
    target_list: TargetList
    year: int
    entries: int  # families on the list (keluarga)
    planning: core.Planning
    programmes: list[Programme]
    committed: dict[int, tuple[int, int]]  # programme id → (families, Rp) already taken
    kecamatan_names: dict[str, str]

    @property
    def optimal(self) -> core.PlanResult:
        return self.planning.optimal

    @property
    def greedy(self) -> core.PlanResult:
        return self.planning.greedy

    def programme_rows(self) -> list[dict[str, Any]]:
        least = {u.programme.id: u for u in self.planning.minimum_budget.by_programme}
        greedy = {u.programme.id: u for u in self.greedy.by_programme}
        rows = []
        for programme, use in zip(self.programmes, self.optimal.by_programme, strict=True):
            taken_families, taken_rp = self.committed.get(programme.pk, (0, 0))
            budget = None if programme.budget is None else int(programme.budget)
            need = least[programme.pk]
            rows.append({
                "id": programme.pk, "name": programme.name,
                "agency": str(programme.agency), "kind": programme.kind,
                "strategy": programme.strategy, "funding": programme.funding,
                "unit_cost": int(programme.unit_cost), "desil_max": programme.desil_max,
                "budget": budget, "capacity": programme.capacity,
                "committed_families": taken_families, "committed_amount": taken_rp,
                "families": use.families, "cost": use.cost,
                "budget_used": None if budget is None else taken_rp + use.cost,
                "capacity_used": (None if programme.capacity is None
                                  else taken_families + use.families),
                "greedy_families": greedy[programme.pk].families,
                "minimum_families": need.families, "minimum_cost": need.cost,
                "shortfall": None if budget is None else max(0, need.cost - budget),
            })
        return rows

    def kecamatan_rows(self) -> list[dict[str, Any]]:
        greedy = {k.kecamatan: k for k in self.greedy.by_kecamatan}
        return [{**row.as_dict(), "name": self.kecamatan_names.get(row.kecamatan, ""),
                 "greedy_served": greedy[row.kecamatan].served}
                for row in self.optimal.by_kecamatan]

    def assignments(self) -> list[dict[str, int]]:
        """(target list entry, programme) pairs of the optimal plan: no NIK, no name."""
        return [{"entry": int(entry), "programme": int(programme)}
                for entry, programme in self.optimal.assignments()]

    def as_dict(self, *, assignments: bool = False) -> dict[str, Any]:
        least = self.planning.minimum_budget.as_dict()
        least.pop("by_programme")  # in the programme rows (minimum_families, minimum_cost)
        data = {
            "target_list": {"id": self.target_list.pk, "name": self.target_list.name,
                            "year": self.target_list.year,
                            "sk_number": self.target_list.sk_number},
            "year": self.year, "objective": self.planning.objective,
            "families_on_list": self.entries,
            "families_with_needs": self.planning.families_total,
            "needs_open": self.planning.needs_total,
            "groups": self.planning.groups, "variables": self.planning.variables,
            "seconds": round(self.planning.seconds, 4),
            "optimal": self.optimal.as_dict(), "greedy": self.greedy.as_dict(),
            "minimum_budget": least,
            "programmes": self.programme_rows(), "kecamatan": self.kecamatan_rows(),
        }
        if assignments:
            data["assignments"] = self.assignments()
        return data


@unscoped_access("plan: the open needs and commitments of the whole target list")
def plan_from_db(target_list: TargetList | None = None, *, year: int | None = None,
                 objective: str = "families", time_limit: float = core.TIME_LIMIT,
                 ) -> PlanReport:
    """The plan of a target list and a year's programmes (read-only)."""
    if objective not in core.OBJECTIVES:
        raise RuleError(("objective", _("Tujuan rencana harus salah satu dari: %(choices)s.")
                         % {"choices": ", ".join(core.OBJECTIVES)}))
    target_list = target_list or current_target_list()
    if target_list is None:
        raise RuleError(_("Belum ada daftar sasaran yang ditetapkan."))
    year = year or _programme_year(target_list)
    programmes = list(Programme.objects.filter(year=year).select_related("agency")
                      .order_by("kind", "unit_cost", "pk"))
    if not programmes:
        raise RuleError(("year", _("Belum ada program untuk tahun %(year)s.") % {"year": year}))
    committed = _committed(programmes)
    families = target_families(target_list)
    planning = core.plan(families, [_offer(p, committed) for p in programmes],
                         objective=objective, time_limit=time_limit)
    codes = {f.kecamatan for f in families}
    return PlanReport(
        target_list=target_list, year=year, entries=target_list.entries.count(),
        planning=planning, programmes=programmes, committed=committed,
        kecamatan_names=dict(Region.objects.filter(code__in=codes)
                             .values_list("code", "name")))


def _programme_year(target_list: TargetList) -> int:
    if Programme.objects.filter(year=target_list.year).exists():
        return target_list.year
    latest = Programme.objects.aggregate(year=Max("year"))["year"]
    if latest is None:
        raise RuleError(_("Belum ada program di katalog."))
    return latest


def target_families(target_list: TargetList) -> list[core.TargetFamily]:
    """The entries with open (or referred) needs, each with its need kinds."""
    rows = (Need.objects.filter(entry__target_list=target_list, status__in=OPEN_STATUSES)
            .order_by("entry_id", "kind")
            .values_list("entry_id", "kind", "entry__desil", "entry__kecamatan_id",
                         "entry__jiwa"))
    needs: dict[int, set[str]] = {}
    facts: dict[int, tuple[int | None, str, int]] = {}
    for entry, kind, desil, kecamatan, jiwa in rows:
        needs.setdefault(entry, set()).add(kind)
        facts[entry] = (desil, kecamatan, jiwa)
    return [core.TargetFamily(entry, frozenset(kinds), facts[entry][0], facts[entry][1],
                              jiwa=facts[entry][2]) for entry, kinds in needs.items()]


def _committed(programmes: Sequence[Programme]) -> dict[int, tuple[int, int]]:
    """Families and Rp the programmes' interventions (planned or delivered) already take; a
    failed payment takes nothing (the money went back)."""
    rows = (Intervention.objects.filter(programme__in=programmes)
            .exclude(status=InterventionStatus.FAILED).values("programme_id")
            .annotate(families=Count("family_id", distinct=True), amount=Sum("amount"))
            .values_list("programme_id", "families", "amount"))
    return {pk: (families, int(amount or 0)) for pk, families, amount in rows}


def _offer(programme: Programme, committed: dict[int, tuple[int, int]]) -> core.PlanProgramme:
    taken_families, taken_rp = committed.get(programme.pk, (0, 0))
    budget = None if programme.budget is None else max(0, int(programme.budget) - taken_rp)
    capacity = (None if programme.capacity is None
                else max(0, programme.capacity - taken_families))
    return core.PlanProgramme(programme.pk, programme.kind, int(programme.unit_cost),
                              budget=budget, capacity=capacity,
                              desil_max=programme.desil_max, strategy=programme.strategy,
                              name=programme.name)


# --- `tepat plan` ---------------------------------------------------------------------------


def plan_command(report: PlanReport, *, fmt: str, out: IO[str],
                 assignments: bool = False) -> None:
    text = (json.dumps(report.as_dict(assignments=assignments), ensure_ascii=False, indent=1)
            if fmt == "json" else plan_table(report))
    out.write(text if text.endswith("\n") else text + "\n")


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.3f}%"


def _columns(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[_num(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                       for i, (h, w) in enumerate(zip(header, widths, strict=True)))]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True)))
              for row in cells]
    return lines


def plan_table(report: PlanReport) -> str:
    """Fixed-width text: the figures of both plans, the minimum budget, per programme and per
    kecamatan. Families in keluarga (and jiwa where said), money in Rp."""
    tl, planning, best, greedy = report.target_list, report.planning, report.optimal, report.greedy
    least = planning.minimum_budget
    lines = [
        f"Rencana anggaran / budget plan: {tl.name} (#{tl.pk}, {tl.sk_number}); "
        f"program tahun / programmes of {report.year}; objective {planning.objective}",
        f"keluarga di daftar / families on the list: {report.entries:,}; with open needs: "
        f"{planning.families_total:,} ({best.jiwa_total:,} jiwa), open needs: "
        f"{planning.needs_total:,}; model: {planning.groups:,} groups, "
        f"{planning.variables:,} columns",
        "Satuan / units: families = keluarga, jiwa = persons, cost in Rp",
        "",
    ]
    lines += _columns(["figure", "optimal (MILP)", "greedy"], [
        ["families_served", best.families_served, greedy.families_served],
        ["jiwa_served", best.jiwa_served, greedy.jiwa_served],
        ["needs_closed", best.needs_closed, greedy.needs_closed],
        ["cost", best.cost, greedy.cost],
        ["lp_bound", best.lp_bound, None],
        ["gap", _pct(best.gap), None],
        ["solve_seconds", round(best.solve_seconds, 3), round(greedy.solve_seconds, 3)],
        ["status", best.status, greedy.status],
    ])
    lines += [
        "",
        f"Anggaran minimum / minimum budget (one intervention per family and strategy it "
        f"needs, capacities kept, budgets ignored): Rp {least.total:,} ({least.status}); "
        f"covered {least.covered:,} of {least.family_strategies:,} (family, strategy)",
        f"  no eligible programme: {least.no_programme or '-'}; "
        f"over capacity: {least.over_capacity or '-'}",
        "",
    ]
    rows = report.programme_rows()
    lines += _columns(
        ["programme", "kind", "unit_cost", "budget", "capacity", "committed", "families",
         "cost", "greedy", "min_families", "min_cost", "shortfall"],
        [[r["name"][:32], r["kind"], r["unit_cost"], r["budget"], r["capacity"],
          r["committed_families"], r["families"], r["cost"], r["greedy_families"],
          r["minimum_families"], r["minimum_cost"], r["shortfall"]] for r in rows])
    lines.append("")
    lines += _columns(
        ["kecamatan", "name", "families", "served", "greedy", "jiwa", "served_jiwa", "needs",
         "needs_closed"],
        [[r["kecamatan"], r["name"], r["families"], r["served"], r["greedy_served"], r["jiwa"],
          r["served_jiwa"], r["needs"], r["needs_closed"]] for r in report.kecamatan_rows()])
    return "\n".join(lines)
