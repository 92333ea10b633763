"""Small-count suppression for public tables (issue 5 §4), pure Python, no Django.

A public table is a set of counts (cells) tied by additive relations that the page also shows:
row totals, column totals and splits such as `in_scope = verified + pending`. The rule:

1. **Primary suppression**: every count below `threshold` (5) is hidden, *including 0*. A zero
   is not harmless: "0 families still on the list" in a kecamatan says something about every
   family of it (all removed), and a 0 beside a hidden 3 narrows what the 3 can be.
2. **Linked cells** (the keluarga and jiwa count of the same thing) are hidden together: the
   number of jiwa of 3 families tells their sizes.
3. **Complementary suppression**: more cells are hidden until no hidden cell can be worked out
   from the shown ones by solving the published relations. The fast pass makes every relation
   with a hidden cell hold at least two hidden cells (hiding the smallest shown cell of it);
   an exact check then solves the system (Gaussian elimination over the rationals): a hidden
   cell is *recoverable* iff every solution of the relations, with the shown cells fixed, gives
   it the same value, i.e. iff its unit vector lies in the row space of the relations
   restricted to the hidden cells. While one is, the smallest shown cell of a relation that
   holds it is hidden too. The loop ends: each round hides at least one more cell.

Only the linear relations are considered (not the bounds that counts are ≥ 0): a hidden cell
may be narrowed to a range, never to one value, by the published totals.

A rate is hidden when its numerator or its denominator is (`rate`).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5

Key = Hashable


@dataclass(frozen=True)
class Relation:
    """`total = sum(parts)`, shown on the page (so it can be used to solve for hidden cells)."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


def _order(values: Mapping[Key, int]) -> dict[Key, int]:
    """A stable position for every cell: ties between equal counts are broken the same way on
    every run (so the same table is always suppressed the same way)."""
    return {key: i for i, key in enumerate(values)}


def _close_links(hidden: set[Key], links: Sequence[Collection[Key]]) -> None:
    changed = True
    while changed:
        changed = False
        for group in links:
            if any(k in hidden for k in group) and not all(k in hidden for k in group):
                hidden.update(group)
                changed = True


def _smallest_shown(cells: Iterable[Key], hidden: set[Key], values: Mapping[Key, int],
                    position: Mapping[Key, int]) -> Key | None:
    shown = [k for k in cells if k not in hidden]
    if not shown:
        return None
    return min(shown, key=lambda k: (values[k], position[k]))


def _at_least_two(hidden: set[Key], relations: Sequence[Relation], values: Mapping[Key, int],
                  position: Mapping[Key, int]) -> bool:
    """One pass: hide a second cell in every relation with exactly one hidden cell."""
    changed = False
    for relation in relations:
        if sum(1 for k in relation.cells if k in hidden) == 1:
            extra = _smallest_shown(relation.cells, hidden, values, position)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return changed


def recoverable(hidden: Collection[Key], relations: Sequence[Relation]) -> set[Key]:
    """The hidden cells whose value follows from the shown cells and the relations.

    Each relation is a row `total − Σ parts = 0`; the shown cells move to the right-hand side,
    which does not change which hidden cells are determined. A hidden cell is determined iff,
    in the reduced row echelon form of the hidden columns, it is a pivot whose row has no entry
    in a free column."""
    columns = sorted({k for r in relations for k in r.cells if k in hidden}, key=repr)
    index = {k: i for i, k in enumerate(columns)}
    rows: list[list[Fraction]] = []
    for relation in relations:
        row = [Fraction(0)] * len(columns)
        for sign, keys in ((1, (relation.total,)), (-1, relation.parts)):
            for key in keys:
                if key in index:
                    row[index[key]] += sign
        if any(row):
            rows.append(row)
    pivots = _rref(rows, len(columns))
    free = set(range(len(columns))) - {col for _, col in pivots}
    return {columns[col] for r, col in pivots if not any(rows[r][f] for f in free)}


def _rref(rows: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduce `rows` in place; returns the (row, column) of each pivot."""
    pivots: list[tuple[int, int]] = []
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append((r, col))
        r += 1
        if r == len(rows):
            break
    return pivots


def suppress(values: Mapping[Key, int], relations: Sequence[Relation], *,
             threshold: int = THRESHOLD, links: Sequence[Collection[Key]] = ()) -> frozenset[Key]:
    """The cells to hide: the counts below `threshold`, their linked cells, and enough others
    that none of them can be recovered from the shown cells through `relations`."""
    position = _order(values)
    hidden = {k for k, v in values.items() if v < threshold}
    _close_links(hidden, links)
    while True:
        while _at_least_two(hidden, relations, values, position):
            _close_links(hidden, links)
        found = recoverable(hidden, relations) if hidden else set()
        if not found:
            return frozenset(hidden)
        target = min(found, key=lambda k: position[k])
        extra = _smallest_shown(
            (k for r in relations if target in r.cells for k in r.cells),
            hidden, values, position)
        if extra is None:  # every relation of it is hidden: open up a neighbouring one
            extra = _smallest_shown((k for r in relations if hidden & set(r.cells)
                                     for k in r.cells), hidden, values, position)
        if extra is None:
            return frozenset(hidden)  # everything is hidden: nothing can be recovered
        hidden.add(extra)
        _close_links(hidden, links)


def grid_relations(rows: Sequence[Key], total_row: Key, columns: Sequence[Key],
                   splits: Mapping[Key, Sequence[Key]] = ()) -> list[Relation]:
    """The relations of a table with cells `(row, column)`: each column's total row is the sum
    of the other rows, and within each row `column = sum(splits[column])`."""
    relations = [Relation((total_row, c), tuple((r, c) for r in rows)) for c in columns]
    for row in (*rows, total_row):
        for whole, parts in dict(splits).items():
            relations.append(Relation((row, whole), tuple((row, p) for p in parts)))
    return relations


def rate(numerator: Key, denominator: Key, values: Mapping[Key, int],
         hidden: Collection[Key], *, scale: float = 100.0) -> float | None:
    """numerator / denominator × scale; None when either is hidden or the denominator is 0."""
    if numerator in hidden or denominator in hidden or not values[denominator]:
        return None
    return values[numerator] / values[denominator] * scale
