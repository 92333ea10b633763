"""Read helpers the pages share."""

from __future__ import annotations

from tepat.verification.models import Campaign, CampaignState

_ORDER = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.FINALIZED)


def current_campaign() -> Campaign | None:
    """The campaign the pages show by default: the latest open one, else the latest closed,
    else the latest finalized (drafts are only on the admin's pages)."""
    for state in _ORDER:
        campaign = Campaign.objects.filter(state=state).order_by("-opens_on", "-id").first()
        if campaign is not None:
            return campaign
    return None
