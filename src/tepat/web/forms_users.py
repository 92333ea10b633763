"""Forms of the onboarding pages (issue 19 §2): a new user, a list of users, activation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.utils.translation import gettext_lazy as _

from tepat.accounts.forms import RegionChoiceField
from tepat.accounts.models import Role
from tepat.accounts.onboarding import FIELDS, UserSpec, check_user
from tepat.regions.models import Level, Region


class NewUserForm(forms.Form):
    """One account; the checks are those of each row of a list (tepat.accounts.onboarding)."""

    username = forms.CharField(label=_("Nama pengguna"), max_length=60,
                               help_text=_("Huruf kecil, angka, titik; mis. desa.malesanwetan"))
    name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    role = forms.ChoiceField(label=_("Peran"), choices=Role.choices)
    area = RegionChoiceField(label=_("Wilayah kerja"), queryset=Region.objects.none(),
                             to_field_name="code")
    phone = forms.CharField(label=_("Ponsel"), max_length=30, required=False,
                            help_text=_("Ponsel atau surel wajib diisi salah satu."))
    email = forms.CharField(label=_("Surel"), max_length=254, required=False)
    agency = forms.CharField(label=_("Instansi (untuk operator OPD)"), max_length=120,
                             required=False)

    def __init__(self, *args: Any, regency: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regency = regency
        areas = Region.objects.filter(level__in=[Level.KABUPATEN, Level.KECAMATAN, Level.DESA])
        if regency is not None:
            areas = areas.filter(code__startswith=regency.code)
        self.fields["area"].queryset = areas.order_by("code")
        self.spec: UserSpec | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        values = {name: str(data.get(name) or "") for name in FIELDS}
        values["area"] = data["area"].code
        self.spec, problems = check_user(values, self.regency)
        for name, bad in problems.items():
            self.add_error(name, bad.in_language())
        return data


class UserListForm(forms.Form):
    file = forms.FileField(label=_("Berkas daftar pengguna (.xlsx atau .csv)"),
                           help_text=_("Paling besar 5 MB. Unduh contoh berkas di bawah."))


class ActivationForm(SetPasswordMixin, forms.Form):
    """The user name and the code from the sheet, and the new password twice (Django's
    validators run in the service)."""

    username = forms.CharField(label=_("Nama pengguna"), max_length=60,
                               widget=forms.TextInput(attrs={"autocomplete": "username",
                                                             "autocapitalize": "none",
                                                             "autofocus": True}))
    kode = forms.CharField(label=_("Kode aktivasi"), max_length=20,
                           help_text=_("12 huruf dan angka dari lembar aktivasi, mis. "
                                       "K7QF-M2XD-9HWP."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "autocapitalize": "characters"}))
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1=_("Kata sandi baru"), label2=_("Ulangi kata sandi baru"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.validate_passwords("new_password1", "new_password2")
        return data


class SheetForm(forms.Form):
    """Re-issue the codes of every account of a kecamatan not yet activated."""

    wilayah = RegionChoiceField(label=_("Kecamatan"), queryset=Region.objects.none(),
                                to_field_name="code", required=False,
                                empty_label=_("Akun tingkat kabupaten"))

    def __init__(self, *args: Any, regency: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Region.objects.filter(level=Level.KECAMATAN)
        if regency is not None:
            areas = areas.filter(parent=regency)
        self.fields["wilayah"].queryset = areas.order_by("code")
