"""What the editions said of one family, and what changed between two of them (issue 17 §5).

An edition row (registry.FamilyEdition) holds the family's canonical values when the edition
added, changed, moved or returned it, and null when they were those of the edition before
(DESIGN.md §10). `resolve` carries the values forward so every edition has its full snapshot;
`compare` says which fields differ between two snapshots, which members came and went (the
members' source IDs under "members") and which data-quality flags were raised or cleared.

Pure: the history app reads the rows; the web layer labels codes and fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

MEMBERS = "members"
FLAGS = "flags"
# Not compared as fields: members and flags have their own lines; the rest is bookkeeping.
NOT_COMPARED = frozenset({MEMBERS, FLAGS, "row_hash", "source_row", "batch", "unknown_values"})


class EditionRow(NamedTuple):
    """One edition of the family, oldest first: the batch (a point id), what the edition did
    ("added", "changed", "moved", "returned", "same") and its values (None: as before)."""

    batch: int
    change: str
    data: Mapping[str, Any] | None


@dataclass(frozen=True)
class Snapshot:
    batch: int
    change: str
    data: Mapping[str, Any] | None  # None only when no earlier edition said anything
    stated: bool  # this edition wrote its values (not carried from the one before)


@dataclass(frozen=True)
class Difference:
    fields: list[tuple[str, Any, Any]]  # (field, before, after), in the snapshots' key order
    members_added: list[str]
    members_removed: list[str]
    flags_raised: list[str]
    flags_cleared: list[str]

    @property
    def empty(self) -> bool:
        return not (self.fields or self.members_added or self.members_removed
                    or self.flags_raised or self.flags_cleared)


def resolve(editions: Iterable[EditionRow]) -> list[Snapshot]:
    """Every edition with its full values: a null `data` is the edition before's."""
    snapshots: list[Snapshot] = []
    current: Mapping[str, Any] | None = None
    for row in editions:
        stated = row.data is not None
        if stated:
            current = row.data
        snapshots.append(Snapshot(row.batch, row.change, current, stated))
    return snapshots


def flag_set(data: Mapping[str, Any] | None) -> set[str]:
    """The flags of a snapshot, stored as "A,B" (as on the record) or as a list."""
    value = (data or {}).get(FLAGS) or ""
    items = value.split(",") if isinstance(value, str) else value
    return {str(f).strip() for f in items if str(f).strip()}


def member_ids(data: Mapping[str, Any] | None) -> list[str]:
    return [str(m) for m in (data or {}).get(MEMBERS) or []]


def _blank(value: Any) -> Any:
    return None if value in ("", None) else value


def compare(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Difference:
    """What differs from `before` to `after` (either may be None: nothing known)."""
    old, new = before or {}, after or {}
    names = [*old, *(k for k in new if k not in old)]
    fields = [(name, old.get(name), new.get(name)) for name in names
              if name not in NOT_COMPARED and _blank(old.get(name)) != _blank(new.get(name))]
    old_members, new_members = member_ids(before), member_ids(after)
    old_flags, new_flags = flag_set(before), flag_set(after)
    return Difference(
        fields=fields,
        members_added=[m for m in new_members if m not in set(old_members)],
        members_removed=[m for m in old_members if m not in set(new_members)],
        flags_raised=sorted(new_flags - old_flags),
        flags_cleared=sorted(old_flags - new_flags),
    )


def steps(snapshots: Sequence[Snapshot]) -> list[Difference]:
    """The difference each edition made to the one before (the first: from nothing)."""
    previous: Mapping[str, Any] | None = None
    found = []
    for snapshot in snapshots:
        found.append(compare(previous, snapshot.data))
        previous = snapshot.data
    return found
