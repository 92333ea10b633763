"""The offline-form pages: the desa downloads its XLSForm and uploads the ODK/Kobo CSV export."""

from __future__ import annotations

import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.django_db


def _verification(campaign, family):
    from tepat.verification.models import Verification

    return Verification.objects.get(campaign=campaign, family=family)


def _choices(xlsx: bytes) -> dict[str, str]:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)["choices"]
    return {row[2].split(" · ")[0]: row[1] for row in sheet.iter_rows(values_only=True)
            if row[0] == "keluarga"}


def _upload(lines: list[str]) -> SimpleUploadedFile:
    header = "SubmissionDate,keluarga,hasil,alasan,catatan,meta-instanceID,KEY"
    return SimpleUploadedFile("kiriman.csv", "\n".join([header, *lines]).encode(),
                              content_type="text/csv")


def test_the_desa_operator_downloads_the_form_of_their_desa(client_for, campaign):
    response = client_for("operator_desa").get(reverse("odk_form"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f'attachment; filename="tepat_verval_{campaign.pk}_3513202001.xlsx"')
    assert response["Cache-Control"] == "no-store"
    assert set(_choices(response.content)) == {"Sutrisno", "Misnati"}


def test_the_form_download_is_logged_as_an_export_of_personal_data(client_for, campaign, users):
    from tepat.audit.models import AccessEvent

    client_for("operator_desa").get(reverse("odk_form"))
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.object_id) == (users.operator_desa, "export",
                                                            MALESANWETAN)
    assert "ODK" in event.purpose and str(campaign.pk) in event.purpose


def test_the_admin_chooses_the_desa(client_for, campaign):
    admin = client_for("admin")
    page = admin.get(reverse("odk_form"))
    assert page.status_code == 302 and page["Location"] == reverse("odk_import")
    assert f'value="{GUNUNGBEKEL}"' in admin.get(reverse("odk_import")).content.decode()
    response = admin.get(reverse("odk_form"), {"desa": GUNUNGBEKEL})
    assert response.status_code == 200 and set(_choices(response.content)) == {"Siti Aminah"}


@pytest.mark.parametrize("persona, desa, status", [
    ("pimpinan", None, 403),
    ("pimpinan", MALESANWETAN, 403),
    ("operator_kecamatan", MALESANWETAN, 403),  # in the area, but reviews, does not verify
    ("operator_kecamatan", NGADISARI, 404),  # the desa of another kecamatan
    ("operator_desa", GUNUNGBEKEL, 404),  # the neighbouring desa
    ("operator_desa", "35.13.20.9999", 404),
])
def test_who_may_download_which_desa(client_for, campaign, persona, desa, status):
    response = client_for(persona).get(reverse("odk_form"), {"desa": desa} if desa else {})
    assert response.status_code == status


def test_the_upload_page_is_for_verifiers_only(client_for, campaign):
    assert client_for("operator_desa").get(reverse("odk_import")).status_code == 200
    assert client_for("pimpinan").get(reverse("odk_import")).status_code == 403
    assert client_for("operator_kecamatan").get(reverse("odk_import")).status_code == 403


def test_the_desa_uploads_its_export_and_reads_the_report(client_for, campaign, registry, users):
    from tepat.verification import services as s

    client = client_for("operator_desa")
    choices = _choices(client.get(reverse("odk_form")).content)
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    s.save_verification(_verification(campaign, misnati).pk, s.Findings(outcome="LAYAK"),
                        actor=users.admin, expected_version=0)  # changed after the export
    response = client.post(reverse("odk_import"), {"submit": "on", "file": _upload([
        f"2024-03-12T08:00:00Z,{choices['Sutrisno']},MAMPU,PENGHASILAN,,uuid:a1,uuid:a1",
        f"2024-03-12T08:05:00Z,{choices['Misnati']},PINDAH,,,uuid:a2,uuid:a2",
    ])})
    html = unescape(response.content.decode())
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "1 diimpor" in html and "Konflik" in html and "Admin" in html
    assert _verification(campaign, sutrisno).review == "SUBMITTED"
    assert _verification(campaign, misnati).outcome == "LAYAK"


def test_a_bad_upload_is_refused_with_row_and_column_and_nothing_changes(client_for, campaign,
                                                                         registry):
    client = client_for("operator_desa")
    choices = _choices(client.get(reverse("odk_form")).content)
    response = client.post(reverse("odk_import"), {"file": _upload([
        f"2024-03-12T08:00:00Z,{choices['Sutrisno']},LAYAK,,,uuid:b1,uuid:b1",
        f"2024-03-12T08:05:00Z,{choices['Misnati']},MAMPU,,,uuid:b2,uuid:b2",
    ])})
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert "Berkas ditolak" in html and "baris 3, kolom 'alasan'" in html
    assert _verification(campaign, registry.families[MALESANWETAN][0]).outcome == ""


def test_without_an_open_campaign_the_page_says_so(client_for, users, regions):
    response = client_for("operator_desa").get(reverse("odk_form"))
    assert response.status_code == 409
    assert "Belum ada kampanye verval yang dibuka" in unescape(response.content.decode())
