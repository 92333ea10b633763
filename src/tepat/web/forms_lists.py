"""The family list's filters beyond the area, desil and source (issue 19 §6).

Every value is a choice from a list the server made (flag codes of the catalogue, outcomes,
target lists, an import that exists); anything else is a form error and the list shows no row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.core.identity import PROBLEMS
from tepat.core.outcomes import OUTCOMES
from tepat.pipeline.messages import FLAGS
from tepat.registry.models import SourceBatch
from tepat.verification.labels import outcome_label
from tepat.verification.models import Campaign, TargetList
from tepat.web.areas import Area
from tepat.web.flags import flag_info
from tepat.web.forms import ALL, FamilyFilterForm, PurposeForm

NOT_YET = "BELUM"  # in the campaign, no outcome recorded yet
# Fields whose value names a thing, for the "filtered" state and the export's audit record.
LIST_FILTERS = ("kecamatan", "desa", "desil", "sumber", "edisi", "catatan", "hasil", "daftar",
                "impor")


def flag_choices() -> list[tuple[str, str]]:
    """Every flag the pipeline or the identity checks can raise, by its text in the active
    language."""
    flags = [flag_info(code) for code in {*FLAGS, *PROBLEMS}]
    return [(flag.code, flag.text) for flag in sorted(flags, key=lambda f: f.text.lower())]


class FamilyListForm(FamilyFilterForm):
    catatan = forms.ChoiceField(label=_("Catatan data"), required=False)
    hasil = forms.ChoiceField(label=_("Hasil verifikasi"), required=False)
    daftar = forms.ChoiceField(label=_("Daftar sasaran"), required=False)
    impor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, area: Area, campaign: Campaign | None) -> None:
        super().__init__(data, area=area)
        self.campaign = campaign
        self.fields["catatan"].choices = ALL + flag_choices()
        self.fields["hasil"].choices = ALL + [
            *((code, outcome_label(code)) for code in OUTCOMES),
            (NOT_YET, _("Belum diverifikasi")),
        ]
        if campaign is not None:
            self.fields["hasil"].help_text = campaign.name
        self.fields["daftar"].choices = ALL + [
            (str(pk), f"{name} ({year})")
            for pk, name, year in TargetList.objects.values_list("pk", "name", "year")
        ]
        self.show_hasil = campaign is not None
        self.show_daftar = len(self.fields["daftar"].choices) > 1

    def clean_hasil(self) -> str:
        value = self.cleaned_data.get("hasil", "")
        if value and self.campaign is None:
            raise forms.ValidationError(_("Belum ada kampanye verifikasi."))
        return value

    def clean_daftar(self) -> int | None:
        value = self.cleaned_data.get("daftar")
        return int(value) if value else None

    def clean_impor(self) -> SourceBatch | None:
        pk = self.cleaned_data.get("impor")
        if pk is None:
            return None
        batch = SourceBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise forms.ValidationError(_("Impor ini tidak ada."))
        return batch

    def chosen(self) -> dict[str, str]:
        """The filters in use, as text (the export's audit record and its info sheet)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {name: str(getattr(data[name], "pk", data[name])) for name in LIST_FILTERS
                if data.get(name) not in (None, "")}


class FamilyExportForm(PurposeForm):
    """The purpose of taking the family list out, the file format, and (for a role that may
    reveal) whether the file holds the full NIK and No. KK."""

    format = forms.ChoiceField(label=_("Format berkas"), choices=[
        ("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (.csv)"))], initial="xlsx")
    nomor_lengkap = forms.BooleanField(
        label=_("Tampilkan NIK dan No. KK lengkap"), required=False,
        help_text=_("Dihitung sebagai satu kali membuka NIK/KK (ada batasnya) dan dicatat di "
                    "log akses. Tanpa centang, nomor disamarkan."))

    def __init__(self, *args: Any, may_reveal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jenis_tujuan"].label = _("Tujuan mengunduh")
        if not may_reveal:
            del self.fields["nomor_lengkap"]

    @property
    def full_numbers(self) -> bool:
        return bool(self.cleaned_data.get("nomor_lengkap"))
