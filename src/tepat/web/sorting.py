"""Sorting a list by a column the user clicks: whitelisted keys in `?urut=`, never a field name.

`?urut=nama` sorts by the key's fields ascending, `?urut=-nama` descending; an unknown key
falls back to the list's default order. The primary key always comes last, so that pages of
rows with equal values stay stable (LIMIT/OFFSET over an order with ties may repeat or skip
rows between pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import QueryDict

PARAM = "urut"


@dataclass(frozen=True)
class Header:
    """What a sortable column header shows: its link and its state for screen readers."""

    key: str
    url: str  # the query string that sorts by this column (or reverses it)
    aria_sort: str  # "ascending", "descending" or "none"


@dataclass(frozen=True)
class Sorting:
    keys: Mapping[str, tuple[str, ...]]  # key in the URL -> model fields, ascending
    default: tuple[str, ...]  # the order without (or with an unknown) `?urut=`
    key: str | None = None  # the chosen key, None for the default
    descending: bool = False

    @classmethod
    def of(cls, params: QueryDict, keys: Mapping[str, tuple[str, ...]],
           default: tuple[str, ...]) -> Sorting:
        raw = (params.get(PARAM) or "").strip()
        name = raw.removeprefix("-")
        if name not in keys:
            return cls(keys, default)
        return cls(keys, default, name, raw.startswith("-"))

    @property
    def order_by(self) -> list[str]:
        if self.key is None:
            return [*self.default, "pk"]
        sign = "-" if self.descending else ""
        return [f"{sign}{field}" for field in self.keys[self.key]] + [f"{sign}pk"]

    @property
    def value(self) -> str:
        """The chosen `?urut=` value ('' for the default order)."""
        if self.key is None:
            return ""
        return f"-{self.key}" if self.descending else self.key

    def header(self, key: str, params: QueryDict) -> Header:
        """The header of column `key`: ascending first, a second click reverses."""
        if key not in self.keys:
            raise KeyError(key)
        current = key == self.key
        query = params.copy()
        query.pop("page", None)
        query[PARAM] = f"-{key}" if current and not self.descending else key
        state = ("descending" if self.descending else "ascending") if current else "none"
        return Header(key, "?" + query.urlencode(), state)

    def headers(self, params: QueryDict) -> dict[str, Header]:
        return {key: self.header(key, params) for key in self.keys}
