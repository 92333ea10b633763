"""Field validators shared by the forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tepat.core.spreadsheet import name_runs_as_formula


def no_formula(value: str) -> None:
    """Refuse a name a spreadsheet would run as a formula (it starts with = + - @): the names
    typed here end up in the exported lists and reports, and the import refuses them too."""
    if name_runs_as_formula(value):
        raise forms.ValidationError(
            _("Tidak boleh diawali =, +, - atau @ (Excel akan menjalankannya sebagai rumus)."),
            code="formula")
