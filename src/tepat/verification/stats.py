"""Pre-aggregated campaign tallies and the progress figures read from them (DESIGN.md §4).

Writes call `refresh_desa` for the desa they touched, in their own transaction: it regroups
that desa's verifications and proposals (≤ ~1,000 rows through an index) into `CampaignStat`
and records today's state of the kecamatan in `DailyProgress`. The progress pages then sum a
few thousand tally rows, whatever the size of the campaign.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from tepat.core.measures import CampaignFigures, Tally, figures_from_tallies
from tepat.verification.models import (
    Campaign,
    CampaignStat,
    DailyProgress,
    Proposal,
    Verification,
)

_TALLY_SQL = """
    INSERT INTO {stat} (campaign_id, desa_id, kecamatan_id, proposal, outcome, review,
                        keluarga, jiwa)
    SELECT campaign_id, desa_id, kecamatan_id, {proposal}, {outcome}, review, COUNT(*),
           SUM(jiwa)
    FROM {table}
    WHERE campaign_id = %s {where}
    GROUP BY campaign_id, desa_id, kecamatan_id, {group}review
"""


def _regroup(campaign_id: int, desa_codes: Iterable[str] | None) -> None:
    stat = CampaignStat._meta.db_table
    where, params = "", [campaign_id]
    codes = sorted(set(desa_codes)) if desa_codes is not None else None
    if codes is not None:
        where = f"AND desa_id IN ({', '.join(['%s'] * len(codes))})"
        params += codes
    with connection.cursor() as cur:
        for table, proposal, outcome, group in (
            (Verification._meta.db_table, "FALSE", "outcome", "outcome, "),
            (Proposal._meta.db_table, "TRUE", "''", ""),
        ):
            cur.execute(
                _TALLY_SQL.format(stat=stat, table=table, proposal=proposal, outcome=outcome,
                                  group=group, where=where),
                params,
            )


# Desa waiting for their tallies while a batch of writes runs (see `deferred`).
_pending: ContextVar[set[str] | None] = ContextVar("pending_desa", default=None)


@contextmanager
def deferred(campaign: Campaign) -> Iterator[None]:
    """Inside this block (itself inside the batch's transaction) the writes only note their
    desa; the tallies are rebuilt once per desa at the end, not once per row."""
    pending: set[str] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh_desa(campaign, pending)


def refresh_desa(campaign: Campaign, desa_codes: Iterable[str]) -> None:
    """Rebuild the tallies of these desa and today's progress of their kecamatan."""
    desa_codes = set(desa_codes)
    if not desa_codes:
        return
    if (pending := _pending.get()) is not None:
        pending.update(desa_codes)
        return
    stats = CampaignStat.objects.filter(campaign=campaign)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("refresh_desa must run inside the write's transaction")
    stats.filter(desa_id__in=desa_codes).delete()
    _regroup(campaign.pk, desa_codes)
    kecamatan = set(stats.filter(desa_id__in=desa_codes).values_list("kecamatan_id", flat=True))
    record_day(campaign, kecamatan)


def rebuild(campaign: Campaign) -> None:
    """Every tally of the campaign (after opening or a bulk change)."""
    CampaignStat.objects.filter(campaign=campaign).delete()
    _regroup(campaign.pk, None)
    record_day(campaign, None)


def tallies(campaign: Campaign, **area) -> tuple[list[Tally], list[Tally]]:
    """(baseline tallies, proposal tallies) of the campaign, optionally filtered by area."""
    rows = CampaignStat.objects.filter(campaign=campaign, **area).values(
        "proposal", "outcome", "review"
    ).annotate(k=Sum("keluarga"), j=Sum("jiwa"))
    baseline, proposals = [], []
    for row in rows:
        tally = Tally(row["outcome"] or None, row["review"] or None, row["k"], row["j"])
        (proposals if row["proposal"] else baseline).append(tally)
    return baseline, proposals


def figures(campaign: Campaign, **area) -> CampaignFigures:
    baseline, proposals = tallies(campaign, **area)
    return figures_from_tallies(baseline, proposals=proposals, finalized=campaign.is_finalized)


def figures_by(campaign: Campaign, level: str, **area) -> dict[str, CampaignFigures]:
    """Figures per kecamatan or per desa code (level 'kecamatan' or 'desa')."""
    key = f"{level}_id"
    rows = CampaignStat.objects.filter(campaign=campaign, **area).values(
        key, "proposal", "outcome", "review"
    ).annotate(k=Sum("keluarga"), j=Sum("jiwa"))
    grouped: dict[str, tuple[list[Tally], list[Tally]]] = defaultdict(lambda: ([], []))
    for row in rows:
        tally = Tally(row["outcome"] or None, row["review"] or None, row["k"], row["j"])
        grouped[row[key]][1 if row["proposal"] else 0].append(tally)
    return {
        code: figures_from_tallies(base, proposals=props, finalized=campaign.is_finalized)
        for code, (base, props) in grouped.items()
    }


def record_day(campaign: Campaign, kecamatan_codes: Iterable[str] | None,
               day: date | None = None) -> None:
    """Today's figures for these kecamatan (all when None), overwriting today's earlier row."""
    day = day or timezone.localdate()
    area = {} if kecamatan_codes is None else {"kecamatan_id__in": list(kecamatan_codes)}
    for code, f in figures_by(campaign, "kecamatan", **area).items():
        DailyProgress.objects.update_or_create(
            campaign=campaign, kecamatan_id=code, day=day,
            defaults=dict(
                in_scope_keluarga=f.in_scope.keluarga, in_scope_jiwa=f.in_scope.jiwa,
                verified_keluarga=f.verified.keluarga, verified_jiwa=f.verified.jiwa,
                approved_keluarga=f.approved.keluarga, approved_jiwa=f.approved.jiwa,
                removed_keluarga=f.removed.keluarga, removed_jiwa=f.removed.jiwa,
            ),
        )


@dataclass(frozen=True)
class DayPoint:
    day: date
    in_scope_keluarga: int
    verified_keluarga: int
    verified_jiwa: int
    in_scope_jiwa: int
    removed_keluarga: int
    removed_jiwa: int


def history(campaign: Campaign, **area) -> list[DayPoint]:
    """Daily totals of the area, each kecamatan carried forward from its last recorded day."""
    rows = DailyProgress.objects.filter(campaign=campaign, **area).order_by("day").values()
    latest: dict[str, dict] = {}
    points: list[DayPoint] = []
    by_day: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        by_day[row["day"]].append(row)
    for day in sorted(by_day):
        for row in by_day[day]:
            latest[row["kecamatan_id"]] = row
        total = defaultdict(int)
        for row in latest.values():
            for name in ("in_scope_keluarga", "in_scope_jiwa", "verified_keluarga",
                         "verified_jiwa", "removed_keluarga", "removed_jiwa"):
                total[name] += row[name]
        points.append(DayPoint(day=day, **total))
    return points
