"""tepat.pipeline.changeset on hand-made frames (no database): every category, one record each."""

from __future__ import annotations

import polars as pl

from tepat.pipeline import changeset as cs

A, B = "35.13.01.2001", "35.13.01.2002"  # desa A is in the file, desa B is not


def _old() -> tuple[pl.DataFrame, pl.DataFrame]:
    families = pl.DataFrame(
        [("F1", 1, "h1", A, False), ("F2", 2, "h2", A, False), ("F3", 3, "h3", A, False),
         ("F4", 4, "h4", B, False), ("F5", 5, "h5", A, True), ("F6", 6, "h6", A, False)],
        schema=cs.OLD_FAMILY_SCHEMA, orient="row")
    persons = pl.DataFrame(
        [("P1", 11, "p1", "F1", A, False), ("P2", 12, "p2", "F2", A, False),
         ("P3", 13, "p3", "F3", A, False), ("P4", 14, "p4", "F4", B, False),
         ("P5", 15, "p5", "F5", A, True), ("P6", 16, "p6", "F6", A, False),
         ("P7", 17, "p7", "F4", B, False)],
        schema=cs.OLD_PERSON_SCHEMA, orient="row")
    return families, persons


def _new() -> tuple[pl.DataFrame, pl.DataFrame]:
    # F1 gains members (changed hash); F2 changed (P2 changed); F3 absent; F5 returns;
    # F6 emptied (P6 moves to F1); P4 moves from F4 (desa B) to F1; F9 added.
    families = pl.DataFrame({
        "source_family_id": ["F1", "F2", "F5", "F6", "F9"],
        "desa_code": [A, A, A, A, A],
        "row_hash": ["h1x", "h2x", "h5", "h6x", "h9"],
    })
    persons = pl.DataFrame({
        "source_person_id": ["P1", "P2", "P5", "P6", "P4", "P9"],
        "source_family_id": ["F1", "F2", "F5", "F1", "F1", "F9"],
        "row_hash": ["p1", "p2x", "p5", "p6", "p4", "p9"],
    })
    return families, persons


def test_every_category_and_absent_only_in_the_covered_desa():
    change = cs.classify(*_new(), *_old())
    fam = dict(change.families.select("source_family_id", "change").iter_rows())
    per = dict(change.persons.select("source_person_id", "change").iter_rows())
    assert fam == {"F1": "changed", "F2": "changed", "F5": "returned", "F6": "changed",
                   "F9": "added"}
    assert per == {"P1": "same", "P2": "changed", "P5": "returned", "P6": "moved",
                   "P4": "moved", "P9": "added"}
    assert change.absent_families["source_family_id"].to_list() == ["F3"]  # F4 is in desa B
    assert change.absent_persons["source_person_id"].to_list() == ["P3"]  # P7 stays (desa B)
    assert sorted(change.emptied["source_family_id"].to_list()) == ["F6"]  # F3 is absent
    # F4 (desa B, not in the file) lost P4: its member count is recomputed, P7 remains
    assert change.recount.rows() == [(4, 1)]


def test_target_families_touched_and_the_summary():
    change = cs.classify(*_new(), *_old())
    entries = pl.DataFrame({"family_id": [1, 3, 4, 6, 2], "target_list_id": [9] * 5},
                           schema=cs.TARGET_SCHEMA)
    change.target = cs.target_affected(change, entries)
    reasons = dict(change.target.iter_rows())
    assert reasons == {6: "emptied", 3: "absent", 1: "moved", 4: "moved", 2: "changed"}
    summary = cs.summary(change, family_fields={}, person_fields={}, thresholds=cs.Thresholds(),
                         examples={})
    assert summary["persons"]["moved"] == 2 and summary["families"]["emptied"] == 1
    assert summary["target_affected"]["total"] == 5
    assert summary["thresholds"]["target_emptied_or_absent"]["crossed"] is True
    assert summary["thresholds"]["moved_share"]["value"] == round(2 / 6, 4)
    assert summary["needs_reason"] is True and summary["nothing_changes"] is False


def test_field_diffs_compare_as_stored_text():
    new = pl.DataFrame({"k": ["a", "b"], "desil": [1, 2], "nama": ["X", None]})
    old = pl.DataFrame({"k": ["a", "b"], "desil": ["1", "3"], "nama": ["Y", ""]})
    diffs = cs.field_diffs(new, old, "k", ["desil", "nama", "row_hash"])
    assert dict(diffs.iter_rows()) == {"a": ["nama"], "b": ["desil"]}
    assert cs.field_counts(diffs) == {"desil": 1, "nama": 1}


def test_an_identical_edition_changes_nothing():
    families, persons = _old()
    new_f = families.filter(~pl.col("was_absent")).select(
        "source_family_id", pl.col("old_desa").alias("desa_code"), pl.col("old_hash").alias(
            "row_hash"))
    new_p = persons.filter(~pl.col("was_absent")).select(
        "source_person_id", pl.col("old_family").alias("source_family_id"),
        pl.col("old_hash").alias("row_hash"))
    change = cs.classify(new_f, new_p, families, persons)
    summary = cs.summary(change, family_fields={}, person_fields={},
                         thresholds=cs.Thresholds(), examples={})
    assert summary["nothing_changes"] is True and not summary["needs_reason"]
