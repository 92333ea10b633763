"""Convergence figures from the database (issue 4 §4) and `tepat convergence`.

The `gesek` target list: Sutrisno (3 jiwa) and Misnati (2) in Malesanwetan, Siti Aminah (2) in
Gunungbekel (all Kec. Tegalsiwalan), Poniti (2) in Ngadisari (Kec. Sukapura): 4 keluarga, 9 jiwa.
The registry holds 7 P3KE families (5 in Tegalsiwalan, 2 in Sukapura) and 1 DTSEN family.

The `delivered` fixture adds, through the services:
  Sutrisno     need RTLH (met by Bedah Rumah), a visit, PKH Kabupaten
  Misnati      PKH Kabupaten (APBN) and PKH Plus (APBD kabupaten): the same aid twice
  Siti Aminah  need PKH (referred), nothing delivered
  Poniti       PBI-JK Daerah
  Abdul Rahman (desil 2, not on the list) PKH Kabupaten: an inclusion error
"""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from tepat.core.measures import Units

pytestmark = pytest.mark.django_db
TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"


@pytest.fixture
def delivered(gesek, users, registry):
    from tepat.gesek import services as g
    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme

    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    sutrisno, misnati = entries["Sutrisno"], entries["Misnati"]
    siti, poniti = entries["Siti Aminah"], entries["Poniti"]
    for entry in (sutrisno, siti):
        g.reassign(entry, gesek.member, actor=users.admin)
    g.record_need(sutrisno, "RTLH", actor=users.pejabat)
    g.record_visit(sutrisno, actor=users.pejabat, visited_on=date(2024, 5, 2))
    g.record_need(siti, "PKH", actor=users.pejabat)
    pkh_plus = save_programme(ProgrammeData("PKH Plus", gesek.agencies.dinsos, "PKH",
                                            "APBD_KAB", Decimal(1_000_000), 2024),
                              actor=users.admin)
    pkh, day = gesek.programmes["PKH"], date(2024, 6, 1)
    abdul = next(f for f in registry.all_families if f.kepala_keluarga == "Abdul Rahman")
    for programme, family in ((gesek.programmes["RTLH"], sutrisno.family),
                              (pkh, sutrisno.family), (pkh, misnati.family),
                              (pkh_plus, misnati.family), (gesek.programmes["PBI_JK"],
                                                           poniti.family), (pkh, abdul)):
        add_intervention(programme, family, actor=users.admin, delivered_on=day)
    return gesek


def _report(area=None):
    from tepat.interventions.convergence import report

    return report(area=area)


def _heads(rows):
    return sorted(r.family.entry for r in rows)


def test_families_without_aid_and_with_the_same_aid_twice_are_flagged(delivered):
    rep = _report()
    entries = {e.pk: e.kepala_keluarga for e in delivered.target_list.entries.all()}
    assert [entries[r.family.entry] for r in rep.analysis.no_intervention] == ["Siti Aminah"]
    [double] = rep.analysis.double_aid
    assert entries[double.family.entry] == "Misnati"
    assert double.double_aid[0].kind == "PKH"
    assert double.double_aid[0].fundings == ("APBD_KAB", "APBN")


def test_coverage_of_the_regency_and_its_kecamatan_ranked_lowest_first(delivered):
    rep = _report()
    total = rep.analysis.total
    assert total.targets == Units(4, 9)
    assert total.served == Units(3, 7)  # all but Siti Aminah (2 jiwa)
    assert total.served_pct_keluarga == pytest.approx(75.0)
    assert total.visited == Units(1, 3)  # Sutrisno
    assert total.with_needs == Units(2, 5)  # Sutrisno, Siti Aminah
    assert total.needs_met == Units(1, 3)  # Sutrisno's RTLH met by Bedah Rumah
    tegalsiwalan, sukapura = rep.by_kecamatan  # 2 of 3 served before 1 of 1
    assert (tegalsiwalan.code, tegalsiwalan.name) == (TEGALSIWALAN, "Tegalsiwalan")
    assert tegalsiwalan.served_pct_keluarga == pytest.approx(200 / 3)
    assert tegalsiwalan.team == "Drs. Hariyanto"
    assert sukapura.served_pct_keluarga == 100.0
    by_official = {row.name: row for row in rep.by_official}
    assert by_official["Lilik Suryani"].targets == Units(2, 5)  # Sutrisno, Siti Aminah
    assert by_official["(belum ada pendamping)"].targets == Units(2, 4)


def test_programme_targeting_counts_aid_to_families_off_the_list(delivered):
    rep = _report()
    pkh = next(p for p in rep.analysis.programmes if p.programme.name == "PKH Kabupaten")
    assert pkh.beneficiaries == Units(3, 9)  # Sutrisno 3, Misnati 2, Abdul Rahman 4
    assert pkh.off_list == Units(1, 4)
    assert pkh.inclusion_error_pct == pytest.approx(100 / 3)
    assert (pkh.needing, pkh.needing_unserved) == (Units(1, 2), Units(1, 2))  # Siti Aminah
    assert pkh.exclusion_error_pct == 100.0
    assert (pkh.amount, pkh.amount_to_targets) == (9_000_000, 6_000_000)
    assert pkh.budget_to_targets_pct == pytest.approx(200 / 3)
    assert pkh.population == 7  # P3KE families of the regency
    assert pkh.cgh_index == pytest.approx((2 / 3) / (4 / 7))  # 1.1667
    rtlh = next(p for p in rep.analysis.programmes if p.programme.kind == "RTLH")
    assert (rtlh.inclusion_error_pct, rtlh.exclusion_error_pct) == (0.0, 0.0)


def test_a_kecamatan_sees_only_its_own_families_aid_and_population(delivered):
    rep = _report(TEGALSIWALAN)
    assert rep.analysis.total.targets == Units(3, 7)
    assert [row.code for row in rep.by_kecamatan] == [TEGALSIWALAN]
    pkh = next(p for p in rep.analysis.programmes if p.programme.name == "PKH Kabupaten")
    assert pkh.population == 5
    assert pkh.cgh_index == pytest.approx((2 / 3) / (3 / 5))  # 1.111
    sukapura = _report(SUKAPURA)
    assert sukapura.analysis.total.targets == Units(1, 2)
    pbi = next(p for p in sukapura.analysis.programmes if p.programme.kind == "PBI_JK")
    assert pbi.beneficiaries == Units(1, 2)
    assert next(p for p in sukapura.analysis.programmes
                if p.programme.name == "PKH Kabupaten").beneficiaries == Units()


def test_a_planned_intervention_is_not_aid_received(gesek, users):
    from tepat.interventions.services import add_intervention

    entry = gesek.target_list.entries.get(kepala_keluarga="Poniti")
    add_intervention(gesek.programmes["PKH"], entry.family, actor=users.admin,
                     delivered_on=date(2024, 9, 1), status="planned")
    assert _report().analysis.total.served == Units()


def test_a_later_campaign_that_finds_a_family_no_longer_eligible_graduates_it(delivered,
                                                                              users):
    from tepat.verification import services as s
    from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign
    from tepat.verification.models import Verification

    plan = CampaignPlan(name="Pemutakhiran 2025", period="2025", source="p3ke", desil="1",
                        opens_on=date(2025, 3, 1), closes_on=date(2025, 4, 15),
                        finalize_by=date(2025, 4, 30))
    campaign = open_campaign(create_campaign(plan, actor=users.admin), actor=users.admin)
    sutrisno, misnati = (Verification.objects.get(campaign=campaign, family__kepala_keluarga=h)
                         for h in ("Sutrisno", "Misnati"))
    s.save_verification(sutrisno.pk, s.Findings(outcome="MAMPU", reason="ASN"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.save_verification(misnati.pk, s.Findings(outcome="PINDAH"),
                        actor=users.operator_desa, expected_version=0)  # a draft only
    g = _report().analysis.graduation
    assert g.graduated == Units(1, 3)
    assert g.projected == Units(3, 6)  # 4 − 1 keluarga, 9 − 3 jiwa
    assert g.by_outcome["MAMPU"] == Units(1, 3)


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("convergence", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_kecamatan_ranking_as_json_in_both_units(delivered):
    data = json.loads(_command("--by", "kecamatan", "--format", "json"))
    assert data["target_list"]["sk_number"] == "SK 400/7/2024"
    first = data["rows"][0]
    assert (first["rank"], first["code"], first["name"]) == (1, TEGALSIWALAN, "Tegalsiwalan")
    assert (first["targets_keluarga"], first["targets_jiwa"]) == (3, 7)
    assert (first["served_keluarga"], first["served_jiwa"]) == (2, 5)
    assert first["served_pct_keluarga"] == pytest.approx(200 / 3)
    assert (first["double_aid_keluarga"], first["no_intervention_keluarga"]) == (1, 1)
    assert data["total"]["targets_jiwa"] == 9
    assert data["graduation"]["projected_keluarga"] == 4


def test_the_command_prints_programme_targeting(delivered):
    data = json.loads(_command("--by", "programme", "--format", "json"))
    pkh = next(r for r in data["rows"] if r["programme"] == "PKH Kabupaten")
    assert pkh["inclusion_error_pct"] == pytest.approx(100 / 3)
    assert (pkh["off_list_keluarga"], pkh["off_list_jiwa"]) == (1, 4)
    assert pkh["amount"] == 9_000_000 and pkh["agency"] == "dinsos"
    table = _command("--by", "programme", "--area", TEGALSIWALAN)
    assert "PKH Kabupaten" in table and "inclusion%" in table and "33.33" in table
    assert "Tegalsiwalan" in _command("--format", "table")


def test_the_command_names_what_is_wrong(delivered):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Daftar sasaran 999 tidak ada"):
        _command("--list", "999")
    with pytest.raises(CommandError, match="Wilayah 99.99 tidak dikenal"):
        _command("--area", "99.99")


def test_the_report_reads_in_a_few_queries(delivered, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):  # + planned and failed aid; + jiwa once per person
        rep = _report()
        rep.by_kecamatan, rep.by_official  # noqa: B018


def test_a_paid_disbursement_counts_as_received_a_failed_one_and_planned_aid_do_not(
        delivered, users, tmp_path):
    """Siti Aminah (2 jiwa) has nothing delivered: a failed payment leaves her without aid
    received; planned aid is shown apart; the payment of a later file makes her served."""
    from tepat.interventions.disbursement import import_disbursements
    from tepat.interventions.models import InterventionStatus
    from tepat.interventions.services import add_intervention

    pkh = delivered.programmes["PKH"]
    siti = next(e for e in delivered.target_list.entries.all()
                if e.kepala_keluarga == "Siti Aminah").family
    before = _report().analysis

    def pay(status, name):
        path = tmp_path / name
        path.write_text(f"No KK;Periode;Status;Nominal\n{siti.no_kk};2024-07;{status};"
                        "Rp 750.000\n", encoding="utf-8")
        import_disbursements(pkh, path, actor=users.admin, file_name=name)
        return _report().analysis

    failed = pay("Gagal - rekening pasif", "gagal.csv")
    assert failed.total.served == before.total.served  # a failed payment is no aid received
    assert failed.aid.failed_only == Units(1, 2) and failed.aid.amount_failed == 750_000
    assert failed.aid.received == before.total.served
    row = next(p for p in failed.programmes if p.programme.id == pkh.pk)
    assert row.amount_failed == 750_000
    assert row.amount == next(p for p in before.programmes if p.programme.id == pkh.pk).amount

    add_intervention(delivered.programmes["PBI_JK"], siti, actor=users.admin,
                     delivered_on=date(2024, 8, 1), status=InterventionStatus.PLANNED)
    planned = _report().analysis
    assert planned.aid.planned_only == Units(1, 2) and planned.aid.failed_only == Units(0, 0)
    assert planned.total.served == before.total.served

    paid = pay("Tersalur", "ulang.csv")
    assert paid.total.served.keluarga == before.total.served.keluarga + 1
    assert paid.total.served.jiwa == before.total.served.jiwa + 2
    assert (paid.aid.planned_only, paid.aid.failed_only) == (Units(0, 0), Units(0, 0))
    assert paid.aid.amount_received == before.aid.amount_received + 750_000
