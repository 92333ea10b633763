"""Convergence figures (issue 4 §4) from the database, for the page and `tepat convergence`.

The current target list and what reached its families are read in a few aggregate queries
into the plain records of tepat.core.convergence (where the rules and formulas live), then
computed in Python: a regency (≈ 40k entries, ≈ 100k interventions) in about a second.

Scoping: `report(area=CODE)` keeps the target families of a kecamatan or desa (by the area the
list recorded for them), the interventions delivered in that area or to those families, and the
registry families of that area for the CGH population. Without an area: the whole list.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import IO

from django.db import connection
from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast

from tepat.audit.services import latest_mark, watch
from tepat.core import convergence as core
from tepat.core.outcomes import VERIFIED_STATES
from tepat.gesek.models import Assignment, Need, Official, TeamMember, TeamRole, Visit
from tepat.gesek.selectors import current_target_list
from tepat.interventions.models import Intervention, InterventionStatus, Programme
from tepat.regions.models import Region
from tepat.registry.clusters import jiwa_once
from tepat.registry.models import Family
from tepat.registry.scoping import unscoped_access
from tepat.verification.models import (
    CampaignStat,
    CampaignState,
    TargetList,
    TargetListEntry,
    Verification,
)

UNASSIGNED = "-"  # the key of families without a pendamping in the per-official rows


def _scoped(queryset: QuerySet, area: str | None) -> QuerySet:
    return queryset if not area else queryset.for_area(area)


def _entries(target_list: TargetList, area: str | None) -> QuerySet:
    return _scoped(TargetListEntry.objects.filter(target_list=target_list), area)


# --- reading the inputs ---------------------------------------------------------------------


def target_families(target_list: TargetList, area: str | None) -> list[core.TargetFamily]:
    rows = _entries(target_list, area).order_by("kecamatan_id", "desa_id", "pk").values_list(
        "pk", "family_id", "kecamatan_id", "desa_id", "jiwa", "assignment__official_id")
    return list(map(core.TargetFamily._make, rows))  # _make: no Python call per row


def programmes() -> dict[int, core.Programme]:
    rows = Programme.objects.values_list("pk", "name", "agency__code", "kind", "strategy",
                                         "funding", "year", "budget")
    return {pk: core.Programme(pk, name, agency, kind, strategy, funding, year,
                               int(budget) if budget is not None else None)
            for pk, name, agency, kind, strategy, funding, year, budget in rows}


def _in_area(interventions: QuerySet, target_list: TargetList, area: str | None) -> QuerySet:
    """Those recorded in the area and those to the area's target families (a family recorded
    elsewhere since the list was fixed)."""
    if area and area.count(".") <= 1:  # a kabupaten: its families' aid is recorded in it
        return interventions.for_area(area)
    if area:
        families = _entries(target_list, area).exclude(family=None).values("family_id")
        return interventions.filter(
            Q(pk__in=Intervention.objects.for_area(area).values("pk"))
            | Q(family_id__in=families))
    return interventions


def delivered_aid(target_list: TargetList, area: str | None) -> list[core.Aid]:
    """Delivered interventions summed per (family, programme) (`_in_area`). The registry's
    member count (jiwa, a person counted once per cluster: `registry.clusters`) is read only
    for the beneficiaries off the list; the target families' jiwa are the list's."""
    interventions = _in_area(Intervention.objects.filter(status=InterventionStatus.DELIVERED),
                             target_list, area)
    rows = (interventions.values("family_id", "programme_id")
            .annotate(n=Count("id"), total=Cast(Sum("amount"), BigIntegerField()))
            .values_list("family_id", "programme_id", "total", "n"))
    # From the interventions to their families, and NOT EXISTS on the list: PostgreSQL
    # planned "families IN (beneficiaries) AND NOT IN (a regency's 30k entries)" as a scan of
    # every registry family (~60 ms); this is index lookups from the few beneficiaries. (The
    # entries' family_id is never NULL here, so NOT EXISTS and NOT IN mean the same.)
    on_list = TargetListEntry.objects.filter(target_list=target_list,
                                             family_id=OuterRef("family_id"))
    off_list = jiwa_once(list(interventions.exclude(family=None).filter(~Exists(on_list))
                              .values_list("family_id", flat=True).distinct()))
    return [core.Aid(family, programme, total or 0, n, off_list.get(family, 0))
            for family, programme, total, n in rows]


def undelivered_aid(target_list: TargetList, area: str | None,
                    ) -> tuple[list[core.Aid], list[core.Aid]]:
    """Planned interventions and failed payments summed per (family, programme), in one query;
    never aid received. (No jiwa: they are counted for the target families only.)"""
    rows = (_in_area(Intervention.objects.filter(
        status__in=[InterventionStatus.PLANNED, InterventionStatus.FAILED]), target_list, area)
        .values("status", "family_id", "programme_id")
        .annotate(n=Count("id"), total=Cast(Sum("amount"), BigIntegerField()))
        .values_list("status", "family_id", "programme_id", "total", "n"))
    found: dict[str, list[core.Aid]] = {InterventionStatus.PLANNED: [],
                                        InterventionStatus.FAILED: []}
    for status, family, programme, total, n in rows:
        found[status].append(core.Aid(family, programme, total or 0, n))
    return found[InterventionStatus.PLANNED], found[InterventionStatus.FAILED]


def needs(target_list: TargetList, area: str | None) -> list[core.NeedRecord]:
    rows = _scoped(Need.objects.filter(entry__target_list=target_list), area)
    return list(map(core.NeedRecord._make, rows.values_list("entry_id", "kind", "status")))


def visits(target_list: TargetList, area: str | None) -> dict[int, int]:
    rows = _scoped(Visit.objects.filter(entry__target_list=target_list), area)
    return dict(rows.values("entry_id").annotate(n=Count("id")).values_list("entry_id", "n"))


def list_source(target_list: TargetList) -> str | None:
    """The registry source the list was drawn from: its campaign's, else its families' most
    common source."""
    if target_list.campaign_id:
        return target_list.campaign.source
    return _most_common_source(target_list.pk, target_list.created_at)


@lru_cache(maxsize=64)
def _most_common_source(list_id: int, created_at: datetime) -> str | None:
    """Remembered: a list is frozen (its entries are written once, in the transaction that
    creates it; their families are PROTECTed) and a family's source never changes, so the
    answer never changes, and the query behind it (a semi-join of a regency's list with the
    registry) took ~100 ms of every convergence page. `created_at` is in the key because a
    test database hands a rolled-back list's id out again."""
    top = (Family.objects.unscoped("convergence: the list's most common source, a count")
           .filter(pk__in=TargetListEntry.objects.filter(target_list_id=list_id)
                   .values("family_id"))
           .values("source").annotate(n=Count("id")).order_by("-n").first())
    return top["source"] if top else None


def population(target_list: TargetList, area: str | None) -> int:
    """Registry families of the list's source in the area: what CGH shares are taken over."""
    source = list_source(target_list)
    if source is None:
        return 0
    return _scoped(Family.objects.filter(source=source), area).count()


def later_verifications(target_list: TargetList, families: Iterable[core.TargetFamily],
                        area: str | None = None) -> list[core.LaterVerification]:
    """Verified results of the list's families in campaigns opened after the list was fixed
    (campaign start after the decree's date; the list's own campaign never counts)."""
    entry_of = {f.family: f.entry for f in families if f.family is not None}
    rows = (Verification.objects
            .filter(campaign__opens_on__gt=target_list.sk_date, review__in=VERIFIED_STATES,
                    family_id__in=_entries(target_list, area).values("family_id"))
            .exclude(campaign__state=CampaignState.DRAFT)
            .values_list("family_id", "campaign__opens_on", "campaign_id", "outcome",
                         "review"))
    if target_list.campaign_id:
        rows = rows.exclude(campaign_id=target_list.campaign_id)
    found = [row for row in rows if row[0] in entry_of]
    order = {key: rank for rank, key in enumerate(sorted({(r[1], r[2]) for r in found}))}
    return [core.LaterVerification(entry_of[family], order[(opens, campaign)], outcome, review)
            for family, opens, campaign, outcome, review in found]


@unscoped_access("convergence: figures of the target list, narrowed to `area` by the caller")
def read_inputs(target_list: TargetList, area: str | None = None) -> core.Inputs:
    families = target_families(target_list, area)
    planned, failed = undelivered_aid(target_list, area)
    return core.Inputs(
        families=families, programmes=programmes(), aids=delivered_aid(target_list, area),
        needs=needs(target_list, area), visits=visits(target_list, area),
        population=population(target_list, area),
        later=later_verifications(target_list, families, area),
        planned=planned, failed=failed,
    )


# --- the report -----------------------------------------------------------------------------


@dataclass
class Report:
    """The figures of one target list in one area, and the names to show them with."""

    target_list: TargetList
    area: str | None
    inputs: core.Inputs
    analysis: core.Analysis
    names: dict[str, str] = field(default_factory=dict)  # region code -> name
    teams: dict[str, str] = field(default_factory=dict)  # kecamatan -> team coordinator
    officials: dict[int, str] = field(default_factory=dict)
    agencies: dict[str, str] = field(default_factory=dict)  # code -> short name

    @property
    def area_name(self) -> str:
        return self.names.get(self.area or "", self.area or "")

    @cached_property
    def by_kecamatan(self) -> list[core.Coverage]:
        """Ranked: lowest coverage first."""
        return core.ranking(core.coverage_by(
            self.analysis.families, lambda r: r.family.kecamatan, self.names, self.teams))

    @cached_property
    def no_intervention(self) -> list[core.FamilyConvergence]:
        """The flagged lists, made once per kept report (not per page of the list)."""
        return self.analysis.no_intervention

    @cached_property
    def double_aid(self) -> list[core.FamilyConvergence]:
        return self.analysis.double_aid

    @cached_property
    def by_desa(self) -> list[core.Coverage]:
        return core.ranking(core.coverage_by(
            self.analysis.families, lambda r: r.family.desa, self.names))

    @cached_property
    def by_official(self) -> list[core.Coverage]:
        names = {str(pk): name for pk, name in self.officials.items()}
        names[UNASSIGNED] = "(belum ada pendamping)"
        return core.ranking(core.coverage_by(
            self.analysis.families,
            lambda r: str(r.family.official) if r.family.official else UNASSIGNED, names))

    def rows(self, by: str) -> list[dict[str, object]]:
        if by == "programme":
            return [p.as_dict() for p in self.analysis.programmes]
        rows = {"kecamatan": self.by_kecamatan, "desa": self.by_desa,
                "official": self.by_official}[by]
        return [{"rank": i, **row.as_dict()} for i, row in enumerate(rows, 1)]

    def meta(self) -> dict[str, object]:
        tl = self.target_list
        return {"id": tl.pk, "name": tl.name, "sk_number": tl.sk_number,
                "sk_date": tl.sk_date.isoformat(), "year": tl.year, "area": self.area,
                "area_name": self.area_name or None}


def _names(families: list[core.TargetFamily], area: str | None) -> dict[str, str]:
    codes = {f.kecamatan for f in families} | {f.desa for f in families}
    if area:
        codes.add(area)
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A regency's report makes some 300k small objects, none in a reference cycle; the cyclic
    garbage collector, triggered again and again by so many allocations, would walk all of them
    each time (a third of the time). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def report(target_list: TargetList | None = None, area: str | None = None) -> Report | None:
    """The convergence figures of a list (the current one by default) in an area (or all)."""
    target_list = target_list or current_target_list()
    if target_list is None:
        return None
    with _without_cycle_collection():
        return _report(target_list, area)


def _report(target_list: TargetList, area: str | None) -> Report:
    inputs = read_inputs(target_list, area)
    official_ids = {f.official for f in inputs.families if f.official}
    return Report(
        target_list=target_list, area=area, inputs=inputs,
        analysis=core.analyse(inputs, code=area or "", name=""),
        names=_names(list(inputs.families), area),
        teams=dict(TeamMember.objects.filter(role=TeamRole.COORDINATOR)
                   .values_list("kecamatan_id", "official__name")),
        officials=dict(Official.objects.filter(pk__in=official_ids).values_list("pk", "name")),
        agencies=dict(Programme.objects.values_list("agency__code", "agency__short_name")
                      .distinct()),
    )


# --- the report kept between requests (issue 19 §9) ----------------------------------------

TOPIC = "convergence"
# The writes the figures read: interventions and programmes, Gesek teams, officials,
# assignments, visits and needs, registry imports (population, jiwa of beneficiaries off the
# list), person clusters (jiwa counted once), regions, target lists and campaign states.
# Registered by InterventionsConfig.ready(), in every process that writes.
WATCHED = ("interventions.", "gesek.", "registry.", "linkage.", "regions.",
           "verification.target_list.", "verification.campaign.")


def watch_changes() -> None:
    watch(TOPIC, *WATCHED)

_KEPT: OrderedDict[tuple, tuple[tuple, Report]] = OrderedDict()
_KEPT_AREAS = 32
_KEPT_LOCK = threading.Lock()


def change_stamp(target_list: TargetList) -> tuple:
    """What the figures of `target_list` come from, in two queries: the latest change mark of
    the writes they read (`TOPIC`), the latest row of each table they read (a row written
    without its event still moves it; index lookups), and the count and id sum of the tallies
    of the other campaigns (a few thousand rows; their verifications graduate families:
    `later_verifications`; a tally is only ever replaced by a newer row, see
    `verification.reporting.tally_stamp`)."""
    latest = ", ".join(f"(SELECT MAX(id) FROM {connection.ops.quote_name(m._meta.db_table)})"
                       for m in (Intervention, Need, Visit, Assignment, TeamMember, TargetList))
    stat = connection.ops.quote_name(CampaignStat._meta.db_table)
    other = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:  # one round trip: every part is an index lookup
        cursor.execute(f"SELECT {latest}, COUNT(id), SUM(id) FROM {stat} "  # noqa: S608
                       f"WHERE campaign_id {other} %s", [target_list.campaign_id])
        tables = cursor.fetchone()
    return latest_mark(TOPIC), tuple(tables)


def kept_report(area: str | None = None) -> Report | None:
    """`report(area=…)` of the current list, computed again only when `change_stamp` has
    moved: the same figures, without reading every entry and intervention on each request.
    (The stamp is read before the figures: a write committed in between moves it again.)"""
    target_list = current_target_list()
    if target_list is None:
        return None
    key = (target_list.pk, target_list.created_at, area)
    stamp = change_stamp(target_list)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept[0] == stamp:
            _KEPT.move_to_end(key)
            return kept[1]
    rep = report(target_list, area)
    assert rep is not None
    with _KEPT_LOCK:
        _KEPT[key] = (stamp, rep)
        _KEPT.move_to_end(key)
        while len(_KEPT) > _KEPT_AREAS:
            _KEPT.popitem(last=False)
    return rep


# --- `tepat convergence` --------------------------------------------------------------------


def report_json(rep: Report, by: str) -> str:
    """{"target_list": …, "by": …, "rows": […], "total": …, "graduation": …}, a row a line."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ",\n  ".join(dump(row) for row in rep.rows(by))
    total = rep.analysis.total.as_dict()
    total.update(code=rep.area or "", name=rep.area_name or rep.target_list.name)
    return (f'{{"target_list": {dump(rep.meta())},\n "by": {dump(by)},\n "rows": [\n  {lines}\n'
            f' ],\n "total": {dump(total)},\n'
            f' "graduation": {dump(rep.analysis.graduation.as_dict())},\n'
            f' "aid": {dump(rep.analysis.aid.as_dict() if rep.analysis.aid else None)}}}')


AREA_COLUMNS = (  # (field, header, width)
    ("targets_keluarga", "targets_kel", 11), ("targets_jiwa", "targets_jiwa", 12),
    ("visited_pct_keluarga", "visited%_kel", 12), ("served_pct_keluarga", "served%_kel", 11),
    ("served_pct_jiwa", "served%_jiwa", 12), ("needs_met_pct_keluarga", "needs_met%_kel", 14),
    ("with_needs_keluarga", "with_needs_kel", 14),
    ("no_intervention_keluarga", "no_interv_kel", 13), ("double_aid_keluarga", "double_kel", 10),
)
PROGRAMME_COLUMNS = (
    ("agency", "agency", 8), ("kind", "kind", 9), ("funding", "funding", 9), ("year", "year", 4),
    ("beneficiaries_keluarga", "benef_kel", 9), ("off_list_keluarga", "off_list_kel", 12),
    ("inclusion_error_pct", "inclusion%", 10), ("needing_keluarga", "needing_kel", 11),
    ("exclusion_error_pct", "exclusion%", 10), ("cgh_index", "cgh", 6),
    ("amount", "amount_rp", 14), ("budget_to_targets_pct", "to_targets%", 11),
)


def _cell(value: object, width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return text.rjust(width)


def _value(row: dict[str, object], name: str) -> object:
    return str(row[name]) if name == "year" else row[name]  # 2024, not 2,024


def report_table(rep: Report, by: str) -> str:
    rows = rep.rows(by)
    lead_field = "programme" if by == "programme" else "name"
    columns = PROGRAMME_COLUMNS if by == "programme" else AREA_COLUMNS
    lead_w = max([len(lead_field), *(len(str(r[lead_field])) for r in rows)])
    g = rep.analysis.graduation
    lines = [
        f"Daftar sasaran / target list #{rep.target_list.pk}: {rep.target_list.name} "
        f"({rep.target_list.sk_number}); area {rep.area or 'all'}",
        "Satuan / units: *_kel = keluarga (families), *_jiwa = persons; % in per cent; "
        "amount in Rp; needs_met% over families with a recorded need",
        f"graduation: on_list {g.on_list.keluarga:,} keluarga / {g.on_list.jiwa:,} jiwa, "
        f"graduated {g.graduated.keluarga:,} / {g.graduated.jiwa:,}, projected "
        f"{g.projected.keluarga:,} / {g.projected.jiwa:,}",
        "",
        ("rank  " if by != "programme" else "") + lead_field.ljust(lead_w)
        + "".join(f"  {head.rjust(w)}" for _, head, w in columns),
    ]
    for r in rows:
        rank = f"{r['rank']:>4}  " if by != "programme" else ""
        lines.append(rank + str(r[lead_field]).ljust(lead_w)
                     + "".join(f"  {_cell(_value(r, name), w)}" for name, _, w in columns))
    return "\n".join(lines) + "\n"


def convergence_command(rep: Report, *, by: str, fmt: str, out: IO[str]) -> None:
    text = report_json(rep, by) if fmt == "json" else report_table(rep, by)
    out.write(text if text.endswith("\n") else text + "\n")
