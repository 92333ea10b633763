"""Reading an agency's programmes for its first page (issue 19 §3): money spent against the
budget, beneficiary and disbursement rows still waiting for a match, needs referred to it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from tepat.gesek.models import Agency, Need, NeedStatus
from tepat.interventions.models import RECEIVED, BeneficiaryUpload, Programme, UnmatchedRow
from tepat.verification.models import TargetList


def over_budget(spent: int | Decimal | None, budget: int | Decimal | None) -> bool:
    """Spent more than the budget (pagu); a programme without a budget is never over it."""
    return budget is not None and spent is not None and spent > budget


@dataclass
class ProgrammeMoney:
    pk: int
    name: str
    year: int
    agency: str
    budget: Decimal | None  # pagu, Rp
    spent: Decimal  # Rp paid: interventions delivered (a failed or planned one is not spent)
    families: int  # families that received it

    @property
    def over_budget(self) -> bool:
        return over_budget(self.spent, self.budget)

    @property
    def spent_pct(self) -> float | None:
        return float(self.spent / self.budget * 100) if self.budget else None


def programme_money(agency: Agency | None = None) -> list[ProgrammeMoney]:
    """Every programme (of one agency, or all) with what it paid: one grouped query."""
    rows = Programme.objects.select_related("agency")
    if agency is not None:
        rows = rows.filter(agency=agency)
    delivered = Q(interventions__status=RECEIVED)
    rows = rows.annotate(spent=Sum("interventions__amount", filter=delivered),
                         families=Count("interventions__family", filter=delivered,
                                        distinct=True))
    return [ProgrammeMoney(p.pk, p.name, p.year, str(p.agency), p.budget,
                           p.spent or Decimal(0), p.families)
            for p in rows.order_by("-year", "name", "pk")]


@dataclass(frozen=True)
class WaitingUpload:
    """An upload with rows no NIK/KK matched, waiting for a person to decide."""

    pk: int
    programme: str
    file_name: str
    kind: str
    open_rows: int


def uploads_waiting(agency: Agency) -> list[WaitingUpload]:
    uploads = (BeneficiaryUpload.objects.filter(programme__agency=agency)
               .annotate(open_rows=Count("unmatched_rows",
                                         filter=Q(unmatched_rows__state=UnmatchedRow.State.OPEN)))
               .filter(open_rows__gt=0).select_related("programme")
               .order_by("uploaded_at", "pk"))
    return [WaitingUpload(u.pk, u.programme.name, u.file_name, u.get_kind_display(),
                          u.open_rows) for u in uploads]


NEEDS_SHOWN = 20


@dataclass(frozen=True)
class ReferredNeeds:
    total: int
    by_kind: list[tuple[str, int]]  # need kind code, count
    rows: list[Need]  # the oldest few, with the family and its desa


def referred_needs(user: Any, agency: Agency, target_list: TargetList | None) -> ReferredNeeds:
    """Needs of the current target list referred to the agency and not met (within the
    user's area)."""
    if target_list is None:
        return ReferredNeeds(0, [], [])
    needs = (Need.objects.for_user(user)
             .filter(referred_to=agency, entry__target_list=target_list)
             .exclude(status=NeedStatus.MET))
    by_kind = list(needs.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind"))
    rows = list(needs.select_related("entry", "desa").order_by("recorded_at", "pk")[:NEEDS_SHOWN])
    return ReferredNeeds(sum(n for _, n in by_kind), by_kind, rows)
