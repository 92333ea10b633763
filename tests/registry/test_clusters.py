"""A person counted once per cluster: the dashboard's DesaStat, a family's jiwa, the families
sharing a person (registry.clusters, with the linkage app's memberships)."""

from __future__ import annotations

from django.db.models import Sum

from tepat.linkage.models import ClusterMember
from tepat.registry import clusters
from tepat.registry.models import DesaStat
from tepat.registry.stats import refresh_desa_stats


def link(cluster: int, *persons) -> None:
    """Put these person records in one cluster (as a link run would)."""
    for p in persons:
        ClusterMember.objects.create(person=p, source=p.source, record_id=p.source_person_id,
                                     cluster=cluster, kecamatan_id=p.kecamatan_id,
                                     desa_id=p.desa_id)


def persons_of(desa: str | None = None, source: str = "p3ke") -> int:
    rows = DesaStat.objects.filter(source=source)
    if desa:
        rows = rows.filter(desa_id=desa)
    return rows.aggregate(n=Sum("persons"))["n"]


def members(registry, head: str):
    family = next(f for f in registry.all_families if f.kepala_keluarga == head)
    return family, [p for p in registry.persons if p.family_id == family.pk]


def test_without_clusters_every_record_counts(registry):
    assert not clusters.counted_once()
    assert persons_of() == 3 + 2 + 4 + 2 + 3 + 2 + 1


def test_a_person_in_two_desa_counts_once_at_the_home_record(registry):
    misnati, misnati_members = members(registry, "Misnati")  # Malesanwetan
    siti, siti_members = members(registry, "Siti Aminah")  # Gunungbekel, created later
    link(1, misnati_members[1], siti_members[1])
    refresh_desa_stats()
    assert clusters.counted_once()
    assert persons_of() == 17 - 1
    assert persons_of(misnati.desa_id) == 3 + 2 + 4  # the home record (the lower id) is here
    assert persons_of(siti.desa_id) == 2 + 3 - 1


def test_sources_are_counted_apart(registry):
    _sutrisno, p3ke = members(registry, "Sutrisno")
    _mukarromah, dtsen = members(registry, "Mukarromah")
    link(7, p3ke[0], dtsen[0])
    refresh_desa_stats()
    assert persons_of() == 17
    assert persons_of(source="dtsen") == 2


def test_an_absent_record_is_no_repeat(registry):
    _misnati, misnati_members = members(registry, "Misnati")
    _siti, siti_members = members(registry, "Siti Aminah")
    link(1, misnati_members[1], siti_members[1])
    type(misnati_members[1]).objects.filter(pk=misnati_members[1].pk).update(
        absent_since=registry.batch)
    refresh_desa_stats()
    assert persons_of() == 17  # the absent one counts apart, the current one once


def test_jiwa_once_leaves_out_the_repeats_of_each_family(registry):
    misnati, misnati_members = members(registry, "Misnati")
    siti, siti_members = members(registry, "Siti Aminah")
    link(1, misnati_members[1], *siti_members)  # Siti's two records: repeats of one person
    assert clusters.jiwa_once([misnati.pk, siti.pk]) == {misnati.pk: 2, siti.pk: 0}


def test_the_families_sharing_a_person_in_the_desa(registry):
    sutrisno, sutrisno_members = members(registry, "Sutrisno")
    misnati, misnati_members = members(registry, "Misnati")
    abdul, _abdul_members = members(registry, "Abdul Rahman")
    _siti, siti_members = members(registry, "Siti Aminah")
    link(3, sutrisno_members[2], misnati_members[0], siti_members[0])
    assert clusters.linked_families(sutrisno.pk, sutrisno.desa_id) == [misnati.pk]
    assert clusters.linked_families(abdul.pk, abdul.desa_id) == []
    assert clusters.families_with_repeats_in_desa(sutrisno.desa_id) == {sutrisno.pk, misnati.pk}
