"""Indicator numbers and changes as people read them: Indonesian separators (17,19 %;
205.020 jiwa) or English ones when the page is in English, and every change between two rates
in percentage points and relative %, both named. One formatter for the indicator page, the
reports and the public dashboard."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tepat.core import indicators as core
from tepat.web.flags import english


def number(value: float | None, unit: str, *, sign: bool = False) -> str:
    if value is None:
        return "—"
    decimals = 0 if unit in {core.JIWA, core.RUPIAH} else 2
    text = core.format_number(value, decimals, sign=sign, **_separators())
    return f"{text} %" if unit == core.PERCENT else text


def _separators() -> dict[str, str]:
    return {"decimal_sep": ".", "thousands_sep": ","} if english() else {}


def difference(amount: float, unit: str) -> str:
    """A signed difference in the unit's own terms: '+0,07 poin persen', '−13.910 jiwa'."""
    seps = _separators()
    if unit == core.PERCENT:
        return _("%(n)s poin persen") % {"n": core.format_number(amount, 2, sign=True, **seps)}
    if unit == core.INDEX:
        return _("%(n)s poin indeks") % {"n": core.format_number(amount, 2, sign=True, **seps)}
    unit_text = _("jiwa") if unit == core.JIWA else _("Rp/kapita/bulan")
    return f"{core.format_number(amount, 0, sign=True, **seps)} {unit_text}"


def change_label(change: core.Change, unit: str) -> str:
    """'+0,07 poin persen (+0,41 % relatif)', '−13.910 jiwa (−6,78 % relatif)'."""
    seps = _separators()
    amount = difference(change.pp, unit)
    if change.relative_pct is None:
        return amount
    relative = core.format_number(change.relative_pct,
                                  core.relative_decimals(change.relative_pct), sign=True, **seps)
    return _("%(amount)s (%(relative)s %% relatif)") % {"amount": amount, "relative": relative}


def unit_label(unit: str) -> str:
    return {core.PERCENT: _("% penduduk"), core.JIWA: _("jiwa"), core.INDEX: _("indeks"),
            core.RUPIAH: _("Rp/kapita/bulan")}.get(unit, unit)


