"""Rules of the campaign beyond the happy path: corrections with identity checks, audit
before/after with masked NIKs, duplicates of usulan baru, bulk limits, change requests."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.django_db
MALESANWETAN = "35.13.20.2001"


def _s():
    from tepat.verification import services

    return services


def test_a_wrong_nik_in_a_correction_is_refused_with_the_identity_check(campaign, registry,
                                                                         users, verification_of):
    s = _s()
    family = registry.families[MALESANWETAN][0]
    member = family.members.first()
    v = verification_of(family)
    with pytest.raises(s.RuleError, match="Perbaikan ke-1: NIK"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK", corrections=[
            {"op": "fix_nik", "person": member.pk, "nik": "1234"}]),
            actor=users.operator_desa, expected_version=0)
    with pytest.raises(s.RuleError, match="bukan anggota keluarga ini"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK", corrections=[
            {"op": "rename", "person": 999_999, "nama": "X"}]),
            actor=users.operator_desa, expected_version=0)


def test_a_member_removed_twice_is_refused_and_nothing_is_saved(campaign, registry, users,
                                                                verification_of):
    """Counted twice, the removal would take two members off the family's jiwa."""
    s = _s()
    family = registry.families[MALESANWETAN][0]
    member = family.members.exclude(hubungan="1").first()
    v = verification_of(family)
    twice = [{"op": "remove", "person": member.pk, "why": "meninggal"},
             {"op": "remove", "person": member.pk, "why": "pindah"}]
    with pytest.raises(s.RuleError, match="Satu anggota dihapus dua kali"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK", corrections=twice),
                            actor=users.operator_desa, expected_version=0)
    v.refresh_from_db()
    assert (v.review, v.outcome, v.corrections, v.version) == ("", "", [], 0)


def test_the_head_removed_without_a_new_head_is_refused(campaign, registry, users,
                                                        verification_of):
    """Otherwise the target list would name a removed person as the family's head."""
    s = _s()
    family = registry.families[MALESANWETAN][0]
    head = family.members.get(hubungan="1")
    v = verification_of(family)
    with pytest.raises(s.RuleError, match="tunjuk kepala keluarga baru"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK", corrections=[
            {"op": "remove", "person": head.pk, "why": "meninggal"}]),
            actor=users.operator_desa, expected_version=0)
    v.refresh_from_db()
    assert (v.review, v.corrections, v.version) == ("", [], 0)


def test_the_head_removed_with_a_successor_is_kept(campaign, registry, users, verification_of):
    """A member named head, or a new member added as head, takes the place."""
    s = _s()
    family = registry.families[MALESANWETAN][0]
    head = family.members.get(hubungan="1")
    other = family.members.exclude(hubungan="1").first()
    v = verification_of(family)
    saved = s.save_verification(v.pk, s.Findings(outcome="LAYAK", corrections=[
        {"op": "remove", "person": head.pk, "why": "meninggal"},
        {"op": "head", "person": other.pk}]), actor=users.operator_desa, expected_version=0)
    assert [op["op"] for op in saved.corrections] == ["remove", "head"]


def test_a_new_member_added_as_head_names_the_family_on_the_target_list(
        campaign, registry, users, verification_of):
    from tepat.verification import campaigns

    s = _s()
    family = registry.families[MALESANWETAN][0]
    head = family.members.get(hubungan="1")
    v = s.save_verification(verification_of(family).pk, s.Findings(
        outcome="LAYAK_BERUBAH", corrections=[
            {"op": "remove", "person": head.pk, "why": "meninggal"},
            {"op": "add", "nama": "Siti Aminah", "nik": "", "hubungan": "1",
             "jenis_kelamin": "2", "tanggal_lahir": "1980-03-04"}]),
        actor=users.operator_desa, expected_version=0, submit=True)
    s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    fixed = campaigns.finalize_campaign(campaign, campaigns.Decree(
        "Daftar 2024", 2024, "SK 1/2024", date(2024, 4, 22)), actor=users.admin)
    entry = fixed.entries.get(family=family)
    assert (entry.kepala_keluarga, entry.jiwa) == ("Siti Aminah", v.jiwa)


def test_corrections_make_layak_a_changed_family_and_the_audit_masks_the_nik(
        campaign, registry, users, verification_of):
    from tepat.audit.models import AuditEvent
    from tepat.core.identity import make_nik

    s = _s()
    family = registry.families[MALESANWETAN][0]
    nik = make_nik("351320", date(2019, 4, 2), "2", 77)
    v = s.save_verification(verification_of(family).pk, s.Findings(outcome="LAYAK", corrections=[
        {"op": "add", "nama": "Bayi Baru", "nik": nik, "hubungan": "3", "jenis_kelamin": "2",
         "tanggal_lahir": "2019-04-02"}]), actor=users.operator_desa, expected_version=0,
        submit=True)
    assert v.outcome == "LAYAK_BERUBAH"
    event = AuditEvent.objects.get(object_id=str(v.pk), action="verification.submitted")
    assert event.actor == users.operator_desa and event.area_code == MALESANWETAN
    changes = event.data["changes"]
    assert changes["outcome"] == {"before": "", "after": "LAYAK_BERUBAH"}
    assert nik not in str(event.data) and "*" in str(changes["corrections"]["after"])


def test_bulk_cannot_skip_a_required_reason_or_a_per_family_detail(campaign, registry, users,
                                                                    verification_of):
    s = _s()
    ids = [verification_of(f).pk for f in registry.families[MALESANWETAN][:2]]
    with pytest.raises(s.RuleError, match="memerlukan alasan"):
        s.bulk_outcome(campaign, ids, actor=users.operator_desa, outcome="MAMPU")
    with pytest.raises(s.RuleError, match="per keluarga"):
        s.bulk_outcome(campaign, ids, actor=users.operator_desa, outcome="GANDA")
    assert s.bulk_outcome(campaign, ids, actor=users.operator_desa, outcome="MAMPU",
                          reason="ASN", submit=True) == 2


def test_a_proposal_shows_the_registry_family_with_the_same_kk(campaign, registry, users):
    s = _s()
    existing = registry.families[MALESANWETAN][0]
    proposal = s.propose_family(campaign, MALESANWETAN, s.NewFamily(
        kepala_keluarga="Orang Lain", no_kk=existing.no_kk,
        members=[{"nama": "Orang Lain", "hubungan": "1", "jenis_kelamin": "1",
                  "tanggal_lahir": "1980-02-03"}]), actor=users.operator_desa)
    assert proposal.possible_duplicates == [existing.pk]
    assert proposal.review == "DRAFT"
    with pytest.raises(s.RuleError, match="kepala keluarga"):
        s.propose_family(campaign, MALESANWETAN, s.NewFamily(
            kepala_keluarga="Tanpa Kepala", members=[{"nama": "A", "hubungan": "3",
                                                      "jenis_kelamin": "1",
                                                      "tanggal_lahir": "2001-01-01"}]),
            actor=users.operator_desa)


def test_photos_are_resized_and_stripped(campaign, registry, users, verification_of, settings,
                                         tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    raw = io.BytesIO()
    Image.new("RGB", (3000, 2000), (120, 80, 40)).save(raw, "PNG")
    s = _s()
    v = s.save_verification(verification_of(registry.families[MALESANWETAN][0]).pk,
                            s.Findings(outcome="LAYAK"), actor=users.operator_desa,
                            expected_version=0,
                            photos=[SimpleUploadedFile("rumah.png", raw.getvalue())])
    evidence = v.evidence.get()
    assert (evidence.width, evidence.height) == (1280, 853)
    with Image.open(evidence.photo.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1280
    with pytest.raises(s.RuleError, match="bukan foto"):
        s.save_verification(v.pk, s.Findings(outcome="LAYAK"), actor=users.operator_desa,
                            expected_version=v.version,
                            photos=[SimpleUploadedFile("rumah.jpg", b"not an image")])


def test_after_finalization_a_change_goes_through_a_request_the_admin_approves(
        campaign, registry, users, verification_of):
    from tepat.audit.models import AuditEvent
    from tepat.verification import campaigns, stats

    s = _s()
    v = s.save_verification(verification_of(registry.families[MALESANWETAN][0]).pk,
                            s.Findings(outcome="LAYAK"), actor=users.operator_desa,
                            expected_version=0, submit=True)
    s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    campaigns.finalize_campaign(campaign, campaigns.Decree("Daftar 2024", 2024, "SK 1/2024",
                                                           date(2024, 4, 22)), actor=users.admin)
    v.refresh_from_db()
    assert v.review == "FINAL"
    request = campaigns.request_change(v, actor=users.operator_desa, outcome="MENINGGAL",
                                       why="Kepala keluarga meninggal sebelum musdes")
    v.refresh_from_db()
    assert v.outcome == "LAYAK"  # nothing changes before the admin decides
    with pytest.raises(s.RuleError, match="admin kabupaten"):
        campaigns.decide_change(request.pk, actor=users.operator_kecamatan, approve=True)
    campaigns.decide_change(request.pk, actor=users.admin, approve=True)
    v.refresh_from_db()
    assert (v.outcome, v.review) == ("MENINGGAL", "FINAL")
    campaign.refresh_from_db()
    assert stats.figures(campaign).removed.keluarga == 1
    assert AuditEvent.objects.filter(action="verification.change.approved",
                                     object_id=str(v.pk)).exists()


def test_a_change_request_after_the_decree_leaves_the_list_and_its_diff_as_fixed(
        campaign, registry, users, verification_of):
    """A removal approved, fixed by decree, then turned back into 'still eligible' by a change
    request: the family stays off that list, and the diff no longer claims a removal outcome
    the verification does not have."""
    from tepat.verification import campaigns, diff

    s = _s()
    earlier = campaigns.register_list(
        campaigns.scope_families(campaign, users.admin),
        campaigns.Decree("Daftar 2023", 2023, "SK 400/1/2023", date(2023, 5, 2)),
        actor=users.admin)
    sutrisno = registry.families[MALESANWETAN][0]
    v = s.save_verification(verification_of(sutrisno).pk, s.Findings(outcome="MAMPU",
                            reason="ASN"), actor=users.operator_desa, expected_version=0,
                            submit=True)
    s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    fixed = campaigns.finalize_campaign(campaign, campaigns.Decree(
        "Daftar 2024", 2024, "SK 1/2024", date(2024, 4, 22), previous=earlier),
        actor=users.admin)
    removal = {(r.kepala_keluarga, r.change): r.reason
               for r in diff.diff(earlier, fixed, viewer=users.admin)}
    assert removal[("Sutrisno", "removed")] == "Sudah mampu / tidak memenuhi kriteria (ASN)"
    v.refresh_from_db()
    request = campaigns.request_change(v, actor=users.operator_desa, outcome="LAYAK",
                                       why="Salah catat: belum menjadi ASN")
    campaigns.decide_change(request.pk, actor=users.admin, approve=True)
    assert not fixed.entries.filter(family=sutrisno).exists()
    after = {(r.kepala_keluarga, r.change): r.reason
             for r in diff.diff(earlier, fixed, viewer=users.admin)}
    assert after[("Sutrisno", "removed")] == "Tidak ada di daftar baru"


def test_every_outcome_and_reason_label_is_marked_for_translation():
    from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES
    from tepat.verification.labels import MARKED

    assert set(MARKED) == {o.label for o in OUTCOMES.values()} | set(MAMPU_REASONS.values())


def _new_family(head: str, nik: str, **fields) -> object:
    return _s().NewFamily(kepala_keluarga=head, members=[{
        "nama": head, "nik": nik, "hubungan": "1", "jenis_kelamin": "1",
        "tanggal_lahir": "1980-02-03"}], **fields)


NEW_NIK = "3513200302800001"  # Kec. Tegalsiwalan, born 3 Feb 1980, male


def test_one_person_is_proposed_only_once_per_campaign_even_from_another_desa(campaign,
                                                                               registry, users):
    from tepat.verification.models import Proposal, ProposedNik

    s = _s()
    first = s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", NEW_NIK),
                             actor=users.operator_desa)
    with pytest.raises(s.RuleError) as refused:
        s.propose_family(campaign, "35.13.20.2002", _new_family("Wagiman B", NEW_NIK),
                         actor=users.operator_desa_sibling)
    message = str(refused.value)
    # The other desa's usulan is outside the sibling's area: not its number nor its desa
    # (DESIGN.md §10, "No oracle"), only that it is proposed elsewhere and whom to ask.
    assert "3513********0001 sudah diusulkan di luar wilayah Anda" in message
    assert "admin kabupaten" in message
    assert f"#{first.pk}" not in message and "Malesanwetan" not in message
    assert NEW_NIK not in message  # masked: the other desa's operator typed it, nobody else
    with pytest.raises(s.RuleError) as named:  # the admin may see the other usulan
        s.propose_family(campaign, "35.13.20.2002", _new_family("Wagiman B", NEW_NIK),
                         actor=users.admin)
    assert f"usulan baru #{first.pk} (Malesanwetan)" in str(named.value)
    assert Proposal.objects.count() == 1
    assert list(ProposedNik.objects.values_list("nik", "proposal")) == [(NEW_NIK, first.pk)]


def test_a_proposal_keeps_its_nik_when_saved_again_and_frees_one_it_drops(campaign, registry,
                                                                          users):
    from tepat.verification.models import ProposedNik

    s = _s()
    first = s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", NEW_NIK),
                             actor=users.operator_desa)
    again = s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", NEW_NIK, note="x"),
                             actor=users.operator_desa, proposal_id=first.pk,
                             expected_version=first.version)
    assert again.pk == first.pk and ProposedNik.objects.get().proposal_id == first.pk
    other_nik = NEW_NIK[:-1] + "2"
    s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", other_nik),
                     actor=users.operator_desa, proposal_id=first.pk,
                     expected_version=again.version)
    second = s.propose_family(campaign, "35.13.20.2002", _new_family("Wagiman B", NEW_NIK),
                              actor=users.operator_desa_sibling)
    assert dict(ProposedNik.objects.values_list("nik", "proposal")) == {
        other_nik: first.pk, NEW_NIK: second.pk}


def test_two_members_with_one_nik_are_refused(campaign, registry, users):
    s = _s()
    family = _new_family("Wagiman", NEW_NIK)
    family.members.append({"nama": "Sutini", "nik": NEW_NIK, "hubungan": "2",
                           "jenis_kelamin": "2", "tanggal_lahir": "1982-05-06"})
    with pytest.raises(s.RuleError):
        s.propose_family(campaign, MALESANWETAN, family, actor=users.operator_desa)


def test_the_refusal_of_a_nik_proposed_twice_is_in_english_too(campaign, registry, users):
    from django.utils import translation

    s = _s()
    s.propose_family(campaign, MALESANWETAN, _new_family("Wagiman", NEW_NIK),
                     actor=users.operator_desa)
    with translation.override("en"), pytest.raises(s.RuleError, match="proposed only once"):
        s.propose_family(campaign, "35.13.20.2002", _new_family("Wagiman B", NEW_NIK),
                         actor=users.operator_desa_sibling)
