"""Forms of the account pages: the code step, re-authentication, the password change, user
administration."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from tepat.accounts.models import Role
from tepat.regions.models import Level, Region


class CodeForm(forms.Form):
    kode = forms.CharField(
        label=_("Kode autentikator"), max_length=20, strip=True,
        help_text=_("6 angka dari aplikasi autentikator, atau satu kode cadangan."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autofocus": True, "size": 10}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Kata sandi"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password",
                                                                 "autofocus": True}))

    def __init__(self, *args: Any, needs_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            field = copy.deepcopy(CodeForm.base_fields["kode"])
            field.widget.attrs.pop("autofocus", None)
            self.fields["kode"] = field


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.kind_label} {obj.name} ({obj.code})"


class RoleForm(forms.Form):
    peran = forms.ChoiceField(label=_("Peran"), choices=Role.choices)
    wilayah = RegionChoiceField(
        label=_("Wilayah kerja"),
        queryset=Region.objects.filter(
            level__in=[Level.KABUPATEN, Level.KECAMATAN, Level.DESA]).order_by("code"),
    )


class ReasonForm(forms.Form):
    alasan = forms.CharField(label=_("Alasan"), min_length=5, max_length=300, strip=True,
                             help_text=_("Tercatat di log audit bersama nama Anda."))


class OwnPasswordForm(PasswordChangeForm):
    """Django's password change form (the current password, the new one twice, checked by
    AUTH_PASSWORD_VALIDATORS); the current password goes through authenticate(), so that
    django-axes counts and locks wrong guesses here as at the login."""

    def __init__(self, user: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = _("Kata sandi sekarang")
        self.fields["new_password1"].label = _("Kata sandi baru")
        self.fields["new_password2"].label = _("Ulangi kata sandi baru")

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(),
                               password=password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(_("Kata sandi sekarang salah."), code="password_incorrect")
        return password


class PasswordResetForm(ReasonForm):
    """The admin's reset of another user's password: a reason, and a temporary password (empty:
    Tepat makes one, shown once)."""

    kata_sandi = forms.CharField(
        label=_("Kata sandi sementara"), required=False, strip=False,
        help_text=_("Kosongkan agar Tepat membuat kata sandi acak yang ditampilkan sekali."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class LoginForm(AuthenticationForm):
    """Django's login form with its own wrong-password message: Django's Indonesian catalogue
    puts "nama pengguna" before %(username)s, which is already "nama pengguna" here."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Masukkan nama pengguna dan sandi yang benar. Huruf besar/kecil "
                           "pada kedua isian berpengaruh."),
    }
