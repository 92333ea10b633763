"""What a verification service says when it refuses: a clear sentence, in the user's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tepat.core.spreadsheet import name_runs_as_formula
from tepat.lib.errors import RuleError

__all__ = ["Conflict", "RuleError", "formula_problems"]


def formula_problems(field: str, label: str, value: object) -> list[tuple[str, str]]:
    """[(field, message)] when `value` is a name a spreadsheet would run as a formula (it starts
    with = + - @): such names end in the exported lists and reports (tepat.core.spreadsheet)."""
    if not name_runs_as_formula(value):
        return []
    return [(field, _("%(label)s tidak boleh diawali =, +, - atau @ (Excel akan menjalankannya "
                      "sebagai rumus).") % {"label": label})]


class Conflict(RuleError):
    """Someone else saved the same record since it was opened (optimistic version check)."""

    def __init__(self, who: str, when: str) -> None:
        super().__init__(_(
            "Data ini sudah diubah oleh %(who)s pada %(when)s setelah Anda membukanya. "
            "Muat ulang halaman, periksa perubahannya, lalu simpan lagi."
        ) % {"who": who, "when": when})
        self.who, self.when = who, when
