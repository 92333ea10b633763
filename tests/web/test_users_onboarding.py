"""The onboarding pages (issue 19 §2): create → sheet → activate → password → two-factor
enrolment for a kecamatan role; a list with check, preview and confirm; re-issued codes;
reactivation; who may open each page (users_onboarding, activate)."""

from __future__ import annotations

import re
import time
from html import unescape

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tepat.accounts import services
from tepat.accounts.models import User
from tepat.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "sawah-hijau-2026"
CSV = ("Nama pengguna,Nama,Peran,Kode wilayah,Ponsel,Surel,Instansi\n"
       "desa.ngadisari,Siti Rahayu,operator_desa,35.13.01.2001,0812-3456-7890,,\n"
       "kec.sukapura,Agus Salim,operator_kecamatan,35.13.01,,agus@contoh.go.id,\n")


@pytest.fixture
def mfa_on(settings):
    """Two-factor required for the operator kecamatan (as in production); the admin persona
    signs in with force_login, so the admin's own requirement stays off here."""
    settings.TEPAT_MFA_REQUIRED_ROLES = ["operator_kecamatan"]
    settings.AXES_ENABLED = True


def _codes(response) -> dict[str, str]:
    """user name -> the activation code on the sheet."""
    html = unescape(response.content.decode())
    blocks = re.findall(r'data-activation="([^"]+)".*?data-code>([^<]+)<', html, re.S)
    return dict(blocks)


def _new_user(client: Client, **changes: str):
    data = {"username": "kec.baru", "name": "Agus Salim", "role": "operator_kecamatan",
            "area": "35.13.01", "phone": "0812 3456 7890", "email": "", "agency": ""}
    return client.post(reverse("user_new"), {**data, **changes})


def _activate(client: Client, username: str, code: str, password: str = NEW_PASSWORD):
    return client.post(reverse("activate"), {"username": username, "kode": code,
                                             "new_password1": password,
                                             "new_password2": password})


def test_create_sheet_activate_password_and_enrol_for_a_kecamatan_role(client_for, users,
                                                                       mfa_on):
    admin = client_for("admin")
    sheet = _new_user(admin)
    assert sheet.status_code == 200 and sheet["Cache-Control"] == "no-store"
    code = _codes(sheet)["kec.baru"]
    assert "Kecamatan Sukapura" in sheet.content.decode()

    visitor = Client()
    answer = _activate(visitor, "kec.baru", code)
    assert answer.status_code == 302 and answer["Location"] == reverse("mfa_enrol")
    # No session is usable before the enrolment.
    assert visitor.get(reverse("dashboard")).status_code == 302
    enrol = visitor.get(reverse("mfa_enrol"))
    assert enrol.status_code == 200
    user = User.objects.get(username="kec.baru")
    secret = services.pending_secret(user)
    done = visitor.post(reverse("mfa_enrol"), {"kode": pyotp.TOTP(secret).at(time.time())})
    assert done.status_code == 200 and "mfa_codes" in done.templates[0].name
    assert f'href="{reverse("dashboard")}"' in done.content.decode()  # the way on
    assert visitor.get(reverse("dashboard")).status_code == 200
    # The code worked once.
    assert _activate(Client(), "kec.baru", code).status_code == 400
    assert AuditEvent.objects.filter(action="accounts.user.activated").count() == 1


def test_a_desa_role_is_signed_in_right_after_activation(client_for, users):
    code = _codes(_new_user(client_for("admin"), username="desa.baru", role="operator_desa",
                            area="35.13.01.2001"))["desa.baru"]
    visitor = Client()
    assert _activate(visitor, "desa.baru", code)["Location"] == reverse("home")
    assert visitor.get(reverse("dashboard")).status_code == 200
    login = Client().post(reverse("login"), {"username": "desa.baru", "password": NEW_PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_the_form_names_a_role_area_mismatch(client_for, users):
    page = _new_user(client_for("admin"), role="operator_desa", area="35.13.01")
    assert page.status_code == 400
    assert "tingkat desa" in unescape(page.content.decode())
    assert not User.objects.filter(username="kec.baru").exists()


def test_a_weak_password_keeps_the_code_and_says_why(client_for, users):
    code = _codes(_new_user(client_for("admin")))["kec.baru"]
    page = _activate(Client(), "kec.baru", code, password="12345678")
    assert page.status_code == 400 and 'data-field="new_password1"' in page.content.decode()
    assert _activate(Client(), "kec.baru", code).status_code == 302


def test_wrong_codes_are_throttled_like_the_login(client_for, users, settings, mfa_on):
    settings.AXES_FAILURE_LIMIT = 3
    code = _codes(_new_user(client_for("admin")))["kec.baru"]
    visitor = Client()
    statuses = [_activate(visitor, "kec.baru", f"AAAA-BBBB-CCC{i}").status_code
                for i in range(4)]
    assert statuses[:2] == [400, 400] and statuses[-1] == 429
    assert _activate(visitor, "kec.baru", code).status_code == 429  # locked, even the right one


def test_the_code_never_goes_in_a_url(client_for, users):
    page = Client().get(reverse("activate"))
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert "kode" not in reverse("activate")


def test_a_list_is_checked_previewed_and_confirmed_once(client_for, users):
    admin = client_for("admin")
    upload = SimpleUploadedFile("pengguna.csv", CSV.encode(), content_type="text/csv")
    preview = admin.post(reverse("users_import"), {"file": upload})
    body = preview.content.decode()
    assert preview.status_code == 200 and "data-preview" in body and "desa.ngadisari" in body
    assert not User.objects.filter(username="desa.ngadisari").exists()
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    sheet = admin.post(reverse("users_import_confirm"), {"token": token})
    assert set(_codes(sheet)) == {"desa.ngadisari", "kec.sukapura"}
    # The token is used up; the same file again creates nothing and says so.
    assert admin.post(reverse("users_import_confirm"), {"token": token}).status_code == 302
    again = admin.post(reverse("users_import"), {"file": SimpleUploadedFile(
        "pengguna.csv", CSV.encode(), content_type="text/csv")})
    assert "data-nothing-new" in again.content.decode()
    assert User.objects.filter(username__in=["desa.ngadisari", "kec.sukapura"]).count() == 2


def test_a_bad_list_shows_its_problems_and_no_confirm_button(client_for, users):
    bad = CSV + "desa.ngadisari,Dua,operator_desa,35.13.01.2001,081211112222,,\n"
    page = client_for("admin").post(reverse("users_import"), {"file": SimpleUploadedFile(
        "buruk.csv", bad.encode(), content_type="text/csv")})
    body = unescape(page.content.decode())
    assert "Berkas buruk.csv baris 4 kolom Nama pengguna" in body
    assert 'name="token"' not in body


def test_the_template_download_is_an_xlsx_with_the_headers(client_for, users):
    response = client_for("admin").get(reverse("users_import_template"))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_a_kecamatan_sheet_reissues_the_codes_of_that_kecamatan_only(client_for, users):
    admin = client_for("admin")
    first = _codes(_new_user(admin))["kec.baru"]
    _new_user(admin, username="desa.lain", role="operator_desa", area="35.13.20.2001")
    sheet = admin.post(reverse("activation_sheet"), {"wilayah": "35.13.01"})
    codes = _codes(sheet)
    assert set(codes) == {"kec.baru"} and codes["kec.baru"] != first
    assert _activate(Client(), "kec.baru", first).status_code == 400
    assert admin.get(reverse("activation_sheet")).status_code == 200


def test_one_users_code_is_reissued_from_the_user_page(client_for, users):
    admin = client_for("admin")
    _new_user(admin)
    user = User.objects.get(username="kec.baru")
    assert "kode-aktivasi" in admin.get(reverse("user_detail", args=[user.pk])).content.decode()
    sheet = admin.post(reverse("user_reissue_code", args=[user.pk]))
    assert set(_codes(sheet)) == {"kec.baru"}
    refused = admin.post(reverse("user_reissue_code", args=[users.operator_desa.pk]))
    assert refused.status_code == 302


def test_reactivation_sits_next_to_deactivation(client_for, users):
    admin = client_for("admin")
    person = users.operator_desa
    admin.post(reverse("user_deactivate", args=[person.pk]), {"nonaktif-alasan": "pindah tugas"})
    page = admin.get(reverse("user_detail", args=[person.pk])).content.decode()
    assert 'id="aktifkan"' in page and 'id="nonaktifkan"' not in page
    refused = admin.post(reverse("user_reactivate", args=[person.pk]), {})
    assert refused.status_code == 400 and 'id="aktifkan"' in refused.content.decode()
    person.refresh_from_db()
    assert not person.is_active  # no reason: nothing changed
    admin.post(reverse("user_reactivate", args=[person.pk]), {"aktif-alasan": "kembali bertugas"})
    person.refresh_from_db()
    assert person.is_active
    assert AuditEvent.objects.filter(action="accounts.user.reactivated").count() == 1


# Who may open the onboarding pages (tests/web/test_access.py COVERED_ELSEWHERE points here).
PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_desa_sibling",
            "operator_other_kecamatan", "opd", "pejabat", "pimpinan", "no_area")
ONBOARDING_PAGES = {  #          admin  kec  desa  sib  other  opd  pej  pim  none
    "user_new":                 (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "users_import":             (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "users_import_confirm":     (302, 403, 403, 403, 403, 403, 403, 403, 403),  # POST, no token
    "users_import_template":    (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "activation_sheet":         (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "user_reissue_code":        (302, 403, 403, 403, 403, 403, 403, 403, 403),  # POST, active
    "user_reactivate":          (400, 403, 403, 403, 403, 403, 403, 403, 403),  # POST, no reason
    "activate":                 (302, 302, 302, 302, 302, 302, 302, 302, 302),  # signed in
}
POSTS = {"users_import_confirm", "user_reissue_code", "user_reactivate"}


def _hit(client: Client, name: str, users):
    args = [users.operator_desa.pk] if name in {"user_reissue_code", "user_reactivate"} else []
    url = reverse(name, args=args)
    return client.post(url, {}) if name in POSTS else client.get(url)


def test_the_onboarding_pages_answer_each_persona_by_the_rules(client_for, users):
    wrong = []
    for persona in PERSONAS:
        client = client_for(persona)
        for name, expected in ONBOARDING_PAGES.items():
            want = expected[PERSONAS.index(persona)]
            status = _hit(client, name, users).status_code
            if status != want:
                wrong.append(f"{persona} {name}: {status}, expected {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(set(ONBOARDING_PAGES) - {"activate"}))
def test_anonymous_visitors_are_sent_to_the_login_page(users, name):
    response = _hit(Client(), name, users)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_pages_speak_english_when_chosen(client_for, users, settings):
    admin = client_for("admin")
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = CSV + "desa.ngadisari,Dua,operator_desa,35.13.01.2001,081211112222,,\n"
    page = admin.post(reverse("users_import"), {"file": SimpleUploadedFile(
        "buruk.csv", bad.encode(), content_type="text/csv")})
    body = unescape(page.content.decode())
    assert "File buruk.csv row 4 column Nama pengguna" in body and "baris 4" not in body
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Account activation" in visitor.get(reverse("activate")).content.decode()
