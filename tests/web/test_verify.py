"""The desa operator's verification pages: worklist, family form, bulk, usulan baru, musdes and
a family's history, through the test client (services underneath, as a user drives them)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from web_helpers import leaked_numbers

MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _verification(campaign, family):
    from tepat.verification.models import Verification

    return Verification.objects.get(campaign=campaign, family=family)


def _family(registry, head):
    return next(f for f in registry.all_families if f.kepala_keluarga == head)


def _heads(response) -> set[str]:
    return {v.family.kepala_keluarga for v in response.context["page"].object_list}


def _png(width: int, height: int) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 60)).save(out, "PNG")
    return SimpleUploadedFile("rumah.png", out.getvalue(), content_type="image/png")


def _form(v, **fields) -> dict:
    return {"version": v.version, "outcome": "", "reason": "", "note": "", "destination": "",
            "duplicate_of": "", "alamat_baru": "", "head": "", "latitude": "",
            "longitude": "", "action": "draft", **fields}


# --- the worklist ---------------------------------------------------------------------------


def test_the_desa_operator_sees_only_the_families_of_their_desa(client_for, campaign, registry):
    response = client_for("operator_desa").get(reverse("worklist"))
    assert response.status_code == 200
    assert _heads(response) == {"Sutrisno", "Misnati"}  # desil 1 of P3KE; not the DTSEN family
    assert not leaked_numbers(response.content.decode(), registry.numbers)
    assert response["Cache-Control"] == "no-store"
    assert f'href="{reverse("odk_form")}"' in response.content.decode()  # the offline form
    sibling = client_for("operator_desa_sibling").get(reverse("worklist"))
    assert _heads(sibling) == {"Siti Aminah"}


def test_another_desa_s_family_answers_404(client_for, campaign, registry):
    v = _verification(campaign, _family(registry, "Sutrisno"))
    sibling = client_for("operator_desa_sibling")
    assert sibling.get(reverse("verify_family", args=[v.pk])).status_code == 404
    assert sibling.post(reverse("verify_family", args=[v.pk]), _form(v)).status_code == 404
    assert client_for("operator_desa").get(reverse("verify_family", args=[v.pk])).status_code == 200


def test_a_kecamatan_operator_may_not_verify(client_for, campaign, registry):
    """...but opening the family's verification page sends them to its review page (read
    only, issue 19 §4) instead of a 403; a POST changes nothing."""
    v = _verification(campaign, _family(registry, "Sutrisno"))
    client = client_for("operator_kecamatan")
    assert client.get(reverse("worklist")).status_code == 403
    review_page = reverse("review_family", args=[v.desa_id, v.pk])
    assert client.get(reverse("verify_family", args=[v.pk])).url == review_page
    assert client.post(reverse("verify_family", args=[v.pk]), {"outcome": "PINDAH"}
                       ).url == review_page
    v.refresh_from_db()
    assert v.outcome == "" and v.version == 0
    other = client_for("operator_other_kecamatan")
    assert other.get(reverse("verify_family", args=[v.pk])).status_code == 404


def test_the_admin_chooses_a_desa_first(client_for, campaign, registry):
    admin = client_for("admin")
    choose = admin.get(reverse("worklist"))
    assert "page" not in choose.context and 'name="desa"' in choose.content.decode()
    response = admin.get(reverse("worklist"), {"desa": GUNUNGBEKEL})
    assert _heads(response) == {"Siti Aminah"}


def test_the_search_by_name_keeps_the_term_out_of_the_address(client_for, campaign, registry):
    client = client_for("operator_desa")
    response = client.post(reverse("worklist"), {"q": "misna"})
    assert "misna" not in response["Location"] and "cari=" in response["Location"]
    assert _heads(client.get(response["Location"])) == {"Misnati"}


def test_the_worklist_pages_follow_the_names_and_keep_the_count(client_for, campaign, registry,
                                                                monkeypatch):
    from tepat.web.views import verify

    monkeypatch.setattr(verify, "PAGE_SIZE", 1)
    client = client_for("operator_desa")
    pages = [client.get(reverse("worklist"), {"page": n}) for n in (1, 2, 9, "x")]
    assert [[v.family.kepala_keluarga for v in p.context["page"].object_list] for p in pages] == [
        ["Misnati"], ["Sutrisno"], ["Sutrisno"], ["Misnati"]]  # past the end: the last page
    assert {p.context["page"].paginator.count for p in pages} == {2}
    assert "Halaman 2 dari 2" in pages[1].content.decode()
    searched = client.get(client.post(reverse("worklist"), {"q": "sutris"})["Location"])
    assert _heads(searched) == {"Sutrisno"} and searched.context["page"].paginator.count == 1


def test_without_an_open_campaign_the_worklist_says_so(client_for, registry):
    response = client_for("operator_desa").get(reverse("worklist"))
    assert "Belum ada kampanye verifikasi yang dibuka" in response.content.decode()


# --- one family -----------------------------------------------------------------------------


def _duplicate_select(html: str) -> str:
    return re.search(r'<select name="duplicate_of".*?</select>', html, re.S).group(0)


def test_a_duplicate_is_another_family_of_the_same_desa(client_for, campaign, registry):
    v = _verification(campaign, _family(registry, "Sutrisno"))
    client = client_for("operator_desa")
    url = reverse("verify_family", args=[v.pk])
    page = client.get(url).content.decode()
    select = _duplicate_select(page)
    others = sorted((f for f in registry.families[MALESANWETAN] if f.pk != v.family_id),
                    key=lambda f: (f.kepala_keluarga, f.pk))  # every source of the desa
    assert re.findall(r'<option value="(\d*)"', select) == ["", *(str(f.pk) for f in others)]
    assert f"{others[0].kepala_keluarga} · {others[0].no_kk_masked}</option>" in select
    assert '<option value="" selected>' in select
    assert not leaked_numbers(page, registry.numbers)
    elsewhere = registry.families[GUNUNGBEKEL][0]
    for refused in (elsewhere.pk, v.family_id, "12x", -1, 10**30):
        response = client.post(url, _form(v, outcome="GANDA", duplicate_of=refused))
        assert response.status_code == 200
        assert "Pilih keluarga dari daftar: keluarga lain di desa ini." in (
            response.content.decode())
    v.refresh_from_db()
    assert (v.version, v.outcome) == (0, "")
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.post(url, _form(v, outcome="GANDA", duplicate_of=elsewhere.pk))
    assert "Choose a family from the list: another family of this village." in (
        english.content.decode())
    chosen = others[0]
    assert client.post(url, _form(v, outcome="GANDA", duplicate_of=chosen.pk))["Location"] == url
    v.refresh_from_db()
    assert (v.outcome, v.duplicate_of_id) == ("GANDA", chosen.pk)
    again = _duplicate_select(client.get(url).content.decode())
    assert f'<option value="{chosen.pk}" selected>' in again
    assert '<option value="" selected>' not in again


def test_a_draft_then_a_submit_and_the_worklist_counts_it(client_for, campaign, registry):
    v = _verification(campaign, _family(registry, "Sutrisno"))
    client = client_for("operator_desa")
    url = reverse("verify_family", args=[v.pk])
    response = client.post(url, _form(v, outcome="PINDAH", destination="Surabaya"))
    assert response.status_code == 302 and response["Location"] == url
    v.refresh_from_db()
    assert (v.review, v.outcome, v.destination, v.version) == ("DRAFT", "PINDAH", "Surabaya", 1)
    response = client.post(url, _form(v, outcome="PINDAH", destination="Surabaya",
                                      action="submit"))
    assert response["Location"] == reverse("worklist")
    v.refresh_from_db()
    assert v.review == "SUBMITTED"
    worklist = client.get(reverse("worklist"), {"status": "dikirim"})
    assert _heads(worklist) == {"Sutrisno"}
    assert dict((f.key, n) for f, n in worklist.context["filters"])["dikirim"] == 1
    page = client.get(url).content.decode()
    assert "Sudah dikirim ke kecamatan" in page and 'name="outcome"' not in page


def test_a_broken_rule_is_shown_in_indonesian_next_to_its_field(client_for, campaign, registry):
    v = _verification(campaign, _family(registry, "Sutrisno"))
    response = client_for("operator_desa").post(
        reverse("verify_family", args=[v.pk]), _form(v, outcome="MAMPU", action="submit"))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Hasil 'Sudah mampu' memerlukan alasan."]
    v.refresh_from_db()
    assert v.review == "" and v.outcome == ""


def test_a_stale_form_says_who_changed_it_and_keeps_the_input(client_for, campaign, registry,
                                                              users):
    from tepat.verification import services

    v = _verification(campaign, _family(registry, "Sutrisno"))
    opened = v.version
    services.save_verification(v.pk, services.Findings(outcome="LAYAK"), actor=users.admin,
                               expected_version=opened)
    response = client_for("operator_desa").post(
        reverse("verify_family", args=[v.pk]),
        _form(v, version=opened, outcome="MAMPU", reason="ASN", note="Anak jadi PPPK"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Data ini sudah diubah oleh Admin" in page
    assert "Anak jadi PPPK" in page  # the user's input is still there
    assert response.context["form"]["version"].value() == str(opened + 1)
    v.refresh_from_db()
    assert v.outcome == "LAYAK" and v.note == ""


def test_member_corrections_are_saved_and_the_outcome_becomes_changed(client_for, campaign,
                                                                      registry):
    from tepat.core.identity import make_nik
    from tepat.registry.models import Person

    family = _family(registry, "Sutrisno")
    v = _verification(campaign, family)
    head, wife, child = Person.objects.filter(family=family).order_by("hubungan", "pk")
    new_nik = make_nik("351320", date(2020, 2, 3), "2", 77)
    response = client_for("operator_desa").post(reverse("verify_family", args=[v.pk]), _form(
        v, outcome="LAYAK", **{f"m{wife.pk}-nama": "Siti Sutrisno",
                               f"m{child.pk}-hapus": "meninggal",
                               "a0-nama": "Bayi Baru", "a0-nik": new_nik, "a0-hubungan": "3",
                               "a0-jenis_kelamin": "2", "a0-tanggal_lahir": "2020-02-03"}))
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.outcome == "LAYAK_BERUBAH"
    assert [op["op"] for op in v.corrections] == ["rename", "remove", "add"]
    page = client_for("operator_desa").get(reverse("verify_family", args=[v.pk]))
    html = page.content.decode()
    assert new_nik not in html and "3513********" in html  # the saved NIK comes back masked
    assert "Siti Sutrisno" in html


def test_a_wrong_nik_in_a_correction_is_explained(client_for, campaign, registry):
    from tepat.registry.models import Person

    family = _family(registry, "Sutrisno")
    v = _verification(campaign, family)
    wife = Person.objects.get(family=family, hubungan="2")
    response = client_for("operator_desa").post(reverse("verify_family", args=[v.pk]), _form(
        v, outcome="LAYAK", **{f"m{wife.pk}-nik": "12345"}))
    problems = response.context["problems"]["corrections"]
    assert problems and problems[0].startswith("Perbaikan ke-1: NIK")


def test_a_big_photo_is_stored_small_and_only_shown_in_its_area(client_for, campaign, registry):
    from PIL import Image

    v = _verification(campaign, _family(registry, "Misnati"))
    client = client_for("operator_desa")
    response = client.post(reverse("verify_family", args=[v.pk]),
                           {**_form(v, outcome="LAYAK", latitude="-7.8123456789",
                                    longitude="113.2"), "photos": [_png(3000, 2000)]})
    assert response.status_code == 302
    evidence = v.evidence.get()
    with evidence.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and max(image.size) <= 1280
    assert str(evidence.latitude) == "-7.812346"
    url = reverse("verify_evidence", args=[evidence.pk])
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "no-store"
    assert client_for("operator_kecamatan").get(url).status_code == 200  # the reviewer
    assert client_for("operator_desa_sibling").get(url).status_code == 404
    assert client_for("pimpinan").get(url).status_code == 403


def test_a_file_that_is_not_a_photo_is_refused_by_name(client_for, campaign, registry):
    v = _verification(campaign, _family(registry, "Misnati"))
    bad = SimpleUploadedFile("catatan.png", b"not an image")
    response = client_for("operator_desa").post(
        reverse("verify_family", args=[v.pk]), {**_form(v, outcome="LAYAK"), "photos": [bad]})
    assert any("catatan.png" in p for p in response.context["problems"]["photo"])
    assert not v.evidence.exists()


# --- bulk and the desa's final batch ----------------------------------------------------------


def test_bulk_mampu_without_a_reason_is_refused_and_keeps_the_selection(client_for, campaign,
                                                                        registry):
    ids = [_verification(campaign, _family(registry, h)).pk for h in ("Sutrisno", "Misnati")]
    client = client_for("operator_desa")
    response = client.post(reverse("verify_bulk"), {"ids": ids, "outcome": "MAMPU",
                                                    "reason": "", "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 200 and "memerlukan alasan" in page
    assert page.count("checked") == 2
    refused = client.post(reverse("verify_bulk"), {"ids": ids, "outcome": "GANDA"})
    assert "isi satu per satu" in refused.content.decode()
    from tepat.verification.models import Verification

    assert not Verification.objects.filter(pk__in=ids).exclude(review="").exists()
    done = client.post(reverse("verify_bulk"), {"ids": ids, "outcome": "MAMPU",
                                                "reason": "ASN", "action": "submit"})
    assert done.status_code == 302
    assert Verification.objects.filter(pk__in=ids, review="SUBMITTED").count() == 2


def test_bulk_ignores_families_of_another_desa(client_for, campaign, registry):
    from tepat.verification.models import Verification

    other = _verification(campaign, _family(registry, "Siti Aminah"))
    response = client_for("operator_desa").post(
        reverse("verify_bulk"), {"ids": [other.pk], "outcome": "LAYAK", "action": "submit"})
    assert response.status_code == 200
    assert Verification.objects.get(pk=other.pk).review == ""


def test_the_final_batch_needs_the_berita_acara(client_for, campaign, registry):
    from tepat.verification.models import DesaSubmission, Verification

    client = client_for("operator_desa")
    ids = list(Verification.objects.filter(campaign=campaign, desa_id=MALESANWETAN)
               .values_list("pk", flat=True))
    client.post(reverse("verify_bulk"), {"ids": ids, "outcome": "LAYAK", "action": "draft"})
    refused = client.post(reverse("verify_submit_desa"), follow=True)
    assert "belum mengunggah berita acara" in refused.content.decode()
    assert not DesaSubmission.objects.exists()
    saved = client.post(reverse("verify_musdes"), {
        "held_on": "2024-03-20", "attendance": "41",
        "berita_acara": SimpleUploadedFile("ba.pdf", b"%PDF-1.4 berita acara")})
    assert saved.status_code == 302, saved.context["problems"]
    page = client.get(reverse("verify_musdes")).content.decode()
    document = re.search(r'href="([^"]+)" data-document', page).group(1)
    assert client.get(document)["Content-Type"] == "application/pdf"
    assert client_for("operator_desa_sibling").get(document).status_code == 404
    sent = client.post(reverse("verify_submit_desa"), follow=True)
    assert "Hasil akhir desa dikirim" in sent.content.decode()
    assert DesaSubmission.objects.filter(desa_id=MALESANWETAN).exists()
    assert Verification.objects.filter(pk__in=ids, review="SUBMITTED").count() == 2


def test_the_musdes_form_names_a_wrong_document(client_for, campaign, registry):
    response = client_for("operator_desa").post(reverse("verify_musdes"), {
        "held_on": "2024-03-20", "attendance": "41",
        "berita_acara": SimpleUploadedFile("ba.docx", b"PK\x03\x04 word")})
    assert "ba.docx harus berupa PDF atau foto" in response.content.decode()


# --- usulan baru ----------------------------------------------------------------------------


def _proposal_post(**fields) -> dict:
    return {"kepala_keluarga": "Wagiman", "no_kk": "", "alamat": "Dusun Krajan", "note": "",
            "latitude": "", "longitude": "", "seen_duplicates": "", "action": "draft",
            "a0-nama": "Wagiman", "a0-nik": "", "a0-hubungan": "1", "a0-jenis_kelamin": "1",
            "a0-tanggal_lahir": "1970-01-01", **fields}


def test_a_proposal_shows_its_registry_duplicates_before_it_is_sent(client_for, campaign,
                                                                    registry):
    from tepat.verification.models import Proposal

    sutrisno = _family(registry, "Sutrisno")
    client = client_for("operator_desa")
    response = client.post(reverse("verify_proposal_new"), _proposal_post(no_kk=sutrisno.no_kk))
    proposal = Proposal.objects.get()
    assert response["Location"] == reverse("verify_proposal", args=[proposal.pk])
    assert proposal.review == "DRAFT" and proposal.possible_duplicates == [sutrisno.pk]
    page = client.get(response["Location"]).content.decode()
    table = page.split('class="possible-duplicates"')[1].split("</table>")[0]
    assert "Sutrisno" in table and sutrisno.no_kk_masked in table
    assert sutrisno.no_kk not in page
    # Sending without saying it is not the same family keeps it a draft.
    seen = {"seen_duplicates": str(sutrisno.pk), "version": proposal.version}
    client.post(response["Location"], _proposal_post(action="submit", **seen))
    proposal.refresh_from_db()
    assert proposal.review == "DRAFT"
    client.post(response["Location"], _proposal_post(action="submit", not_duplicate="on",
                                                     **{**seen, "version": proposal.version}))
    proposal.refresh_from_db()
    assert proposal.review == "SUBMITTED" and proposal.no_kk == sutrisno.no_kk  # kept


SUMI = {"a1-nama": "Sumi", "a1-hubungan": "2", "a1-jenis_kelamin": "2",
        "a1-tanggal_lahir": "1975-05-05"}


def _member_blocks(response) -> int:
    return response.content.decode().count('class="new-member"')


def test_the_proposal_form_starts_with_one_member_block(client_for, campaign, registry):
    response = client_for("operator_desa").get(reverse("verify_proposal_new"))
    assert _member_blocks(response) == 1
    page = response.content.decode()
    assert 'value="add_member"' in page
    assert "{#" not in page and "#}" not in page  # no template comment leaks into the page


def test_add_member_without_javascript_posts_back_one_more_block_and_saves_nothing(
        client_for, campaign, registry):
    from tepat.verification.models import Proposal

    client = client_for("operator_desa")
    response = client.post(reverse("verify_proposal_new"), _proposal_post(action="add_member"))
    assert response.status_code == 200 and not Proposal.objects.exists()
    assert _member_blocks(response) == 2
    page = response.content.decode()
    assert 'value="Wagiman"' in page  # what was typed comes back
    assert 'name="a1-nama" id="id_a1-nama" value="" maxlength="150" autocomplete="off" autofocus' \
        in page
    assert "Belum disimpan" not in page  # nothing was checked yet
    again = client.post(reverse("verify_proposal_new"), _proposal_post(
        action="add_member", **{"a1-nama": "Sumi", "a1-hubungan": "2"}))
    assert _member_blocks(again) == 3
    saved = client.post(reverse("verify_proposal_new"), _proposal_post(**SUMI, **{"a2-nama": ""}))
    assert saved.status_code == 302, saved.context["problems"]
    assert [m["nama"] for m in Proposal.objects.get().members] == ["Wagiman", "Sumi"]


def test_a_saved_proposal_shows_its_members_without_empty_blocks(client_for, campaign, registry):
    from tepat.verification.models import Proposal

    client = client_for("operator_desa")
    client.post(reverse("verify_proposal_new"), _proposal_post(**SUMI))
    page = client.get(reverse("verify_proposal", args=[Proposal.objects.get().pk]))
    assert _member_blocks(page) == 2


def test_a_proposal_without_a_head_is_refused(client_for, campaign, registry):
    response = client_for("operator_desa").post(reverse("verify_proposal_new"),
                                                _proposal_post(**{"a0-hubungan": "3"}))
    assert response.status_code == 200
    assert response.context["problems"]["members"] == [
        "Tepat satu anggota harus berstatus kepala keluarga."]


def test_another_desa_s_proposal_answers_404(client_for, campaign, registry):
    client_for("operator_desa").post(reverse("verify_proposal_new"), _proposal_post())
    from tepat.verification.models import Proposal

    url = reverse("verify_proposal", args=[Proposal.objects.get().pk])
    assert client_for("operator_desa_sibling").get(url).status_code == 404


def test_the_proposal_form_ignores_fields_the_desa_may_not_set(client_for, campaign, registry,
                                                               users):
    """A tampered usulan baru (another desa, approved, approver, creator) is stored as the
    desa's own draft (issue 6 §1)."""
    from tepat.verification.models import Proposal

    client_for("operator_desa").post(reverse("verify_proposal_new"), _proposal_post(
        desa="35.13.01.2001", kecamatan="35.13.01", review="APPROVED",
        reviewed_by=str(users.admin.pk), created_by=str(users.admin.pk), campaign="999"))
    proposal = Proposal.objects.get()
    assert (proposal.desa_id, proposal.kecamatan_id) == ("35.13.20.2001", "35.13.20")
    assert (proposal.review, proposal.reviewed_by_id) == ("DRAFT", None)
    assert (proposal.created_by_id, proposal.campaign_id) == (users.operator_desa.pk,
                                                             campaign.pk)


def test_a_person_proposed_by_another_desa_is_refused_on_the_page(client_for, campaign,
                                                                  registry):
    from tepat.verification.models import Proposal

    nik = "3513200101700001"  # Kec. Tegalsiwalan, born 1 Jan 1970
    client_for("operator_desa").post(reverse("verify_proposal_new"),
                                     _proposal_post(**{"a0-nik": nik}))
    response = client_for("operator_desa_sibling").post(reverse("verify_proposal_new"),
                                                        _proposal_post(**{"a0-nik": nik}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "satu orang hanya boleh diusulkan sekali" in html and "3513********0001" in html
    assert Proposal.objects.count() == 1


# --- a family's history ---------------------------------------------------------------------


def test_the_history_shows_each_change_before_and_after(client_for, campaign, registry, users):
    from tepat.verification import services

    family = _family(registry, "Sutrisno")
    v = _verification(campaign, family)
    services.save_verification(v.pk, services.Findings(outcome="LAYAK"),
                               actor=users.operator_desa, expected_version=0)
    services.save_verification(v.pk, services.Findings(outcome="MAMPU", reason="ASN"),
                               actor=users.operator_desa, expected_version=1, submit=True)
    services.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=False,
                    reason="Foto rumah kurang jelas")
    response = client_for("operator_kecamatan").get(reverse("family_history", args=[family.pk]))
    entries = response.context["entries"]
    assert [e.action for e in entries] == ["Dikembalikan ke desa", "Dikirim ke kecamatan",
                                           "Disimpan sebagai draf"]
    submitted = dict((label, (before, after)) for label, before, after in entries[1].changes)
    assert submitted["Hasil"] == ("Masih layak (tetap sasaran)",
                                  "Sudah mampu / tidak memenuhi kriteria")
    assert submitted["Status"] == ("Draf", "Dikirim")
    assert "Operator Desa" in response.content.decode()
    assert client_for("operator_desa_sibling").get(
        reverse("family_history", args=[family.pk])).status_code == 404


def test_a_duplicate_outside_the_area_is_only_said_to_be_registered_elsewhere(
        client_for, campaign, registry):
    """DESIGN.md §10, "No oracle": no name, desa, kecamatan, KK, source or desil of a family
    outside the desa, nor its id in the page; the case goes to the kabupaten's queue."""
    from tepat.verification.models import CrossAreaDuplicate

    poniti = _family(registry, "Poniti")  # Kec. Sukapura: outside the desa operator's area
    client = client_for("operator_desa")
    response = client.post(reverse("verify_proposal_new"), _proposal_post(no_kk=poniti.no_kk))
    page = client.get(response["Location"]).content.decode()
    section = page.split('id="duplikat"')[1].split("</section>")[0]
    assert "sudah terdaftar di registri di luar wilayah Anda" in section
    assert "operator kecamatan atau admin kabupaten" in section
    assert 'class="possible-duplicates"' not in section
    for detail in ("Poniti", "Ngadisari", "Sukapura", "desil"):
        assert detail not in page
    assert poniti.no_kk_masked not in section  # the page shows only the KK the desa typed
    seen = re.search(r'name="seen_duplicates"[^>]*>', page).group(0)
    assert 'value=""' in seen or "value" not in seen  # no id of a family outside the area
    case = CrossAreaDuplicate.objects.get()
    assert (case.family_id, case.area_id, case.keys, case.state) == (
        poniti.pk, "35.13", ["no_kk"], "open")


def test_a_similar_person_outside_the_area_is_only_said_to_be_registered_elsewhere(
        client_for, campaign, registry, settings, tmp_path):
    """The same "No oracle" answer when only the linkage model found the family ("mirip")."""
    from tepat.verification.models import CrossAreaDuplicate

    settings.INSTANCE_DIR = tmp_path / "instance"  # this test's registry snapshot
    poniti = _family(registry, "Poniti").members.get(hubungan="1")  # Kec. Sukapura
    client = client_for("operator_desa")
    response = client.post(reverse("verify_proposal_new"), _proposal_post(**{
        "kepala_keluarga": "Ponita", "a0-nama": "Ponita",
        "a0-tanggal_lahir": poniti.tanggal_lahir.isoformat()}))
    page = client.get(response["Location"]).content.decode()
    section = page.split('id="duplikat"')[1].split("</section>")[0]
    assert "sudah terdaftar di registri di luar wilayah Anda" in section
    for detail in ("Poniti", "Ngadisari", "Sukapura", "desil", poniti.nik):
        assert detail not in page
    assert CrossAreaDuplicate.objects.get().keys == ["mirip"]


def test_the_first_musdes_record_needs_its_berita_acara(client_for, campaign, registry):
    from tepat.verification.models import Musdes

    response = client_for("operator_desa").post(reverse("verify_musdes"), {
        "held_on": "2024-03-20", "attendance": "41"})
    assert response.context["form"].errors["berita_acara"] == [
        "Unggah berita acara musdes yang sudah ditandatangani."]
    assert not Musdes.objects.exists()


@pytest.mark.parametrize("persona", ["operator_desa", "admin"])
def test_no_verification_page_shows_a_full_nik_or_kk(client_for, campaign, registry, users,
                                                     persona):
    from web_helpers import FULL_NUMBER

    from tepat.core.identity import make_nik
    from tepat.registry.models import Person
    from tepat.verification import services
    from tepat.verification.models import Proposal

    family = _family(registry, "Sutrisno")
    v = _verification(campaign, family)
    wife = Person.objects.get(family=family, hubungan="2")
    fixed = make_nik("351320", wife.tanggal_lahir, "2", 4321)
    services.save_verification(v.pk, services.Findings(outcome="LAYAK", corrections=[
        {"op": "fix_nik", "person": wife.pk, "nik": fixed}]), actor=users.operator_desa,
        expected_version=0)
    client_for("operator_desa").post(reverse("verify_proposal_new"),
                                     _proposal_post(no_kk=family.no_kk))
    proposal = Proposal.objects.get()
    client = client_for(persona)
    desa = {"desa": MALESANWETAN}
    pages = {
        "worklist": client.get(reverse("worklist"), desa),
        "family": client.get(reverse("verify_family", args=[v.pk])),
        "history": client.get(reverse("family_history", args=[family.pk])),
        "proposals": client.get(reverse("verify_proposals"), desa),
        "proposal": client.get(reverse("verify_proposal", args=[proposal.pk])),
        "musdes": client.get(reverse("verify_musdes"), desa),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert not FULL_NUMBER.findall(html) and fixed not in html, f"{persona}: {name}"


def test_the_form_ignores_fields_the_desa_may_not_set(client_for, campaign, registry):
    """A tampered form (review state, approver, desa, version bumped by hand) changes nothing
    the desa operator may not change (issue 6 §1)."""
    from tepat.verification.models import Verification

    v = _verification(campaign, _family(registry, "Sutrisno"))
    client = client_for("operator_desa")
    response = client.post(reverse("verify_family", args=[v.pk]), _form(
        v, outcome="LAYAK", action="submit", review="APPROVED", reviewed_by="1",
        desa="35.13.01.2001", kecamatan="35.13.01", jiwa="99", campaign="999"))
    assert response.status_code == 302
    stored = Verification.objects.get(pk=v.pk)
    assert (stored.review, stored.reviewed_by_id) == ("SUBMITTED", None)
    assert (stored.desa_id, stored.kecamatan_id, stored.jiwa) == (v.desa_id, v.kecamatan_id,
                                                                   v.jiwa)
    assert stored.campaign_id == campaign.pk


def test_a_family_sharing_a_person_comes_first_as_a_likely_duplicate(client_for, campaign,
                                                                     registry):
    from tepat.linkage.models import ClusterMember

    v = _verification(campaign, _family(registry, "Sutrisno"))
    abdul = _family(registry, "Abdul Rahman")  # after Misnati by name: moved up by the link
    shared = [p for p in registry.persons if p.family_id in (v.family_id, abdul.pk)][::3]
    for p in shared[:2]:
        ClusterMember.objects.create(person=p, source=p.source, record_id=p.source_person_id,
                                     cluster=5, kecamatan_id=p.kecamatan_id, desa_id=p.desa_id)
    select = _duplicate_select(client_for("operator_desa").get(
        reverse("verify_family", args=[v.pk])).content.decode())
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)
    assert options[0][0] == str(abdul.pk) and options[0][1].endswith(" · kemungkinan ganda")
    assert all("kemungkinan ganda" not in label for _pk, label in options[1:])


def test_the_family_form_asks_for_the_outcome_before_the_member_table(client_for, campaign,
                                                                       registry):
    from tepat.verification.models import Verification

    v = Verification.objects.filter(campaign=campaign, desa_id="35.13.20.2001").first()
    page = client_for("operator_desa").get(reverse("verify_family", args=[v.pk])).content.decode()
    assert page.index('name="outcome"') < page.index('class="members cards-sm"')
    assert page.count("<form method=\"post\" enctype") == 1  # one form spans both
    assert "{#" not in page and "#}" not in page
    assert 'data-filter-select="id_duplicate_of"' in page
