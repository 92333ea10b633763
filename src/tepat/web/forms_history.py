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
    """The earlier and the later target list; by default the latest list and its previous.
    The lists are read once (one query) and kept in `lists`, oldest first."""

    dari = forms.TypedChoiceField(label=_("Daftar awal"), coerce=int)
    ke = forms.TypedChoiceField(label=_("Daftar berikutnya"), coerce=int)

    def __init__(self, data: Any) -> None:
        self.lists = list(TargetList.objects.order_by("sk_date", "id"))
        if (not data or not ({"dari", "ke"} & set(data))) and len(self.lists) >= 2:
            later = self.lists[-1]
            earlier = next((t for t in self.lists if t.pk == later.previous_id),
                           self.lists[-2])
            data = {"dari": str(earlier.pk), "ke": str(later.pk)}
        super().__init__(data or None)
        choices = [(str(t.pk), f"{t.name} ({t.sk_number}, {t.sk_date:%d-%m-%Y})")
                   for t in reversed(self.lists)]
        self.fields["dari"].choices = self.fields["ke"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        by_id = {t.pk: t for t in self.lists}
        earlier, later = by_id.get(data.get("dari")), by_id.get(data.get("ke"))
        if earlier and later and (earlier.sk_date, earlier.pk) >= (later.sk_date, later.pk):
            raise forms.ValidationError(
                _("Daftar awal harus ditetapkan sebelum daftar berikutnya."))
        data["dari"], data["ke"] = earlier, later
        return data
