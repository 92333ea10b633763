"""Issue 16 §7: a user changes their own password (re-authenticated, Django's validators, other
sessions end); the admin kabupaten resets another user's password (temporary, shown once), and
that user must choose a new one before anything else. Both audited."""

from __future__ import annotations

import pytest
from account_helpers import PASSWORD, code_for, enrol, is_logged_in, password_step
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tepat.accounts import services, sessions
from tepat.accounts.models import User, UserSession
from tepat.audit.models import AuditEvent
from tepat.verification.errors import RuleError

NEW_PASSWORD = "Gunung-Bromo-2026-pagi"


@pytest.fixture(autouse=True)
def mfa_optional(settings):
    """The personas log in with the password alone unless a test turns two-factor on."""
    settings.TEPAT_MFA_REQUIRED_ROLES = []


def _change(client: Client, new: str = NEW_PASSWORD, current: str = PASSWORD):
    return client.post(reverse("password_change"), {
        "old_password": current, "new_password1": new, "new_password2": new})


def _signed_in(username: str) -> Client:
    return _signed_in_with(username, PASSWORD)


def _signed_in_with(username: str, password: str) -> Client:
    client = Client()
    password_step(client, username, password)
    return client


def _reset(client: Client, person: User, reason: str = "lupa kata sandi", password: str = ""):
    return client.post(reverse("user_password_reset", args=[person.pk]),
                       {"sandi-alasan": reason, "sandi-kata_sandi": password})


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_settings_use_all_four_django_validators_with_ten_characters_at_least():
    names = [v["NAME"].rsplit(".", 1)[1] for v in django_settings.AUTH_PASSWORD_VALIDATORS]
    assert names == ["UserAttributeSimilarityValidator", "MinimumLengthValidator",
                     "CommonPasswordValidator", "NumericPasswordValidator"]
    assert django_settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] >= 10


# --- changing one's own password ---------------------------------------------------------------


def test_the_account_page_links_to_the_password_change(users):
    page = _signed_in("operator.desa").get(reverse("account"))
    assert reverse("password_change") in page.content.decode()


def test_a_user_changes_their_password_and_keeps_this_session_while_others_end(users):
    client, other = _signed_in("operator.desa"), _signed_in("operator.desa")
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"

    response = _change(client)
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert is_logged_in(client) and not is_logged_in(other)
    user = User.objects.get(username="operator.desa")
    assert user.check_password(NEW_PASSWORD)
    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    assert keys == {client.session.session_key}  # the index follows the rotated key
    [event] = _events("accounts.password.changed")
    assert event.actor_id == user.pk and event.data == {"sessions_ended": 1,
                                                        "after_reset": False}
    assert NEW_PASSWORD not in str(event.data) and PASSWORD not in str(event.data)
    assert is_logged_in(_signed_in_with("operator.desa", NEW_PASSWORD))


@pytest.mark.parametrize(("new", "says"), [
    ("qwertyuiop", "umum"),  # on Django's common-password list
    ("pendek1!", "terlalu pendek"),  # shorter than 10
    ("8302749165302", "seluruhnya terdiri dari angka"),  # only digits
    ("operator.desa1", "terlalu mirip"),  # like the user name
])
def test_a_weak_new_password_is_refused_by_djangos_validators(users, new, says):
    client = _signed_in("operator.desa")
    response = _change(client, new)
    assert response.status_code == 200 and says in response.content.decode().lower()
    assert User.objects.get(username="operator.desa").check_password(PASSWORD)
    assert not _events("accounts.password.changed")


def test_a_wrong_current_password_changes_nothing(users):
    client = _signed_in("operator.desa")
    response = _change(client, current="bukan-sandi-saya")
    assert response.status_code == 200 and "Kata sandi sekarang salah" in response.content.decode()
    assert User.objects.get(username="operator.desa").check_password(PASSWORD)
    assert is_logged_in(client)


def test_wrong_current_passwords_lock_out_as_at_the_login(users, settings):
    settings.AXES_ENABLED = True
    client = _signed_in("operator.desa")
    statuses = [_change(client, current=f"salah-{i}").status_code
                for i in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert User.objects.get(username="operator.desa").check_password(PASSWORD)


def test_the_same_password_again_is_refused(users):
    with pytest.raises(RuleError, match="berbeda"):
        services.change_password(users.operator_desa, "uji-tepat-2026!")


def test_an_old_login_asks_to_prove_it_is_you_before_the_change(users):
    client = _signed_in("operator.desa")
    session = client.session
    session[sessions.AUTH_AT] -= 11 * 60
    session.save()
    response = _change(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    assert User.objects.get(username="operator.desa").check_password(PASSWORD)


def test_an_enrolled_user_changes_the_password_after_the_code_step(users, settings):
    settings.TEPAT_MFA_REQUIRED_ROLES = ["admin_kabupaten"]
    secret = enrol(users.admin)
    client = Client()
    password_step(client, "admin")
    client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert _change(client).status_code == 302
    assert is_logged_in(client)  # the two-factor state of the session survives the change


def test_the_password_page_speaks_english_when_chosen(users):
    """Needs the compiled catalogue (`tepat compilemessages -l en`)."""
    client = _signed_in("operator.desa")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _change(client, "qwertyuiop").content.decode()
    assert "Repeat the new password" in html and "Change password" in html
    assert "This password is too common." in html  # Django's own catalogue


# --- the admin's reset -------------------------------------------------------------------------


def test_the_admin_resets_a_password_shown_once_and_the_users_sessions_end(users):
    victim = _signed_in("operator.desa")
    admin = _signed_in("admin")
    response = _reset(admin, users.operator_desa)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    temporary = response.context["temporary"]
    assert temporary in response.content.decode() and len(temporary) >= 12
    assert not is_logged_in(victim)
    user = User.objects.get(pk=users.operator_desa.pk)
    assert user.must_change_password and user.check_password(temporary)
    [event] = _events("accounts.password.reset")
    assert event.actor_id == users.admin.pk and event.object_id == str(user.pk)
    assert event.data["reason"] == "lupa kata sandi" and event.data["generated"] is True
    assert event.data["sessions_ended"] == 1 and temporary not in str(event.data)
    # The detail page afterwards does not show it again.
    assert temporary not in admin.get(reverse("user_detail", args=[user.pk])).content.decode()


def test_after_a_reset_the_user_must_choose_a_new_password_before_anything_else(users):
    temporary = services.reset_password(users.admin, users.operator_desa, "lupa kata sandi")
    client = Client()
    assert password_step(client, "operator.desa", temporary).status_code == 302
    for name in ("dashboard", "families", "account"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert "mereset kata sandi Anda" in page.content.decode()
    done = _change(client, current=temporary)
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert client.get(reverse("families")).status_code == 200
    user = User.objects.get(pk=users.operator_desa.pk)
    assert not user.must_change_password
    assert _events("accounts.password.changed")[0].data["after_reset"] is True


def test_a_forced_change_cannot_keep_the_temporary_password(users):
    temporary = services.reset_password(users.admin, users.operator_desa, "lupa kata sandi")
    client = Client()
    password_step(client, "operator.desa", temporary)
    response = _change(client, new=temporary, current=temporary)
    assert response.status_code == 200 and "berbeda" in response.content.decode()
    assert User.objects.get(pk=users.operator_desa.pk).must_change_password


def test_a_reset_user_with_two_factor_gives_the_code_then_changes_the_password(users, settings):
    settings.TEPAT_MFA_REQUIRED_ROLES = ["operator_kecamatan"]
    secret = enrol(users.operator_kecamatan)
    temporary = services.reset_password(users.admin, users.operator_kecamatan, "lupa")
    client = Client()
    assert password_step(client, "operator.kecamatan", temporary)["Location"] == \
        reverse("login_code")
    client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert client.get(reverse("dashboard"))["Location"] == reverse("password_change")
    assert _change(client, current=temporary).status_code == 302
    assert is_logged_in(client)


def test_the_admin_may_type_the_temporary_password_but_not_a_weak_one(users):
    admin = _signed_in("admin")
    weak = _reset(admin, users.operator_desa, password="password123")
    assert weak.status_code == 400 and "umum" in weak.content.decode()
    assert not _events("accounts.password.reset")
    assert not User.objects.get(pk=users.operator_desa.pk).must_change_password
    typed = _reset(admin, users.operator_desa, password="Sementara-Desa-77")
    assert typed.status_code == 200 and "Sementara-Desa-77" not in typed.content.decode()
    assert User.objects.get(pk=users.operator_desa.pk).check_password("Sementara-Desa-77")
    assert _events("accounts.password.reset")[0].data["generated"] is False


def test_a_reset_needs_a_reason(users):
    response = _reset(_signed_in("admin"), users.operator_desa, reason="")
    assert response.status_code == 400
    assert not User.objects.get(pk=users.operator_desa.pk).must_change_password


def test_the_admin_cannot_reset_their_own_password_this_way(users):
    response = _reset(_signed_in("admin"), users.admin)
    assert response.status_code == 400 and "halaman Akun" in response.content.decode()
    with pytest.raises(RuleError):
        services.reset_password(users.admin, users.admin, "sendiri")
    assert not _events("accounts.password.reset")


def test_only_the_admin_kabupaten_resets_passwords(users):
    response = _reset(_signed_in("operator.kecamatan"), users.operator_desa)
    assert response.status_code == 403
    with pytest.raises(RuleError):
        services.reset_password(users.operator_kecamatan, users.operator_desa, "bukan admin")
    assert User.objects.get(pk=users.operator_desa.pk).check_password(PASSWORD)


def test_an_inactive_account_is_not_reset(users):
    services.deactivate_user(users.admin, users.operator_desa, "pindah tugas")
    with pytest.raises(RuleError, match="nonaktif"):
        services.reset_password(users.admin, users.operator_desa, "lupa kata sandi")


def test_a_reset_lifts_the_sign_in_lock_out_of_that_user(users, settings):
    settings.AXES_ENABLED = True
    for i in range(settings.AXES_FAILURE_LIMIT):
        password_step(Client(), "operator.desa", f"tebakan-{i}")
    assert password_step(Client(), "operator.desa").status_code == 429  # locked
    temporary = services.reset_password(users.admin, users.operator_desa, "terkunci")
    assert password_step(Client(), "operator.desa", temporary).status_code == 302
    assert _events("accounts.password.reset")[0].data["login_failures_cleared"] >= 1
