"""Campaign baselines and target lists count a person once per cluster (issue 18 §3)."""

from __future__ import annotations

from datetime import date

from tepat.linkage.models import ClusterMember
from tepat.registry.models import Family
from tepat.verification import stats
from tepat.verification.campaigns import (
    CampaignPlan,
    Decree,
    create_campaign,
    open_campaign,
    register_list,
)
from tepat.verification.models import Verification


def link(cluster: int, *persons) -> None:
    for p in persons:
        ClusterMember.objects.create(person=p, source=p.source, record_id=p.source_person_id,
                                     cluster=cluster, kecamatan_id=p.kecamatan_id,
                                     desa_id=p.desa_id)


def members(registry, head: str):
    family = next(f for f in registry.all_families if f.kepala_keluarga == head)
    return family, [p for p in registry.persons if p.family_id == family.pk]


def opened(users):
    plan = CampaignPlan(name="Pemutakhiran P3KE 2024", period="2024", source="p3ke", desil="1",
                        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15),
                        finalize_by=date(2024, 4, 22))
    return open_campaign(create_campaign(plan, actor=users.admin), actor=users.admin)


def test_the_baseline_counts_a_person_in_two_families_once(registry, users):
    sutrisno, sutrisno_members = members(registry, "Sutrisno")
    misnati, misnati_members = members(registry, "Misnati")
    link(1, sutrisno_members[2], misnati_members[1])
    campaign = opened(users)
    assert campaign.baseline_jiwa == 9 - 1
    jiwa = dict(Verification.objects.filter(campaign=campaign)
                .values_list("family_id", "jiwa"))
    assert (jiwa[sutrisno.pk], jiwa[misnati.pk]) == (3, 1)  # counted at the home record
    assert stats.figures(campaign).in_scope.jiwa == 8


def test_without_clusters_the_baseline_counts_records(registry, users):
    assert opened(users).baseline_jiwa == 9


def test_a_registered_list_counts_a_person_once(registry, users):
    _sutrisno, sutrisno_members = members(registry, "Sutrisno")
    _poniti, poniti_members = members(registry, "Poniti")
    link(4, sutrisno_members[0], poniti_members[0])
    target_list = register_list(Family.objects.filter(source="p3ke", desil=1),
                                Decree("Daftar sasaran 2024", 2024, "SK 400/7/2024",
                                       date(2024, 4, 22)), actor=users.admin)
    assert (target_list.keluarga, target_list.jiwa) == (4, 9 - 1)
