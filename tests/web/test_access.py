"""Every page for every persona (DESIGN.md §5): own area 200, other area 404, role not allowed
403, anonymous to the login page. One table, so that a new page cannot skip the rules.

tests/web/test_url_matrix.py walks every URL of the resolver the same way, for objects in the
persona's own desa, a sibling desa and another kecamatan, with every HTTP method."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

WHY = {"jenis_tujuan": "pemeriksaan"}  # the purpose from the list (issue 16 §6)

MALESANWETAN, NGADISARI = "35.13.20.2001", "35.13.01.2001"  # desa of the `registry` fixture

# Personas of tests/conftest.py, in the column order of the table below.
PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_desa_sibling",
            "operator_other_kecamatan", "opd", "pejabat", "pimpinan", "no_area")
# The operator kecamatan, the pejabat and the two desa operators work in Kec. Tegalsiwalan
# (Malesanwetan; the sibling in Gunungbekel); the other kecamatan is Sukapura (Ngadisari).
# 302: the admin kabupaten is first asked to choose a desa.
MATRIX = {  #                admin  kec  desa  sib  other  opd  pej  pim  none
    "home":                   (200, 200, 200, 200, 200, 200, 200, 200, 403),
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
    # a reviewer is sent to the family's review page (issue 19 §4); another kecamatan: 404
    "verify_family":          (200, 302, 200, 404, 404, 403, 403, 403, 403),
    "verify_musdes":          (302, 403, 200, 200, 403, 403, 403, 403, 403),
    "verify_proposals":       (302, 403, 200, 200, 403, 403, 403, 403, 403),
    "odk_import":             (200, 403, 200, 200, 403, 403, 403, 403, 403),
    "review":                 (200, 200, 403, 403, 200, 403, 403, 403, 403),
    "review_desa":            (200, 200, 403, 403, 404, 403, 403, 403, 403),
    "review_family":          (200, 200, 403, 403, 404, 403, 403, 403, 403),
    "campaign_list":          (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "campaign_detail":        (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "target_lists":           (200, 200, 200, 200, 200, 200, 200, 403, 403),
    "progress":               (200, 200, 200, 200, 200, 200, 200, 200, 403),
    "progress_xlsx":          (200, 200, 200, 200, 200, 200, 200, 200, 403),
    # Gesek Ekstrem and convergence (issue 4)
    "convergence":            (200, 200, 403, 403, 200, 200, 200, 200, 403),
    # pimpinan reads; the pejabat here has no Official record (no `gesek` fixture): 403. The
    # pejabat linked to an Official (200, own families) is in test_url_matrix.py.
    "gesek_home":             (200, 403, 403, 403, 403, 403, 403, 200, 403),
    "programmes":             (200, 403, 403, 403, 403, 200, 403, 200, 403),  # pimpinan reads
    # Person linkage (issue 18): the model page (leadership reads) and the review queue
    "link_home":              (200, 403, 403, 403, 403, 403, 403, 200, 403),
    "link_queue":             (200, 200, 403, 403, 200, 403, 403, 403, 403),
}


def _request(client, page: str, registry):
    """GET the page, or POST a purpose to the reveal."""
    if page == "reveal_in_malesanwetan":
        url = reverse("family_reveal", args=[registry.families[MALESANWETAN][0].pk])
        return client.post(url, {**WHY, "tujuan": "Uji hak akses"})
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
    if page == "review_family":
        return reverse(page, args=[MALESANWETAN,
                                   Verification.objects.get(family=family).pk])
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


@pytest.mark.parametrize("page", ["home", "dashboard"])
def test_a_user_without_an_area_is_told_to_ask_the_admin(client_for, registry, page):
    response = client_for("no_area").get(reverse(page))
    assert response.status_code == 403
    assert "belum punya peran atau wilayah kerja" in response.content.decode()


def test_a_user_without_an_area_sees_no_family(client_for, registry):
    response = client_for("no_area").get(reverse("families"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


# Every URL of the app is either in MATRIX above or has its per-role access tested in the file
# named here (with a marker the test file must contain), or is public. A new URL listed nowhere
# fails `test_every_url_is_covered_by_an_access_test`.
# Public: no login, no personal data (the public dashboard is crawled for personal data in
# tests/public/test_public_crawl.py).
PUBLIC = {"login", "logout", "set_language", "plotly_js", "public", "public_csv", "activate"}
COVERED_ELSEWHERE = {
    "family_detail": ("test_access.py", "family_in_malesanwetan"),
    "family_reveal": ("test_access.py", "reveal_in_malesanwetan"),
    "family_export": ("test_url_matrix.py", "family_export"),
    "import_errors": ("test_imports.py", "import_errors"),
    "import_mapping": ("test_import_mapping.py", "import_mapping"),
    "import_remap": ("test_import_mapping.py", "import_remap"),
    "import_confirm": ("test_url_matrix.py", "import_confirm"),
    "import_cancel": ("test_url_matrix.py", "import_cancel"),
    "import_changes": ("test_url_matrix.py", "import_changes"),
    "disbursement_upload": ("test_url_matrix.py", "disbursement_upload"),
    "disbursement_confirm": ("test_url_matrix.py", "disbursement_confirm"),
    "cohort": ("test_url_matrix.py", '"cohort"'),
    "cohort_export": ("test_url_matrix.py", "cohort_export"),
    "verify_bulk": ("test_verify.py", "verify_bulk"),
    "verify_submit_desa": ("test_verify.py", "verify_submit_desa"),
    "verify_take_back": ("test_review_evidence.py", "verify_take_back"),
    "verify_evidence_thumb": ("test_review_evidence.py", "verify_evidence_thumb"),
    "change_request_new": ("test_review_evidence.py", "change_request_new"),
    "change_document": ("test_review_evidence.py", "change_document"),
    "verify_evidence": ("test_verify.py", "verify_evidence"),
    "verify_musdes_document": ("test_verify.py", "data-document"),
    "verify_proposal_new": ("test_verify.py", "verify_proposal_new"),
    "verify_proposal": ("test_verify.py", "verify_proposal"),
    "review_proposal": ("test_review.py", "review_proposal"),
    "review_duplicate_case": ("test_no_oracle.py", "review_duplicate_case"),
    "odk_form": ("test_odk_views.py", "odk_form"),
    "campaign_new": ("test_campaigns.py", "campaign_new"),
    "campaign_open": ("test_campaigns.py", "campaign_open"),
    "campaign_close": ("test_campaigns.py", "campaign_close"),
    "campaign_finalize": ("test_campaigns.py", "campaign_finalize"),
    "change_decide": ("test_campaigns.py", "change_decide"),
    "target_list_detail": ("test_campaigns.py", "target_list_detail"),
    "target_list_export": ("test_campaigns.py", "target_list_export"),
    "target_list_diff": ("test_campaigns.py", "target_list_diff"),
    "target_list_diff_export": ("test_campaigns.py", "target_list_diff_export"),
    "progress_campaign": ("test_progress.py", "progress_campaign"),
    "gesek_officials": ("test_gesek.py", "gesek_officials"),
    "gesek_officials_import": ("test_gesek.py", "gesek_officials_import"),
    "gesek_official_new": ("test_gesek.py", "gesek_official_new"),
    "gesek_official_edit": ("test_gesek.py", "gesek_official_edit"),
    "gesek_team": ("test_gesek.py", "gesek_team"),
    "gesek_assign": ("test_gesek.py", "gesek_assign"),
    "gesek_assign_kecamatan": ("test_gesek.py", "gesek_assign_kecamatan"),
    "gesek_family": ("test_gesek.py", "gesek_family"),
    "gesek_visit": ("test_gesek.py", "gesek_visit"),
    "gesek_need": ("test_gesek.py", "gesek_need"),
    "gesek_visit_photo": ("test_gesek.py", "gesek_visit_photo"),
    "programme_new": ("test_programmes.py", "programme_new"),
    "programme_detail": ("test_programmes.py", "programme_detail"),
    "programme_edit": ("test_programmes.py", "programme_edit"),
    "intervention_add": ("test_programmes.py", "intervention_add"),
    "programme_upload": ("test_programmes.py", "programme_upload"),
    "upload_detail": ("test_programmes.py", "upload_detail"),
    "unmatched_confirm": ("test_programmes.py", "unmatched_confirm"),
    "unmatched_reject": ("test_programmes.py", "unmatched_reject"),
    # Accounts, two-factor and users (issue 6 §3): the role table USER_PAGES there
    "login_code": ("../accounts/test_reauth.py", "login_code"),
    "mfa_enrol": ("../accounts/test_reauth.py", "mfa_enrol"),
    "account": ("../accounts/test_reauth.py", "account"),
    "reauth": ("../accounts/test_reauth.py", "reauth"),
    "mfa_recovery_codes": ("../accounts/test_reauth.py", "mfa_recovery_codes"),
    "mfa_disable": ("../accounts/test_reauth.py", "mfa_disable"),
    "user_list": ("../accounts/test_reauth.py", "user_list"),
    "user_detail": ("../accounts/test_reauth.py", "user_detail"),
    "user_deactivate": ("../accounts/test_reauth.py", "user_deactivate"),
    "user_mfa_reset": ("../accounts/test_reauth.py", "user_mfa_reset"),
    # Onboarding (issue 19 §2): the role table ONBOARDING_PAGES there
    "user_new": ("test_users_onboarding.py", "user_new"),
    "users_import": ("test_users_onboarding.py", "users_import"),
    "users_import_confirm": ("test_users_onboarding.py", "users_import_confirm"),
    "users_import_template": ("test_users_onboarding.py", "users_import_template"),
    "activation_sheet": ("test_users_onboarding.py", "activation_sheet"),
    "user_reissue_code": ("test_users_onboarding.py", "user_reissue_code"),
    "user_reactivate": ("test_users_onboarding.py", "user_reactivate"),
    # Passwords (issue 16 §7)
    "password_change": ("../accounts/test_passwords.py", "password_change"),
    "user_password_reset": ("../accounts/test_passwords.py", "user_password_reset"),
    # Reports (issue 5 §2): admin and pimpinan 200, every other persona 403, anonymous → login
    "reports": ("../reports/test_report_jobs.py", "reverse(\"reports\")"),
    "report_request": ("../reports/test_report_jobs.py", "report_request"),
    "report_job": ("../reports/test_report_jobs.py", "report_job"),
    "report_progress": ("../reports/test_report_jobs.py", "report_progress"),
    "report_download": ("../reports/test_report_jobs.py", "report_download"),
    # The data subject report (issue 6 §2): admin only, every other persona 403
    "subject_report": ("../audit/test_subject_report.py", "subject_report"),
    # The daily access log (issue 16 §6): admin only, every other persona 403
    "access_digest": ("test_access_digest.py", "access_digest"),
    # Indicators (issue 5 §1)
    "indicators": ("test_indicators_page.py", "indicators"),
    "indicator_new": ("test_indicators_page.py", "indicator_new"),
    "indicator_edit": ("test_indicators_page.py", "indicator_edit"),
    "indicator_target_new": ("test_indicators_page.py", "indicator_target_new"),
    "indicators_import": ("test_indicators_page.py", "indicators_import"),
    # Person linkage (issue 18): pairs and clusters of each queue, the jobs
    "link_pair": ("test_linkage_views.py", "link_pair_K"),
    "link_cluster": ("test_linkage_views.py", "link_cluster_S"),
    "link_run_start": ("test_linkage_views.py", "link_run_start"),
}


def _url_names() -> set[str]:
    from django.urls import get_resolver

    names: set[str] = set()

    def walk(resolver) -> None:
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry)
            else:
                names.add(entry.name)

    walk(get_resolver())
    return names


def test_every_url_is_covered_by_an_access_test():
    from pathlib import Path

    here = Path(__file__).parent
    uncovered = sorted(n for n in _url_names()
                       if n not in MATRIX and n not in COVERED_ELSEWHERE and n not in PUBLIC)
    assert not uncovered, f"URLs without an access test: {uncovered}"
    for name, (file, marker) in COVERED_ELSEWHERE.items():
        assert marker in (here / file).read_text(), f"{name}: {file} does not test it"
    assert not (set(COVERED_ELSEWHERE) - _url_names()), "listed URLs that no longer exist"
