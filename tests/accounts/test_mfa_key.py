"""Issue 16 §7: the TOTP secrets are under their own key (TEPAT_MFA_KEY), not SECRET_KEY.
Rotating SECRET_KEY changes nothing; secrets under the old SECRET_KEY derivation still open and
move to the current key at their next use; a secret no key opens never gives a 500."""

from __future__ import annotations

import stat

import pytest
from account_helpers import code_for, enrol, is_logged_in, password_step
from django.test import Client
from django.urls import reverse

from tepat.accounts import mfa
from tepat.accounts.models import TOTPDevice
from tepat.audit.models import AuditEvent

MFA_KEY = "k" * 30 + "-the-two-factor-key-of-this-test-0123"
NEW_SECRET_KEY = "a-rotated-secret-key-" + "z" * 40
UNREADABLE = "tidak bisa diperiksa karena kunci dua langkah di server berubah"


@pytest.fixture
def instance(settings, tmp_path):
    """An instance folder of the test's own, and no TEPAT_MFA_KEY (development)."""
    settings.INSTANCE_DIR = tmp_path
    settings.TEPAT_MFA_KEY = ""
    settings.TEPAT_MFA_KEY_FALLBACKS = []
    return tmp_path


def _legacy_token(plain: str, settings) -> str:
    """A secret encrypted as before issue 16 with an empty TEPAT_MFA_KEY: under SECRET_KEY."""
    kept = settings.TEPAT_MFA_KEY
    settings.TEPAT_MFA_KEY = settings.SECRET_KEY
    token = mfa.encrypt(plain)
    settings.TEPAT_MFA_KEY = kept
    return token


# --- the key -----------------------------------------------------------------------------------


def test_without_a_configured_key_one_is_made_once_in_the_instance_folder(instance):
    token = mfa.encrypt("JBSWY3DPEHPK3PXP")
    key_file = instance / "mfa.key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50
    assert mfa.current_key() == key_file.read_text().strip()  # the same key every time
    assert mfa.decrypt(token) == "JBSWY3DPEHPK3PXP"


def test_rotating_secret_key_changes_nothing_for_the_stored_secrets(instance, settings):
    token = mfa.encrypt("JBSWY3DPEHPK3PXP")
    settings.SECRET_KEY = NEW_SECRET_KEY
    assert mfa.open_secret(token) == ("JBSWY3DPEHPK3PXP", False)


def test_a_configured_key_wins_over_the_instance_file(instance, settings):
    settings.TEPAT_MFA_KEY = MFA_KEY
    token = mfa.encrypt("JBSWY3DPEHPK3PXP")
    assert not (instance / "mfa.key").exists()
    settings.TEPAT_MFA_KEY = ""
    with pytest.raises(mfa.UnreadableSecret):
        mfa.decrypt(token)


def test_a_secret_under_the_old_secret_key_derivation_opens_and_is_marked_stale(instance,
                                                                                 settings):
    token = _legacy_token("JBSWY3DPEHPK3PXP", settings)
    assert mfa.open_secret(token) == ("JBSWY3DPEHPK3PXP", True)
    settings.SECRET_KEY = NEW_SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(mfa.UnreadableSecret):
        mfa.decrypt(token)


def test_an_old_two_factor_key_in_the_fallbacks_still_opens_its_secrets(instance, settings):
    settings.TEPAT_MFA_KEY = MFA_KEY
    token = mfa.encrypt("JBSWY3DPEHPK3PXP")
    settings.TEPAT_MFA_KEY = MFA_KEY.upper()
    settings.TEPAT_MFA_KEY_FALLBACKS = [MFA_KEY]
    assert mfa.open_secret(token) == ("JBSWY3DPEHPK3PXP", True)


def test_garbage_in_the_secret_column_is_unreadable_not_a_crash(instance):
    for token in ("", "v1$", "v1$%%%", "v2$" + "A" * 80, "v1$QUJD"):
        with pytest.raises(mfa.UnreadableSecret):
            mfa.decrypt(token)


# --- login and enrolment across a rotation ------------------------------------------------------


def test_after_rotating_secret_key_an_enrolled_user_still_logs_in_with_a_code(instance, settings,
                                                                              users):
    secret = enrol(users.operator_kecamatan)
    settings.SECRET_KEY = NEW_SECRET_KEY
    client = Client()
    password_step(client, "operator.kecamatan")
    response = client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert response.status_code == 302 and is_logged_in(client)


def test_after_rotating_secret_key_enrolment_goes_on_with_the_same_qr_code(instance, settings,
                                                                           users):
    client = Client()
    password_step(client, "admin")
    secret = client.get(reverse("mfa_enrol")).context["secret"].replace(" ", "")
    # Django's way to rotate: the old key stays a fallback, so that the session lives on.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = NEW_SECRET_KEY
    again = client.get(reverse("mfa_enrol"))
    assert again.context["secret"].replace(" ", "") == secret
    pending = TOTPDevice.objects.get(user=users.admin).secret
    assert mfa.open_secret(pending) == (secret, False)  # under the two-factor key, not SECRET_KEY
    done = client.post(reverse("mfa_enrol"), {"kode": code_for(secret)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10


def test_a_legacy_secret_is_re_encrypted_under_the_current_key_at_the_next_login(instance,
                                                                                settings, users):
    secret = enrol(users.admin)
    TOTPDevice.objects.filter(user=users.admin).update(secret=_legacy_token(secret, settings))
    client = Client()
    password_step(client, "admin")
    assert client.post(reverse("login_code"), {"kode": code_for(secret, 1)}).status_code == 302
    stored = TOTPDevice.objects.get(user=users.admin).secret
    assert mfa.open_secret(stored) == (secret, False)
    event = AuditEvent.objects.filter(action="accounts.mfa.verified").latest("pk")
    assert event.data == {"re_encrypted": True}
    settings.SECRET_KEY = NEW_SECRET_KEY  # the old derivation is no longer needed
    assert mfa.decrypt(stored) == secret


def test_after_rotating_the_two_factor_key_the_login_says_what_to_do_and_never_500(instance,
                                                                                 settings, users):
    secret = enrol(users.admin)
    (instance / "mfa.key").unlink()  # a new key is made: the stored secret no longer opens
    client = Client()
    password_step(client, "admin")
    response = client.post(reverse("login_code"), {"kode": code_for(secret, 1)})
    assert response.status_code == 200 and UNREADABLE in response.content.decode()
    assert "admin kabupaten" in response.content.decode()
    assert not is_logged_in(client)
    assert TOTPDevice.objects.get(user=users.admin).failures == 0  # not the user's fault
    assert AuditEvent.objects.filter(action="accounts.mfa.secret_unreadable",
                                     object_id=str(users.admin.pk)).count() == 1


def test_after_rotating_the_two_factor_key_a_recovery_code_still_logs_in(instance, users):
    from tepat.accounts import services

    secret = enrol(users.admin)
    codes = services.regenerate_recovery_codes(users.admin)
    assert secret
    (instance / "mfa.key").unlink()
    client = Client()
    password_step(client, "admin")
    assert client.post(reverse("login_code"), {"kode": codes[0]}).status_code == 302
    assert is_logged_in(client)


def test_after_rotating_the_two_factor_key_reauthentication_says_what_to_do(instance, users):
    from tepat.accounts.sessions import AUTH_AT, MFA_ENROLLED, MFA_OK

    secret = enrol(users.admin)
    client = Client()
    client.force_login(users.admin)
    session = client.session
    session[MFA_OK] = session[MFA_ENROLLED] = True
    session[AUTH_AT] = 0
    session.save()
    (instance / "mfa.key").unlink()
    response = client.post(reverse("reauth"), {"password": "uji-tepat-2026!",
                                               "kode": code_for(secret, 1)})
    assert response.status_code == 200 and UNREADABLE in response.content.decode()


def test_after_rotating_the_two_factor_key_a_pending_enrolment_starts_afresh(instance, users):
    client = Client()
    password_step(client, "admin")
    old = client.get(reverse("mfa_enrol")).context["secret"].replace(" ", "")
    (instance / "mfa.key").unlink()
    late = client.post(reverse("mfa_enrol"), {"kode": code_for(old)})
    assert late.status_code == 200 and "Pindai kode QR baru" in late.content.decode()
    new = late.context["secret"].replace(" ", "")
    assert new != old
    done = client.post(reverse("mfa_enrol"), {"kode": code_for(new)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10


def test_the_admin_resets_an_unreadable_two_factor_and_the_user_enrols_again(instance, users):
    from tepat.accounts import services

    enrol(users.operator_kecamatan)
    (instance / "mfa.key").unlink()
    services.reset_mfa(users.admin, users.operator_kecamatan, "kunci dua langkah berubah")
    assert not TOTPDevice.objects.filter(user=users.operator_kecamatan).exists()
    client = Client()
    response = password_step(client, "operator.kecamatan")
    assert response["Location"] == reverse("mfa_enrol")
    secret = client.get(reverse("mfa_enrol")).context["secret"].replace(" ", "")
    done = client.post(reverse("mfa_enrol"), {"kode": code_for(secret)})
    assert done.status_code == 200 and is_logged_in(client)


def test_the_rekey_command_moves_every_secret_to_the_current_key_at_once(instance, settings,
                                                                         users, capsys):
    from django.core.management import call_command

    legacy = enrol(users.admin)
    TOTPDevice.objects.filter(user=users.admin).update(secret=_legacy_token(legacy, settings))
    enrol(users.operator_kecamatan)  # already under the current key
    enrol(users.operator_desa)
    TOTPDevice.objects.filter(user=users.operator_desa).update(secret="v1$" + "A" * 80)
    call_command("mfa_rekey")
    out, err = capsys.readouterr()
    assert "1 dienkripsi ulang / re-encrypted, 1 sudah" in out
    assert "operator.desa" in err
    settings.SECRET_KEY = NEW_SECRET_KEY
    assert mfa.open_secret(TOTPDevice.objects.get(user=users.admin).secret) == (legacy, False)
    assert AuditEvent.objects.filter(action="accounts.mfa.re_encrypted").count() == 1
