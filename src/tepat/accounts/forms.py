"""Forms of the account pages: the code step, re-authentication, user administration."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
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
