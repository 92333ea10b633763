"""Forms of the web app. `clean_*` methods return typed values; messages are Indonesian msgids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from tepat.audit.reveals import Purpose, purpose_problems
from tepat.core.codes import DESIL
from tepat.core.reveals import PURPOSE_TEXT_MAX, PURPOSES
from tepat.registry.models import Source
from tepat.web.areas import Area

ALL = [("", _("Semua"))]


def add_problems(form: forms.Form, error: Any, request: Any = None) -> None:
    """A service's refusal (`RuleError.problems`) as form errors: each on the field it names;
    the others on top of the form, or as page messages when `request` is given."""
    from django.contrib import messages

    for field, message in error.problems:
        if field in form.fields:
            form.add_error(field, message)
        elif request is not None:
            messages.error(request, message)
        else:
            form.add_error(None, message)
IMPORT_EXTENSIONS = (".xlsx", ".xls", ".csv", ".parquet")


def desa_choices(desa: list[Any], kecamatan_names: dict[str, str]) -> list[tuple[str, str]]:
    """(code, label) of each desa; a name two of them share gets its kecamatan: "Sumberan
    (Kec. Besuk)", so that the list never offers two identical labels."""
    counts: dict[str, int] = {}
    for region in desa:
        counts[region.name] = counts.get(region.name, 0) + 1
    return [
        (r.code, r.name if counts[r.name] == 1 else str(_("%(desa)s (Kec. %(kecamatan)s)") % {
            "desa": r.name, "kecamatan": kecamatan_names.get(r.parent_id, r.parent_id)}))
        for r in desa
    ]


class FamilyFilterForm(forms.Form):
    """The GET filters of the family list; only kecamatan and desa of the user's area are valid."""

    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    desa = forms.ChoiceField(label=_("Desa/kelurahan"), required=False)
    desil = forms.TypedChoiceField(
        label=_("Desil"), required=False, coerce=int, empty_value=None,
        choices=ALL + [(c.code, c.label) for c in DESIL.codes],
    )
    sumber = forms.ChoiceField(label=_("Sumber data"), required=False,
                               choices=ALL + list(Source.choices))
    # Records absent from the latest edition of their desa are listed with a badge; this
    # filter shows only the current ones or only the absent ones.
    edisi = forms.ChoiceField(label=_("Edisi terbaru"), required=False, choices=ALL + [
        ("ada", _("Ada di edisi terbaru")),
        ("tidak_ada", _("Tidak ada di edisi terbaru")),
    ])

    def __init__(self, data: Any, *, area: Area) -> None:
        super().__init__(data)
        kecamatan = [(r.code, r.name) for r in area.kecamatan]
        chosen = self.data.get("kecamatan")
        if len(kecamatan) < 2 or chosen not in {code for code, _name in kecamatan}:
            chosen = None
        # With a kecamatan chosen, only its desa are offered (and valid).
        desa = desa_choices([r for r in area.desa if chosen is None or r.parent_id == chosen],
                            dict(kecamatan))
        self.fields["kecamatan"].choices = ALL + kecamatan
        self.fields["desa"].choices = ALL + desa
        self.show_kecamatan = len(kecamatan) > 1
        self.show_desa = len(desa) > 1


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"), required=False, max_length=100, strip=True,
        widget=forms.TextInput(attrs={
            "placeholder": _("Nama kepala keluarga, No. KK atau NIK"),
            "autocomplete": "off", "inputmode": "search",
        }),
    )


def purpose_choices() -> list[tuple[str, str]]:
    return [("", _("— pilih tujuan —")),
            *((code, _(label)) for code, label in PURPOSES.items())]


class PurposeForm(forms.Form):
    """The purpose of a reveal or an export of personal data: a reason from the list and the
    user's own words (`core.reveals`: at least 10 characters, two words, four different
    letters). Every page that asks a purpose uses this form; `purpose()` is what gets logged."""

    jenis_tujuan = forms.ChoiceField(label=_("Tujuan"), choices=purpose_choices)
    tujuan = forms.CharField(
        label=_("Keterangan tujuan"), max_length=PURPOSE_TEXT_MAX, strip=True,
        help_text=_("Minimal 10 karakter dan dua kata, mis. nomor surat atau nama kegiatan; "
                    "tercatat di log akses bersama nama Anda."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problems = purpose_problems(data.get("jenis_tujuan", ""), data.get("tujuan", ""))
        for field, message in problems:
            if field not in self.errors:  # a missing field already says so
                self.add_error(field, message)
        return data

    def purpose(self) -> Purpose:
        return Purpose(self.cleaned_data["jenis_tujuan"], self.cleaned_data["tujuan"])


class RevealForm(PurposeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jenis_tujuan"].label = _("Tujuan membuka NIK/KK")


def _check_upload(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is None:
        return None
    if Path(upload.name or "").suffix.lower() not in IMPORT_EXTENSIONS:
        kinds = ", ".join(IMPORT_EXTENSIONS)
        message = _("Jenis berkas tidak didukung; gunakan %(ext)s.") % {"ext": kinds}
        raise forms.ValidationError(message)
    limit = settings.IMPORT_MAX_BYTES
    if upload.size and upload.size > limit:
        raise forms.ValidationError(
            _("Berkas terlalu besar (maksimal %(mb)s MB).") % {"mb": limit // (1024 * 1024)}
        )
    return upload


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("Sumber data"), choices=Source.choices)
    period = forms.CharField(
        label=_("Periode data"), max_length=20, strip=True,
        help_text=_("mis. 2024-03 atau 2025Q2"),
    )
    family_file = forms.FileField(
        label=_("Berkas keluarga"),
        help_text=_("Satu baris per keluarga; atau satu berkas gabungan (satu baris per jiwa)."),
    )
    person_file = forms.FileField(
        label=_("Berkas individu (jiwa)"), required=False,
        help_text=_("Kosongkan bila berkas keluarga sudah memuat semua anggota."),
    )
    map_columns = forms.BooleanField(
        label=_("Petakan kolom sendiri"), required=False,
        help_text=_("Untuk berkas yang judul kolomnya tidak dikenali. Daftar lokal selalu "
                    "melalui langkah pemetaan kolom."),
    )

    @property
    def needs_mapping(self) -> bool:
        data = self.cleaned_data
        return data.get("source") == Source.LOCAL or bool(data.get("map_columns"))

    def clean_family_file(self) -> UploadedFile:
        upload = _check_upload(self.cleaned_data.get("family_file"))
        assert upload is not None  # the field is required
        return upload

    def clean_person_file(self) -> UploadedFile | None:
        return _check_upload(self.cleaned_data.get("person_file"))
