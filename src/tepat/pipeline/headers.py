"""Map the column headers of a file to the canonical fields of a layout.

Real downloads spell the same column many ways: `id_keluarga_p3ke`, `ID Keluarga P3KE`,
`ID_KELUARGA`, `Desil Kesejahteraan`, `No. KK`. Headers are compared by a key — lower case, every
character that is not a letter or digit removed — against the column's header, its field name and
its Indonesian labels (tepat.core.layout). A trailing note in parentheses is tolerated:
`NIK (16 digit)` is `NIK`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache

from tepat.core.layout import Column, Layout

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def header_key(text: object) -> str:
    """'Desil Kesejahteraan', 'DESIL.KESEJAHTERAAN' -> 'desilkesejahteraan'."""
    if text is None:
        return ""
    return _NON_ALNUM.sub("", str(text).lower())


def keys_of(text: object) -> list[str]:
    """The key of a header, then its key without notes in parentheses (if that differs)."""
    keys = [header_key(text)]
    bare = header_key(_PARENTHESES.sub(" ", str(text))) if text is not None else ""
    if bare and bare != keys[0]:
        keys.append(bare)
    return [k for k in keys if k]


@cache
def known_keys(layout: Layout) -> dict[str, tuple[int, str]]:
    """key -> (priority, field): the header wins over the field name, which wins over a label."""
    keys: dict[str, tuple[int, str]] = {}
    for column in layout.columns:
        for priority, names in ((0, (column.header,)), (1, (column.field,)), (2, column.labels)):
            for name in names:
                key = header_key(name)
                if key and (key not in keys or keys[key][0] > priority):
                    keys[key] = (priority, column.field)
    return keys


def accepted_headers(column: Column) -> list[str]:
    """The header names a user may give a column, for messages."""
    names = [column.header, *column.labels]
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class HeaderMapping:
    fields: dict[str, str]  # canonical field -> the file's column name
    ignored: list[str]  # the file's columns that map to no field (or to a field already taken)
    missing: list[Column] = field(default_factory=list)  # required columns not found

    @property
    def complete(self) -> bool:
        return not self.missing

    def column_of(self, field_name: str) -> str | None:
        return self.fields.get(field_name)


def match_count(headers: Sequence[object], keys: Collection[str]) -> int:
    """How many of the headers are known keys: the score of a candidate header row."""
    return sum(1 for h in headers if any(k in keys for k in keys_of(h)))


def map_headers(
    headers: Sequence[str], layout: Layout, *, exclude: Collection[str] = ()
) -> HeaderMapping:
    """Map a file's headers to the layout's fields.

    Each field takes the best-matching header (canonical header over field name over label, then
    the leftmost); `exclude` holds headers already claimed by another layout (a combined file).
    """
    keys = known_keys(layout)
    best: dict[str, tuple[int, int, str]] = {}  # field -> (priority, position, header)
    for position, header in enumerate(headers):
        if header in exclude:
            continue
        for key in keys_of(header):
            if key in keys:
                priority, field_name = keys[key]
                candidate = (priority, position, header)
                if field_name not in best or candidate < best[field_name]:
                    best[field_name] = candidate
                break
    fields = {
        column.field: best[column.field][2] for column in layout.columns if column.field in best
    }
    used = set(fields.values())
    ignored = [h for h in headers if h not in used and h not in exclude]
    missing = [c for c in layout.columns if c.required and c.field not in fields]
    return HeaderMapping(fields, ignored, missing)
