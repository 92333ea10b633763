"""The operator kecamatan's review pages: every desa side by side, one desa's submitted
verifications and usulan baru to approve or return (issue 3 §3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, leaked_numbers

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
TEGALSIWALAN = "35.13.20"

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(campaign, users):
    """Submit a family's verification as its desa would: submit(family, outcome, **details)."""
    from tepat.verification import services
    from tepat.verification.models import Verification

    def run(family, outcome="LAYAK", actor=None, **details):
        v = Verification.objects.get(campaign=campaign, family=family)
        actor = actor or (users.operator_desa if v.desa_id == MALESANWETAN else users.admin)
        return services.save_verification(
            v.pk, services.Findings(outcome=outcome, **details), actor=actor,
            expected_version=v.version, submit=True)

    return run


@pytest.fixture
def malesanwetan_submitted(registry, submit):
    """Sutrisno (LAYAK) and Misnati (MAMPU, ASN) submitted by Malesanwetan."""
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    return [submit(sutrisno), submit(misnati, "MAMPU", reason="ASN")]


def _desa_url(code: str = MALESANWETAN) -> str:
    return reverse("review_desa", args=[code])


def _reload(verifications):
    for v in verifications:
        v.refresh_from_db()
    return verifications


# --- the overview -------------------------------------------------------------------------------


def test_the_kecamatan_sees_each_of_its_desa_side_by_side(client_for, campaign,
                                                          malesanwetan_submitted):
    from tepat.regions.models import Region

    response = client_for("operator_kecamatan").get(reverse("review"))
    assert response.status_code == 200
    rows = {row.region.code: row for row in response.context["rows"]}
    assert set(rows) == set(Region.objects.filter(parent_id=TEGALSIWALAN)
                            .values_list("code", flat=True))
    assert NGADISARI not in rows
    male, gunung = rows[MALESANWETAN], rows[GUNUNGBEKEL]
    assert (male.in_scope.keluarga, male.in_scope.jiwa) == (2, 5)
    assert (male.submitted.keluarga, male.submitted.jiwa) == (2, 5)
    assert male.pending.keluarga == 0 and male.approved.keluarga == 0
    assert (gunung.in_scope.keluarga, gunung.pending.keluarga, gunung.submitted.keluarga) == (
        1, 1, 0)
    assert response.context["total"].in_scope.keluarga == 3
    html = response.content.decode()
    assert "Malesanwetan" in html and "Ngadisari" not in html


def test_the_overview_shows_returned_musdes_and_the_final_batch(client_for, campaign, users,
                                                                registry, submit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.verification import services

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    returned = submit(sutrisno)
    services.review(campaign, [returned.pk], actor=users.operator_kecamatan, approve=False,
                    reason="Foto rumah tidak jelas")
    submit(misnati)
    services.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa,
                           held_on=date(2024, 3, 20), attendance=41,
                           berita_acara=SimpleUploadedFile("ba.pdf", b"%PDF-1.4 ..."))
    response = client_for("operator_kecamatan").get(reverse("review"))
    row = next(r for r in response.context["rows"] if r.region.code == MALESANWETAN)
    assert (row.returned.keluarga, row.returned.jiwa) == (1, 3)
    assert row.submitted.keluarga == 1 and row.musdes == 1 and row.batch_sent == 0


def test_the_admin_sees_the_kecamatan_then_the_desa_of_one(client_for, campaign,
                                                          malesanwetan_submitted):
    client = client_for("admin")
    rows = {r.region.code: r for r in client.get(reverse("review")).context["rows"]}
    assert rows[TEGALSIWALAN].submitted.keluarga == 2
    assert rows["35.13.01"].in_scope.keluarga == 1  # Sukapura: Poniti
    desa = client.get(reverse("review"), {"kecamatan": TEGALSIWALAN}).context["rows"]
    assert MALESANWETAN in {r.region.code for r in desa}


def test_without_a_campaign_the_page_says_so(client_for, registry, users):
    response = client_for("operator_kecamatan").get(reverse("review"))
    assert response.status_code == 200
    assert "Belum ada kampanye verifikasi yang dibuka." in response.content.decode()


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "code", "status"), [
    ("operator_kecamatan", MALESANWETAN, 200),
    ("admin", NGADISARI, 200),
    ("operator_kecamatan", NGADISARI, 404),  # another kecamatan's desa
    ("operator_other_kecamatan", MALESANWETAN, 404),
    ("operator_kecamatan", "35.13.20.9999", 404),  # no such desa
    ("operator_kecamatan", TEGALSIWALAN, 404),  # a kecamatan is not a desa
    ("operator_desa", MALESANWETAN, 403),  # the desa does not review itself
    ("pimpinan", MALESANWETAN, 403),
    ("opd", MALESANWETAN, 403),
    ("pejabat", MALESANWETAN, 403),
])
def test_a_desa_page_answers_by_area_and_role(client_for, campaign, persona, code, status):
    assert client_for(persona).get(_desa_url(code)).status_code == status


@pytest.mark.parametrize(("persona", "status"), [
    ("operator_kecamatan", 200), ("admin", 200), ("operator_desa", 403), ("pimpinan", 403),
    ("opd", 403), ("pejabat", 403), ("no_area", 403),
])
def test_the_overview_is_for_reviewers_only(client_for, campaign, persona, status):
    assert client_for(persona).get(reverse("review")).status_code == status


def test_a_post_outside_the_area_changes_nothing(client_for, campaign, malesanwetan_submitted):
    response = client_for("operator_other_kecamatan").post(_desa_url(), {
        "action": "approve", "ids": [v.pk for v in malesanwetan_submitted]})
    assert response.status_code == 404
    assert {v.review for v in _reload(malesanwetan_submitted)} == {"SUBMITTED"}


# --- one desa -----------------------------------------------------------------------------------


def test_the_desa_page_lists_what_was_submitted_with_the_kk_masked(client_for, campaign,
                                                                  registry,
                                                                  malesanwetan_submitted):
    response = client_for("operator_kecamatan").get(_desa_url())
    html = response.content.decode()
    names = {v.family.kepala_keluarga for v in response.context["page"].object_list}
    assert names == {"Sutrisno", "Misnati"}
    sutrisno = registry.families[MALESANWETAN][0]
    assert sutrisno.no_kk_masked in html
    assert "Sudah mampu / tidak memenuhi kriteria" in html and "Menjadi ASN/PPPK/TNI/Polri" in html
    assert not leaked_numbers(html, registry.numbers) and not FULL_NUMBER.findall(html)
    assert response["Cache-Control"] == "no-store"


def test_the_desa_page_pages_by_name(client_for, campaign, malesanwetan_submitted, monkeypatch):
    from tepat.web.views import review

    monkeypatch.setattr(review, "PAGE_SIZE", 1)
    client = client_for("operator_kecamatan")
    pages = [client.get(_desa_url(), {"page": n}) for n in (1, 2)]
    assert [[v.family.kepala_keluarga for v in p.context["page"].object_list]
            for p in pages] == [["Misnati"], ["Sutrisno"]]
    assert pages[1].context["page"].paginator.count == 2


def test_approving_the_selected_families(client_for, campaign, malesanwetan_submitted):
    sutrisno, misnati = malesanwetan_submitted
    response = client_for("operator_kecamatan").post(
        _desa_url(), {"action": "approve", "ids": [sutrisno.pk]}, follow=True)
    assert "1 keluarga disetujui." in response.content.decode()
    _reload(malesanwetan_submitted)
    assert (sutrisno.review, misnati.review) == ("APPROVED", "SUBMITTED")
    assert sutrisno.reviewed_by.username == "operator.kecamatan"


def test_returning_needs_a_reason_and_changes_nothing_without_one(client_for, campaign,
                                                                   malesanwetan_submitted):
    ids = [v.pk for v in malesanwetan_submitted]
    response = client_for("operator_kecamatan").post(
        _desa_url(), {"action": "return", "ids": ids, "return_reason": "  "})
    assert response.status_code == 200
    assert "Tulis alasan pengembalian untuk desa." in response.content.decode()
    assert {v.review for v in _reload(malesanwetan_submitted)} == {"SUBMITTED"}


def test_returning_with_a_reason_sends_it_to_the_desa(client_for, campaign,
                                                      malesanwetan_submitted):
    misnati = malesanwetan_submitted[1]
    response = client_for("operator_kecamatan").post(_desa_url(), {
        "action": "return", "ids": [misnati.pk],
        "return_reason": "Lampirkan bukti SK pengangkatan ASN"}, follow=True)
    assert "1 keluarga dikembalikan ke desa." in response.content.decode()
    misnati.refresh_from_db()
    assert misnati.review == "RETURNED"
    assert misnati.return_reason == "Lampirkan bukti SK pengangkatan ASN"
    returned = client_for("operator_kecamatan").get(_desa_url(), {"status": "RETURNED"})
    assert "Lampirkan bukti SK pengangkatan ASN" in returned.content.decode()


def test_approving_without_a_choice_asks_for_one(client_for, campaign, malesanwetan_submitted):
    response = client_for("operator_kecamatan").post(_desa_url(), {"action": "approve"})
    assert "Pilih minimal satu keluarga." in response.content.decode()
    assert {v.review for v in _reload(malesanwetan_submitted)} == {"SUBMITTED"}


def test_approving_the_whole_desa_batch(client_for, campaign, malesanwetan_submitted):
    response = client_for("operator_kecamatan").post(
        _desa_url(), {"action": "approve_desa", "confirmed": "on", "expected": "2"}, follow=True)
    assert "2 keluarga disetujui." in response.content.decode()
    assert {v.review for v in _reload(malesanwetan_submitted)} == {"APPROVED"}


def test_a_family_of_another_desa_cannot_ride_along(client_for, campaign, registry, submit,
                                                    malesanwetan_submitted):
    siti = submit(registry.families[GUNUNGBEKEL][0])
    response = client_for("operator_kecamatan").post(_desa_url(), {
        "action": "approve", "ids": [malesanwetan_submitted[0].pk, siti.pk]})
    assert "tidak ada di desa ini" in response.content.decode()
    siti.refresh_from_db()
    assert siti.review == "SUBMITTED"
    assert _reload(malesanwetan_submitted)[0].review == "SUBMITTED"


def test_a_refusal_of_the_service_is_a_message_not_a_traceback(client_for, campaign, registry,
                                                               verification_of_draft):
    response = client_for("operator_kecamatan").post(_desa_url(), {
        "action": "approve", "ids": [verification_of_draft.pk]})
    assert response.status_code == 200
    assert "belum dikirim desa" in response.content.decode()
    verification_of_draft.refresh_from_db()
    assert verification_of_draft.review == "DRAFT"


@pytest.fixture
def verification_of_draft(campaign, registry, users):
    from tepat.verification import services
    from tepat.verification.models import Verification

    v = Verification.objects.get(campaign=campaign, family=registry.families[MALESANWETAN][0])
    return services.save_verification(v.pk, services.Findings(outcome="LAYAK"),
                                      actor=users.operator_desa, expected_version=0)


def test_after_finalization_nothing_can_be_ticked(client_for, campaign, users,
                                                  malesanwetan_submitted):
    from tepat.verification import campaigns, services

    services.review_desa(campaign, MALESANWETAN, actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    campaigns.finalize_campaign(campaign, campaigns.Decree(
        "Daftar 2024", 2024, "SK 1/2024", date(2024, 4, 22)), actor=users.admin)
    response = client_for("operator_kecamatan").get(_desa_url(), {"status": "FINAL"})
    assert len(response.context["page"].object_list) == 2
    assert 'name="ids"' not in response.content.decode()


# --- usulan baru --------------------------------------------------------------------------------


@pytest.fixture
def proposal(campaign, registry, users):
    """Usulan baru in Malesanwetan whose head has the NIK of Sutrisno: a possible duplicate."""
    from tepat.verification import services

    sutrisno = registry.families[MALESANWETAN][0]
    family = services.NewFamily(kepala_keluarga="Wagiman", members=[{
        "nama": "Wagiman", "nik": sutrisno.nik, "hubungan": "1", "jenis_kelamin": "1",
        "tanggal_lahir": sutrisno.tanggal_lahir.isoformat()}])
    return services.propose_family(campaign, MALESANWETAN, family, actor=users.operator_desa,
                                   submit=True)


def test_the_desa_page_shows_the_proposal_and_its_possible_duplicates(client_for, registry,
                                                                      proposal):
    response = client_for("operator_kecamatan").get(_desa_url())
    html = response.content.decode()
    assert "Wagiman" in html
    shown = response.context["proposals"][0]
    assert [f.kepala_keluarga for f in shown.duplicates] == ["Sutrisno"]
    assert registry.families[MALESANWETAN][0].no_kk_masked in html
    assert not leaked_numbers(html, registry.numbers) and not FULL_NUMBER.findall(html)


def test_approving_and_returning_a_proposal(client_for, proposal):
    url = reverse("review_proposal", args=[MALESANWETAN, proposal.pk])
    client = client_for("operator_kecamatan")
    response = client.post(url, {"action": "return", "return_reason": ""}, follow=True)
    assert "Tulis alasan pengembalian untuk desa." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.review == "SUBMITTED"
    response = client.post(url, {"action": "approve"}, follow=True)
    assert "Usulan Wagiman disetujui." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.review == "APPROVED"


def test_a_proposal_outside_the_area_answers_404(client_for, proposal):
    url = reverse("review_proposal", args=[MALESANWETAN, proposal.pk])
    assert client_for("operator_other_kecamatan").post(url, {"action": "approve"}
                                                       ).status_code == 404
    wrong_desa = reverse("review_proposal", args=[GUNUNGBEKEL, proposal.pk])
    assert client_for("operator_kecamatan").post(wrong_desa, {"action": "approve"}
                                                 ).status_code == 404
    proposal.refresh_from_db()
    assert proposal.review == "SUBMITTED"


def test_the_pages_cost_a_fixed_number_of_queries(client_for, malesanwetan_submitted, proposal,
                                                  django_assert_max_num_queries):
    client = client_for("operator_kecamatan")
    # session, user, campaign, regions, tallies, …, the open kasus ganda of the queue
    with django_assert_max_num_queries(9):
        client.get(reverse("review"))
    # not one more per family or per proposal (+2: the photos of the page's families and of
    # the usulan, issue 19 §4)
    with django_assert_max_num_queries(14):
        client.get(_desa_url())
