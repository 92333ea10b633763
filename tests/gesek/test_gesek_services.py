"""Gesek Ekstrem writes: teams, reassignment, visits, needs referred to the right agency, and an
intervention that meets the need."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.django_db


def test_a_need_is_referred_to_the_agency_whose_programme_meets_it_and_met_by_its_aid(
        gesek, users):
    from tepat.gesek import services
    from tepat.gesek.models import Need
    from tepat.interventions.services import add_intervention

    entry = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    services.reassign(entry, gesek.member, actor=users.admin, why="dekat kantor")
    need = services.record_need(entry, "RTLH", actor=users.pejabat, note="Atap bocor")
    assert (need.status, need.referred_to) == ("referred", gesek.agencies.perkim)
    services.record_visit(entry, actor=users.pejabat, visited_on=date(2024, 5, 2),
                          notes="Rumah bambu")
    add_intervention(gesek.programmes["RTLH"], entry.family, actor=users.admin,
                     delivered_on=date(2024, 8, 1))
    need = Need.objects.get(pk=need.pk)
    assert need.status == "met" and need.met_by.amount == 20_000_000


def test_only_the_familys_own_official_records_visits(gesek, users):
    from tepat.gesek import services
    from tepat.verification.errors import RuleError

    entry = gesek.target_list.entries.get(kepala_keluarga="Misnati")
    services.reassign(entry, gesek.junior, actor=users.admin)
    with pytest.raises(RuleError, match="tidak didampingi oleh Anda"):
        services.record_visit(entry, actor=users.pejabat, visited_on=date(2024, 5, 2))
    with pytest.raises(RuleError, match="bukan anggota tim"):
        services.reassign(entry, gesek.sukapura, actor=users.admin)


def test_an_agency_operator_manages_only_its_own_programmes(gesek, users):
    from decimal import Decimal

    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme
    from tepat.verification.errors import RuleError

    users.opd.agency = "dinsos"
    users.opd.save()
    entry = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    add_intervention(gesek.programmes["PKH"], entry.family, actor=users.opd,
                     delivered_on=date(2024, 6, 1))
    with pytest.raises(RuleError, match="hanya boleh mengelola program"):
        add_intervention(gesek.programmes["RTLH"], entry.family, actor=users.opd,
                         delivered_on=date(2024, 6, 1))
    with pytest.raises(RuleError, match="hanya boleh mengelola program"):
        save_programme(ProgrammeData("Sembako", gesek.agencies.perkim, "SEMBAKO", "APBN",
                                     Decimal(200000), 2024), actor=users.opd)


def test_every_strategy_need_and_funding_label_is_marked_for_translation():
    from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS, STRATEGIES
    from tepat.gesek.labels import MARKED

    core = ({k.label for k in NEED_KINDS.values()} | {s.label for s in STRATEGIES.values()}
            | set(FUNDING_SOURCES.values()))
    assert set(MARKED) == core


def test_a_batch_of_interventions_writes_one_event_each_and_meets_the_needs(gesek, users):
    from tepat.audit.models import AuditEvent
    from tepat.gesek import services
    from tepat.gesek.models import Need
    from tepat.interventions.services import Delivery, add_interventions

    sutrisno = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    misnati = gesek.target_list.entries.get(kepala_keluarga="Misnati")
    for entry in (sutrisno, misnati):
        services.reassign(entry, gesek.member, actor=users.admin)
        services.record_need(entry, "PKH", actor=users.pejabat)
    written = add_interventions(gesek.programmes["PKH"], [
        Delivery(sutrisno.family, date(2024, 5, 20)),
        Delivery(misnati.family, date(2024, 5, 20), amount=750_000)], actor=users.admin)
    assert [i.amount for i in written] == [3_000_000, 750_000]
    assert set(Need.objects.values_list("status", flat=True)) == {"met"}
    assert Need.objects.get(entry=misnati).met_by == written[1]
    assert AuditEvent.objects.filter(action="interventions.intervention.added").count() == 2
