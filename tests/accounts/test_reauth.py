"""Re-authentication before personal-data exports, the NIK/KK reveal and role/area changes;
and the user pages of the admin kabupaten."""

from __future__ import annotations

import pytest
from account_helpers import PASSWORD, code_for, enrol, password_step
from django.test import Client
from django.urls import reverse

from tepat.accounts import services, sessions
from tepat.accounts.models import TOTPDevice
from tepat.audit.models import AccessEvent, AuditEvent
from tepat.verification.errors import RuleError

WHY = {"jenis_tujuan": "penyaluran_bantuan"}  # the purpose from the list (issue 16 §6)
REVEAL = {"jenis_tujuan": "verifikasi_lapangan", "tujuan": "Cek data KTP warga"}

MALESANWETAN, TEGALSIWALAN, KABUPATEN = "35.13.20.2001", "35.13.20", "35.13"


@pytest.fixture(autouse=True)
def mfa_optional(settings):
    """Here the personas log in with force_login (no code step): MFA is optional."""
    settings.TEPAT_MFA_REQUIRED_ROLES = []


def _stale(client: Client, minutes: int = 11) -> None:
    session = client.session
    session[sessions.AUTH_AT] -= minutes * 60
    session.save()


def _reauth_url(next_url: str) -> str:
    from django.utils.http import urlencode

    return f"{reverse('reauth')}?{urlencode({'next': next_url})}"


def test_an_export_right_after_login_needs_no_second_password(client_for, target_list):
    client = client_for("admin")
    url = reverse("target_list_export", args=[target_list.pk])
    response = client.post(url, {**WHY, "tujuan": "Rapat TKPK April"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("name", ["target_list_export", "target_list_diff_export"])
def test_an_export_with_an_old_login_asks_for_the_password_then_works(client_for, target_list,
                                                                      name):
    client = client_for("operator_kecamatan")
    _stale(client)
    url = reverse(name, args=[target_list.pk])
    refused = client.post(url, {**WHY, "tujuan": "Rapat TKPK April"})
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("reauth"))
    assert not AccessEvent.objects.exists()  # nothing exported, nothing logged
    asked = client.get(_reauth_url(url))
    assert "masukkan lagi kata sandi" in asked.content.decode()

    wrong = client.post(reverse("reauth"), {"password": "salah-sandi", "next": url})
    assert wrong.status_code == 200 and "Kata sandi salah" in wrong.content.decode()
    assert client.post(url, {**WHY, "tujuan": "Rapat TKPK April"}).status_code == 302

    back = client.post(reverse("reauth"), {"password": PASSWORD, "next": url})
    assert back.status_code == 302 and back["Location"] == url
    done = client.post(url, {**WHY, "tujuan": "Rapat TKPK April"})
    assert done.status_code in {200, 302}  # the diff export redirects when nothing to compare
    if name == "target_list_export":
        assert done["Content-Disposition"].startswith("attachment")
        assert AccessEvent.objects.filter(action="export").count() == 1


def test_the_reveal_with_an_old_login_returns_to_the_family_page(client_for, registry):
    family = registry.families[MALESANWETAN][0]
    client = client_for("operator_desa")
    _stale(client)
    page = reverse("family_detail", args=[family.pk])
    response = client.post(reverse("family_reveal", args=[family.pk]), REVEAL,
                           HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 302
    assert response["Location"] == _reauth_url(f"http://testserver{page}")
    assert not AccessEvent.objects.exists()
    client.post(reverse("reauth"), {"password": PASSWORD, "next": page})
    revealed = client.post(reverse("family_reveal", args=[family.pk]), REVEAL)
    assert revealed.status_code == 200 and family.nik in revealed.content.decode()


def test_reauthentication_asks_for_the_code_when_enrolled(client_for, users, target_list):
    secret = enrol(users.operator_desa)
    client = Client()
    password_step(client, "operator.desa")
    client.post(reverse("login_code"), {"kode": code_for(secret, 0)})
    _stale(client)
    url = reverse("target_list_export", args=[target_list.pk])
    form = client.get(_reauth_url(url))
    assert "kode" in form.context["form"].fields
    no_code = client.post(reverse("reauth"), {"password": PASSWORD, "kode": "000000",
                                              "next": url})
    assert no_code.status_code == 200
    assert client.post(url, {**WHY, "tujuan": "Rapat TKPK Mei"}).status_code == 302
    ok = client.post(reverse("reauth"), {"password": PASSWORD, "kode": code_for(secret, 1),
                                         "next": url})
    assert ok["Location"] == url
    assert client.post(url, {**WHY, "tujuan": "Rapat TKPK Mei"}).status_code == 200


def test_reauthentication_never_sends_to_another_site(client_for):
    client = client_for("operator_desa")
    response = client.post(reverse("reauth"), {"password": PASSWORD,
                                               "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


# --- role and area changes ---------------------------------------------------------------------


def test_change_role_checks_the_area_level_and_writes_one_audit_event(users):
    from tepat.regions.models import Region

    desa = Region.objects.get(code=MALESANWETAN)
    kecamatan = Region.objects.get(code=TEGALSIWALAN)
    with pytest.raises(RuleError, match="tingkat"):
        services.change_role(users.admin, users.operator_desa_sibling, "operator_kecamatan", desa)
    with pytest.raises(RuleError):
        services.change_role(users.operator_kecamatan, users.operator_desa_sibling,
                             "operator_kecamatan", kecamatan)
    with pytest.raises(RuleError):
        services.change_role(users.admin, users.admin, "operator_desa", desa)
    assert not AuditEvent.objects.filter(action="accounts.user.role_changed").exists()
    services.change_role(users.admin, users.operator_desa_sibling, "operator_kecamatan",
                         kecamatan)
    users.operator_desa_sibling.refresh_from_db()
    assert (users.operator_desa_sibling.role, users.operator_desa_sibling.area_id) == (
        "operator_kecamatan", TEGALSIWALAN)
    event = AuditEvent.objects.get(action="accounts.user.role_changed")
    assert event.data["before"] == {"role": "operator_desa", "area": "35.13.20.2002"}
    assert event.data["after"] == {"role": "operator_kecamatan", "area": TEGALSIWALAN}


def test_the_role_page_asks_for_the_password_when_the_login_is_old(client_for, users):
    client = client_for("admin")
    _stale(client)
    url = reverse("user_detail", args=[users.operator_desa_sibling.pk])
    data = {"peran": "operator_kecamatan", "wilayah": TEGALSIWALAN}
    assert client.post(url, data)["Location"].startswith(reverse("reauth"))
    users.operator_desa_sibling.refresh_from_db()
    assert users.operator_desa_sibling.role == "operator_desa"
    client.post(reverse("reauth"), {"password": PASSWORD, "next": url})
    assert client.post(url, data).status_code == 302
    users.operator_desa_sibling.refresh_from_db()
    assert users.operator_desa_sibling.area_id == TEGALSIWALAN


def test_a_wrong_area_for_the_role_is_explained_on_the_page(client_for, users):
    url = reverse("user_detail", args=[users.operator_desa_sibling.pk])
    response = client_for("admin").post(url, {"peran": "pimpinan", "wilayah": MALESANWETAN})
    assert response.status_code == 400
    assert "bekerja di tingkat Kabupaten/Kota" in response.content.decode()


def test_deactivation_from_the_user_page(client_for, users):
    target = Client()
    target.force_login(users.operator_desa)
    response = client_for("admin").post(
        reverse("user_deactivate", args=[users.operator_desa.pk]),
        {"nonaktif-alasan": "Pindah tugas"}, follow=True)
    assert "1 sesi diakhiri" in response.content.decode()
    assert target.get(reverse("dashboard")).status_code == 302


def test_mfa_reset_from_the_user_page(client_for, users):
    enrol(users.operator_desa)
    response = client_for("admin").post(
        reverse("user_mfa_reset", args=[users.operator_desa.pk]),
        {"reset-alasan": "Ponsel hilang"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=users.operator_desa).exists()


# --- who may open the account pages (for the lead's access matrix) ------------------------------

PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_desa_sibling",
            "operator_other_kecamatan", "opd", "pejabat", "pimpinan", "no_area")
USER_PAGES = {  #       admin  kec  desa  sib  other  opd  pej  pim  none
    "user_list":        (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "user_detail":      (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "user_deactivate":  (400, 403, 403, 403, 403, 403, 403, 403, 403),  # POST, no reason
    "user_mfa_reset":   (400, 403, 403, 403, 403, 403, 403, 403, 403),  # POST, no reason
    "account":          (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "reauth":           (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "mfa_enrol":        (200, 200, 200, 200, 200, 200, 200, 200, 200),
}


def _hit(client: Client, name: str, users):
    if name in {"user_detail", "user_deactivate", "user_mfa_reset"}:
        url = reverse(name, args=[users.operator_desa.pk])
        return client.post(url, {}) if name != "user_detail" else client.get(url)
    return client.get(reverse(name))


def test_the_account_pages_answer_each_persona_by_the_rules(client_for, users):
    wrong = []
    for persona in PERSONAS:
        client = client_for(persona)
        for name, expected in USER_PAGES.items():
            want = expected[PERSONAS.index(persona)]
            status = _hit(client, name, users).status_code
            if status != want:
                wrong.append(f"{persona} {name}: {status}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_a_user_that_does_not_exist_answers_404(client_for):
    assert client_for("admin").get(reverse("user_detail", args=[999_999])).status_code == 404


@pytest.mark.parametrize("name", ["user_list", "account", "reauth", "mfa_recovery_codes",
                                  "mfa_disable", "user_detail", "user_deactivate",
                                  "user_mfa_reset"])
def test_anonymous_visitors_are_sent_to_the_login_page(users, name):
    args = [users.operator_desa.pk] if name.startswith("user_") and name != "user_list" else []
    url = reverse(name, args=args)
    response = Client().post(url) if name.startswith(("mfa_", "user_d", "user_m")) else \
        Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_code_without_a_password_step_goes_back_to_login(db):
    assert Client().get(reverse("login_code"))["Location"] == reverse("login")
    assert Client().get(reverse("mfa_enrol"))["Location"] == reverse("login")
