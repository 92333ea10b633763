"""Read helpers the pages share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Min, Q, Value, When

from tepat.core.outcomes import Review
from tepat.regions.models import Region
from tepat.verification.models import (
    Campaign,
    CampaignState,
    DesaSubmission,
    Musdes,
    Proposal,
    Verification,
)
from tepat.verification.reporting import (
    DESA,
    AreaRow,
    ProgressReport,
    Schedule,
    behind_schedule,
    schedule_of,
)

_ORDER = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.FINALIZED)


def current_campaign() -> Campaign | None:
    """The campaign the pages show by default: the latest open one, else the latest closed,
    else the latest finalized (drafts are only on the admin's pages). One query."""
    rank = Case(*(When(state=state, then=Value(n)) for n, state in enumerate(_ORDER)),
                output_field=IntegerField())
    return (Campaign.objects.filter(state__in=_ORDER).annotate(rank=rank)
            .order_by("rank", "-opens_on", "-id").first())


# --- what a desa and a kecamatan must do next (the role pages, issue 19 §3) -------------------

RETURNED_SHOWN = 5  # returned families listed on the desa's first page (all on the worklist)


@dataclass(frozen=True)
class DesaWork:
    """The desa's open work in a campaign; every count within the user's desa."""

    campaign: Campaign
    not_verified: int  # no outcome recorded yet
    drafts: int  # an outcome saved, not sent to the kecamatan
    returned: int  # sent back by the kecamatan, not yet sent again
    returned_rows: list[Verification]  # the first few, with the kecamatan's reason
    proposal_drafts: int
    proposals_returned: int
    has_berita_acara: bool
    batch_sent: bool
    schedule: Schedule

    @property
    def ready_to_send(self) -> bool:
        return (self.has_berita_acara and not self.batch_sent
                and not (self.not_verified or self.drafts or self.returned))


def desa_work(user: Any, campaign: Campaign, desa_code: str, today: date | None = None
              ) -> DesaWork:
    rows = Verification.objects.for_user(user).filter(campaign=campaign, desa_id=desa_code)
    counts = rows.aggregate(
        not_verified=Count("pk", filter=Q(review="")),
        drafts=Count("pk", filter=Q(review=Review.DRAFT)),
        returned=Count("pk", filter=Q(review=Review.RETURNED)))
    returned_rows = list(rows.filter(review=Review.RETURNED).select_related("family")
                         .only("pk", "return_reason", "family__kepala_keluarga")
                         .order_by("reviewed_at", "pk")[:RETURNED_SHOWN])
    proposals = Proposal.objects.for_user(user).filter(campaign=campaign, desa_id=desa_code)
    proposal_counts = proposals.aggregate(
        drafts=Count("pk", filter=Q(review=Review.DRAFT)),
        returned=Count("pk", filter=Q(review=Review.RETURNED)))
    musdes = Musdes.objects.for_user(user).filter(campaign=campaign, desa_id=desa_code)
    return DesaWork(
        campaign=campaign, not_verified=counts["not_verified"], drafts=counts["drafts"],
        returned=counts["returned"], returned_rows=returned_rows,
        proposal_drafts=proposal_counts["drafts"],
        proposals_returned=proposal_counts["returned"],
        has_berita_acara=musdes.exclude(berita_acara="").exists(),
        batch_sent=DesaSubmission.objects.for_user(user).filter(
            campaign=campaign, desa_id=desa_code).exists(),
        schedule=schedule_of(campaign, today))


@dataclass(frozen=True)
class WaitingBatch:
    """A desa with families sent to the kecamatan and not yet reviewed."""

    desa: str
    name: str
    families: int
    proposals: int
    oldest: datetime | None  # the longest-waiting family's submission
    batch_sent: bool  # the desa sent its final batch (berita acara and every family)


@dataclass(frozen=True)
class DesaCount:
    desa: str
    name: str
    count: int


@dataclass(frozen=True)
class KecamatanWork:
    campaign: Campaign
    waiting: list[WaitingBatch]  # oldest first
    returned: list[DesaCount]  # families returned to their desa, not yet sent again
    behind: list[AreaRow]  # desa behind schedule (reporting.BEHIND_RULE)
    schedule: Schedule

    @property
    def waiting_families(self) -> int:
        return sum(w.families for w in self.waiting)

    @property
    def returned_families(self) -> int:
        return sum(r.count for r in self.returned)


def _waiting(user: Any, campaign: Campaign, names: dict[str, str]) -> list[WaitingBatch]:
    families = (Verification.objects.for_user(user)
                .filter(campaign=campaign, review=Review.SUBMITTED).values("desa_id")
                .annotate(n=Count("pk"), oldest=Min("submitted_at")).order_by())
    proposals = dict(Proposal.objects.for_user(user)
                     .filter(campaign=campaign, review=Review.SUBMITTED).values_list("desa_id")
                     .annotate(n=Count("pk")).order_by())
    sent = set(DesaSubmission.objects.for_user(user).filter(campaign=campaign)
               .values_list("desa_id", flat=True))
    rows = {r["desa_id"]: (r["n"], r["oldest"]) for r in families}
    waiting = [WaitingBatch(code, names.get(code, code), rows.get(code, (0, None))[0],
                            proposals.get(code, 0), rows.get(code, (0, None))[1], code in sent)
               for code in {*rows, *proposals}]
    far_future = datetime.max.replace(tzinfo=UTC)
    return sorted(waiting, key=lambda w: (w.oldest or far_future, w.name))


def kecamatan_work(user: Any, campaign: Campaign, today: date | None = None) -> KecamatanWork:
    """The kecamatan's review queue: every count within the user's area."""
    area = user.area_id
    names = dict(Region.objects.filter(code__startswith=area + ".").values_list("code", "name"))
    returned = (Verification.objects.for_user(user)
                .filter(campaign=campaign, review=Review.RETURNED).values_list("desa_id")
                .annotate(n=Count("pk")).order_by())
    schedule = schedule_of(campaign, today)
    report = ProgressReport(campaign, area, schedule=schedule)
    return KecamatanWork(
        campaign=campaign, waiting=_waiting(user, campaign, names),
        returned=sorted((DesaCount(code, names.get(code, code), n) for code, n in returned),
                        key=lambda r: (-r.count, r.name)),
        behind=behind_schedule(report.rows(DESA)), schedule=schedule)


def may_take_back_batch(campaign: Campaign, submission: DesaSubmission | None) -> bool:
    """Whether the desa may still take back its sent batch: the campaign is open and the
    kecamatan decided no verification of the desa since the batch was sent (the service
    `take_back_desa` checks it again under lock)."""
    if submission is None or not campaign.is_open:
        return False
    return not Verification.objects.for_area(submission.desa_id).filter(
        campaign=campaign, reviewed_at__gte=submission.submitted_at).exists()
