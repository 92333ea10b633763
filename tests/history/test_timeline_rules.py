"""The pure edition snapshots and their comparison (tepat.core.timeline)."""

from __future__ import annotations

from tepat.core import timeline as t

FIRST = {"desil": 1, "alamat": "Dusun Krajan", "flags": "KK_DUPLICATE", "members": ["P1", "P2"]}
SECOND = {"desil": 2, "alamat": "Dusun Krajan", "flags": "NIK_NUMERIC,NIK_DUPLICATE",
          "members": ["P1", "P3"]}


def test_an_edition_without_values_carries_those_of_the_one_before():
    snapshots = t.resolve([t.EditionRow(1, "added", FIRST), t.EditionRow(2, "same", None),
                           t.EditionRow(3, "changed", SECOND)])
    assert [s.data for s in snapshots] == [FIRST, FIRST, SECOND]
    assert [s.stated for s in snapshots] == [True, False, True]


def test_an_edition_with_nothing_before_it_has_no_values():
    assert t.resolve([t.EditionRow(7, "same", None)])[0].data is None


def test_the_comparison_names_fields_members_and_flags():
    diff = t.compare(FIRST, SECOND)
    assert diff.fields == [("desil", 1, 2)]
    assert (diff.members_added, diff.members_removed) == (["P3"], ["P2"])
    assert diff.flags_raised == ["NIK_DUPLICATE", "NIK_NUMERIC"]
    assert diff.flags_cleared == ["KK_DUPLICATE"]


def test_empty_and_missing_values_are_the_same_and_flags_may_be_a_list():
    diff = t.compare({"alamat": "", "flags": ["A"]}, {"flags": "A", "rt": None})
    assert diff.empty


def test_each_step_is_the_difference_to_the_edition_before():
    snapshots = t.resolve([t.EditionRow(1, "added", FIRST), t.EditionRow(2, "same", None),
                           t.EditionRow(3, "changed", SECOND)])
    first, same, changed = t.steps(snapshots)
    assert ("desil", None, 1) in first.fields
    assert same.empty
    assert changed.fields == [("desil", 1, 2)]
