"""The change request form (issue 19 §7): a finalized family's outcome corrected, with the
reason and the evidence; `tepat.verification.campaigns.request_change` checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.verification.models import OUTCOME_CHOICES, REASON_CHOICES

# A duplicate needs the family it duplicates: the admin kabupaten handles it (the service
# refuses it too).
CHANGE_OUTCOMES = [(code, label) for code, label in OUTCOME_CHOICES if code != "GANDA"]


class ChangeRequestForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Hasil yang benar"), choices=CHANGE_OUTCOMES)
    reason = forms.ChoiceField(label=_("Alasan sudah mampu"), required=False,
                               choices=[("", "—"), *REASON_CHOICES],
                               help_text=_("Wajib bila hasilnya 'sudah mampu'."))
    note = forms.CharField(label=_("Catatan"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    why = forms.CharField(label=_("Alasan perubahan"), max_length=1000,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=_("Apa yang berubah sejak finalisasi, dan dari mana Anda "
                                      "tahu; dibaca admin kabupaten."))
    document = forms.FileField(label=_("Bukti (PDF atau foto)"), required=False,
                               help_text=_("Misalnya surat keterangan desa, akta kematian, "
                                           "atau foto rumah; paling besar 10 MB."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") != "MAMPU":
            data["reason"] = ""
        return data
