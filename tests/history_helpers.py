"""Editions and target lists for the history tests (imported as `history_helpers`).

`add_edition` writes registry.FamilyEdition / PersonEdition rows as an import does
(DESIGN.md §10, the models' docstrings): one row per record per batch that carried it; `data`
holds the canonical values when the edition added, changed, moved or returned the record, null
when they were those of the edition before; a family's data lists its members' source IDs under
"members".
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

FAMILY_VALUES = ("desil", "alamat", "kepala_keluarga", "nik", "no_kk", "jenis_atap",
                 "jenis_lantai", "penerima_pkh", "member_count", "flags")


def family_data(family: Any, persons: list[Any], **changes: Any) -> dict[str, Any]:
    data = {name: getattr(family, name) for name in FAMILY_VALUES}
    data["members"] = [p.source_person_id for p in persons]
    data["member_count"] = len(persons)
    return {**data, **changes}


def add_edition(batch: Any, family: Any, persons: list[Any], change: str = "added",
                **changes: Any) -> Any:
    """One edition of `family` with these `persons` (their names as `p.nama`)."""
    from tepat.registry.models import FamilyEdition, PersonEdition

    data = None if change == "same" else family_data(family, persons, **changes)
    edition = FamilyEdition.objects.create(batch=batch, family=family, change=change,
                                           row_hash=f"h-{batch.pk}-{family.pk}", data=data)
    for person in persons:
        PersonEdition.objects.create(
            batch=batch, person=person, family=family, change=change,
            row_hash=f"h-{batch.pk}-{person.pk}",
            data=None if change == "same" else {"nama": person.nama, "hubungan": person.hubungan})
    return edition


def three_lists(registry: Any, users: Any) -> SimpleNamespace:
    """Target lists 2023 → 2024 → 2025, the last one fixed by a campaign:

    - 2023 (registered): Hasan Basri, Sutrisno
    - 2024 (registered): the P3KE desil-1 families: Sutrisno, Misnati, Siti Aminah (Tegalsiwalan),
      Poniti (Sukapura)
    - the campaign (Hasan Basri's new edition says desil 1, so he is in its baseline): Sutrisno
      LAYAK, Misnati MAMPU, Siti Aminah PINDAH (approved), Poniti and Hasan Basri not verified
    - 2025 (finalized): Sutrisno, Poniti, Hasan Basri (back after leaving: re-entry)
    """
    from tepat.registry.models import Family
    from tepat.verification.campaigns import (
        CampaignPlan,
        Decree,
        close_campaign,
        create_campaign,
        finalize_campaign,
        open_campaign,
        register_list,
    )
    from tepat.verification.models import Verification

    admin = users.admin
    p3ke = Family.objects.filter(source="p3ke")
    oldest = register_list(p3ke.filter(kepala_keluarga__in=["Hasan Basri", "Sutrisno"]),
                           Decree("Daftar 2023", 2023, "SK 400/1/2023", date(2023, 5, 2)),
                           actor=admin)
    earlier = register_list(p3ke.filter(desil=1),
                            Decree("Daftar 2024", 2024, "SK 400/7/2024", date(2024, 4, 22),
                                   previous=oldest), actor=admin)
    p3ke.filter(kepala_keluarga="Hasan Basri").update(desil=1)
    campaign = open_campaign(create_campaign(CampaignPlan(
        name="Pemutakhiran 2025", period="2025", source="p3ke", desil="1",
        opens_on=date(2025, 1, 6), closes_on=date(2025, 2, 15), finalize_by=date(2025, 2, 22)),
        actor=admin), actor=admin)
    for head, outcome, reason in (("Sutrisno", "LAYAK", ""), ("Misnati", "MAMPU", "PENGHASILAN"),
                                  ("Siti Aminah", "PINDAH", "")):
        Verification.objects.filter(campaign=campaign, family__kepala_keluarga=head).update(
            outcome=outcome, reason=reason, review="APPROVED")
    close_campaign(campaign, actor=admin)
    later = finalize_campaign(campaign, Decree("Daftar 2025", 2025, "SK 400/3/2025",
                                               date(2025, 3, 1), previous=earlier), actor=admin)
    return SimpleNamespace(oldest=oldest, earlier=earlier, later=later, campaign=campaign)


def sutrisno_history(registry: Any, users: Any, gesek: Any, campaign: Any) -> SimpleNamespace:
    """Sutrisno (Malesanwetan) over three P3KE editions, a verification, a target list (the
    `gesek` fixture's), a pendamping with a visit and an aid:

    - edition 1 (the registry's batch, 2024-03): added, desil 1, members Sutrisno, Anggota 2,
      Anggota 3
    - edition 2 (2024-09): the same
    - edition 3 (2025-03): desil 2, a new head's NIK, flag NIK_NUMERIC, Anggota 3 gone,
      Rahmat Hidayat added
    """
    from decimal import Decimal

    from tepat.core.identity import make_nik
    from tepat.gesek.models import Visit
    from tepat.gesek.services import reassign
    from tepat.interventions.services import add_intervention
    from tepat.registry.models import Person
    from tepat.verification.models import Verification

    family = next(f for f in registry.all_families if f.kepala_keluarga == "Sutrisno")
    persons = [p for p in registry.persons if p.family_id == family.pk]
    second = _batch("2024-09")
    third = _batch("2025-03")
    newcomer = Person.objects.create(
        family=family, source="p3ke", batch=third, desa_id=family.desa_id,
        kecamatan_id=family.kecamatan_id, source_person_id=f"{family.source_family_id}-9",
        nama="Rahmat Hidayat", nik=make_nik("351320", date(2010, 2, 3), "1", 7777),
        hubungan="3", row_hash="p-new")
    new_nik = make_nik("351320", date(1975, 3, 2), "1", 8888)
    add_edition(registry.batch, family, persons)
    add_edition(second, family, persons, change="same")
    add_edition(third, family, [*persons[:2], newcomer], change="changed", desil=2,
                nik=new_nik, flags="NIK_NUMERIC")
    Verification.objects.filter(campaign=campaign, family=family).update(
        outcome="LAYAK", review="APPROVED")
    entry = gesek.target_list.entries.get(family=family)
    reassign(entry, gesek.member, actor=users.admin, why="uji riwayat")
    Visit.objects.create(entry=entry, official=gesek.member, desa_id=entry.desa_id,
                         kecamatan_id=entry.kecamatan_id, visited_on=date(2024, 5, 2))
    add_intervention(gesek.programmes["RTLH"], family, actor=users.admin,
                     delivered_on=date(2024, 8, 17), amount=Decimal(20000000))
    return SimpleNamespace(family=family, batches=(registry.batch, second, third),
                           newcomer=newcomer, removed=persons[2], new_nik=new_nik)


def _batch(period: str) -> Any:
    from tepat.registry.models import BatchStatus, SourceBatch

    return SourceBatch.objects.create(source="p3ke", period=period, status=BatchStatus.DONE,
                                      family_file_name=f"p3ke_{period}.xlsx")
