"""What an edition (a validated file) would change in the registry, before anything is written.

Pure Polars over the validated frames and the registry's keys (DESIGN.md §10): no Django here;
tepat.registry.editions reads the keys, hashes and family links from the database and hands
them over as frames, and writes what this module decides.

Categories (a record is in exactly one):
- families in the file: added, changed (row hash differs), returned (was absent from an earlier
  edition), same;
- persons in the file: added, moved (same source_person_id, another family), changed, returned,
  same (returned wins over moved, moved over changed);
- absent: records of this source in a desa the file covers that the file no longer carries
  (a village download of one desa marks nothing outside that desa);
- emptied: families still current after the edition that had current members before and have
  none after (all moved out or absent);
- target-list families affected: entries of the lists in force whose family is emptied, absent,
  lost or gained members by moves, or changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tepat.core.identity import mask

FID, PID = "source_family_id", "source_person_id"
EXAMPLES = 10
SCHEMA_VERSION = 1
# Fields never compared one by one: bookkeeping, not what the source said.
NOT_COMPARED = frozenset({"row_hash", "source_row", "flags", "unknown_values"})

OLD_FAMILY_SCHEMA = {FID: pl.String, "id": pl.Int64, "old_hash": pl.String,
                     "old_desa": pl.String, "was_absent": pl.Boolean}
OLD_PERSON_SCHEMA = {PID: pl.String, "id": pl.Int64, "old_hash": pl.String,
                     "old_family": pl.String, "old_desa": pl.String, "was_absent": pl.Boolean}
TARGET_SCHEMA = {"family_id": pl.Int64, "target_list_id": pl.Int64}


@dataclass(frozen=True)
class Thresholds:
    """Above these an import needs an explicit confirmation with a reason."""

    moved_share: float = 0.05  # persons moved / persons in the file
    absent_share: float = 0.10  # persons absent / current persons before in the covered desa
    target_emptied_or_absent: int = 1  # target-list families emptied or absent (this many)


@dataclass
class ChangeSet:
    families: pl.DataFrame  # source_family_id, id (null when added), change
    persons: pl.DataFrame  # source_person_id, id, change, old_family
    absent_families: pl.DataFrame  # id, source_family_id
    absent_persons: pl.DataFrame  # id, source_person_id
    emptied: pl.DataFrame  # id, source_family_id
    recount: pl.DataFrame  # id, member_count: families outside the file whose members changed
    target: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"family_id": pl.Int64, "reason": pl.String}))
    covered_desa: list[str] = field(default_factory=list)
    current_persons_before: int = 0


def _counts(frame: pl.DataFrame, labels: tuple[str, ...]) -> dict[str, int]:
    found = dict(frame.group_by("change").len().iter_rows()) if frame.height else {}
    return {label: int(found.get(label, 0)) for label in labels}


def classify(
    families: pl.DataFrame,
    persons: pl.DataFrame,
    old_families: pl.DataFrame,
    old_persons: pl.DataFrame,
) -> ChangeSet:
    """Sort every record of the file and of the registry (this source) into its category.

    `families` carries source_family_id, desa_code and row_hash (member count folded in, as the
    writer hashes it); `persons` source_person_id, source_family_id and row_hash; the old frames
    follow OLD_FAMILY_SCHEMA / OLD_PERSON_SCHEMA."""
    covered = families.get_column("desa_code").drop_nulls().unique().sort().to_list()
    fam = families.select(FID, "row_hash").join(old_families, on=FID, how="left")
    fam = fam.with_columns(change=_change(pl.lit(False)))
    per = persons.select(PID, FID, "row_hash").join(old_persons, on=PID, how="left")
    per = per.with_columns(change=_change(pl.col("old_family") != pl.col(FID)))

    in_covered = pl.col("old_desa").is_in(covered) & ~pl.col("was_absent")
    absent_families = old_families.filter(
        in_covered & ~pl.col(FID).is_in(families.get_column(FID).implode())
    ).select("id", FID)
    absent_persons = old_persons.filter(
        in_covered & ~pl.col(PID).is_in(persons.get_column(PID).implode())
    ).select("id", PID)

    # Current members per family before and after (absent persons are not current).
    before = (old_persons.filter(~pl.col("was_absent")).group_by("old_family")
              .agg(before=pl.len()).rename({"old_family": FID}))
    staying = old_persons.filter(
        ~pl.col("was_absent")
        & ~pl.col(PID).is_in(persons.get_column(PID).implode())
        & ~pl.col("id").is_in(absent_persons.get_column("id").implode())
    ).select(pl.col("old_family").alias(FID))
    after = pl.concat([persons.select(FID), staying]).group_by(FID).agg(after=pl.len())
    current_after = pl.concat([
        families.select(FID),
        old_families.filter(
            ~pl.col("was_absent") & ~pl.col("id").is_in(absent_families.get_column("id").implode())
        ).select(FID),
    ]).unique()
    counted = (current_after.join(before, on=FID, how="left").join(after, on=FID, how="left")
               .with_columns(pl.col("before").fill_null(0), pl.col("after").fill_null(0))
               .join(old_families.select(FID, "id"), on=FID, how="left"))
    emptied = counted.filter((pl.col("before") > 0) & (pl.col("after") == 0)).select("id", FID)
    recount = counted.filter(
        pl.col("id").is_not_null() & (pl.col("before") != pl.col("after"))
        & ~pl.col(FID).is_in(families.get_column(FID).implode())
    ).select("id", pl.col("after").alias("member_count"))
    return ChangeSet(
        families=fam.select(FID, "id", "change"),
        persons=per.select(PID, "id", "change", "old_family", FID),
        absent_families=absent_families,
        absent_persons=absent_persons,
        emptied=emptied.filter(pl.col("id").is_not_null()),
        recount=recount,
        covered_desa=covered,
        current_persons_before=old_persons.filter(in_covered).height,
    )


def _change(moved: pl.Expr) -> pl.Expr:
    return (
        pl.when(pl.col("id").is_null()).then(pl.lit("added"))
        .when(pl.col("was_absent")).then(pl.lit("returned"))
        .when(moved).then(pl.lit("moved"))
        .when(pl.col("old_hash") != pl.col("row_hash")).then(pl.lit("changed"))
        .otherwise(pl.lit("same"))
    )


def to_compare(change: ChangeSet, unit: str) -> pl.Series:
    """Registry ids whose old values are needed to name the changed fields."""
    frame = change.families if unit == "families" else change.persons
    return frame.filter(pl.col("change").is_in(["changed", "moved", "returned"])).get_column("id")


def field_diffs(new: pl.DataFrame, old: pl.DataFrame, key: str, fields: list[str]) -> pl.DataFrame:
    """Per record present in `old` (the registry's values of those records): the list of fields
    whose value differs. Both sides are compared as text, null and '' alike (as stored)."""
    fields = [f for f in fields if f in new.columns and f in old.columns and f not in NOT_COMPARED]

    def text(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return frame.select(
            pl.col(key),
            *[pl.col(f).cast(pl.String).fill_null("").alias(f + suffix) for f in fields],
        )

    joined = text(old, "_old").join(text(new, "_new"), on=key, how="inner")
    differs = [
        pl.when(pl.col(f + "_old") != pl.col(f + "_new")).then(pl.lit(f)).otherwise(None)
        for f in fields
    ]
    return joined.select(
        pl.col(key),
        pl.concat_list(differs).list.drop_nulls().alias("fields") if fields
        else pl.lit([], pl.List(pl.String)).alias("fields"),
    )


def field_counts(diffs: pl.DataFrame) -> dict[str, int]:
    if diffs.is_empty():
        return {}
    counted = diffs.select(pl.col("fields").explode().drop_nulls()).group_by("fields").len()
    return dict(sorted(counted.iter_rows(), key=lambda item: (-item[1], item[0])))


def target_affected(change: ChangeSet, entries: pl.DataFrame) -> pl.DataFrame:
    """Entries (family_id of lists in force) touched by the edition, one reason per family:
    emptied, then absent, then moved (a member left or joined), then changed."""
    moved = change.persons.filter(pl.col("change") == "moved")
    moved_families = pl.concat([moved.select(pl.col("old_family").alias(FID)),
                                moved.select(FID)]).unique()
    ids_of_moved = change.families.join(moved_families, on=FID).select("id")
    reasons = pl.concat([
        change.emptied.select("id", reason=pl.lit("emptied")),
        change.absent_families.select("id", reason=pl.lit("absent")),
        ids_of_moved.select("id", reason=pl.lit("moved")),
        change.recount.select("id", reason=pl.lit("moved")),  # lost members, outside the file
        change.families.filter(pl.col("change").is_in(["changed", "returned"]))
        .select("id", reason=pl.lit("changed")),
    ]).filter(pl.col("id").is_not_null()).unique("id", keep="first", maintain_order=True)
    families = entries.select("family_id").drop_nulls().unique()
    return families.join(reasons.rename({"id": "family_id"}), on="family_id", how="inner")


def summary(
    change: ChangeSet,
    *,
    family_fields: dict[str, int],
    person_fields: dict[str, int],
    thresholds: Thresholds,
    examples: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The change set's counts, threshold checks and examples: what the import page shows and
    `tepat import --dry-run --format json` prints (schema SCHEMA_VERSION)."""
    fam = _counts(change.families, ("added", "changed", "returned", "same"))
    per = _counts(change.persons, ("added", "changed", "moved", "returned", "same"))
    fam.update(total=change.families.height, absent=change.absent_families.height,
               emptied=change.emptied.height)
    per.update(total=change.persons.height, absent=change.absent_persons.height)
    target = dict(change.target.group_by("reason").len().iter_rows()) if change.target.height \
        else {}
    target_counts = {r: int(target.get(r, 0)) for r in ("emptied", "absent", "moved", "changed")}
    target_counts["total"] = change.target.height
    moved_share = per["moved"] / per["total"] if per["total"] else 0.0
    absent_share = (per["absent"] / change.current_persons_before
                    if change.current_persons_before else 0.0)
    risky_targets = target_counts["emptied"] + target_counts["absent"]
    checks = {
        "moved_share": {"value": round(moved_share, 4), "limit": thresholds.moved_share,
                        "crossed": moved_share > thresholds.moved_share},
        "absent_share": {"value": round(absent_share, 4), "limit": thresholds.absent_share,
                         "crossed": absent_share > thresholds.absent_share},
        "target_emptied_or_absent": {
            "value": risky_targets, "limit": thresholds.target_emptied_or_absent,
            "crossed": risky_targets >= thresholds.target_emptied_or_absent},
    }
    nothing = (fam["added"] + fam["changed"] + fam["returned"] + fam["absent"] + per["added"]
               + per["changed"] + per["moved"] + per["returned"] + per["absent"]) == 0
    return {
        "schema": SCHEMA_VERSION,
        "families": fam,
        "persons": per,
        "changed_fields": {"families": family_fields, "persons": person_fields},
        "target_affected": target_counts,
        "covered_desa": change.covered_desa,
        "thresholds": checks,
        "needs_reason": any(check["crossed"] for check in checks.values()),
        "nothing_changes": nothing,
        "examples": examples,
    }


def example_rows(frame: pl.DataFrame, *, name: str, nik: str, key: str,
                 limit: int = EXAMPLES) -> list[dict[str, Any]]:
    """The first `limit` rows of a category as {id, name, nik (masked), desa, fields?}."""
    out = []
    columns = list(dict.fromkeys(c for c in (key, name, nik, "desa_code", "fields",
                                             "old_family", FID) if c in frame.columns))
    for row in frame.head(limit).select(columns).iter_rows(named=True):
        item = {"id": row[key], "name": row.get(name) or "", "nik": mask(row.get(nik)),
                "desa": row.get("desa_code") or ""}
        if row.get("fields") is not None:
            item["fields"] = list(row["fields"])
        if "old_family" in row and row.get("old_family") and row["old_family"] != row.get(FID):
            item["from_family"], item["to_family"] = row["old_family"], row.get(FID)
        out.append(item)
    return out
