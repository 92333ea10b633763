"""The regency's quarterly report to the Minister of Home Affairs (cc Kemenko PMK) on the
elimination of extreme poverty (issue 5 §2): aggregates only, as plain dataclasses.

- The target list in force at the end of the quarter (the latest decree dated on or before it):
  SK number and date, keluarga and jiwa per kecamatan. The by-name list is not part of this
  report: it goes as a separate attachment through the target-list export, which asks for a
  purpose and is logged.
- Delivered interventions by strategy and by funding source: families reached (keluarga, jiwa,
  and how many of them are target families), interventions, value (Rp); in the quarter and
  cumulative from 1 January to the end of the quarter.
- The budget: each programme of the year, its pagu against the value delivered.
- Results per quarter of the year up to this one: target families served (≥ 1 delivered
  intervention up to the quarter's end, as `tepat.core.convergence` counts served), needs met,
  target families still without any intervention.

Only delivered interventions count (planned ones are not aid received), as in the convergence
figures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.core.measures import Units, percent
from tepat.core.strategies import FUNDING_SOURCES, STRATEGIES
from tepat.regions.models import Region
from tepat.regions.selectors import regency
from tepat.registry.scoping import unscoped_access

Progress = Callable[[float, str], None]
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class QuarterError(ValueError):
    """A quarter that is not 'YYYYQn': the message is in Indonesian and English."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return _("Triwulan %(n)s tahun %(year)s") % {"n": ("I", "II", "III", "IV")[self.number - 1],
                                                     "year": self.year}

    def of_year(self) -> list[Quarter]:
        """The quarters of the year up to and including this one."""
        return [Quarter(self.year, n) for n in range(1, self.number + 1)]


def parse_quarter(text: str | None) -> Quarter:
    """'2024Q1' (also '2024q1', '2024-Q1') → Quarter(2024, 1); anything else raises QuarterError
    naming what was given and what is expected."""
    match = _QUARTER.match(text or "")
    if not match:
        raise QuarterError(
            f"Triwulan tidak valid: {text!r}; yang diharapkan TAHUNQn, misalnya 2024Q1 "
            f"(n = 1–4) / invalid quarter {text!r}: expected YEARQn, e.g. 2024Q1 (n = 1-4)")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise QuarterError(
            f"Tahun triwulan di luar rentang 2000–2100: {year} / quarter year out of range "
            f"2000-2100: {year}")
    return Quarter(year, int(match.group(2)))


def current_quarter(today: date | None = None) -> Quarter:
    today = today or timezone.localdate()
    return Quarter(today.year, (today.month - 1) // 3 + 1)


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KecamatanTargets:
    code: str
    name: str
    targets: Units


@dataclass(frozen=True)
class TargetListPart:
    name: str
    year: int
    sk_number: str
    sk_date: date
    kecamatan: tuple[KecamatanTargets, ...]
    total: Units


@dataclass(frozen=True)
class AidRow:
    """Delivered interventions of one strategy or one funding source in one period."""

    code: str
    label: str
    reached: Units  # families reached (jiwa: their members in the registry)
    reached_targets: int  # of which target families of the list in force (keluarga)
    interventions: int
    amount: int  # Rp


@dataclass(frozen=True)
class AidTable:
    period: str  # "quarter" or "year"
    by_strategy: tuple[AidRow, ...]
    by_funding: tuple[AidRow, ...]
    total: AidRow


@dataclass(frozen=True)
class BudgetRow:
    programme: str
    agency: str
    strategy: str
    funding: str
    budget: int | None  # pagu, Rp
    delivered_quarter: int  # Rp
    delivered_year: int  # Rp, 1 January to the quarter's end
    families_year: int  # keluarga reached in the year

    @property
    def realisation_pct(self) -> float | None:
        return percent(self.delivered_year, self.budget) if self.budget else None


@dataclass(frozen=True)
class QuarterResult:
    quarter: str
    label: str
    served: Units  # target families with ≥ 1 delivered intervention up to the quarter's end
    served_in_quarter: Units  # ... with one delivered in the quarter
    needs_met: int  # needs (not families) met up to the quarter's end
    without_intervention: Units  # target families with none up to the quarter's end

    @property
    def served_pct_keluarga(self) -> float | None:
        total = self.served.keluarga + self.without_intervention.keluarga
        return percent(self.served.keluarga, total)


@dataclass(frozen=True)
class QuarterlyPack:
    quarter: Quarter
    title: str
    region_code: str
    region_name: str
    generated_at: datetime
    target_list: TargetListPart | None
    quarter_aid: AidTable
    year_aid: AidTable
    budget: tuple[BudgetRow, ...]
    budget_total: BudgetRow
    results: tuple[QuarterResult, ...]
    attachment_note: str
    notes: tuple[str, ...] = ()


# --- building it ----------------------------------------------------------------------------


@unscoped_access("report: the quarterly report, aggregates of the whole regency")
def quarterly_pack(quarter: str | Quarter = "2024Q1", *, progress: Progress | None = None,
                   region_code: str | None = None) -> QuarterlyPack:
    from tepat.verification.models import TargetList

    region_code = region_code or regency()
    q = quarter if isinstance(quarter, Quarter) else parse_quarter(quarter)
    progress = progress or (lambda fraction, message: None)
    notes: list[str] = []
    region = Region.objects.filter(code=region_code).first()
    region_name = region.name if region else region_code

    progress(0.05, _("Daftar sasaran yang berlaku"))
    target_list = (TargetList.objects.filter(sk_date__lte=q.end)
                   .order_by("-sk_date", "-year", "-id").first())
    if target_list is None:
        notes.append(_("Belum ada daftar sasaran yang ditetapkan dengan SK Bupati sampai akhir "
                       "triwulan ini."))
    targets = _targets(target_list)
    target_part = _target_list_part(target_list) if target_list else None

    progress(0.2, _("Intervensi per strategi dan sumber dana"))
    deliveries = _deliveries(q)
    quarter_aid = _aid_table("quarter", [d for d in deliveries if d[3] >= q.start], targets)
    year_aid = _aid_table("year", deliveries, targets)

    progress(0.5, _("Anggaran program"))
    budget = _budget(q, deliveries)

    progress(0.7, _("Hasil per triwulan"))
    results = _results(q, target_list, targets)
    progress(0.9, _("Laporan triwulan tersusun"))
    return QuarterlyPack(
        quarter=q,
        title=_("Laporan Triwulan Percepatan Penghapusan Kemiskinan Ekstrem %(region)s") % {
            "region": region_name},
        region_code=region_code, region_name=region_name, generated_at=timezone.localtime(),
        target_list=target_part, quarter_aid=quarter_aid, year_aid=year_aid,
        budget=tuple(budget), budget_total=_budget_total(budget), results=tuple(results),
        attachment_note=_(
            "Daftar keluarga sasaran by name by address (BNBA) tidak dimuat dalam laporan ini. "
            "Daftar itu dilampirkan terpisah melalui ekspor daftar sasaran di Tepat, yang "
            "meminta tujuan penggunaan dan dicatat (UU 27/2022)."),
        notes=tuple(notes))


def _targets(target_list: object | None) -> dict[int, int]:
    """Registry family → jiwa of the list's entries (usulan baru without a registry family
    cannot receive a recorded intervention: they count as targets, never as served)."""
    from tepat.verification.models import TargetListEntry

    if target_list is None:
        return {}
    return dict(TargetListEntry.objects.filter(target_list=target_list)
                .exclude(family=None).values_list("family_id", "jiwa"))


def _target_list_part(target_list: object) -> TargetListPart:
    from tepat.verification.models import TargetListEntry

    rows = (TargetListEntry.objects.filter(target_list=target_list).values("kecamatan_id")
            .annotate(k=Count("id"), j=Sum("jiwa")).order_by("kecamatan_id"))
    names = dict(Region.objects.filter(code__in=[r["kecamatan_id"] for r in rows])
                 .values_list("code", "name"))
    kecamatan = tuple(KecamatanTargets(r["kecamatan_id"], names.get(r["kecamatan_id"], ""),
                                       Units(r["k"], r["j"] or 0)) for r in rows)
    total = Units()
    for row in kecamatan:
        total += row.targets
    return TargetListPart(name=target_list.name, year=target_list.year,
                          sk_number=target_list.sk_number, sk_date=target_list.sk_date,
                          kecamatan=kecamatan, total=total)


# (family, strategy, funding, delivered_on, amount, jiwa, programme)
Delivery = tuple[int, str, str, date, int, int, int]


def _deliveries(q: Quarter) -> list[Delivery]:
    """Delivered interventions from 1 January to the end of the quarter."""
    from tepat.interventions.models import Intervention, InterventionStatus

    rows = (Intervention.objects.filter(status=InterventionStatus.DELIVERED,
                                        delivered_on__gte=date(q.year, 1, 1),
                                        delivered_on__lte=q.end)
            .values_list("family_id", "programme__strategy", "programme__funding",
                         "delivered_on", "amount", "family__member_count", "programme_id")
            .order_by())
    return [(f, s, fu, d, int(a or 0), j or 0, p) for f, s, fu, d, a, j, p in
            rows.iterator(chunk_size=5000)]


def _aid_row(code: str, label: str, rows: list[Delivery], targets: dict[int, int]) -> AidRow:
    families = {r[0]: r[5] for r in rows}
    return AidRow(code=code, label=label,
                  reached=Units(len(families), sum(families.values())),
                  reached_targets=sum(1 for f in families if f in targets),
                  interventions=len(rows), amount=sum(r[4] for r in rows))


def _aid_table(period: str, rows: list[Delivery], targets: dict[int, int]) -> AidTable:
    by_strategy, by_funding = defaultdict(list), defaultdict(list)
    for row in rows:
        by_strategy[row[1]].append(row)
        by_funding[row[2]].append(row)
    return AidTable(
        period=period,
        by_strategy=tuple(_aid_row(code, _(s.label), by_strategy.get(code, []), targets)
                          for code, s in STRATEGIES.items()),
        by_funding=tuple(_aid_row(code, _(label), by_funding.get(code, []), targets)
                         for code, label in FUNDING_SOURCES.items()),
        total=_aid_row("", _("Jumlah"), rows, targets))


def _budget(q: Quarter, deliveries: list[Delivery]) -> list[BudgetRow]:
    from tepat.interventions.models import Programme

    year_amount: dict[int, int] = defaultdict(int)
    quarter_amount: dict[int, int] = defaultdict(int)
    families: dict[int, set[int]] = defaultdict(set)
    for family, _s, _f, day, amount, _j, programme in deliveries:
        year_amount[programme] += amount
        families[programme].add(family)
        if day >= q.start:
            quarter_amount[programme] += amount
    programmes = (Programme.objects.filter(Q(year=q.year) | Q(pk__in=list(year_amount)))
                  .select_related("agency").order_by("agency__name", "name"))
    return [BudgetRow(
        programme=p.name, agency=str(p.agency), strategy=_(STRATEGIES[p.strategy].label)
        if p.strategy in STRATEGIES else p.strategy,
        funding=_(FUNDING_SOURCES.get(p.funding, p.funding)),
        budget=int(p.budget) if p.budget is not None else None,
        delivered_quarter=quarter_amount.get(p.pk, 0),
        delivered_year=year_amount.get(p.pk, 0),
        families_year=len(families.get(p.pk, ()))) for p in programmes]


def _budget_total(rows: list[BudgetRow]) -> BudgetRow:
    budgets = [r.budget for r in rows if r.budget is not None]
    return BudgetRow(programme=_("Jumlah"), agency="", strategy="", funding="",
                     budget=sum(budgets) if budgets else None,
                     delivered_quarter=sum(r.delivered_quarter for r in rows),
                     delivered_year=sum(r.delivered_year for r in rows),
                     families_year=0)


def _results(q: Quarter, target_list: object | None, targets: dict[int, int]
             ) -> list[QuarterResult]:
    """Per quarter of the year: the list in force at this quarter's end, what reached it."""
    from tepat.gesek.models import Need, NeedStatus
    from tepat.interventions.models import Intervention, InterventionStatus
    from tepat.verification.models import TargetListEntry

    if target_list is None:
        return [QuarterResult(x.code, x.label, Units(), Units(), 0, Units()) for x in
                q.of_year()]
    entries = TargetListEntry.objects.filter(target_list=target_list)
    total = Units(entries.count(), entries.aggregate(j=Sum("jiwa"))["j"] or 0)
    # Filtered in Python against the list's families (`targets`), not with a subquery: on
    # PostgreSQL with statistics not yet updated after a large import, the planner chose a
    # nested loop for `family_id IN (SELECT …)` that took 75 s at full size.
    first: dict[int, date] = {
        family: day for family, day in
        Intervention.objects.filter(status=InterventionStatus.DELIVERED,
                                    delivered_on__lte=q.end)
        .values("family_id").annotate(first=Min("delivered_on"))
        .values_list("family_id", "first").order_by()
        if family in targets}
    days: dict[int, list[date]] = defaultdict(list)
    for family, day in (Intervention.objects.filter(
            status=InterventionStatus.DELIVERED,
            delivered_on__gte=date(q.year, 1, 1), delivered_on__lte=q.end)
            .values_list("family_id", "delivered_on").order_by()):
        if family in targets:
            days[family].append(day)
    needs = list(Need.objects.filter(entry__target_list=target_list, status=NeedStatus.MET)
                 .values_list("met_by__delivered_on", "recorded_at"))
    results = []
    for x in q.of_year():
        served = [f for f, day in first.items() if day <= x.end]
        in_quarter = [f for f, ds in days.items() if any(x.start <= d <= x.end for d in ds)]
        served_units = Units(len(served), sum(targets[f] for f in served))
        met = sum(1 for met_on, recorded in needs
                  if (met_on or timezone.localtime(recorded).date()) <= x.end)
        results.append(QuarterResult(
            quarter=x.code, label=x.label, served=served_units,
            served_in_quarter=Units(len(in_quarter), sum(targets[f] for f in in_quarter)),
            needs_met=met,
            without_intervention=Units(total.keluarga - served_units.keluarga,
                                       total.jiwa - served_units.jiwa)))
    return results

