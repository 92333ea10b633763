"""Forms of the Gesek Ekstrem pages: the officials' import, a kecamatan's team, automatic and
manual assignment, and the official's visits and needs.

The forms only read and type the input; the rules (who may act, team membership, dates, photos,
referral) are the services' (`tepat.gesek.services`, `tepat.gesek.importing`), whose refusals
the views show next to the fields they name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tepat.core.assignment import DEFAULT_QUOTAS
from tepat.core.strategies import ESELON, NEED_KINDS, STRATEGIES
from tepat.gesek.importing import MAX_BYTES
from tepat.gesek.models import Official
from tepat.web.forms_verify import LocationMixin
from tepat.web.validators import no_formula

IMPORT_EXTENSIONS = (".xlsx", ".csv")


def official_label(official: Official) -> str:
    return f"{official.name} · {official.eselon} · {official.agency}"


class OfficialImportForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas daftar pejabat (.xlsx atau .csv)"),
        help_text=_("Kolom: Nama, NIP, Jabatan, Eselon, Instansi, Lokasi kantor; boleh "
                    "ditambah Kecamatan tim dan Peran tim (koordinator/anggota)."),
        widget=forms.FileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    create_agencies = forms.BooleanField(
        label=_("Buat instansi baru bila belum terdaftar"), required=False,
        help_text=_("Tanpa centang, baris dengan instansi yang belum terdaftar ditolak."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in IMPORT_EXTENSIONS:
            raise forms.ValidationError(gettext("Jenis berkas tidak didukung; gunakan %(ext)s.")
                                        % {"ext": ", ".join(IMPORT_EXTENSIONS)})
        if upload.size and upload.size > MAX_BYTES:
            raise forms.ValidationError(gettext("Berkas terlalu besar (maksimal %(mb)s MB).")
                                        % {"mb": MAX_BYTES // (1024 * 1024)})
        return upload


class TeamForm(forms.Form):
    """One koordinator (radio) and any members (checkboxes) among the active officials."""

    coordinator = forms.TypedChoiceField(label=_("Koordinator"), coerce=int,
                                         widget=forms.RadioSelect)
    members = forms.TypedMultipleChoiceField(label=_("Anggota"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, officials: Sequence[Official], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officials = {o.pk: o for o in officials}
        choices = [(o.pk, official_label(o)) for o in officials]
        self.fields["coordinator"].choices = choices
        self.fields["members"].choices = choices

    def clean_coordinator(self) -> Official:
        return self.officials[self.cleaned_data["coordinator"]]

    def clean_members(self) -> list[Official]:
        return [self.officials[pk] for pk in self.cleaned_data["members"]]


def _quota_field(eselon: str) -> forms.IntegerField:
    return forms.IntegerField(label=format_lazy("{} {}", _("Eselon"), eselon), min_value=0,
                              max_value=10_000, initial=DEFAULT_QUOTAS.get(eselon, 0),
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class AutoAssignForm(forms.Form):
    """The options of an automatic assignment: manual assignments kept, quotas per eselon."""

    keep_manual = forms.BooleanField(
        label=_("Pertahankan penugasan manual"), required=False, initial=True,
        help_text=_("Keluarga yang dipindahkan admin dengan tangan tetap pada pejabatnya."),
    )
    quota_II = _quota_field("II")
    quota_III = _quota_field("III")
    quota_IV = _quota_field("IV")

    def quota_fields(self) -> list[forms.BoundField]:
        return [self[f"quota_{e}"] for e in ESELON]

    def quotas(self) -> dict[str, int]:
        """Most families one official of each eselon accompanies."""
        return {e: self.cleaned_data[f"quota_{e}"] for e in ESELON}


class ReassignForm(forms.Form):
    """Another pendamping for one family; the reason goes into the audit log."""

    entry = forms.IntegerField(widget=forms.HiddenInput)
    official = forms.TypedChoiceField(label=_("Pejabat pendamping"), coerce=int)
    why = forms.CharField(label=_("Alasan"), max_length=300,
                          widget=forms.TextInput(attrs={"autocomplete": "off"}),
                          error_messages={"required": _("Tulis alasan pemindahan.")})

    def __init__(self, *args: Any, officials: Sequence[Official], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officials = {o.pk: o for o in officials}
        self.fields["official"].choices = [(o.pk, official_label(o)) for o in officials]

    def clean_official(self) -> Official:
        return self.officials[self.cleaned_data["official"]]


class VisitForm(LocationMixin):
    visited_on = forms.DateField(label=_("Tanggal kunjungan"),
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"))
    notes = forms.CharField(label=_("Catatan kunjungan"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("Foto"), required=False, widget=forms.FileInput(
        attrs={"accept": "image/*", "capture": "environment"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


def need_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The need kinds grouped by the three national strategies (an <optgroup> each)."""
    return [(gettext(s.label), [(k.code, gettext(k.label)) for k in NEED_KINDS.values()
                                if k.strategy == s.code]) for s in STRATEGIES.values()]


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kebutuhan"))
    note = forms.CharField(label=_("Catatan"), required=False, max_length=1000,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", gettext("— pilih kebutuhan —")), *need_choices()]


class OfficialForm(forms.Form):
    """One official entered by hand."""

    nip = forms.CharField(label="NIP", max_length=30,
                          help_text=_("18 angka: tanggal lahir, TMT CPNS, jenis kelamin, urut."))
    name = forms.CharField(label=_("Nama (dengan gelar)"), max_length=150,
                           validators=[no_formula])
    position = forms.CharField(label=_("Jabatan"), max_length=200, validators=[no_formula])
    eselon = forms.ChoiceField(label=_("Eselon"), choices=[(e, e) for e in ESELON])
    agency = forms.ModelChoiceField(label=_("Perangkat daerah"), queryset=None)
    base_code = forms.ChoiceField(label=_("Lokasi kantor (desa/kelurahan)"))
    active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tepat.gesek.models import Agency
        from tepat.regions.models import Region

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["base_code"].choices = [
            (r.code, f"{r.name} ({r.parent.name})")
            for r in Region.objects.filter(level="desa").select_related("parent")
            .order_by("parent__name", "name")]
