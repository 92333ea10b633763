"""Every page for every persona (DESIGN.md §5): own area 200, other area 404, role not allowed
403, anonymous to the login page. One table, so that a new page cannot skip the rules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

MALESANWETAN, NGADISARI = "35.13.20.2001", "35.13.01.2001"  # desa of the `registry` fixture

# Personas of tests/conftest.py, in the column order of the table below.
PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_desa_sibling",
            "operator_other_kecamatan", "opd", "pejabat", "pimpinan", "no_area")
# The operator kecamatan, the pejabat and the two desa operators work in Kec. Tegalsiwalan
# (Malesanwetan; the sibling in Gunungbekel); the other kecamatan is Sukapura (Ngadisari).
# 302: the admin kabupaten is first asked to choose a desa.
MATRIX = {  #                admin  kec  desa  sib  other  opd  pej  pim  none
    "dashboard":              (200, 200, 200, 200, 200, 200, 200, 200, 403),
    "families":               (200, 200, 200, 200, 200, 200, 200, 403, 200),
    "family_in_malesanwetan": (200, 200, 200, 404, 404, 200, 200, 403, 404),
    "family_in_ngadisari":    (200, 404, 404, 404, 200, 200, 404, 403, 404),
    "reveal_in_malesanwetan": (200, 200, 200, 404, 404, 403, 403, 403, 404),  # POST
    "import_list":            (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "import_new":             (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "import_detail":          (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "import_progress":        (200, 403, 403, 403, 403, 403, 403, 403, 403),
    # The verification campaign (issue 3)
    "family_history":         (200, 200, 200, 404, 404, 200, 200, 403, 404),
    "worklist":               (200, 403, 200, 200, 403, 403, 403, 403, 403),
    "verify_family":          (200, 403, 200, 404, 403, 403, 403, 403, 403),
    "verify_musdes":          (302, 403, 200, 200, 403, 403, 403, 403, 403),
    "verify_proposals":       (302, 403, 200, 200, 403, 403, 403, 403, 403),
    "odk_import":             (200, 403, 200, 200, 403, 403, 403, 403, 403),
    "review":                 (200, 200, 403, 403, 200, 403, 403, 403, 403),
    "review_desa":            (200, 200, 403, 403, 404, 403, 403, 403, 403),
    "campaign_list":          (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "campaign_detail":        (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "target_lists":           (200, 200, 200, 200, 200, 200, 200, 403, 403),
    "progress":               (200, 200, 200, 200, 200, 200, 200, 200, 403),
    "progress_xlsx":          (200, 200, 200, 200, 200, 200, 200, 200, 403),
    # Gesek Ekstrem and convergence (issue 4)
    "convergence":            (200, 200, 403, 403, 200, 200, 200, 200, 403),
    "gesek_home":             (200, 403, 403, 403, 403, 403, 403, 200, 403),  # pimpinan reads
    "programmes":             (200, 403, 403, 403, 403, 200, 403, 200, 403),  # pimpinan reads
}


def _request(client, page: str, registry):
    """GET the page, or POST a purpose to the reveal."""
    if page == "reveal_in_malesanwetan":
        url = reverse("family_reveal", args=[registry.families[MALESANWETAN][0].pk])
        return client.post(url, {"tujuan": "Uji hak akses"})
    return client.get(_url(page, registry))


def _url(page: str, registry) -> str:
    from tepat.verification.models import Campaign, Verification

    campaign = Campaign.objects.get()
    family = registry.families[MALESANWETAN][0]
    if page == "family_history":
        return reverse(page, args=[family.pk])
    if page == "verify_family":
        return reverse(page, args=[Verification.objects.get(family=family).pk])
    if page == "review_desa":
        return reverse(page, args=[MALESANWETAN])
    if page in {"campaign_detail", "progress_xlsx"}:
        return reverse(page, args=[campaign.pk])
    if page == "family_in_malesanwetan":
        return reverse("family_detail", args=[registry.families[MALESANWETAN][0].pk])
    if page == "family_in_ngadisari":
        return reverse("family_detail", args=[registry.families[NGADISARI][0].pk])
    if page in {"import_detail", "import_progress"}:
        return reverse(page, args=[registry.batch.pk])
    return reverse(page)


def test_every_page_answers_every_persona_by_the_rules(client_for, registry, campaign):
    wrong = []
    for persona in PERSONAS:
        client = client_for(persona)
        for page, expected in MATRIX.items():
            want = expected[PERSONAS.index(persona)]
            status = _request(client, page, registry).status_code
            if status != want:
                wrong.append(f"{persona} {page}: {status}, expected {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_the_login_page(registry, campaign, page):
    response = _request(Client(), page, registry)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_family_that_does_not_exist_answers_404_like_one_out_of_area(client_for, registry):
    response = client_for("operator_desa").get(reverse("family_detail", args=[999_999]))
    assert response.status_code == 404


def test_the_403_page_says_why_in_indonesian(client_for, registry):
    response = client_for("pimpinan").get(reverse("families"))
    assert response.status_code == 403
    assert "Peran Anda tidak mengizinkan membuka halaman ini." in response.content.decode()


def test_a_user_without_an_area_is_told_to_ask_the_admin(client_for, registry):
    response = client_for("no_area").get(reverse("dashboard"))
    assert response.status_code == 403
    assert "belum punya peran atau wilayah kerja" in response.content.decode()


def test_a_user_without_an_area_sees_no_family(client_for, registry):
    response = client_for("no_area").get(reverse("families"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
