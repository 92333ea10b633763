"""The pure cohort of two target lists (tepat.core.cohort)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tepat.core import cohort as c

KECAMATAN = ["35.13.01", "35.13.20", "35.13.22"]
OUTCOMES = ["", "MAMPU", "PINDAH", "MENINGGAL", "GANDA", "TIDAK_DITEMUKAN", "LAYAK"]

earlier_rows = st.lists(st.builds(
    c.EarlierRow, key=st.integers(0, 10**6).map(str), kecamatan=st.sampled_from(KECAMATAN),
    jiwa=st.integers(0, 12), on_later=st.booleans(), outcome=st.sampled_from(OUTCOMES),
    keluarga=st.integers(1, 3)), max_size=40)
later_rows = st.lists(st.builds(
    c.LaterRow, key=st.integers(0, 10**6).map(str), kecamatan=st.sampled_from(KECAMATAN),
    jiwa=st.integers(0, 12), on_earlier=st.booleans(),
    lists_before=st.lists(st.booleans(), max_size=4).map(tuple),
    keluarga=st.integers(1, 3)), max_size=40)


@given(earlier_rows, later_rows)
def test_the_kecamatan_rows_add_up_to_the_totals(earlier, later):
    table = c.cohort(earlier, later)
    for side in ("earlier", "later"):
        for unit in ("keluarga", "jiwa"):
            assert sum(getattr(getattr(r, side), unit) for r in table.rows) == getattr(
                getattr(table.total, side), unit)
    for category in c.EARLIER_CATEGORIES:
        assert sum(r.left[category].jiwa for r in table.rows) == table.total.left[category].jiwa
    for category in c.LATER_CATEGORIES:
        assert (sum(r.joined[category].keluarga for r in table.rows)
                == table.total.joined[category].keluarga)


@given(earlier_rows, later_rows)
def test_every_family_lands_in_exactly_one_category(earlier, later):
    table = c.cohort(earlier, later)
    for row in [*table.rows, table.total]:
        assert sum(n.keluarga for n in row.left.values()) == row.earlier.keluarga
        assert sum(n.jiwa for n in row.left.values()) == row.earlier.jiwa
        assert sum(n.keluarga for n in row.joined.values()) == row.later.keluarga
        assert sum(n.jiwa for n in row.joined.values()) == row.later.jiwa
    assert table.total.earlier.keluarga == sum(e.keluarga for e in earlier)
    assert table.total.later.keluarga == sum(n.keluarga for n in later)
    assert table.total.earlier.jiwa == sum(e.jiwa for e in earlier)


def test_a_family_on_the_later_list_stayed_whatever_an_outcome_says():
    assert c.earlier_category(c.EarlierRow("k", "35.13.20", 3, True, "MAMPU")) == c.STAYED


def test_a_family_off_the_later_list_is_counted_by_its_removing_outcome():
    def category(outcome):
        return c.earlier_category(c.EarlierRow("k", "35.13.20", 3, False, outcome))

    assert category("MAMPU") == "mampu"
    assert category("PINDAH") == "pindah"
    assert category("MENINGGAL") == "meninggal"
    assert category("GANDA") == "ganda"
    assert category("TIDAK_DITEMUKAN") == "tidak_ditemukan"
    assert category("") == c.OTHER  # left without an approved outcome


def test_re_entry_needs_a_list_the_family_was_on_then_one_it_was_off():
    def category(before):
        return c.later_category(c.LaterRow("k", "35.13.20", 2, False, before))

    assert category((True, False)) == c.REENTRY
    assert category((True, False, False)) == c.REENTRY
    assert category((False, True)) == c.NEW  # on the list just before: never left
    assert category((False, False)) == c.NEW
    assert category(()) == c.NEW
    assert c.later_category(c.LaterRow("k", "35.13.20", 2, True, (True, False))) == c.CARRIED


def test_counts_are_per_kecamatan_in_keluarga_and_jiwa():
    table = c.cohort(
        [c.EarlierRow("a", "35.13.20", 4, True), c.EarlierRow("b", "35.13.20", 3, False, "MAMPU"),
         c.EarlierRow("c", "35.13.01", 2, False)],
        [c.LaterRow("a", "35.13.20", 5, True),
         c.LaterRow("d", "35.13.01", 6, False, (True, False))],
    )
    sukapura, tegalsiwalan = table.rows
    assert (sukapura.kecamatan, tegalsiwalan.kecamatan) == ("35.13.01", "35.13.20")
    assert (tegalsiwalan.left["mampu"].keluarga, tegalsiwalan.left["mampu"].jiwa) == (1, 3)
    assert (sukapura.left[c.OTHER].keluarga, sukapura.joined[c.REENTRY].jiwa) == (1, 6)
    assert (table.total.later.keluarga, table.total.later.jiwa) == (2, 11)
    assert c.share(1, 3) == 33.3 and c.share(1, 0) is None


@given(earlier_rows, later_rows)
def test_a_table_kept_as_json_reads_back_the_same(earlier, later):
    table = c.cohort(earlier, later)
    assert c.table_from_json(c.table_to_json(table)) == table
    for row in table.rows:
        assert c.one_kecamatan(table, row.kecamatan).total.earlier == row.earlier
