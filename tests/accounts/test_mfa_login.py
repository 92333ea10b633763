"""The two-step login: password, then the TOTP code; enrolment for roles that require it."""

from __future__ import annotations

import pytest
from account_helpers import PASSWORD, code_for, enrol, is_logged_in, password_step
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tepat.accounts import sessions
from tepat.accounts.models import RecoveryCode, TOTPDevice
from tepat.audit.models import AuditEvent


def test_a_required_role_without_mfa_is_sent_to_enrolment_and_is_not_logged_in(users):
    client = Client()
    response = password_step(client, "admin")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_enrol")
    assert SESSION_KEY not in client.session
    assert not is_logged_in(client)  # nothing else opens: the session is anonymous
    assert client.get(reverse("families")).status_code == 302


def test_enrolment_shows_a_qr_code_and_the_secret_then_logs_in_with_recovery_codes(users):
    client = Client()
    password_step(client, "admin")
    page = client.get(reverse("mfa_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "<svg" in html and "Autentikasi dua langkah" in html
    secret = page.context["secret"].replace(" ", "")
    stored = TOTPDevice.objects.get(user=users.admin)
    assert stored.confirmed_at is None and secret not in stored.secret  # encrypted at rest

    wrong = client.post(reverse("mfa_enrol"), {"kode": "000000"})
    assert wrong.status_code == 200 and "Kode salah" in wrong.content.decode()
    assert not is_logged_in(client)

    done = client.post(reverse("mfa_enrol"), {"kode": code_for(secret)})
    codes = done.context["codes"]
    assert done.status_code == 200 and len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert is_logged_in(client)
    # Stored only hashed; the secret is never shown again.
    hashes = list(RecoveryCode.objects.filter(user=users.admin).values_list("code_hash", flat=True))
    assert len(hashes) == 10 and not any(c in h for c in codes for h in hashes)
    again = client.get(reverse("mfa_enrol"))
    assert again.status_code == 302 and again["Location"] == reverse("account")
    assert secret not in client.get(reverse("account")).content.decode()
    assert AuditEvent.objects.filter(action="accounts.mfa.enrolled",
                                     object_id=str(users.admin.pk)).count() == 1


def test_an_enrolled_user_logs_in_with_a_code_and_gets_a_new_session_key(users):
    secret = enrol(users.operator_kecamatan)
    client = Client()
    client.get(reverse("login"))
    response = password_step(client, "operator.kecamatan", next_url=reverse("families"))
    assert response["Location"] == reverse("login_code")
    assert not is_logged_in(client)
    pending_key = client.session.session_key
    bad = client.post(reverse("login_code"), {"kode": "123456"})
    assert bad.status_code == 200 and "Kode salah" in bad.content.decode()
    good = client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert good.status_code == 302 and good["Location"] == reverse("families")
    assert client.session.session_key != pending_key  # rotated at the final login
    assert client.session[sessions.MFA_OK] is True
    assert is_logged_in(client)


def test_a_code_cannot_be_used_twice_in_its_time_step(users):
    secret = enrol(users.admin)
    code = code_for(secret, 1)
    first = Client()
    password_step(first, "admin")
    assert first.post(reverse("login_code"), {"kode": code}).status_code == 302
    second = Client()
    password_step(second, "admin")
    replay = second.post(reverse("login_code"), {"kode": code})
    assert replay.status_code == 200 and "sudah dipakai" in replay.content.decode()
    assert not is_logged_in(second)


def test_five_wrong_codes_lock_the_account_even_for_the_right_code(users, settings):
    settings.TEPAT_MFA_FAILURE_LIMIT = 5
    secret = enrol(users.admin)
    client = Client()
    password_step(client, "admin")
    for _i in range(4):
        assert client.post(reverse("login_code"), {"kode": "000000"}).status_code == 200
    locked = client.post(reverse("login_code"), {"kode": "000000"})
    assert locked.status_code == 429 and "Akun dikunci sementara" in locked.content.decode()
    assert AuditEvent.objects.filter(action="accounts.mfa.locked").count() == 1
    # A new password step does not reset the count: the lock is on the account.
    again = Client()
    password_step(again, "admin")
    refused = again.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert refused.status_code == 429
    assert not is_logged_in(again)


def test_a_recovery_code_logs_in_once(users):
    from tepat.accounts import services

    secret = enrol(users.admin)
    codes = services.regenerate_recovery_codes(users.admin)
    client = Client()
    password_step(client, "admin")
    response = client.post(reverse("login_code"), {"kode": codes[3]}, follow=True)
    assert is_logged_in(client)
    assert "Sisa kode cadangan: 9" in response.content.decode()
    other = Client()
    password_step(other, "admin")
    assert other.post(reverse("login_code"), {"kode": codes[3]}).status_code == 200
    assert not is_logged_in(other)
    assert secret  # the TOTP still works alongside


def test_an_optional_role_logs_in_with_the_password_alone_until_it_enrols(users):
    client = Client()
    response = password_step(client, "operator.desa")
    assert response["Location"] == reverse("home") and is_logged_in(client)
    enrol(users.operator_desa)
    other = Client()
    assert password_step(other, "operator.desa")["Location"] == reverse("login_code")
    assert not is_logged_in(other)


def test_the_required_roles_are_a_setting(users, settings):
    settings.TEPAT_MFA_REQUIRED_ROLES = []
    client = Client()
    assert password_step(client, "admin")["Location"] == reverse("home")
    settings.TEPAT_MFA_REQUIRED_ROLES = ["operator_desa"]
    other = Client()
    assert password_step(other, "operator.desa")["Location"] == reverse("mfa_enrol")


def test_the_pending_login_expires(users, settings):
    enrol(users.admin)
    client = Client()
    password_step(client, "admin")
    session = client.session
    session[sessions.PENDING]["at"] -= settings.TEPAT_MFA_PENDING_SECONDS + 1
    session.save()
    response = client.get(reverse("login_code"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Waktu untuk memasukkan kode sudah habis" in response.content.decode()


def test_a_wrong_password_never_reaches_the_code_step(users):
    enrol(users.admin)
    client = Client()
    response = password_step(client, "admin", "salah-sandi")
    assert response.status_code == 200
    assert client.get(reverse("login_code"))["Location"] == reverse("login")


@pytest.mark.parametrize("page", ["dashboard", "families", "account"])
def test_a_session_of_a_required_role_that_skipped_the_code_step_is_confined(users, page):
    """force_login (or a session from before MFA) for a required role without an
    authenticator: every page sends to enrolment; logout still works."""
    client = Client()
    client.force_login(users.admin)
    response = client.get(reverse(page))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_enrol")
    assert client.get(reverse("mfa_enrol")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_a_session_of_an_enrolled_user_without_the_code_is_logged_out(users):
    enrol(users.operator_kecamatan)
    client = Client()
    client.force_login(users.operator_kecamatan)
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "kode dari aplikasi autentikator" in response.content.decode()
    assert not is_logged_in(client)


def test_enrolling_from_the_account_page_keeps_the_session(users):
    client = Client()
    client.force_login(users.operator_desa)
    page = client.get(reverse("mfa_enrol"))
    secret = page.context["secret"].replace(" ", "")
    done = client.post(reverse("mfa_enrol"), {"kode": code_for(secret)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert is_logged_in(client)
    assert "Aktif sejak" in client.get(reverse("account")).content.decode()


def test_an_admin_resets_a_users_mfa_and_their_sessions_end(users):
    from tepat.accounts import services

    secret = enrol(users.operator_kecamatan)
    victim = Client()
    password_step(victim, "operator.kecamatan")
    victim.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert is_logged_in(victim)
    ended = services.reset_mfa(users.admin, users.operator_kecamatan, "Ponsel hilang")
    assert ended == 1 and not is_logged_in(victim)
    assert not TOTPDevice.objects.filter(user=users.operator_kecamatan).exists()
    assert not RecoveryCode.objects.filter(user=users.operator_kecamatan).exists()
    event = AuditEvent.objects.get(action="accounts.mfa.reset")
    assert event.actor == users.admin and event.data["reason"] == "Ponsel hilang"
    # The next login asks for enrolment again.
    assert password_step(Client(), "operator.kecamatan")["Location"] == reverse("mfa_enrol")


def test_only_the_admin_kabupaten_resets_mfa(users):
    from tepat.accounts import services
    from tepat.verification.errors import RuleError

    enrol(users.operator_desa)
    with pytest.raises(RuleError):
        services.reset_mfa(users.operator_kecamatan, users.operator_desa, "Ponsel hilang")
    assert TOTPDevice.objects.filter(user=users.operator_desa).exists()


def test_the_secret_and_codes_never_reach_the_log(users, caplog):
    client = Client()
    password_step(client, "admin")
    secret = client.get(reverse("mfa_enrol")).context["secret"].replace(" ", "")
    code = code_for(secret)
    with caplog.at_level("DEBUG"):
        client.post(reverse("mfa_enrol"), {"kode": code})
    assert secret not in caplog.text and code not in caplog.text


def test_logging_in_writes_no_password_in_the_audit(users):
    enrol(users.admin)
    client = Client()
    password_step(client, "admin")
    client.post(reverse("login_code"), {"kode": "000000"})
    assert PASSWORD not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_new_recovery_codes_from_the_account_page_replace_the_old_ones(users):
    from tepat.accounts import services

    secret = enrol(users.operator_desa)
    old = services.regenerate_recovery_codes(users.operator_desa)
    client = Client()
    password_step(client, "operator.desa")
    client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    response = client.post(reverse("mfa_recovery_codes"))
    new = response.context["codes"]
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert len(new) == 10 and not set(new) & set(old)
    other = Client()
    password_step(other, "operator.desa")
    assert other.post(reverse("login_code"), {"kode": old[0]}).status_code == 200  # refused


def test_only_an_optional_role_may_turn_two_factor_off(users):
    secret = enrol(users.admin)
    admin = Client()
    password_step(admin, "admin")
    admin.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    response = admin.post(reverse("mfa_disable"), follow=True)
    assert "wajib memakai autentikasi dua langkah" in response.content.decode()
    assert TOTPDevice.objects.filter(user=users.admin).exists()

    desa_secret = enrol(users.operator_desa)
    desa = Client()
    password_step(desa, "operator.desa")
    desa.post(reverse("login_code"), {"kode": code_for(desa_secret, 1)})
    desa.post(reverse("mfa_disable"))
    assert not TOTPDevice.objects.filter(user=users.operator_desa).exists()
    events = AuditEvent.objects.filter(action="accounts.mfa.disabled").count()
    again = desa.post(reverse("mfa_disable"), follow=True)  # nothing left to turn off
    assert "belum aktif" in again.content.decode()
    assert AuditEvent.objects.filter(action="accounts.mfa.disabled").count() == events == 1
    assert password_step(Client(), "operator.desa")["Location"] == reverse("home")
