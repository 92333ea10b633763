"""Read helpers the pages share."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from tepat.verification.models import Campaign, CampaignState

_ORDER = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.FINALIZED)


def current_campaign() -> Campaign | None:
    """The campaign the pages show by default: the latest open one, else the latest closed,
    else the latest finalized (drafts are only on the admin's pages). One query."""
    rank = Case(*(When(state=state, then=Value(n)) for n, state in enumerate(_ORDER)),
                output_field=IntegerField())
    return (Campaign.objects.filter(state__in=_ORDER).annotate(rank=rank)
            .order_by("rank", "-opens_on", "-id").first())
