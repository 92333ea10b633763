"""Forms of the review, campaign and target list pages. `clean_*` return typed values; the
rules themselves live in the services (`tepat.verification`), whose refusals the views map back
onto these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.registry.models import Source
from tepat.verification.campaigns import CampaignPlan, Decree
from tepat.verification.models import TargetList
from tepat.web.areas import Area
from tepat.web.forms import FamilyFilterForm, PurposeForm
from tepat.web.validators import no_formula

DESIL_CHOICES = [(str(d), str(d)) for d in range(1, 11)]
DIFF_KINDS = [("", _("Semua perubahan")), ("added", _("Masuk daftar")),
              ("removed", _("Keluar dari daftar")), ("changed", _("Data berubah"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class IdListField(forms.Field):
    """Many ids posted under one name (the checkboxes of a table)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            return sorted({int(v) for v in value or []})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("Pilihan keluarga tidak dikenal.")) from error


class ReviewForm(forms.Form):
    """The kecamatan's decision on the checked verifications, or on the desa's whole batch."""

    APPROVE, RETURN, APPROVE_DESA = "approve", "return", "approve_desa"
    action = forms.ChoiceField(choices=[(APPROVE, _("Setujui")), (RETURN, _("Kembalikan")),
                                        (APPROVE_DESA, _("Setujui semua"))])
    ids = IdListField(required=False)
    return_reason = forms.CharField(
        label=_("Alasan pengembalian"), required=False, max_length=500, strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib bila dikembalikan; dibaca operator desa."),
    )
    # "Setujui semua (N keluarga)" asks first (issue 19 §4), without JavaScript: a ticked
    # "saya sudah memeriksa" and the N the reviewer saw (refused if the batch changed since).
    confirmed = forms.BooleanField(required=False)
    expected = forms.IntegerField(required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == self.APPROVE_DESA and not data.get("confirmed"):
            self.add_error(None, _("Centang \"Saya sudah memeriksa bukti keluarga ini\" sebelum "
                                   "menyetujui semua."))
        if action == self.RETURN and not data.get("return_reason"):
            self.add_error("return_reason", _("Tulis alasan pengembalian untuk desa."))
        if action in (self.APPROVE, self.RETURN) and not data.get("ids"):
            self.add_error(None, _("Pilih minimal satu keluarga."))
        return data


class ProposalReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Setujui")), ("return", _("Kembalikan"))])
    return_reason = forms.CharField(
        label=_("Alasan pengembalian"), required=False, max_length=500, strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "return" and not data.get("return_reason"):
            self.add_error("return_reason", _("Tulis alasan pengembalian untuk desa."))
        return data


class DuplicateCaseForm(forms.Form):
    """The decision on a kasus ganda lintas wilayah (services.resolve_cross_area_case)."""

    state = forms.ChoiceField(label=_("Keputusan"), widget=forms.RadioSelect, choices=[
        ("same", _("Keluarga yang sama")), ("different", _("Bukan keluarga yang sama"))])
    note = forms.CharField(label=_("Catatan"), required=False, max_length=500, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Nama kampanye"), max_length=150, strip=True,
                           validators=[no_formula], widget=forms.TextInput(attrs={"placeholder": _(
                               "mis. Pemutakhiran P3KE 2024")}))
    period = forms.CharField(label=_("Periode"), max_length=20, strip=True,
                             help_text=_("mis. 2024"))
    source = forms.ChoiceField(label=_("Sumber data"), choices=Source.choices)
    desil = forms.MultipleChoiceField(
        label=_("Desil"), required=False, choices=DESIL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kosongkan untuk semua desil. P3KE: desil 1 = calon miskin ekstrem."),
    )
    kecamatan = forms.MultipleChoiceField(
        label=_("Kecamatan"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Kosongkan untuk seluruh kabupaten."),
    )
    opens_on = forms.DateField(label=_("Tanggal buka"), widget=DateInput())
    closes_on = forms.DateField(label=_("Tanggal tutup"), widget=DateInput())
    finalize_by = forms.DateField(label=_("Tanggal finalisasi"), widget=DateInput())

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [(r.code, r.name) for r in area.kecamatan]

    def plan(self) -> CampaignPlan:
        data = self.cleaned_data
        return CampaignPlan(
            name=data["name"], period=data["period"], source=data["source"],
            opens_on=data["opens_on"], closes_on=data["closes_on"],
            finalize_by=data["finalize_by"],
            desil=",".join(sorted(data["desil"], key=int)),
            kecamatan_scope=",".join(sorted(data["kecamatan"])),
        )


class OpenForm(forms.Form):
    """Opening freezes the baseline the admin was shown; if the registry moved since, ask again."""

    expected_keluarga = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class FinalizeForm(forms.Form):
    name = forms.CharField(label=_("Nama daftar sasaran"), max_length=150, strip=True,
                           validators=[no_formula])
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    sk_number = forms.CharField(label=_("Nomor SK Bupati"), max_length=100, strip=True,
                                validators=[no_formula])
    sk_date = forms.DateField(label=_("Tanggal SK"), widget=DateInput())
    previous = forms.ModelChoiceField(
        label=_("Daftar sebelumnya (pembanding)"), required=False,
        queryset=TargetList.objects.all(), empty_label=_("— tidak ada —"),
    )

    def decree(self) -> Decree:
        data = self.cleaned_data
        return Decree(name=data["name"], year=data["year"], sk_number=data["sk_number"],
                      sk_date=data["sk_date"], previous=data["previous"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Setujui")), ("refuse", _("Tolak"))])


class ExportForm(PurposeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jenis_tujuan"].label = _("Tujuan mengunduh")


class EntryFilterForm(FamilyFilterForm):
    """Kecamatan and desa of the user's area (the family list's filter without desil/source)."""

    desil = None
    sumber = None


class DiffForm(forms.Form):
    """Which list to compare with (default: the list's `previous`) and which changes to show."""

    dengan = forms.ModelChoiceField(label=_("Dibandingkan dengan"), required=False,
                                    queryset=TargetList.objects.none(),
                                    empty_label=_("— daftar sebelumnya —"))
    jenis = forms.ChoiceField(label=_("Jenis perubahan"), required=False, choices=DIFF_KINDS)

    def __init__(self, data: Any, *, target_list: TargetList) -> None:
        super().__init__(data)
        self.fields["dengan"].queryset = TargetList.objects.exclude(pk=target_list.pk)
