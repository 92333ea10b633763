"""Users, their role and their area (DESIGN.md §5)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN_KABUPATEN = "admin_kabupaten", _("Admin kabupaten (Sekretariat TKPK)")
    OPERATOR_KECAMATAN = "operator_kecamatan", _("Operator kecamatan")
    OPERATOR_DESA = "operator_desa", _("Operator desa/kelurahan")
    OPD = "opd", _("Operator OPD")
    PEJABAT = "pejabat", _("Pejabat pendamping")
    PIMPINAN = "pimpinan", _("Pimpinan")


class User(AbstractUser):
    role = models.CharField(max_length=24, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Wilayah kerja: kabupaten, kecamatan atau desa"),
    )
    agency = models.CharField(max_length=120, blank=True, help_text=_("OPD, untuk operator OPD"))
    phone = models.CharField(max_length=20, blank=True, help_text=_("Nomor ponsel (+62…)"))
    # Raised to end every session of the user at once (deactivation, MFA reset): the session
    # hash below includes it, so Django itself refuses the older sessions.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Set by an admin's password reset: the user must choose a new password before anything
    # else (SessionSecurityMiddleware); cleared by `change_password`.
    must_change_password = models.BooleanField(default=False, editable=False)

    @property
    def area_code(self) -> str | None:
        return self.area_id

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash (an HMAC of the password hash), plus the session epoch once
        it was raised: with epoch 0 it is Django's own, so no session ends on upgrade."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "tepat.accounts.User.get_session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


# --- two-factor authentication and sessions (issue 6 §3) --------------------------------------


class TOTPDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238). The secret is stored encrypted
    (`tepat.accounts.mfa.encrypt`) and never shown again after enrolment."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.TextField(help_text=_("Rahasia TOTP, terenkripsi"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last accepted code: a code is never accepted twice.
    last_counter = models.BigIntegerField(default=-1)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "pending"
        return f"TOTP {self.user_id} ({state})"


class RecoveryCode(models.Model):
    """A one-time recovery code, stored hashed (`tepat.accounts.mfa.hash_recovery_code`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.user_id}"


class UserSession(models.Model):
    """Index of a user's sessions, so that all of them can be ended at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_index")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


# --- onboarding (issue 19 §2) --------------------------------------------------------------------


class ActivationCode(models.Model):
    """A one-time code that lets a new account set its password (tepat.accounts.onboarding).

    Stored hashed only (the plain code is shown once, on the printed sheet); it works until
    `expires_at`, once, and only while it is the user's latest: issuing a new code revokes the
    older ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "used_at", "revoked_at"])]

    def __str__(self) -> str:
        return f"activation code {self.pk} of {self.user_id}"
