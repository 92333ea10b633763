"""The campaign's whole path through its services: open, verify, review, finalize."""

from __future__ import annotations

from datetime import date

import pytest

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"

pytestmark = pytest.mark.django_db


def _services():
    from tepat.verification import services

    return services


def test_opening_freezes_the_baseline_in_both_units(campaign, registry):
    from tepat.verification import stats

    assert (campaign.baseline_keluarga, campaign.baseline_jiwa) == (4, 9)
    f = stats.figures(campaign)
    assert (f.in_scope.keluarga, f.in_scope.jiwa) == (4, 9)
    assert f.pending.keluarga == 4 and f.progress_pct_keluarga == 0


def test_a_later_import_does_not_move_the_denominators(campaign, more_families):
    from tepat.verification import stats

    more_families(MALESANWETAN, 4)  # desil 1 to 4: one more desil-1 family
    assert stats.figures(campaign).in_scope.jiwa == 9


def test_draft_submit_approve_and_the_figures_follow(campaign, registry, users,
                                                     verification_of):
    from tepat.verification import stats

    s = _services()
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    v = verification_of(sutrisno)
    v = s.save_verification(v.pk, s.Findings(outcome="MAMPU", reason="ASN"),
                            actor=users.operator_desa, expected_version=0)
    assert v.review == "DRAFT" and stats.figures(campaign).verified.keluarga == 0
    v = s.save_verification(v.pk, s.Findings(outcome="MAMPU", reason="ASN"),
                            actor=users.operator_desa, expected_version=1, submit=True)
    m = s.save_verification(verification_of(misnati).pk, s.Findings(outcome="LAYAK"),
                            actor=users.operator_desa, expected_version=0, submit=True)
    f = stats.figures(campaign, desa_id=MALESANWETAN)
    assert f.verified.keluarga == 2 and f.removed.jiwa == 3 and f.still_target.jiwa == 2
    assert f.reduction_pct_keluarga == 50.0 and not f.provisional
    s.review(campaign, [v.pk, m.pk], actor=users.operator_kecamatan, approve=True)
    assert stats.figures(campaign).approved.keluarga == 2


def test_a_stale_form_gets_who_changed_it_and_nothing_is_overwritten(campaign, registry, users,
                                                                      verification_of):
    s = _services()
    v = verification_of(registry.families[MALESANWETAN][0])
    s.save_verification(v.pk, s.Findings(outcome="LAYAK"), actor=users.operator_desa,
                        expected_version=0)
    with pytest.raises(s.Conflict) as caught:
        s.save_verification(v.pk, s.Findings(outcome="PINDAH"), actor=users.admin,
                            expected_version=0)
    assert "diubah oleh" in str(caught.value)
    v.refresh_from_db()
    assert v.outcome == "LAYAK"


def test_rules_are_refused_in_indonesian(campaign, registry, users, verification_of):
    s = _services()
    v = verification_of(registry.families[MALESANWETAN][0])
    with pytest.raises(s.RuleError, match="memerlukan alasan"):
        s.save_verification(v.pk, s.Findings(outcome="MAMPU"), actor=users.operator_desa,
                            expected_version=0, submit=True)
    with pytest.raises(s.RuleError, match="belum dikirim desa"):
        s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    with pytest.raises(s.RuleError, match="tidak boleh memverifikasi"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK"),
                            actor=users.operator_desa_sibling, expected_version=0)


def test_the_desa_batch_needs_the_berita_acara(campaign, registry, users, verification_of):
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = _services()
    for family in registry.families[MALESANWETAN][:2]:
        s.save_verification(verification_of(family).pk, s.Findings(outcome="LAYAK"),
                            actor=users.operator_desa, expected_version=0)
    with pytest.raises(s.RuleError, match="berita acara"):
        s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    with pytest.raises(s.RuleError, match="PDF atau foto"):
        s.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa,
                        held_on=date(2024, 3, 20), attendance=41,
                        berita_acara=SimpleUploadedFile("ba.pdf", b"MZ not a pdf"))
    s.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa, held_on=date(2024, 3, 20),
                    attendance=41, berita_acara=SimpleUploadedFile("ba.pdf", b"%PDF-1.4 ..."))
    assert s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa) == 2


def test_finalization_fixes_a_versioned_list_and_the_diff_says_why(campaign, registry, users,
                                                                    verification_of):
    from tepat.verification import campaigns, diff
    from tepat.verification.models import Verification

    s = _services()
    earlier = campaigns.register_list(
        campaigns.scope_families(campaign, users.admin),
        campaigns.Decree("Daftar 2023", 2023, "SK 400/1/2023", date(2023, 5, 2)),
        actor=users.admin)
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    siti = registry.families[GUNUNGBEKEL][0]
    person = sutrisno.members.exclude(hubungan="1").first()
    for family, findings in ((sutrisno, s.Findings(outcome="LAYAK", corrections=[
            {"op": "remove", "person": person.pk, "why": "meninggal"}])),
            (misnati, s.Findings(outcome="PINDAH", destination="Surabaya")),
            (siti, s.Findings(outcome="MAMPU", reason="PENGHASILAN"))):
        s.save_verification(verification_of(family).pk, findings, actor=users.admin,
                            expected_version=0, submit=True)
    proposal = s.propose_family(campaign, MALESANWETAN, s.NewFamily(
        kepala_keluarga="Wagiman", members=[{"nama": "Wagiman", "nik": "", "hubungan": "1",
                                             "jenis_kelamin": "1",
                                             "tanggal_lahir": "1970-01-01"}]),
        actor=users.operator_desa, submit=True)
    ids = list(Verification.objects.filter(campaign=campaign, review="SUBMITTED")
               .values_list("pk", flat=True))
    s.review(campaign, ids, actor=users.admin, approve=True)
    s.review_proposal(proposal.pk, actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    new = campaigns.finalize_campaign(
        campaign, campaigns.Decree("Daftar 2024", 2024, "SK 400/7/2024", date(2024, 4, 22),
                                   previous=earlier), actor=users.admin)
    # Sutrisno (still target, one member fewer), Poniti (never verified: carried), Wagiman
    assert (new.keluarga, new.jiwa) == (3, 2 + 2 + 1)
    rows = {(r.kepala_keluarga, r.change): r for r in diff.diff(earlier, new, viewer=users.admin)}
    assert rows[("Misnati", "removed")].reason.startswith("Pindah")
    assert rows[("Siti Aminah", "removed")].reason.startswith("Sudah mampu")
    assert rows[("Wagiman", "added")].reason == "Usulan baru"
    assert rows[("Sutrisno", "changed")].reason == "jiwa 3 → 2"
    assert ("Poniti", "removed") not in rows and NGADISARI
    with pytest.raises(s.RuleError, match="tidak sedang dibuka"):
        s.save_verification(verification_of(sutrisno).pk, s.Findings(outcome="MAMPU",
                            reason="ASN"), actor=users.admin, expected_version=None)


# --- usulan baru: a member the linkage model finds similar ("mirip") ----------------------------


@pytest.fixture
def own_snapshot(settings, tmp_path):
    """This test's registry snapshot (tepat.linkage.matching) in its own folder."""
    settings.INSTANCE_DIR = tmp_path / "instance"


def _head_of(family):
    return family.members.get(hubungan="1")


def _usulan_like(head, nama):
    """An usulan whose head is the registry head `head` retyped as `nama`, without a number."""
    s = _services()
    return s.NewFamily(kepala_keluarga=nama, members=[{
        "nama": nama, "nik": "", "hubungan": "1", "jenis_kelamin": head.jenis_kelamin,
        "tanggal_lahir": head.tanggal_lahir.isoformat()}])


def test_a_member_similar_to_a_registry_person_in_the_area_is_a_possible_duplicate(
        campaign, registry, users, own_snapshot):
    from tepat.verification.models import CrossAreaDuplicate

    s = _services()
    sutrisno = registry.families[MALESANWETAN][0]
    family = _usulan_like(_head_of(sutrisno), "Sutrisna")  # one letter off, no NIK or KK

    assert s.duplicate_matches(MALESANWETAN, family) == [(sutrisno, ["mirip"])]
    proposal = s.propose_family(campaign, MALESANWETAN, family, actor=users.operator_desa)

    assert proposal.possible_duplicates == [sutrisno.pk]
    assert not CrossAreaDuplicate.objects.exists()  # the desa sees it by name


def test_a_similar_member_outside_the_area_is_a_case_for_whoever_sees_both(
        campaign, registry, users, own_snapshot):
    """DESIGN.md §10, "No oracle": the desa learns only that the usulan matched outside its
    area; the kabupaten's queue gets the case, with the key "mirip"."""
    from tepat.verification.models import CrossAreaDuplicate

    s = _services()
    poniti = registry.families[NGADISARI][0]  # Kec. Sukapura
    proposal = s.propose_family(campaign, MALESANWETAN,
                                _usulan_like(_head_of(poniti), "Ponita"),
                                actor=users.operator_desa)

    assert proposal.possible_duplicates == [poniti.pk]
    case = CrossAreaDuplicate.objects.get()
    assert (case.family_id, case.area_id, case.keys, case.state) == (
        poniti.pk, "35.13", ["mirip"], "open")
    assert not CrossAreaDuplicate.objects.for_user(users.operator_desa).exists()
    assert CrossAreaDuplicate.objects.for_user(users.admin).get() == case


def test_a_stranger_proposed_matches_nobody(campaign, registry, users, own_snapshot):
    s = _services()
    family = s.NewFamily(kepala_keluarga="Zzyzx Qwerty", members=[{
        "nama": "Zzyzx Qwerty", "nik": "", "hubungan": "1", "jenis_kelamin": "1",
        "tanggal_lahir": "1970-01-01"}])
    assert s.duplicate_matches(MALESANWETAN, family) == []
