"""A campaign over the `registry` fixture: P3KE desil 1, four families in three desa."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def campaign(registry, users):
    from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign

    plan = CampaignPlan(name="Pemutakhiran P3KE 2024", period="2024", source="p3ke", desil="1",
                        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15),
                        finalize_by=date(2024, 4, 22))
    return open_campaign(create_campaign(plan, actor=users.admin), actor=users.admin)


@pytest.fixture
def verification_of(campaign):
    """The verification row of a registry family in the campaign."""
    from tepat.verification.models import Verification

    def get(family):
        return Verification.objects.get(campaign=campaign, family=family)

    return get
