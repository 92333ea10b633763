"""Read helpers the pages share."""

from __future__ import annotations

from tepat.verification.models import Campaign, CampaignState, DesaSubmission, Verification

_ORDER = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.FINALIZED)


def current_campaign() -> Campaign | None:
    """The campaign the pages show by default: the latest open one, else the latest closed,
    else the latest finalized (drafts are only on the admin's pages)."""
    for state in _ORDER:
        campaign = Campaign.objects.filter(state=state).order_by("-opens_on", "-id").first()
        if campaign is not None:
            return campaign
    return None


def may_take_back_batch(campaign: Campaign, submission: DesaSubmission | None) -> bool:
    """Whether the desa may still take back its sent batch: the campaign is open and the
    kecamatan decided no verification of the desa since the batch was sent (the service
    `take_back_desa` checks it again under lock)."""
    if submission is None or not campaign.is_open:
        return False
    return not Verification.objects.for_area(submission.desa_id).filter(
        campaign=campaign, reviewed_at__gte=submission.submitted_at).exists()
