"""The column mapping form: one dropdown per Tepat field, listing the file's columns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.pipeline.mapping import Target

NONE = [("", _("— tidak ada —"))]


class MappingForm(forms.Form):
    template_name = forms.CharField(
        label=_("Simpan sebagai templat"), max_length=80, required=False, strip=True,
        help_text=_("Nama templat, agar berkas berikutnya berbentuk sama dapat dipakai lagi "
                    "(juga di baris perintah: tepat import … --mapping NAMA)."),
    )

    def __init__(self, *args: Any, targets: list[Target], headers: list[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = targets
        choices = NONE + [(h, h) for h in headers]
        fields = {}
        for target in targets:
            fields[f"f_{target.field}"] = forms.ChoiceField(
                label=f"{target.label}{' *' if target.required else ''}",
                choices=choices, required=False,
            )
        self.fields = {**fields, **self.fields}

    def field_rows(self) -> list[Any]:
        return [self[f"f_{t.field}"] for t in self.targets]

    @property
    def mapping(self) -> dict[str, str]:
        return {
            t.field: self.cleaned_data[f"f_{t.field}"]
            for t in self.targets
            if self.cleaned_data.get(f"f_{t.field}")
        }

    @staticmethod
    def initial_for(mapping: dict[str, str]) -> dict[str, str]:
        return {f"f_{field}": header for field, header in mapping.items()}
