"""Number formats of the reports: counts grouped (1.234), rates with two decimals (84,97),
rupiah grouped, nothing as '—' (in the active language's separators)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format

register = template.Library()


@register.filter
def count(value: Any) -> str:
    return "—" if value is None else number_format(value, force_grouping=True)


@register.filter
def pct(value: Any) -> str:
    """A rate in per cent with two decimals, rounded (84,97)."""
    return "—" if value is None else floatformat(value, "2g")


@register.filter
def ratio(value: Any) -> str:
    return "—" if value is None else floatformat(value, "2g")


@register.filter
def rupiah(value: Any) -> str:
    return "—" if value is None else "Rp " + number_format(int(value), force_grouping=True)


UNIT_LABELS = {"percent": "%", "index": "indeks", "jiwa": "jiwa", "Rp/kapita/bulan":
               "Rp/kapita/bulan"}


@register.filter
def unit_label(unit: str) -> str:
    """An indicator's unit as a table says it: 'percent' → '%'."""
    return UNIT_LABELS.get(unit, unit)


@register.filter
def value_in(value: Any, unit: str) -> str:
    """An indicator value: whole numbers for jiwa and rupiah, two decimals otherwise."""
    if value is None:
        return "—"
    if unit in {"jiwa", "Rp/kapita/bulan"}:
        return number_format(round(value), force_grouping=True)
    return floatformat(value, "2g")
