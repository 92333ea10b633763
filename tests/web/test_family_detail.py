"""A family's page: every column labelled, members, source batch; NIK/KK masked unless revealed
with a stated purpose by a role that may, which is logged once and never kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tepat.audit.models import AccessEvent

MALESANWETAN = "35.13.20.2001"
PURPOSE = "Verifikasi musdes Malesanwetan 2026"


@pytest.fixture
def family(registry):
    return registry.families[MALESANWETAN][0]  # Sutrisno, 3 members


def _url(family) -> str:
    return reverse("family_detail", args=[family.pk])


def _reveal(family) -> str:
    return reverse("family_reveal", args=[family.pk])


def _members(registry, family):
    return [p for p in registry.persons if p.family_id == family.pk]


def test_the_page_shows_the_family_with_indonesian_labels(client_for, registry, family):
    html = client_for("operator_desa").get(_url(family)).content.decode()
    for text in ("Sutrisno", "Malesanwetan", "Tegalsiwalan", "Jenis kelamin", "Laki-laki",
                 "Tamat SD/sederajat", "Buruh tani/perkebunan", "Penerima PKH", "Ya",
                 "Jenis atap", "P3KE", "p3ke_keluarga.xlsx", "2024-03"):
        assert text in html, text


def test_the_page_lists_every_member_with_masked_nik_and_age(client_for, registry, family):
    response = client_for("operator_desa").get(_url(family))
    html = response.content.decode()
    members = _members(registry, family)
    assert len(response.context["members"]) == len(members) == 3
    for person in members:
        assert person.nama in html
        assert person.nik_masked in html
        assert person.nik not in html
    assert "Kepala keluarga" in html and "Anak" in html
    assert 'title="NIK yang sama tercatat lebih dari sekali dalam impor ini"' in html


def test_nik_and_kk_are_masked_by_default(client_for, registry, family):
    html = client_for("admin").get(_url(family)).content.decode()
    assert family.no_kk_masked in html and family.nik_masked in html
    assert family.no_kk not in html and family.nik not in html
    assert family.no_kk_masked.startswith("3513") and "********" in family.no_kk_masked


def test_the_page_is_not_cached(client_for, registry, family):
    assert client_for("operator_desa").get(_url(family))["Cache-Control"] == "no-store"


@pytest.mark.parametrize("persona", ["admin", "operator_kecamatan", "operator_desa"])
def test_reveal_with_a_purpose_shows_the_numbers_once_and_logs_it(
    client_for, registry, family, users, persona
):
    client = client_for(persona)
    response = client.post(_reveal(family), {"jenis_tujuan": "verifikasi_lapangan", "tujuan": PURPOSE})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert family.no_kk in html and family.nik in html
    assert all(person.nik in html for person in _members(registry, family))
    event = AccessEvent.objects.get()
    assert (event.actor, event.action) == (getattr(users, persona), "reveal")
    assert event.purpose == PURPOSE
    assert (event.object_type, event.object_id) == ("registry.family", str(family.pk))
    again = client.get(_url(family)).content.decode()  # nothing kept in the session
    assert family.no_kk not in again and family.nik not in again


def test_reveal_needs_a_purpose(client_for, registry, family):
    response = client_for("admin").post(_reveal(family), {"jenis_tujuan": "verifikasi_lapangan", "tujuan": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bidang ini tidak boleh kosong." in html  # Django: "This field is required."
    assert family.no_kk not in html
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("persona", ["opd", "pejabat", "pimpinan"])
def test_roles_that_may_not_reveal_get_403(client_for, registry, family, persona):
    response = client_for(persona).post(_reveal(family), {"jenis_tujuan": "verifikasi_lapangan", "tujuan": PURPOSE})
    assert response.status_code == 403
    assert family.no_kk not in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_revealing_outside_the_area_answers_404(client_for, registry, family):
    response = client_for("operator_desa_sibling").post(_reveal(family), {"jenis_tujuan": "verifikasi_lapangan", "tujuan": PURPOSE})
    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_the_reveal_form_is_offered_only_to_roles_that_may_reveal(client_for, registry, family):
    assert "Tampilkan NIK/KK" in client_for("operator_desa").get(_url(family)).content.decode()
    assert "Tampilkan NIK/KK" not in client_for("opd").get(_url(family)).content.decode()


def test_the_reveal_is_a_post_to_its_own_address(client_for, registry, family):
    client = client_for("admin")
    assert client.get(_reveal(family)).status_code == 405  # never by a link or a reload of a GET
    assert client.post(_url(family), {"jenis_tujuan": "verifikasi_lapangan", "tujuan": PURPOSE}).status_code == 405
    html = client.get(_url(family)).content.decode()
    assert f'action="{_reveal(family)}"' in html
    assert not AccessEvent.objects.exists()
