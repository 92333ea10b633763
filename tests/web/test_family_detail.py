"""A family's page: every column labelled, members, source batch; NIK/KK masked unless revealed
with a stated purpose by a role that may, which is logged once and never kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tepat.audit.models import AccessEvent

MALESANWETAN = "35.13.20.2001"
PURPOSE = "Verifikasi musdes Malesanwetan 2026"
FORM = {"jenis_tujuan": "verifikasi_lapangan", "tujuan": PURPOSE}


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
    response = client.post(_reveal(family), FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert family.no_kk in html and family.nik in html
    assert all(person.nik in html for person in _members(registry, family))
    event = AccessEvent.objects.get()
    assert (event.actor, event.action) == (getattr(users, persona), "reveal")
    assert (event.purpose_code, event.purpose) == ("verifikasi_lapangan", PURPOSE)
    assert (event.object_type, event.object_id) == ("registry.family", str(family.pk))
    again = client.get(_url(family)).content.decode()  # nothing kept in the session
    assert family.no_kk not in again and family.nik not in again


def test_reveal_needs_a_purpose(client_for, registry, family):
    response = client_for("admin").post(_reveal(family), {**FORM, "tujuan": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bidang ini tidak boleh kosong." in html  # Django: "This field is required."
    assert family.no_kk not in html
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("persona", ["opd", "pejabat", "pimpinan"])
def test_roles_that_may_not_reveal_get_403(client_for, registry, family, persona):
    response = client_for(persona).post(_reveal(family), FORM)
    assert response.status_code == 403
    assert family.no_kk not in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_revealing_outside_the_area_answers_404(client_for, registry, family):
    response = client_for("operator_desa_sibling").post(_reveal(family), FORM)
    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_the_reveal_form_is_offered_only_to_roles_that_may_reveal(client_for, registry, family):
    assert "Tampilkan NIK/KK" in client_for("operator_desa").get(_url(family)).content.decode()
    assert "Tampilkan NIK/KK" not in client_for("opd").get(_url(family)).content.decode()


def test_the_reveal_is_a_post_to_its_own_address(client_for, registry, family):
    client = client_for("admin")
    assert client.get(_reveal(family)).status_code == 405  # never by a link or a reload of a GET
    assert client.post(_url(family), FORM).status_code == 405
    html = client.get(_url(family)).content.decode()
    assert f'action="{_reveal(family)}"' in html
    assert not AccessEvent.objects.exists()


# --- the purpose and the limit (issue 16 §6) -------------------------------------------------


@pytest.mark.parametrize("text", ["aaaaa", "aaaaaaaaaaaa", "aaaaa aaaaa", "cek data"])
def test_a_purpose_without_meaning_is_refused_and_nothing_is_shown(client_for, registry,
                                                                    family, text):
    response = client_for("admin").post(_reveal(family), {**FORM, "tujuan": text})
    assert response.status_code == 200
    assert response.context["reveal_form"].errors["tujuan"]
    assert "Keterangan tujuan" in response.content.decode()
    assert family.no_kk not in response.content.decode()
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("code", ["", "iseng"])
def test_the_purpose_must_be_one_of_the_list(client_for, registry, family, code):
    response = client_for("admin").post(_reveal(family), {**FORM, "jenis_tujuan": code})
    assert response.context["reveal_form"].errors["jenis_tujuan"]
    assert not AccessEvent.objects.exists()


def test_the_form_offers_the_purposes_in_indonesian(client_for, registry, family):
    html = client_for("admin").get(_url(family)).content.decode()
    for label in ("Verifikasi lapangan", "Penyaluran bantuan", "Permintaan warga (subjek data)",
                  "Lainnya"):
        assert label in html


def test_the_reveal_over_the_hourly_limit_is_429_with_masked_numbers_and_audited_once(
    client_for, registry, family, users, settings
):
    from tepat.audit.models import AuditEvent

    settings.TEPAT_REVEAL_LIMIT_PER_HOUR = 3
    client = client_for("operator_desa")
    for _ in range(3):
        assert client.post(_reveal(family), FORM).status_code == 200
    refused = [client.post(_reveal(family), FORM) for _ in range(4)]
    html = refused[0].content.decode()
    assert {r.status_code for r in refused} == {429}
    assert "Batas membuka NIK/KK tercapai: 3 kali per jam" in html
    assert family.no_kk not in html and family.nik not in html
    assert family.no_kk_masked in html and "Sutrisno" in html  # masked data still shows
    assert 0 < int(refused[0]["Retry-After"]) <= 3601
    assert AccessEvent.objects.count() == 3
    hit = AuditEvent.objects.get(action="access.reveal_limit_hit")  # once, not per attempt
    assert hit.actor == users.operator_desa
    assert hit.data == {"window": "hour", "limit": 3, "count": 3}


def test_the_limit_is_per_user(client_for, registry, family, settings):
    settings.TEPAT_REVEAL_LIMIT_PER_HOUR = 1
    assert client_for("operator_desa").post(_reveal(family), FORM).status_code == 200
    assert client_for("operator_desa").post(_reveal(family), FORM).status_code == 429
    assert client_for("admin").post(_reveal(family), FORM).status_code == 200


def test_the_limit_message_is_in_english_too(client_for, registry, family, settings):
    from django.utils import translation

    settings.TEPAT_REVEAL_LIMIT_PER_HOUR = 1
    client = client_for("admin")
    client.post(_reveal(family), FORM)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = client.post(_reveal(family), FORM).content.decode()
    assert "Reveal limit reached: 1 per hour" in html
