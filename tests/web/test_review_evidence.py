"""Issue 19 §4 and §7: the kecamatan decides with the evidence in view (thumbnails, the GPS
point on an offline desa map, the outcome's reason, corrections before → after, the berita
acara), approves a whole desa only after confirming, the desa takes back its batch until the
kecamatan starts, and a finalized family gets a change request with reason and evidence."""

from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

MALESANWETAN = "35.13.20.2001"
# Malesanwetan's centroid (packaged boundaries) and a point in Sukapura, far outside it
INSIDE = (Decimal("-7.837"), Decimal("113.304"))
OUTSIDE = (Decimal("-7.95"), Decimal("112.95"))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photo(seed: int = 1, size: tuple[int, int] = (1600, 1200)) -> SimpleUploadedFile:
    """A busy photo (noise compresses badly: the thumbnail's size limit is really tested)."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return SimpleUploadedFile("rumah.jpg", out.getvalue(), content_type="image/jpeg")


def _centroid() -> tuple[Decimal, Decimal]:
    from tepat.core.geo import desa_centroids

    lat, lng = desa_centroids()[MALESANWETAN]
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


@pytest.fixture
def submitted(campaign, registry, users):
    """Sutrisno: LAYAK_BERUBAH with a rename, a photo and a GPS point, submitted; Misnati:
    MAMPU (ASN), submitted, GPS far outside the desa."""
    from tepat.registry.models import Person
    from tepat.verification import services as s
    from tepat.verification.models import Verification

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    v1 = Verification.objects.get(campaign=campaign, family=sutrisno)
    member = Person.objects.unscoped("test").filter(family=sutrisno).order_by("pk").first()
    lat, lng = _centroid()
    s.save_verification(v1.pk, s.Findings(
        outcome="LAYAK", corrections=[{"op": "rename", "person": member.pk,
                                        "nama": "SUTRISNO BIN KARTO"}],
        latitude=lat, longitude=lng), actor=users.operator_desa, expected_version=0,
        submit=True, photos=[_photo(1), _photo(2)], photo_gps=(lat, lng))
    v2 = Verification.objects.get(campaign=campaign, family=misnati)
    s.save_verification(v2.pk, s.Findings(outcome="MAMPU", reason="ASN", latitude=OUTSIDE[0],
                                          longitude=OUTSIDE[1]),
                        actor=users.operator_desa, expected_version=0, submit=True)
    v1.refresh_from_db()
    v2.refresh_from_db()
    return v1, v2, member


# --- the review page and the family's review page ----------------------------------------


def test_the_review_table_shows_thumbnails_and_links_each_familys_evidence(
        client_for, submitted):
    v1, _v2, _member = submitted
    page = client_for("operator_kecamatan").get(reverse("review_desa", args=[MALESANWETAN]))
    html = page.content.decode()
    for e in v1.evidence.all():
        assert f'src="{reverse("verify_evidence_thumb", args=[e.pk])}"' in html
        assert f'href="{reverse("verify_evidence", args=[e.pk])}"' in html
    assert 'loading="lazy"' in html
    assert reverse("review_family", args=[MALESANWETAN, v1.pk]) in html
    assert "Foto 1" not in html


def test_the_familys_review_page_holds_the_evidence(client_for, submitted):
    v1, _v2, member = submitted
    page = client_for("operator_kecamatan").get(
        reverse("review_family", args=[MALESANWETAN, v1.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    rows = page.context["corrections"]
    assert [(r.label, r.before, r.after) for r in rows] == [
        ("Nama", member.nama, "SUTRISNO BIN KARTO")]
    assert '<svg class="point-map"' in html and "Titik di dalam desa" in html
    assert "Titik di luar desa" not in html
    assert html.count(reverse("verify_evidence_thumb", args=[0])[:-len("0/kecil/")]) >= 2
    assert "Masih layak, data/anggota berubah" in html


def test_a_point_outside_the_desa_is_flagged_with_the_reason_in_view(client_for, submitted):
    _v1, v2, _member = submitted
    page = client_for("operator_kecamatan").get(
        reverse("review_family", args=[MALESANWETAN, v2.pk]))
    html = page.content.decode()
    assert "Titik di luar desa" in html and page.context["map"].outside is True
    assert "Menjadi ASN/PPPK/TNI/Polri" in html  # the outcome's reason


def test_a_desa_without_a_boundary_shows_the_coordinates_and_says_so():
    from tepat.web.point_map import point_map

    found = point_map("35.78.01.1001", Decimal("-7.25"), Decimal("112.75"))  # Surabaya
    assert found.svg == "" and found.outside is None and found.coordinates == "-7.25, 112.75"


def test_the_family_page_of_another_kecamatan_tells_nothing(client_for, submitted):
    v1, _v2, _member = submitted
    url = reverse("review_family", args=[MALESANWETAN, v1.pk])
    other = client_for("operator_other_kecamatan").get(url)
    assert other.status_code == 404 and "Sutrisno" not in other.content.decode()
    assert client_for("operator_desa").get(url).status_code == 403
    wrong_desa = reverse("review_family", args=["35.13.20.2002", v1.pk])
    assert client_for("operator_kecamatan").get(wrong_desa).status_code == 404


def test_the_kecamatan_decides_one_family_from_its_page(client_for, submitted):
    v1, _v2, _member = submitted
    url = reverse("review_family", args=[MALESANWETAN, v1.pk])
    client = client_for("operator_kecamatan")
    refused = client.post(url, {"action": "return"})
    assert "Tulis alasan pengembalian" in refused.content.decode()
    client.post(url, {"action": "return", "return_reason": "Foto tidak menunjukkan rumah"})
    v1.refresh_from_db()
    assert v1.review == "RETURNED" and v1.return_reason == "Foto tidak menunjukkan rumah"


def test_the_history_shows_the_gps_point_on_a_map(client_for, submitted):
    v1, _v2, _member = submitted
    html = client_for("operator_kecamatan").get(
        reverse("family_history", args=[v1.family_id])).content.decode()
    assert '<svg class="point-map"' in html


# --- photos: thumbnails, scope ---------------------------------------------------------------


def test_a_thumbnail_is_small_webp_made_once_and_kept(client_for, submitted):
    from tepat.verification.evidence import THUMB_MAX_BYTES, thumbnail_name

    evidence = submitted[0].evidence.order_by("pk").first()
    url = reverse("verify_evidence_thumb", args=[evidence.pk])
    client = client_for("operator_kecamatan")
    first = client.get(url)
    body = b"".join(first.streaming_content)
    assert first["Content-Type"] == "image/webp" and body[8:12] == b"WEBP"
    assert len(body) <= THUMB_MAX_BYTES
    assert first["Cache-Control"] == "no-store" and first["X-Content-Type-Options"] == "nosniff"
    name = thumbnail_name(evidence.photo.name)
    assert evidence.photo.storage.exists(name)
    stamp = evidence.photo.storage.get_modified_time(name)
    again = client.get(url)
    assert b"".join(again.streaming_content) == body
    assert evidence.photo.storage.get_modified_time(name) == stamp
    full = client.get(reverse("verify_evidence", args=[evidence.pk]))
    assert len(b"".join(full.streaming_content)) > len(body)


def test_photos_and_thumbnails_only_for_the_area_holding_the_family(client_for, submitted):
    evidence = submitted[0].evidence.order_by("pk").first()
    for name in ("verify_evidence_thumb", "verify_evidence"):
        url = reverse(name, args=[evidence.pk])
        assert client_for("operator_desa").get(url).status_code == 200
        assert client_for("admin").get(url).status_code == 200
        assert client_for("operator_other_kecamatan").get(url).status_code == 404
        assert client_for("operator_desa_sibling").get(url).status_code == 404
        assert client_for("pejabat").get(url).status_code == 403
        assert client_for("opd").get(url).status_code == 403


def test_a_stored_file_that_is_no_photo_is_served_as_is(client_for, campaign, registry, users):
    from django.core.files.base import ContentFile

    from tepat.verification.models import Evidence, Verification

    v = Verification.objects.get(campaign=campaign, family=registry.families[MALESANWETAN][0])
    evidence = Evidence(verification=v, uploaded_by=users.admin)
    evidence.photo.save("rumah.jpg", ContentFile(b"\xff\xd8\xff not a photo"), save=True)
    response = client_for("operator_kecamatan").get(
        reverse("verify_evidence_thumb", args=[evidence.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


# --- "Setujui semua (N keluarga)" asks first ------------------------------------------------


def test_approving_the_whole_desa_needs_the_confirmation(client_for, submitted):
    url = reverse("review_desa", args=[MALESANWETAN])
    client = client_for("operator_kecamatan")
    page = client.get(url).content.decode()
    assert 'name="confirmed"' in page and 'name="expected" value="2"' in page
    refused = client.post(url, {"action": "approve_desa", "expected": "2"})
    assert "Saya sudah memeriksa" in refused.content.decode()
    stale = client.post(url, {"action": "approve_desa", "expected": "1", "confirmed": "on"})
    assert "berubah sejak halaman dibuka" in stale.content.decode()
    for v in submitted[:2]:
        v.refresh_from_db()
        assert v.review == "SUBMITTED"
    client.post(url, {"action": "approve_desa", "expected": "2", "confirmed": "on"})
    for v in submitted[:2]:
        v.refresh_from_db()
        assert v.review == "APPROVED"


# --- take back --------------------------------------------------------------------------------


@pytest.fixture
def batch_sent(campaign, users, submitted):
    from tepat.verification import services as s

    s.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa,
                    held_on=date(2024, 3, 20), attendance=41,
                    berita_acara=SimpleUploadedFile("ba.pdf", b"%PDF-1.4 ..."))
    s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    return submitted


def test_the_desa_takes_back_its_batch_from_the_worklist(client_for, batch_sent):
    client = client_for("operator_desa")
    page = client.get(reverse("worklist")).content.decode()
    assert reverse("verify_take_back") in page
    done = client.post(reverse("verify_take_back"), follow=True).content.decode()
    assert "Kiriman ditarik kembali" in done
    v1 = batch_sent[0]
    v1.refresh_from_db()
    assert v1.review == "DRAFT"


def test_after_the_kecamatans_first_decision_the_button_is_gone(client_for, campaign, users,
                                                               batch_sent):
    from tepat.verification import services as s

    s.review(campaign, [batch_sent[1].pk], actor=users.operator_kecamatan, approve=True)
    client = client_for("operator_desa")
    assert reverse("verify_take_back") not in client.get(reverse("worklist")).content.decode()
    done = client.post(reverse("verify_take_back"), follow=True).content.decode()
    assert "sudah mulai memeriksa" in done
    assert client_for("operator_kecamatan").post(reverse("verify_take_back")).status_code == 403


# --- the berita acara in view -----------------------------------------------------------------


def test_the_berita_acara_is_linked_on_the_review_pages(client_for, batch_sent):
    from tepat.verification.models import Musdes

    musdes = Musdes.objects.get(desa_id=MALESANWETAN)
    link = reverse("verify_musdes_document", args=[musdes.pk])
    client = client_for("operator_kecamatan")
    assert link in client.get(reverse("review_desa", args=[MALESANWETAN])).content.decode()
    assert link in client.get(reverse("review_family", args=[MALESANWETAN, batch_sent[0].pk])
                              ).content.decode()


# --- change after lock ------------------------------------------------------------------------


@pytest.fixture
def final(campaign, registry):
    from tepat.verification.models import Campaign, Verification

    v = Verification.objects.get(campaign=campaign, family=registry.families[MALESANWETAN][0])
    Verification.objects.filter(pk=v.pk).update(outcome="LAYAK", review="FINAL")
    Campaign.objects.filter(pk=campaign.pk).update(state="finalized")
    v.refresh_from_db()
    return v


def _request(**fields):
    return {"outcome": "MENINGGAL", "reason": "", "note": "",
            "why": "Kepala keluarga meninggal 2 Mei; surat kematian dari desa", **fields}


def test_the_desa_files_a_change_request_with_its_evidence(client_for, final):
    from tepat.audit.models import AuditEvent
    from tepat.verification.models import ChangeRequest

    url = reverse("change_request_new", args=[final.pk])
    client = client_for("operator_desa")
    assert 'enctype="multipart/form-data"' in client.get(url).content.decode()
    response = client.post(url, _request(document=SimpleUploadedFile(
        "surat.pdf", b"%PDF-1.4 surat kematian")), follow=True)
    assert "Permintaan perubahan dikirim ke admin kabupaten" in response.content.decode()
    change = ChangeRequest.objects.get(verification=final)
    assert change.state == "pending" and change.changes["outcome"] == "MENINGGAL"
    assert change.document.name.endswith(".pdf")
    assert AuditEvent.objects.filter(action="verification.change.requested").count() == 1
    final.refresh_from_db()
    assert final.outcome == "LAYAK"  # nothing changes until the admin approves
    document = reverse("change_document", args=[change.pk])
    assert client_for("admin").get(document).status_code == 200
    assert client_for("operator_kecamatan").get(document).status_code == 200
    assert client_for("operator_other_kecamatan").get(document).status_code == 404
    admin_page = client_for("admin").get(reverse("campaign_detail", args=[final.campaign_id]))
    assert document in admin_page.content.decode()  # on the decision page
    assert reverse("campaign_detail", args=[final.campaign_id]) in client_for("admin").get(
        url).content.decode()


def test_a_photo_as_evidence_is_re_encoded(client_for, final):
    from PIL import Image

    from tepat.verification.models import ChangeRequest

    client_for("operator_kecamatan").post(
        reverse("change_request_new", args=[final.pk]),
        _request(outcome="PINDAH", note="Pindah ke Kraksaan", document=_photo(3)))
    change = ChangeRequest.objects.get(verification=final)
    with change.document.open("rb") as fh, Image.open(fh) as image:
        assert image.format == "JPEG" and max(image.size) <= 1280
        assert not image.getexif()


def test_a_hostile_file_is_refused_and_nothing_is_filed(client_for, final):
    from tepat.verification.models import ChangeRequest

    url = reverse("change_request_new", args=[final.pk])
    for name, content in (("surat.pdf", b"MZ\x90\x00 a program"),
                          ("foto.png", b"\x89PNG\r\n\x1a\n broken")):
        page = client_for("operator_desa").post(url, _request(
            document=SimpleUploadedFile(name, content)))
        assert page.status_code == 200
        assert name in page.content.decode()
    assert not ChangeRequest.objects.exists()


def test_no_change_request_before_the_family_is_final_nor_from_outside(client_for, campaign,
                                                                       registry):
    from tepat.verification.models import ChangeRequest, Verification

    v = Verification.objects.get(campaign=campaign, family=registry.families[MALESANWETAN][0])
    url = reverse("change_request_new", args=[v.pk])
    page = client_for("operator_desa").post(url, _request())
    assert "hanya untuk keluarga yang verifikasinya sudah final" in page.content.decode()
    assert client_for("operator_other_kecamatan").get(url).status_code == 404
    assert client_for("operator_desa_sibling").get(url).status_code == 404
    assert client_for("pejabat").get(url).status_code == 403
    assert not ChangeRequest.objects.exists()


def test_an_usulan_shows_its_photos_and_its_point(client_for, campaign, users):
    from tepat.verification import services as s

    family = s.NewFamily(kepala_keluarga="Sumarni", alamat="Dusun Krajan", members=[
        {"nama": "Sumarni", "hubungan": "1", "jenis_kelamin": "2",
         "tanggal_lahir": "1980-02-03"}], latitude=OUTSIDE[0], longitude=OUTSIDE[1])
    proposal = s.propose_family(campaign, MALESANWETAN, family, actor=users.operator_desa,
                                photos=[_photo(4)])
    s.propose_family(campaign, MALESANWETAN, family, actor=users.operator_desa, submit=True,
                     proposal_id=proposal.pk, expected_version=proposal.version)
    html = client_for("operator_kecamatan").get(
        reverse("review_desa", args=[MALESANWETAN])).content.decode()
    photo = proposal.evidence.get()
    assert reverse("verify_evidence_thumb", args=[photo.pk]) in html
    assert "Titik di luar desa" in html
