"""The disbursement upload of a programme (issue 17 §6): upload → preview (nothing written) →
confirm → the upload's page with the rows that wait for review; the same file again offers
nothing to save; an unknown token is refused; and no oracle: a NIK outside the uploader's area
previews exactly as a NIK that exists nowhere."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

HEADER = "No Referensi;NIK;No KK;Nama;Periode;Nominal;Status"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _family(registry, head):
    return next(f for f in registry.all_families if f.kepala_keluarga == head)


def _file(*lines: str, name: str = "salur-april.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(),
                              content_type="text/csv")


def _counts():
    from tepat.interventions.models import BeneficiaryUpload, Intervention, UnmatchedRow

    return (Intervention.objects.count(), BeneficiaryUpload.objects.count(),
            UnmatchedRow.objects.count())


@pytest.fixture
def lines(registry):
    siti, poniti = _family(registry, "Siti Aminah"), _family(registry, "Poniti")
    return (f"TRX-1;;{siti.no_kk};Siti Aminah;April 2025;Rp 750.000;Tersalur",
            f"TRX-2;;{poniti.no_kk};Poniti;April 2025;Rp 750.000;Gagal - rekening pasif",
            "TRX-3;3513204107790009;;Orang Lain;April 2025;Rp 750.000;Tersalur",
            "TRX-4;;;Tanpa Nomor;April 2025;;Tersalur")


def _preview(client, programme, *lines, name="salur-april.csv"):
    response = client.post(reverse("disbursement_upload", args=[programme.pk]),
                           {"berkas": _file(*lines, name=name)})
    assert response.status_code == 200
    return unescape(response.content.decode())


def _count(html: str, what: str) -> str:
    return re.search(rf'data-count="{what}">([^<]*)<', html).group(1)


def test_upload_preview_confirm_and_the_waiting_rows(client_for, gesek, lines):
    from tepat.interventions.models import Intervention, InterventionStatus, UnmatchedRow

    client, programme = client_for("admin"), gesek.programmes["PKH"]
    before = _counts()
    html = _preview(client, programme, *lines)

    assert _counts() == before  # a preview writes nothing
    assert [_count(html, w) for w in ("rows", "new", "waiting", "refused")] == ["4", "2", "1",
                                                                               "1"]
    assert "Berkas salur-april.csv baris 5 kolom 'NIK / No KK': NIK dan No. KK kosong" in html
    assert "File salur-april.csv row 5" in html
    assert "3513204107790009" not in html

    response = client.post(reverse("disbursement_confirm", args=[programme.pk]),
                           {"token": TOKEN.search(html).group(1)})
    assert response.status_code == 302
    upload_page = unescape(client.get(response["Location"]).content.decode())
    assert "2 pembayaran dicatat (1 dibayar, 1 gagal), 1 menunggu keputusan Anda, 1 ditolak" in \
        upload_page
    assert "Orang Lain" in upload_page and "2025-04" in upload_page
    assert "3513********0009" in upload_page and "3513204107790009" not in upload_page
    statuses = sorted(Intervention.objects.filter(programme=programme, period="2025-04")
                      .values_list("status", flat=True))
    assert statuses == [InterventionStatus.DELIVERED, InterventionStatus.FAILED]
    assert UnmatchedRow.objects.get().payment_key == "ref:TRX-3"

    detail = unescape(client.get(reverse("programme_detail", args=[programme.pk])).content
                      .decode())
    assert "1 gagal disalurkan" in detail  # and only the paid row is aid received:
    assert re.search(r">750\.000</div><div class=\"stat-unit\">rupiah tersalur", detail)

    again = _preview(client, programme, *lines)
    assert _count(again, "same") == "2" and _count(again, "waiting_already") == "1"
    assert "Tidak ada yang baru" in again and 'name="token"' not in again


def test_a_confirm_without_its_preview_is_refused(client_for, gesek, lines):
    client, programme = client_for("admin"), gesek.programmes["PKH"]
    before = _counts()
    response = client.post(reverse("disbursement_confirm", args=[programme.pk]),
                           {"token": "../../etc/passwd"}, follow=True)
    assert "Pratinjau sudah kedaluwarsa" in unescape(response.content.decode())
    assert _counts() == before


def test_a_preview_is_confirmed_for_its_own_programme_only(client_for, gesek, lines):
    client = client_for("admin")
    html = _preview(client, gesek.programmes["PKH"], *lines)
    before = _counts()
    response = client.post(reverse("disbursement_confirm", args=[gesek.programmes["RTLH"].pk]),
                           {"token": TOKEN.search(html).group(1)}, follow=True)
    assert "Pratinjau sudah kedaluwarsa" in unescape(response.content.decode())
    assert _counts() == before


def test_a_file_without_its_columns_is_rejected_whole(client_for, gesek):
    client, programme = client_for("admin"), gesek.programmes["PKH"]
    response = client.post(reverse("disbursement_upload", args=[programme.pk]), {
        "berkas": SimpleUploadedFile("x.csv", b"NIK;Nama\n3513204107790009;A\n")})
    html = unescape(response.content.decode())
    assert response.status_code == 422
    assert "Berkas x.csv: kolom wajib tidak ditemukan: 'Periode'" in html
    assert "required columns not found" in html


def test_another_agencys_programme_is_403(client_for, gesek, users, lines):
    users.opd.agency = "dinsos"
    users.opd.save(update_fields=["agency"])
    client = client_for("opd")
    own = client.post(reverse("disbursement_upload", args=[gesek.programmes["PKH"].pk]),
                      {"berkas": _file(*lines)})
    other = client.post(reverse("disbursement_upload", args=[gesek.programmes["RTLH"].pk]),
                        {"berkas": _file(*lines)})
    assert (own.status_code, other.status_code) == (200, 403)


def test_no_oracle_a_nik_outside_the_area_previews_as_one_that_exists_nowhere(
        client_for, gesek, registry, users):
    """An OPD operator whose account covers one kecamatan (Tegalsiwalan): Poniti (Sukapura) is
    as unknown to their file as a number that exists nowhere."""
    users.opd.area_id, users.opd.agency = "35.13.20", "dinsos"
    users.opd.save(update_fields=["area_id", "agency"])
    client, programme = client_for("opd"), gesek.programmes["PKH"]
    head = _family(registry, "Poniti").members.get(hubungan="1")
    nowhere = head.nik[:4] + "99999999" + head.nik[-4:]

    def page(nik):
        html = _preview(client, programme, f";{nik};;Poniti;April 2025;;Tersalur")
        html = TOKEN.sub('name="token" value=""', html)
        return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+|(nonce=")[^"]+', "", html)

    outside, missing = page(head.nik), page(nowhere)
    assert _count(outside, "waiting") == "1"
    assert outside == missing
