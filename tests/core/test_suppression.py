"""Small-count suppression: counts below 5 are hidden and cannot be worked out from the totals."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tepat.core.suppression import (
    Relation,
    grid_relations,
    rate,
    recoverable,
    suppress,
)

TOTAL = "kab"


def _table(counts: dict[str, list[int]], columns: list[str]) -> dict:
    """Cells (row, column) plus the total row, from per-row counts."""
    values = {(row, c): v for row, cells in counts.items() for c, v in zip(columns, cells,
                                                                          strict=True)}
    for c in columns:
        values[(TOTAL, c)] = sum(values[(row, c)] for row in counts)
    return values


def _determined_by_rank(hidden, relations) -> set:
    """An independent check (numpy, floating point rank): hidden cell j is determined by the
    published equations iff dropping its column lowers the rank of the hidden columns."""
    columns = sorted({k for r in relations for k in r.cells if k in hidden}, key=repr)
    if not columns:
        return set()
    matrix = np.zeros((len(relations), len(columns)))
    for i, relation in enumerate(relations):
        for j, key in enumerate(columns):
            if key == relation.total:
                matrix[i, j] += 1
            if key in relation.parts:
                matrix[i, j] -= 1
    full = np.linalg.matrix_rank(matrix)
    return {key for j, key in enumerate(columns)
            if np.linalg.matrix_rank(np.delete(matrix, j, axis=1)) < full}


def test_a_count_below_five_is_hidden_and_so_is_a_second_cell_of_its_row_and_column():
    values = _table({"a": [3, 20], "b": [30, 40]}, ["x", "y"])
    relations = grid_relations(["a", "b"], TOTAL, ["x", "y"])
    hidden = suppress(values, relations)
    assert ("a", "x") in hidden
    # column x: a + b = total; with only (a, x) hidden, it would be total − b
    assert len(hidden & {("a", "x"), ("b", "x"), (TOTAL, "x")}) >= 2
    assert not recoverable(hidden, relations)


def test_zero_is_hidden_too():
    values = _table({"a": [0, 20], "b": [30, 40], "c": [25, 26]}, ["x", "y"])
    assert ("a", "x") in suppress(values, grid_relations(["a", "b", "c"], TOTAL, ["x", "y"]))


def test_a_table_of_large_counts_is_shown_whole():
    values = _table({"a": [10, 20], "b": [30, 40]}, ["x", "y"])
    assert suppress(values, grid_relations(["a", "b"], TOTAL, ["x", "y"])) == frozenset()


def test_the_within_row_split_is_protected():
    # in_scope = still + removed + pending; only "removed" is small
    values = {("a", "in"): 40, ("a", "still"): 20, ("a", "removed"): 2, ("a", "pending"): 18}
    relations = [Relation(("a", "in"), (("a", "still"), ("a", "removed"), ("a", "pending")))]
    hidden = suppress(values, relations)
    assert ("a", "removed") in hidden and len(hidden) == 2
    assert ("a", "in") not in hidden  # the smallest other cell goes, not the total


def test_two_hidden_cells_per_line_is_not_always_enough_and_the_exact_check_catches_it():
    # Two 2×2 blocks of hidden cells joined by one hidden cell: every row and column holds
    # two hidden cells, yet the joining cell is a bridge and can be solved for.
    hidden = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r2", "c3"),
              ("r3", "c3"), ("r3", "c4"), ("r4", "c3"), ("r4", "c4")}
    # rows r1..r4 (row totals shown), columns c1..c4 (column totals shown)
    rows, columns = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    relations = [Relation((r, "t"), tuple((r, c) for c in columns)) for r in rows]
    relations += [Relation(("t", c), tuple((r, c) for r in rows)) for c in columns]
    assert recoverable(hidden, relations) == {("r2", "c3")}
    assert recoverable(hidden, relations) == _determined_by_rank(hidden, relations)


def test_the_algorithm_removes_the_bridge():
    rows, columns = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    small = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r2", "c3"),
             ("r3", "c3"), ("r3", "c4"), ("r4", "c3"), ("r4", "c4")}
    values = {(r, c): (1 if (r, c) in small else 50) for r in rows for c in columns}
    for r in rows:
        values[(r, "t")] = sum(values[(r, c)] for c in columns)
    for c in [*columns, "t"]:
        values[("t", c)] = sum(values[(r, c)] for r in rows)
    relations = grid_relations(rows, "t", columns, {"t": columns})
    hidden = suppress(values, relations)
    assert small <= hidden
    assert not recoverable(hidden, relations)


def test_linked_keluarga_and_jiwa_cells_are_hidden_together():
    values = {("a", "kel"): 3, ("a", "jiwa"): 11, ("b", "kel"): 40, ("b", "jiwa"): 120}
    hidden = suppress(values, [], links=[[("a", "kel"), ("a", "jiwa")]])
    assert hidden == {("a", "kel"), ("a", "jiwa")}


def test_a_rate_with_a_hidden_part_is_hidden():
    values = {"num": 3, "den": 40, "big": 20}
    assert rate("num", "den", values, {"num"}) is None
    assert rate("big", "num", values, {"num"}) is None
    assert rate("big", "den", values, {"num"}) == 50.0
    assert rate("big", "zero", {**values, "zero": 0}, set()) is None


# --- property: nothing hidden can be recovered ------------------------------------------------

SPLIT = {"in_scope": ["still", "removed", "pending"], "verified": ["still", "removed"]}
COLUMNS = ["in_scope", "verified", "still", "removed", "pending", "proposed"]


@st.composite
def campaign_tables(draw):
    """Random per-area tables shaped like the public progress table, in keluarga and jiwa."""
    n = draw(st.integers(1, 6))
    rows = [f"k{i}" for i in range(n)]
    values = {}
    for unit, factor in (("kel", 1), ("jiwa", 3)):
        for row in rows:
            still = draw(st.integers(0, 12)) * factor
            removed = draw(st.integers(0, 12)) * factor
            pending = draw(st.integers(0, 12)) * factor
            cells = {"still": still, "removed": removed, "pending": pending,
                     "verified": still + removed, "in_scope": still + removed + pending,
                     "proposed": draw(st.integers(0, 9)) * factor}
            for column, v in cells.items():
                values[(row, f"{column}_{unit}")] = v
        for column in COLUMNS:
            values[(TOTAL, f"{column}_{unit}")] = sum(values[(r, f"{column}_{unit}")]
                                                     for r in rows)
    return rows, values


def _relations(rows):
    relations = []
    for unit in ("kel", "jiwa"):
        split = {f"{k}_{unit}": [f"{p}_{unit}" for p in parts] for k, parts in SPLIT.items()}
        relations += grid_relations(rows, TOTAL, [f"{c}_{unit}" for c in COLUMNS], split)
    return relations


def _links(rows):
    return [[(r, f"{c}_kel"), (r, f"{c}_jiwa")] for r in [*rows, TOTAL] for c in COLUMNS]


@settings(max_examples=250, deadline=None)
@given(campaign_tables())
def test_no_hidden_cell_can_be_recovered_from_what_is_shown(table):
    rows, values = table
    relations = _relations(rows)
    hidden = suppress(values, relations, links=_links(rows))
    assert {k for k, v in values.items() if v < 5} <= hidden
    for a, b in _links(rows):
        assert (a in hidden) == (b in hidden)
    assert _determined_by_rank(hidden, relations) == set()
    for relation in relations:  # the simple rule holds as well
        assert sum(1 for k in relation.cells if k in hidden) != 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 15), min_size=2, max_size=5), min_size=1, max_size=6)
       .filter(lambda t: len({len(r) for r in t}) == 1))
def test_a_plain_grid_with_row_and_column_totals_leaks_nothing(grid):
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))]
    values = {(r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    for r in rows:
        values[(r, "t")] = sum(values[(r, c)] for c in columns)
    for c in [*columns, "t"]:
        values[("t", c)] = sum(values[(r, c)] for r in rows)
    relations = grid_relations(rows, "t", columns, {"t": columns})
    hidden = suppress(values, relations)
    assert {k for k, v in values.items() if v < 5} <= hidden
    assert _determined_by_rank(hidden, relations) == set()
    assert recoverable(hidden, relations) == set()
