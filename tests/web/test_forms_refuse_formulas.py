"""Names that a spreadsheet would run as a formula are refused where they are typed, as the
import refuses them (issue 16 §4): verification corrections, usulan baru, the campaign, target
list, programme and official forms, and the officials' import. The writers keep such names as
text anyway (tests/web/test_exports_never_formulas.py); this is the first line.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
MALESANWETAN = "35.13.20.2001"
REFUSED_ID = "tidak boleh diawali =, +, - atau @"


def _services():
    from tepat.verification import services

    return services


# --- the pure check of the corrections -----------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_a_correction_refuses_a_hostile_name_member_or_address_in_both_languages(value):
    from tepat.core.corrections import Member, check_corrections

    members = {7: Member(7, None, "1")}
    operations = [{"op": "rename", "person": 7, "nama": value},
                  {"op": "add", "nama": value, "hubungan": "3", "jenis_kelamin": "2",
                   "tanggal_lahir": "2019-04-02"},
                  {"op": "address", "alamat": value}]
    cleaned, problems = check_corrections(operations, members)
    assert cleaned == []
    assert [p.index for p in problems] == [0, 1, 2]
    assert problems[0].message_id.startswith("Nama baru " + REFUSED_ID)
    assert problems[1].message_en.startswith("The new member's name must not start with =")
    assert problems[2].message_id.startswith("Alamat baru " + REFUSED_ID)


def test_a_correction_keeps_an_ordinary_name():
    from tepat.core.corrections import Member, check_corrections

    cleaned, problems = check_corrections(
        [{"op": "rename", "person": 7, "nama": "H. Abdul-Rahman"}], {7: Member(7, None, "1")})
    assert problems == [] and cleaned[0]["nama"] == "H. Abdul-Rahman"


# --- the services -------------------------------------------------------------------------


def test_saving_a_verification_refuses_a_hostile_rename(campaign, registry, users,
                                                        verification_of):
    s = _services()
    family = registry.families[MALESANWETAN][0]
    v = verification_of(family)
    findings = s.Findings(outcome="LAYAK", corrections=[
        {"op": "rename", "person": family.members.first().pk, "nama": HOSTILE[0]}])
    with pytest.raises(s.RuleError, match=re.escape("Perbaikan ke-1: Nama baru " + REFUSED_ID)):
        s.save_verification(v.pk, findings, actor=users.operator_desa, expected_version=0)
    v.refresh_from_db()
    assert v.version == 0 and not v.corrections


def _new_family(head: str, member: str):
    return _services().NewFamily(kepala_keluarga=head, members=[
        {"nama": member, "nik": "", "hubungan": "1", "jenis_kelamin": "1",
         "tanggal_lahir": "1970-01-01"}])


def test_an_usulan_baru_refuses_a_hostile_member_name(campaign, users):
    from tepat.verification.models import Proposal

    s = _services()
    refused = re.escape("Anggota ke-1: Nama anggota baru " + REFUSED_ID)
    with pytest.raises(s.RuleError, match=refused):
        s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", "+1+1"),
                         actor=users.operator_desa)
    assert not Proposal.objects.for_area(MALESANWETAN).exists()


def test_an_usulan_baru_refuses_a_hostile_head_in_english_too(campaign, users):
    s = _services()
    with pytest.raises(s.RuleError) as refused:
        s.propose_family(campaign, MALESANWETAN, _new_family("@SUM(A1)", "Wagiman"),
                         actor=users.operator_desa)
    assert refused.value.problems[0][0] == "kepala_keluarga"
    assert "Nama kepala keluarga " + REFUSED_ID in str(refused.value)
    with translation.override("en"), pytest.raises(s.RuleError) as refused:
        s.propose_family(campaign, MALESANWETAN, _new_family(" -2+3", "Wagiman"),
                         actor=users.operator_desa)
    assert "must not start with =, +, - or @" in str(refused.value)


def test_the_campaign_and_decree_services_refuse_hostile_names_whatever_the_path(users,
                                                                                 registry):
    from datetime import date

    from tepat.verification import campaigns
    from tepat.verification.models import Campaign

    plan = campaigns.CampaignPlan(name="+1+1", period="2024", source="p3ke", desil="1",
                                  opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15),
                                  finalize_by=date(2024, 4, 22))
    with pytest.raises(campaigns.RuleError) as refused:
        campaigns.create_campaign(plan, actor=users.admin)
    assert refused.value.problems == [("name", "Nama kampanye " + REFUSED_ID + " (Excel akan "
                                       "menjalankannya sebagai rumus).")]
    assert not Campaign.objects.exists()
    decree = campaigns.Decree("@Daftar", 2024, "=1", date(2024, 4, 22))
    with pytest.raises(campaigns.RuleError) as refused:
        campaigns.register_list([], decree, actor=users.admin)
    assert [field for field, _message in refused.value.problems] == ["sk_number", "name"]


def test_the_programme_and_official_services_refuse_hostile_names(users, gesek):
    from decimal import Decimal

    from tepat.gesek.services import OfficialData, save_official
    from tepat.interventions.services import ProgrammeData, save_programme
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError, match="Nama program " + re.escape(REFUSED_ID)):
        save_programme(ProgrammeData("-2+3", gesek.agencies.dinsos, "PKH", "APBN",
                                     Decimal(1), 2024), actor=users.admin)
    with translation.override("en"), pytest.raises(RuleError) as refused:
        save_official(OfficialData("197505052000031005", "=HYPERLINK(1)", "@Kepala", "III",
                                   gesek.agencies.dinsos, MALESANWETAN), actor=users.admin)
    assert [field for field, _message in refused.value.problems] == ["name", "position"]
    assert "must not start with =, +, - or @" in str(refused.value)


# --- the forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE[:4])
def test_the_campaign_form_refuses_a_hostile_name(client_for, registry, value):
    from tepat.verification.models import Campaign

    response = client_for("admin").post(reverse("campaign_new"), {
        "name": value, "period": "2024", "source": "p3ke", "desil": ["1"],
        "opens_on": "2024-03-01", "closes_on": "2024-04-15", "finalize_by": "2024-04-22"})
    assert response.status_code == 200
    assert REFUSED_ID.capitalize() in response.context["form"].errors["name"][0]
    assert not Campaign.objects.exists()


def test_the_finalize_form_refuses_a_hostile_list_name_and_decree_number():
    from tepat.web.forms_campaign import FinalizeForm

    form = FinalizeForm({"name": HOSTILE[0], "year": "2024", "sk_number": "-2+3",
                         "sk_date": "2024-04-22"})
    assert not form.is_valid() and set(form.errors) == {"name", "sk_number"}


def test_the_programme_form_refuses_a_hostile_name(client_for, gesek):
    from tepat.interventions.models import Programme

    response = client_for("admin").post(reverse("programme_new"), {
        "name": "@SUM(A1)", "agency": gesek.agencies.dinsos.pk, "kind": "SEMBAKO",
        "funding": "APBD_KAB", "unit_cost": "200000", "year": "2024"})
    assert response.status_code == 200 and set(response.context["form"].errors) == {"name"}
    assert Programme.objects.count() == 3


def test_the_official_form_refuses_a_hostile_name_and_position(client_for, gesek):
    from tepat.gesek.models import Official

    client = client_for("admin")
    response = client.post(reverse("gesek_official_new"), {
        "nip": "19750505 200003 1 005", "name": HOSTILE[0], "position": "+1+1",
        "eselon": "III", "agency": gesek.agencies.dinsos.pk, "base_code": MALESANWETAN,
        "active": "on"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "position"}
    assert not Official.objects.filter(nip="197505052000031005").exists()


def test_the_proposal_and_verification_forms_refuse_a_hostile_head_or_address():
    from tepat.web.forms_verify import ProposalForm, VerificationForm

    proposal = ProposalForm({"kepala_keluarga": "=1+1", "alamat": "@x"})
    assert not proposal.is_valid()
    assert {"kepala_keluarga", "alamat"} <= set(proposal.errors)
    field = VerificationForm.base_fields["alamat_baru"]
    with pytest.raises(forms.ValidationError, match="diawali"):
        field.clean("-2+3")


def test_the_refusal_reads_in_english():
    from django.utils.translation import gettext

    with translation.override("en"):
        assert gettext("Tidak boleh diawali =, +, - atau @ (Excel akan menjalankannya sebagai "
                       "rumus).") == ("Must not start with =, +, - or @ (Excel would run it "
                                      "as a formula).")


# --- the officials' import -----------------------------------------------------------------


def test_the_officials_import_refuses_a_hostile_name_naming_row_and_column(regions, users,
                                                                           tmp_path):
    from tepat.gesek.importing import ensure_agencies, import_officials, regency_agencies
    from tepat.gesek.models import Official

    ensure_agencies(regency_agencies())
    path = tmp_path / "pejabat.csv"
    path.write_text("Nama;NIP;Jabatan;Eselon;Instansi;Lokasi kantor\n"
                    '"=HYPERLINK(""http://x"",""y"")";197001011990031001;Kepala;II;Dinsos;'
                    "35.13.20.2001\n", encoding="utf-8")
    report = import_officials(path, actor=users.admin, file_name=path.name)
    assert not report.ok and Official.objects.count() == 0
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "Nama")
    assert REFUSED_ID in problem.message_id and "must not start with" in problem.message_en
