"""Account writes: two-factor enrolment and checks, recovery codes, role/area changes,
deactivation, MFA reset, password change and the admin's password reset.

Every function runs in one transaction and writes exactly one audit event; refusals are
`RuleError`s (tepat.verification.errors) in the user's language and write nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.accounts import mfa
from tepat.accounts.models import RecoveryCode, Role, TOTPDevice, User
from tepat.accounts.roles import can_manage_users
from tepat.accounts.sessions import end_sessions
from tepat.audit.services import EACH, log_event, write_service
from tepat.regions.models import Level, Region
from tepat.verification.errors import RuleError

# The level of area each role works in (DESIGN.md §5).
ROLE_LEVELS = {
    Role.ADMIN_KABUPATEN: {Level.KABUPATEN},
    Role.OPD: {Level.KABUPATEN},
    Role.PIMPINAN: {Level.KABUPATEN},
    Role.OPERATOR_KECAMATAN: {Level.KECAMATAN},
    Role.PEJABAT: {Level.KECAMATAN},
    Role.OPERATOR_DESA: {Level.DESA},
}


def _require_admin(actor: Any) -> None:
    if not can_manage_users(actor):
        raise RuleError(_("Hanya admin kabupaten yang mengatur pengguna."))


def _user_label(user: User) -> str:
    return user.username


# --- two-factor enrolment ----------------------------------------------------------------------


@write_service()
def start_enrolment(user: User) -> str:
    """A new, unconfirmed authenticator for `user`; returns the plain secret to show once."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed_at is not None:
            raise RuleError(_("Autentikasi dua langkah sudah aktif untuk akun ini."))
        secret = mfa.new_secret()
        if device is None:
            TOTPDevice.objects.create(user=user, secret=mfa.encrypt(secret))
        else:
            device.secret = mfa.encrypt(secret)
            device.save(update_fields=["secret"])
        log_event("accounts.mfa.enrolment_started", actor=user, obj=user)
    return secret


def pending_secret(user: User) -> str | None:
    """The secret of an unconfirmed authenticator (to show the QR code again), else None; None
    too when it no longer opens (the two-factor key changed): enrolment then starts afresh."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        return None
    try:
        return mfa.decrypt(device.secret)
    except mfa.UnreadableSecret:
        return None


def _new_recovery_codes(user: User) -> list[str]:
    codes = mfa.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=mfa.hash_recovery_code(code)) for code in codes
    )
    return codes


@write_service()
def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the authenticator on with one right code; returns the recovery codes (shown once)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(
            user=user, confirmed_at__isnull=True).first()
        if device is None:
            raise RuleError(_("Belum ada pendaftaran autentikator; mulai lagi dari awal."))
        try:
            secret, _stale = mfa.open_secret(device.secret)
        except mfa.UnreadableSecret:
            raise RuleError(("kode", _(
                "Kode QR ini tidak berlaku lagi (kunci server berubah). Pindai kode QR baru di "
                "bawah ini."))) from None
        counter = mfa.matching_counter(secret, code)
        if counter is None:
            raise RuleError(("kode", _(
                "Kode salah. Ketik 6 angka yang sedang tampil di aplikasi autentikator.")))
        device.secret = mfa.encrypt(secret)  # under the current key, whatever it was under
        device.confirmed_at = timezone.now()
        device.last_counter = counter
        device.failures = 0
        device.locked_until = None
        device.save()
        codes = _new_recovery_codes(user)
        log_event("accounts.mfa.enrolled", actor=user, obj=user,
                  data={"recovery_codes": len(codes)})
    return codes


@write_service()
def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
            raise RuleError(_("Autentikasi dua langkah belum aktif."))
        codes = _new_recovery_codes(user)
        log_event("accounts.mfa.recovery_codes_renewed", actor=user, obj=user,
                  data={"recovery_codes": len(codes)})
    return codes


# --- the second factor at login and re-authentication ------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    locked_until: datetime | None = None
    used_recovery_code: bool = False
    recovery_codes_left: int | None = None
    replayed: bool = False
    # The stored secret opens with no key of the server (the two-factor key changed): only a
    # recovery code or an admin reset helps. Not counted as a failure.
    unreadable: bool = False

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


@write_service()
def verify_second_factor(user: User, code: str, *, for_time: float | None = None) -> CodeCheck:
    """Check a TOTP or recovery code. A code of a time step already used is refused; after
    TEPAT_MFA_FAILURE_LIMIT wrong codes the user is locked for TEPAT_MFA_LOCK_SECONDS."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(
            user=user, confirmed_at__isnull=False).first()
        if device is None:
            raise RuleError(_("Autentikasi dua langkah belum aktif."))
        now = timezone.now()
        if device.locked_until is not None and device.locked_until > now:
            log_event("accounts.mfa.refused_locked", actor=user, obj=user)
            return CodeCheck(ok=False, locked_until=device.locked_until)
        if mfa.looks_like_recovery_code(code):
            for stored in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
                if mfa.recovery_code_matches(code, stored.code_hash):
                    stored.used_at = now
                    stored.save(update_fields=["used_at"])
                    device.failures, device.locked_until = 0, None
                    device.save(update_fields=["failures", "locked_until"])
                    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
                    log_event("accounts.mfa.recovery_code_used", actor=user, obj=user,
                              data={"left": left})
                    return CodeCheck(ok=True, used_recovery_code=True, recovery_codes_left=left)
            counter, stale = None, False
        else:
            try:
                secret, stale = mfa.open_secret(device.secret)
            except mfa.UnreadableSecret:
                log_event("accounts.mfa.secret_unreadable", actor=user, obj=user)
                return CodeCheck(ok=False, unreadable=True)
            counter = mfa.matching_counter(secret, code, for_time=for_time)
        replayed = counter is not None and counter <= device.last_counter
        if counter is not None and not replayed:
            device.last_counter = counter
            device.failures, device.locked_until = 0, None
            fields = ["last_counter", "failures", "locked_until"]
            if stale:  # under an older key (SECRET_KEY before issue 16): move it to the current
                device.secret = mfa.encrypt(secret)
                fields.append("secret")
            device.save(update_fields=fields)
            log_event("accounts.mfa.verified", actor=user, obj=user,
                      data={"re_encrypted": True} if stale else None)
            return CodeCheck(ok=True)
        device.failures += 1
        if device.failures >= settings.TEPAT_MFA_FAILURE_LIMIT:
            device.locked_until = now + timedelta(seconds=settings.TEPAT_MFA_LOCK_SECONDS)
            device.failures = 0
            device.save(update_fields=["failures", "locked_until"])
            log_event("accounts.mfa.locked", actor=user, obj=user,
                      data={"until": device.locked_until.isoformat()})
            return CodeCheck(ok=False, locked_until=device.locked_until, replayed=replayed)
        device.save(update_fields=["failures"])
        log_event("accounts.mfa.failed", actor=user, obj=user,
                  data={"failures": device.failures, "replayed": replayed})
        return CodeCheck(ok=False, replayed=replayed)


def mfa_locked_until(user: User) -> datetime | None:
    device = TOTPDevice.objects.filter(user=user, locked_until__gt=timezone.now()).first()
    return device.locked_until if device is not None else None


@dataclass(frozen=True)
class Rekeyed:
    re_encrypted: int
    already_current: int
    unreadable: list[str]  # user names whose secret no key opens (the admin resets them)


@write_service(EACH)
def reencrypt_mfa_secrets() -> Rekeyed:
    """Move every stored TOTP secret under the current two-factor key now, rather than at each
    user's next code: after it, TEPAT_MFA_KEY_FALLBACKS (and, after an upgrade, the old
    SECRET_KEY) are no longer needed. One audit event per secret moved."""
    moved, current, unreadable = 0, 0, []
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().select_related("user"):
            try:
                secret, stale = mfa.open_secret(device.secret)
            except mfa.UnreadableSecret:
                unreadable.append(device.user.username)
                continue
            if not stale:
                current += 1
                continue
            device.secret = mfa.encrypt(secret)
            device.save(update_fields=["secret"])
            log_event("accounts.mfa.re_encrypted", obj=device.user)
            moved += 1
    return Rekeyed(moved, current, sorted(unreadable))


# --- turning two-factor off ----------------------------------------------------------------------


@write_service()
def disable_mfa(user: User) -> None:
    """The user turns their own (optional) two-factor off."""
    if mfa.mfa_required(user):
        raise RuleError(_("Peran Anda wajib memakai autentikasi dua langkah."))
    with transaction.atomic():
        removed, _counts = TOTPDevice.objects.filter(user=user).delete()
        if not removed:  # nothing was on: nothing changes, nothing to audit
            raise RuleError(_("Autentikasi dua langkah belum aktif untuk akun ini."))
        RecoveryCode.objects.filter(user=user).delete()
        log_event("accounts.mfa.disabled", actor=user, obj=user)


@write_service()
def reset_mfa(actor: Any, user: User, reason: str) -> int:
    """The admin removes a user's authenticator (a lost phone): the user enrols again at the
    next login, and every session of theirs ends now. Returns the sessions ended."""
    _require_admin(actor)
    if not reason.strip():
        raise RuleError(("alasan", _("Tulis alasan reset.")))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        user.session_epoch += 1
        user.save(update_fields=["session_epoch"])
        ended = end_sessions(user)
        log_event("accounts.mfa.reset", actor=actor, obj=user,
                  data={"user": _user_label(user), "reason": reason.strip(),
                        "sessions_ended": ended})
    return ended


# --- users: role, area, deactivation ---------------------------------------------------------


@write_service()
def deactivate_user(actor: Any, user: User, reason: str) -> int:
    """Disable the account (is_active=False) and end all of its sessions at once.
    Returns how many stored sessions were ended."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise RuleError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if not reason.strip():
        raise RuleError(("alasan", _("Tulis alasan penonaktifan.")))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise RuleError(_("Akun ini sudah nonaktif."))
        user.is_active = False
        user.session_epoch += 1  # stops any session the index missed (Django checks the hash)
        user.save(update_fields=["is_active", "session_epoch"])
        ended = end_sessions(user)
        log_event("accounts.user.deactivated", actor=actor, obj=user, area_code=user.area_id or "",
                  data={"user": _user_label(user), "reason": reason.strip(),
                        "sessions_ended": ended})
    return ended


@write_service()
def reactivate_user(actor: Any, user: User, reason: str) -> User:
    """Let a deactivated account sign in again (issue 19 §2). Its password and two-factor stay
    as they were; a sign-in lock-out of that user name is lifted."""
    _require_admin(actor)
    if not reason.strip():
        raise RuleError(("alasan", _("Tulis alasan pengaktifan kembali.")))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise RuleError(_("Akun ini sudah aktif."))
        user.is_active = True
        user.save(update_fields=["is_active"])
        unlocked = reset_login_failures(username=user.get_username())
        log_event("accounts.user.reactivated", actor=actor, obj=user,
                  area_code=user.area_id or "",
                  data={"user": _user_label(user), "reason": reason.strip(),
                        "login_failures_cleared": unlocked})
    return user


@write_service()
def change_role(actor: Any, user: User, role: str, area: Region | None) -> User:
    """Give `user` a role and an area; the area's level must fit the role (DESIGN.md §5)."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise RuleError(_("Peran dan wilayah Anda sendiri diubah oleh admin kabupaten lain."))
    if role not in Role.values:
        raise RuleError(("peran", _("Peran tidak dikenal.")))
    if area is None:
        raise RuleError(("wilayah", _("Pilih wilayah kerja.")))
    if area.level not in ROLE_LEVELS[Role(role)]:
        raise RuleError(("wilayah", _(
            "%(role)s bekerja di tingkat %(level)s; %(area)s adalah %(kind)s.") % {
                "role": Role(role).label,
                "level": ", ".join(str(Level(level).label) for level in ROLE_LEVELS[Role(role)]),
                "area": area.name, "kind": area.kind_label}))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"role": user.role, "area": user.area_id}
        user.role, user.area = role, area
        user.save(update_fields=["role", "area"])
        log_event("accounts.user.role_changed", actor=actor, obj=user, area_code=area.code,
                  data={"user": _user_label(user), "before": before,
                        "after": {"role": role, "area": area.code}})
    return user


# --- passwords (issue 16 §7) -------------------------------------------------------------------

_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read out by phone


def password_problems(password: str, user: User) -> list[str]:
    """What Django's AUTH_PASSWORD_VALIDATORS say against `password` for `user` (the minimum
    length, the common-password list, all digits, too like the user name), in the user's
    language; empty when it is acceptable."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def temporary_password() -> str:
    """A random password like 'k7qf-m2xd-9hwp' (60 bits): typed once, then changed."""
    raw = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _i in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@write_service()
def change_password(user: User, new_password: str, *, keep_session: str | None = None) -> User:
    """The user sets their own new password (the view checked the current one and a recent
    re-authentication). Every session of the user but `keep_session` ends (the old password's
    session hash stops the rest anyway); the must-change flag of an admin reset is cleared.
    Returns the updated user, for `update_session_auth_hash`."""
    problems = password_problems(new_password, user)
    if problems:
        raise RuleError(*(("new_password1", problem) for problem in problems))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.check_password(new_password):
            raise RuleError(("new_password1", _(
                "Kata sandi baru harus berbeda dari kata sandi sekarang.")))
        after_reset = user.must_change_password
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        ended = end_sessions(user, keep=keep_session)
        log_event("accounts.password.changed", actor=user, obj=user,
                  data={"sessions_ended": ended, "after_reset": after_reset})
    return user


@write_service()
def reset_password(actor: Any, user: User, reason: str, password: str = "") -> str:
    """The admin gives `user` a temporary password (the one typed, else a generated one, to be
    shown once): every session of the user ends, a sign-in lock-out of that user name is
    lifted, and at the next login the user must choose a new password before anything else.
    Returns the temporary password."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise RuleError(_("Kata sandi Anda sendiri diubah di halaman Akun, bukan direset."))
    if not reason.strip():
        raise RuleError(("alasan", _("Tulis alasan reset.")))
    if password:
        problems = password_problems(password, user)
        if problems:
            raise RuleError(*(("kata_sandi", problem) for problem in problems))
    temporary = password or temporary_password()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise RuleError(_("Akun ini nonaktif: kata sandinya tidak direset."))
        user.set_password(temporary)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        ended = end_sessions(user)
        unlocked = reset_login_failures(username=user.get_username())
        log_event("accounts.password.reset", actor=actor, obj=user,
                  area_code=user.area_id or "",
                  data={"user": _user_label(user), "reason": reason.strip(),
                        "generated": not password, "sessions_ended": ended,
                        "login_failures_cleared": unlocked})
    return temporary
