"""Forms of the indicator pages (admin kabupaten): a value, a target, an import file.

`clean_*` return typed values; the rules of an indicator (its unit, its poverty line, the range
of a percentage) are checked again by `tepat.indicators.services`, whose refusals the views put
on the fields (`add_problems`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from tepat.core import indicators as core
from tepat.indicators import loading
from tepat.indicators.models import Observation


def regions() -> list[tuple[str, str]]:
    """The instance's kabupaten, its province and Indonesia (the regions a value may be for)."""
    from tepat.core.regions import national_table
    from tepat.regions.selectors import regency, regency_name

    kab = regency()
    province = national_table().get(kab.split(".")[0])
    return [(kab, regency_name(kab)),
            (province.code if province else core.JAWA_TIMUR,
             f"Provinsi {province.name if province else 'Jawa Timur'}"),
            (core.INDONESIA, "Indonesia")]


def _target_regions() -> list[tuple[str, str]]:
    found = regions()
    return [found[0], found[2]]


def region_name(code: str) -> str:
    return dict(regions())[code]
MONTHS = [(0, _("Tidak disebutkan")), *((m, str(m)) for m in range(1, 13))]
SOURCE_KINDS = [
    ("BPS publication", _("Dokumen BPS (BRS, publikasi, tabel)")),
    ("news citing BPS", _("Berita yang mengutip BPS")),
    ("news (official quoting data)", _("Berita: pejabat menyebut angka")),
    ("data aggregator citing BPS", _("Agregator data (mis. Databoks)")),
    ("third-party dataset", _("Data pihak ketiga")),
]
FLAG_CHOICES = [(code, _(label)) for code, label in core.FLAG_LABELS.items()
                if code != core.CONFLICT]
IMPORT_SUFFIXES = (".csv", ".xlsx")


def _indicator_choices() -> list[tuple[str, str]]:
    return [(code, _(i.label)) for code, i in core.INDICATORS.items()]


class NumberField(forms.CharField):
    """A number written with a decimal comma or point ('17,19', '17.19', '205.020' jiwa)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal",
                                                           "autocomplete": "off"}))
        super().__init__(*args, **kwargs)


class ObservationForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Wilayah"), choices=regions)
    indicator = forms.ChoiceField(label=_("Indikator"), choices=_indicator_choices)
    year = forms.IntegerField(label=_("Tahun"), min_value=1990, max_value=2100)
    month = forms.TypedChoiceField(label=_("Bulan referensi"), choices=MONTHS, coerce=int,
                                   initial=3, help_text=_("BPS kabupaten: Susenas Maret."))
    value = NumberField(label=_("Nilai"), help_text=_(
        "Persen dengan koma atau titik desimal (17,19); jiwa dan rupiah tanpa desimal."))
    line = forms.ChoiceField(
        label=_("Garis kemiskinan"), required=False,
        choices=[("", _("Otomatis menurut indikator dan tahun")),
                 *((code, _(line.label)) for code, line in core.POVERTY_LINES.items())])
    source = forms.CharField(label=_("Sumber"), max_length=300)
    url = forms.URLField(label=_("Tautan sumber"), required=False, max_length=500)
    source_kind = forms.ChoiceField(label=_("Jenis sumber"), choices=SOURCE_KINDS)
    flags = forms.MultipleChoiceField(label=_("Penanda"), required=False, choices=FLAG_CHOICES,
                                      widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Catatan"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean_value(self) -> Decimal:
        raw = self.cleaned_data["value"]
        indicator = self.data.get("indicator")
        if indicator not in core.INDICATORS:
            indicator = "p0_percent_poor"
        try:
            return loading.parse_number(raw, indicator)
        except loading.Bad as bad:
            raise forms.ValidationError(bad.message_id) from None

    def observation_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["flags"] = ",".join(data["flags"])
        data["region_name"] = region_name(data["region_code"])
        data["unit"] = core.INDICATORS[data["indicator"]].unit
        return data

    @classmethod
    def for_observation(cls, obj: Observation) -> ObservationForm:
        return cls(initial={
            "region_code": obj.region_code, "indicator": obj.indicator, "year": obj.year,
            "month": obj.month, "value": core.format_number(
                float(obj.value), 0 if obj.unit in {core.JIWA, core.RUPIAH} else 2,
                thousands_sep=""),
            "line": obj.line, "source": obj.source, "url": obj.url,
            "source_kind": obj.source_kind, "flags": obj.flag_list, "note": obj.note})


class TargetForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Wilayah"), choices=_target_regions,
                                    help_text=_("Target nasional berlaku untuk semua wilayah."))
    level = forms.ChoiceField(label=_("Tingkat"), choices=[("daerah", _("daerah")),
                                                            ("nasional", _("nasional"))])
    indicator = forms.ChoiceField(label=_("Indikator"), choices=_indicator_choices)
    year = forms.IntegerField(label=_("Tahun target"), min_value=2000, max_value=2100)
    comparator = forms.ChoiceField(label=_("Pembanding"), choices=[
        ("<=", _("paling tinggi (≤)")), ("<", _("di bawah (<)"))])
    value = NumberField(label=_("Nilai target"))
    basis = forms.CharField(label=_("Dasar hukum"), max_length=300, help_text=_(
        "mis. Inpres 8/2025; RPD/RPJMD Kab. Probolinggo"))
    note = forms.CharField(label=_("Catatan"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    flags = forms.MultipleChoiceField(label=_("Penanda"), required=False,
                                      choices=[(core.UNVERIFIED,
                                                _(core.FLAG_LABELS[core.UNVERIFIED]))],
                                      widget=forms.CheckboxSelectMultiple)

    def clean_value(self) -> Decimal:
        indicator = self.data.get("indicator")
        if indicator not in core.INDICATORS:
            indicator = "p0_percent_poor"
        try:
            return loading.parse_number(self.cleaned_data["value"], indicator)
        except loading.Bad as bad:
            raise forms.ValidationError(bad.message_id) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("level") == "nasional" and data.get("region_code") != core.INDONESIA:
            self.add_error("region_code", _("Target nasional dicatat untuk wilayah Indonesia."))
        if data.get("level") == "daerah" and data.get("region_code") == core.INDONESIA:
            self.add_error("region_code", _("Target daerah dicatat untuk wilayah daerahnya."))
        return data

    def target_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["flags"] = ",".join(data["flags"])
        data["region_name"] = region_name(data["region_code"])
        return data


class IndicatorImportForm(forms.Form):
    file = forms.FileField(label=_("Berkas nilai indikator"), help_text=_(
        "CSV atau Excel (.xlsx), satu baris per nilai; kolom seperti di bawah."))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in IMPORT_SUFFIXES:
            raise forms.ValidationError(_("Jenis berkas tidak didukung; gunakan .csv atau .xlsx."))
        if upload.size and upload.size > loading.MAX_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (maksimal 10 MB)."))
        return upload
