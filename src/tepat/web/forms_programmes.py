"""Forms of the programme pages: the catalog entry, one intervention, a beneficiary list upload
and the decision on an unmatched row. `clean_*` return typed values; the rules themselves live
in `tepat.interventions.services` and `tepat.interventions.matching`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS, STRATEGIES
from tepat.gesek.models import Agency
from tepat.interventions.models import InterventionStatus, Programme
from tepat.interventions.services import ProgrammeData
from tepat.web.forms_campaign import DateInput
from tepat.web.validators import no_formula

UPLOAD_EXTENSIONS = (".xlsx", ".csv")
KIND_CHOICES = [
    (_(STRATEGIES[strategy].label), [(k.code, _(k.label)) for k in NEED_KINDS.values()
                                     if k.strategy == strategy])
    for strategy in STRATEGIES
]


class AgencyFilterForm(forms.Form):
    """The admin's filter of the catalog by agency."""

    instansi = forms.ModelChoiceField(Agency.objects.all(), label=_("Perangkat daerah"),
                                      required=False, to_field_name="code",
                                      empty_label=_("Semua perangkat daerah"))


class ProgrammeForm(forms.Form):
    """A programme of the catalog. An OPD operator's programmes are their own agency's: the
    agency field is offered only to the admin kabupaten."""

    name = forms.CharField(label=_("Nama program"), max_length=200, strip=True,
                           validators=[no_formula])
    agency = forms.ModelChoiceField(Agency.objects.all(), label=_("Perangkat daerah"))
    kind = forms.ChoiceField(label=_("Jenis bantuan"), choices=KIND_CHOICES,
                             help_text=_("Strateginya mengikuti jenis bantuan."))
    funding = forms.ChoiceField(label=_("Sumber dana"), choices=[
        (code, _(label)) for code, label in FUNDING_SOURCES.items()])
    unit_cost = forms.DecimalField(label=_("Biaya satuan (Rp)"), min_value=0, max_digits=14,
                                   decimal_places=0)
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    desil_max = forms.IntegerField(label=_("Desil maksimum"), min_value=1, max_value=10,
                                   required=False,
                                   help_text=_("Kosongkan bila tidak dibatasi desil."))
    capacity = forms.IntegerField(label=_("Kapasitas (keluarga)"), min_value=0, required=False)
    budget = forms.DecimalField(label=_("Pagu (Rp)"), min_value=0, max_digits=16,
                                decimal_places=0, required=False)

    def __init__(self, data: Any = None, *, agency: Agency | None,
                 programme: Programme | None = None) -> None:
        initial = _programme_initial(programme) if programme else {"year": timezone.now().year}
        super().__init__(data, initial=initial)
        self.fixed_agency = agency
        if agency is not None:  # an OPD operator: their own agency, not a choice
            del self.fields["agency"]

    def programme_data(self) -> ProgrammeData:
        data = self.cleaned_data
        return ProgrammeData(
            name=data["name"], agency=self.fixed_agency or data["agency"], kind=data["kind"],
            funding=data["funding"], unit_cost=data["unit_cost"], year=data["year"],
            desil_max=data.get("desil_max"), capacity=data.get("capacity"),
            budget=data.get("budget"))


def _programme_initial(programme: Programme) -> dict[str, Any]:
    return {name: getattr(programme, name) for name in (
        "name", "agency", "kind", "funding", "unit_cost", "year", "desil_max", "capacity",
        "budget")}


class InterventionForm(forms.Form):
    """One intervention for a family found by the search on the programme's page."""

    family = forms.IntegerField(widget=forms.HiddenInput)
    delivered_on = forms.DateField(label=_("Tanggal"), widget=DateInput())
    amount = forms.DecimalField(label=_("Nilai (Rp)"), min_value=0, max_digits=14,
                                decimal_places=0, required=False,
                                help_text=_("Kosongkan untuk memakai biaya satuan program."))
    status = forms.ChoiceField(label=_("Status"), choices=[  # failed: from disbursement files
        c for c in InterventionStatus.choices if c[0] != InterventionStatus.FAILED],
                               initial=InterventionStatus.DELIVERED)

    def clean_delivered_on(self) -> Any:
        day = self.cleaned_data["delivered_on"]
        if day > timezone.localdate() and self.data.get("status") == InterventionStatus.DELIVERED:
            raise forms.ValidationError(_("Bantuan yang sudah tersalurkan tidak boleh bertanggal "
                                          "di masa depan."))
        return day


class UploadForm(forms.Form):
    berkas = forms.FileField(
        label=_("Daftar penerima (.xlsx atau .csv)"),
        help_text=_("Satu baris satu penerima. Kolom: NIK dan/atau No. KK, Nama, Tanggal; "
                    "boleh juga Tanggal lahir, Desa, Jumlah."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_EXTENSIONS)}),
    )

    def clean_berkas(self) -> UploadedFile:
        upload = self.cleaned_data["berkas"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(_("Jenis berkas tidak didukung; gunakan %(ext)s.")
                                        % {"ext": ", ".join(UPLOAD_EXTENSIONS)})
        limit = settings.IMPORT_MAX_BYTES
        if upload.size and upload.size > limit:
            raise forms.ValidationError(_("Berkas terlalu besar (maksimal %(mb)s MB).")
                                        % {"mb": limit // (1024 * 1024)})
        return upload


class DisbursementForm(UploadForm):
    """An agency's disbursement file: who was paid (bank or Pos), with the same guards."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["berkas"].label = _("Berkas penyaluran (.xlsx atau .csv)")
        self.fields["berkas"].help_text = _(
            "Satu baris satu pembayaran. Kolom: NIK dan/atau No. KK, Periode, Status; boleh juga "
            "Referensi, Nama, Tanggal Salur, Nominal, Keterangan, Saluran.")


class ConfirmForm(forms.Form):
    """The candidate a person picked for an unmatched row."""

    family = forms.IntegerField(widget=forms.HiddenInput)
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RejectForm(forms.Form):
    why = forms.CharField(label=_("Alasan penolakan"), min_length=5, max_length=500, strip=True,
                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
