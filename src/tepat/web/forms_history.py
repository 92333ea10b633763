"""Forms of the family timeline's comparison and of the cohort page (issue 17 §5). Both are GET
forms: the comparison names two editions by their batch id (no personal data in the URL), the
cohort page two target lists by id."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.verification.models import TargetList


class CompareForm(forms.Form):
    """Two points of a family's timeline (its editions); by default the last two."""

    dari = forms.TypedChoiceField(label=_("Dari edisi"), coerce=int)
    ke = forms.TypedChoiceField(label=_("Ke edisi"), coerce=int)

    def __init__(self, data: Any, *, points: list[tuple[int, str]]) -> None:
        choices = [(str(batch), label) for batch, label in points]
        if not data or not ({"dari", "ke"} & set(data)):
            data = ({"dari": choices[-2][0], "ke": choices[-1][0]}
                    if len(choices) >= 2 else None)
        super().__init__(data)
        self.fields["dari"].choices = choices
        self.fields["ke"].choices = choices


class CohortForm(forms.Form):
    """The earlier and the later target list; by default the latest list and its previous."""

    dari = forms.ModelChoiceField(label=_("Daftar awal"), queryset=TargetList.objects.none(),
                                  empty_label=None)
    ke = forms.ModelChoiceField(label=_("Daftar berikutnya"),
                                queryset=TargetList.objects.none(), empty_label=None)

    def __init__(self, data: Any) -> None:
        lists = list(TargetList.objects.order_by("-sk_date", "-id"))
        if (not data or not ({"dari", "ke"} & set(data))) and len(lists) >= 2:
            later = lists[0]
            earlier = next((t for t in lists if t.pk == later.previous_id), lists[1])
            data = {"dari": str(earlier.pk), "ke": str(later.pk)}
        super().__init__(data or None)
        for name in ("dari", "ke"):
            self.fields[name].queryset = TargetList.objects.order_by("-sk_date", "-id")
            self.fields[name].label_from_instance = (
                lambda t: f"{t.name} ({t.sk_number}, {t.sk_date:%d-%m-%Y})")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        earlier, later = data.get("dari"), data.get("ke")
        if earlier and later and (earlier.sk_date, earlier.pk) >= (later.sk_date, later.pk):
            raise forms.ValidationError(
                _("Daftar awal harus ditetapkan sebelum daftar berikutnya."))
        return data
