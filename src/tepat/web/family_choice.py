"""A <select> of registry families that stays cheap with a whole desa in it.

The family form's "data ganda dari" lists every other family of the desa (~450 in an average
desa of the regency, up to ~1,500). Django's Select renders each <option> through its own widget
template (~40 µs each: 18 ms of a 50 ms page) and the form's validation would fetch and
scan them all on every save. Here the list is a plain queryset:

- rendering reads only (pk, kepala keluarga, No. KK) and writes the <option> elements in one
  join, the No. KK masked, every text escaped (the same HTML Django's widget makes: same
  values, labels and order, the chosen one `selected`);
- validation asks the database whether the one posted family is in the queryset (the list is
  not read at all when a save succeeds);
- the list is read from the database on every render, scoped by the caller (for_user): nothing
  is kept between requests, so nothing can go stale or cross users.

It works without JavaScript: a native <select>, which phones show as their own picker.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property
from html import escape
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tepat.core.identity import mask

LIKELY = _("kemungkinan ganda")


def family_label(kepala_keluarga: str | None, no_kk: str | None) -> str:
    """'Head's name · 3513********0001': what tells two families of a desa apart."""
    return f"{kepala_keluarga or '—'} · {mask(no_kk)}"


class FamilyChoices:
    """The families of `queryset` (already scoped to the user) that may be chosen, plus
    `current` (the family chosen before, kept even if it left the queryset), read lazily."""

    def __init__(self, queryset: QuerySet, *, empty_label: str, current: Any = None,
                 likely: Collection[int] = ()) -> None:
        """`likely`: families put first and marked "kemungkinan ganda" (they hold a record of
        the same person as this family, by the person linkage)."""
        self.queryset, self.empty_label, self.current = queryset, empty_label, current
        self.likely = frozenset(likely)

    @cached_property
    def options(self) -> list[tuple[int, str]]:
        """(pk, label) in the list's order: the likely duplicates, then by kepala keluarga,
        then pk."""
        rows = self.queryset.order_by("kepala_keluarga", "pk").values_list(
            "pk", "kepala_keluarga", "no_kk")
        mark = " · " + str(LIKELY)
        options = [(pk, family_label(head, kk) + (mark if pk in self.likely else ""))
                   for pk, head, kk in rows]
        options.sort(key=lambda option: option[0] not in self.likely)  # stable: names kept
        if self.current is not None and all(pk != self.current.pk for pk, _label in options):
            options.insert(0, (self.current.pk, family_label(self.current.kepala_keluarga,
                                                             self.current.no_kk)))
        return options

    def __contains__(self, pk: object) -> bool:
        if not isinstance(pk, int):
            return False
        if self.current is not None and pk == self.current.pk:
            return True
        if "options" in self.__dict__:  # already read for the page: no second query
            return any(found == pk for found, _label in self.options)
        return self.queryset.filter(pk=pk).exists()

    def option_html(self, selected: str) -> SafeString:
        """The <option> elements, `selected` (a pk as text, or "") marked."""
        parts = [f'<option value=""{" selected" if not selected else ""}>'
                 f"{escape(str(self.empty_label))}</option>"]
        parts += [f'<option value="{pk}"{" selected" if str(pk) == selected else ""}>'
                  f"{escape(label)}</option>" for pk, label in self.options]
        return mark_safe("\n".join(parts))


class FamilySelect(forms.Select):
    """A Select whose options come from `FamilyChoices.option_html` (no per-option template).
    The families are its own attribute, not `choices`, which Django would read eagerly."""

    families: FamilyChoices | None = None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        chosen = "" if value in (None, "") else str(value)
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        options = self.families.option_html(chosen) if self.families is not None else ""
        return mark_safe(f'<select name="{escape(name)}"{attributes}>\n{options}\n</select>')


class FamilyChoiceField(forms.Field):
    """The pk of a family in `families` (a FamilyChoices), or None when left empty."""

    widget = FamilySelect
    default_error_messages = {
        "invalid_choice": _("Pilih keluarga dari daftar: keluarga lain di desa ini."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._families: FamilyChoices | None = None

    @property
    def families(self) -> FamilyChoices | None:
        return self._families

    @families.setter
    def families(self, value: FamilyChoices) -> None:
        self._families = self.widget.families = value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return int(str(value).strip())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice") from None

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value is not None and (self._families is None or value not in self._families):
            raise forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")

    def __deepcopy__(self, memo: dict) -> FamilyChoiceField:
        result = super().__deepcopy__(memo)
        result.families = self._families  # the copied widget too
        return result
