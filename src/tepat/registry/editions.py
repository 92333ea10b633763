"""The registry side of an edition's change set: read what the registry holds (keys, hashes,
family links, old values of changed records, target lists in force), let the pure
tepat.pipeline.changeset decide, write the downloadable lists, and — inside the import's write
transaction — the FamilyEdition / PersonEdition rows, `absent_since`, member counts and the
FAMILY_NO_MEMBERS flag of emptied families (DESIGN.md §10).

Persons with a new ID ("added") are split with the person linkage (issue 18 §3) into those the
registry already knows under another record ID (a re-issued ID, a family that moved: "dikenal")
and new persons ("orang baru"). The linkage app sits above the registry and registers how to
ask it (`register_person_links`, from its AppConfig.ready); without it nothing is split."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.models import Max

from tepat.core import linkage as person_records
from tepat.core.identity import mask
from tepat.core.spreadsheet import csv_writer, workbook
from tepat.pipeline import changeset as cs
from tepat.registry.models import BatchStatus, SourceBatch
from tepat.registry.writer import CHUNK, FAMILY_FIELDS, PERSON_FIELDS, family_ids

CHANGE_LIST_STEM = "perubahan"

log = logging.getLogger(__name__)


def thresholds() -> cs.Thresholds:
    return cs.Thresholds(
        moved_share=float(getattr(settings, "TEPAT_IMPORT_CONFIRM_MOVED_SHARE", 0.05)),
        absent_share=float(getattr(settings, "TEPAT_IMPORT_CONFIRM_ABSENT_SHARE", 0.10)),
        target_emptied_or_absent=int(
            getattr(settings, "TEPAT_IMPORT_CONFIRM_TARGET_EMPTIED", 1)),
    )


@dataclass(frozen=True)
class TargetLists:
    """How the registry reads the target list in force. Target lists belong to the
    verification app, which sits above the registry: it registers its readers when Django
    starts (`verification.apps`), so that the registry never imports it."""

    entries: Callable[[], tuple[pl.DataFrame, list[dict[str, Any]]]]
    last_id: Callable[[], int]


_TARGET_LISTS: list[TargetLists] = []


def register_target_lists(readers: TargetLists) -> None:
    _TARGET_LISTS[:] = [readers]


@dataclass(frozen=True)
class PersonLinks:
    """How the registry asks the linkage app, which sits above it (registered by
    `linkage.apps`, so that the registry never imports it).

    `known(rows)`: rows of engine.RECORD_SCHEMA less unique_id → (row, person_id,
    match_probability) of the registry person each row is, at or above the accept threshold
    (at most one a row). `imported()`: called inside an import's write transaction, after the
    rows are written (queues an incremental link run when a trained model exists)."""

    known: Callable[[pl.DataFrame], pl.DataFrame]
    imported: Callable[[], Any]


_PERSON_LINKS: list[PersonLinks] = []


def register_person_links(links: PersonLinks) -> None:
    _PERSON_LINKS[:] = [links]


def after_import_written() -> None:
    if _PERSON_LINKS:
        _PERSON_LINKS[0].imported()


def fingerprint() -> str:
    """What the change set was built against: the last finished import and the last target
    list. A write whose fingerprint differs rebuilds its change set and asks again."""
    done = SourceBatch.objects.filter(status=BatchStatus.DONE).aggregate(m=Max("id"))["m"]
    lists = _TARGET_LISTS[0].last_id() if _TARGET_LISTS else 0
    return f"batch:{done or 0};lists:{lists or 0}"


def _fetch(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def old_keys(source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    families = _fetch(
        "SELECT source_family_id, id, row_hash, desa_id, absent_since_id IS NOT NULL "
        "FROM registry_family WHERE source = %s", [source], cs.OLD_FAMILY_SCHEMA)
    persons = _fetch(
        "SELECT p.source_person_id, p.id, p.row_hash, f.source_family_id, p.desa_id, "
        "p.absent_since_id IS NOT NULL FROM registry_person p "
        "JOIN registry_family f ON f.id = p.family_id WHERE p.source = %s",
        [source], cs.OLD_PERSON_SCHEMA)
    return families, persons


def target_entries() -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """(family_id, target_list_id) of the target list in force, and that list's name and SK."""
    if not _TARGET_LISTS:
        return pl.DataFrame(schema=cs.TARGET_SCHEMA), []
    return _TARGET_LISTS[0].entries()


def _old_values(table: str, ids: list[int], fields: list[str], key: str) -> pl.DataFrame:
    columns = list(dict.fromkeys([key, *fields]))
    out = []
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
                        f"WHERE id IN ({marks})", chunk)
            out.extend(tuple(None if v is None else str(v) for v in row)
                       for row in cur.fetchall())
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")


@dataclass
class Built:
    change: cs.ChangeSet
    summary: dict[str, Any]
    family_diffs: pl.DataFrame
    person_diffs: pl.DataFrame


def build(families: pl.DataFrame, persons: pl.DataFrame, source: str, *,
          link: bool = True) -> Built:
    """The change set of validated frames (families with the writer's member-count hash).
    `link`: split the added persons into known and new (the write, which only re-checks the
    confirmed counts, skips it)."""
    old_families, old_persons = old_keys(source)
    change = cs.classify(families, persons, old_families, old_persons)
    fam_fields = [f for f in FAMILY_FIELDS if f not in cs.NOT_COMPARED]
    per_fields = [f for f in PERSON_FIELDS if f not in cs.NOT_COMPARED]
    fam_old = _old_values("registry_family", cs.to_compare(change, "families").to_list(),
                          fam_fields, cs.FID)
    per_old = _old_values("registry_person", cs.to_compare(change, "persons").to_list(),
                          per_fields, cs.PID)
    family_diffs = cs.field_diffs(families, fam_old, cs.FID, fam_fields)
    person_diffs = cs.field_diffs(persons, per_old, cs.PID, per_fields)
    entries, lists = target_entries()
    change.target = cs.target_affected(change, entries)
    summary = cs.summary(
        change,
        family_fields=cs.field_counts(family_diffs),
        person_fields=cs.field_counts(person_diffs),
        thresholds=thresholds(),
        examples=_examples(change, families, persons, family_diffs, person_diffs),
    )
    summary["target_lists"] = lists
    summary["fingerprint"] = fingerprint()
    if link and _PERSON_LINKS:
        summary["linked"], summary["examples"]["persons_known"] = split_added(
            change, families, persons, source)
    return Built(change, summary, family_diffs, person_diffs)


def link_limit() -> int:
    """Above this many added persons the split is left to the link run (a first load of a
    second source would score the whole regency twice over while the admin waits)."""
    return int(getattr(settings, "TEPAT_IMPORT_LINK_MAX", 100_000))


def added_records(change: cs.ChangeSet, families: pl.DataFrame, persons: pl.DataFrame,
                  source: str) -> pl.DataFrame:
    """The added persons as linkage records (the family's No. KK and desa joined in; mangled
    numbers read as missing, as the registry's records are)."""
    added = change.persons.filter(pl.col("change") == "added").select(cs.PID)
    people = added.join(persons, on=cs.PID, how="left", maintain_order="left")
    return person_records.records_from_tables(families, people, source)


def _known_families(person_ids: list[int]) -> pl.DataFrame:
    """person_id → the source and family ID the registry holds that person in."""
    out = []
    for start in range(0, len(person_ids), 5000):
        chunk = person_ids[start:start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cur:
            cur.execute("SELECT p.id, p.source, f.source_family_id FROM registry_person p "  # noqa: S608
                        f"JOIN registry_family f ON f.id = p.family_id WHERE p.id IN ({marks})",
                        chunk)
            out.extend(cur.fetchall())
    return pl.DataFrame(out, schema={"person_id": pl.Int64, "known_source": pl.String,
                                     "known_family": pl.String}, orient="row")


def split_added(change: cs.ChangeSet, families: pl.DataFrame, persons: pl.DataFrame,
                source: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """({"checked", "known", "new"}, examples of the known with the family they were in)."""
    records = added_records(change, families, persons, source)
    if records.height > link_limit():
        return {"checked": False, "known": None, "new": None, "limit": link_limit()}, []
    try:
        found = (_PERSON_LINKS[0].known(records) if records.height else
                 pl.DataFrame(schema={"row": pl.Int64, "person_id": pl.Int64}))
    except Exception:  # the split informs; a linkage failure must not stop the import
        log.exception("the known/new split of an import failed")
        return {"checked": False, "known": None, "new": None, "failed": True}, []
    found = found.unique("row", keep="first", maintain_order=True)
    known = (records.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
             .join(found.select("row", "person_id"), on="row")
             .join(_known_families(found.get_column("person_id").to_list()), on="person_id",
                   how="left"))
    counts = {"checked": True, "known": known.height, "new": records.height - known.height}
    named = known.join(_pick(persons, cs.PID, "nama", "nik"), left_on="record_id",
                       right_on=cs.PID, how="left", maintain_order="left")
    examples = [
        {"id": row["record_id"], "name": row["nama"] or "", "nik": mask(row["nik"]),
         "desa": row["desa"] or "", "known_family": row["known_family"] or "",
         "known_source": row["known_source"] or ""}
        for row in named.head(cs.EXAMPLES).iter_rows(named=True)]
    return counts, examples


def _pick(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """These columns of the frame, a null text column for any it lacks (layouts differ)."""
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c) for c in columns
    )


def _family_rows(change: cs.ChangeSet, families: pl.DataFrame, diffs: pl.DataFrame,
                 which: str) -> pl.DataFrame:
    rows = change.families.filter(pl.col("change") == which).select(cs.FID)
    return (rows.join(_pick(families, cs.FID, "kepala_keluarga", "nik", "desa_code"), on=cs.FID,
                      how="left", maintain_order="left")
            .join(diffs, on=cs.FID, how="left", maintain_order="left"))


def _person_rows(change: cs.ChangeSet, persons: pl.DataFrame, diffs: pl.DataFrame,
                 which: str) -> pl.DataFrame:
    rows = change.persons.filter(pl.col("change") == which).select(cs.PID, "old_family")
    return (rows.join(_pick(persons, cs.PID, cs.FID, "nama", "nik", "desa_code"), on=cs.PID,
                      how="left", maintain_order="left")
            .join(diffs, on=cs.PID, how="left", maintain_order="left"))


def _absent_rows(ids: pl.DataFrame, table: str, key: str, name: str) -> pl.DataFrame:
    picked = ids.get_column("id").to_list()
    return _old_values(table, picked, [name, "nik", "desa_id"], key).rename(
        {"desa_id": "desa_code"})


def category_frames(built: Built, families: pl.DataFrame, persons: pl.DataFrame,
                    limit: int | None = None) -> dict[str, tuple[pl.DataFrame, str, str]]:
    """(rows, name column, key column) of every listed category, the first `limit` rows each."""
    change = built.change

    def head(frame: pl.DataFrame) -> pl.DataFrame:
        return frame if limit is None else frame.head(limit)

    out: dict[str, tuple[pl.DataFrame, str, str]] = {}
    for which in ("added", "changed", "returned"):
        out[f"families_{which}"] = (
            head(_family_rows(change, families, built.family_diffs, which)),
            "kepala_keluarga", cs.FID)
    for which in ("added", "changed", "moved", "returned"):
        out[f"persons_{which}"] = (
            head(_person_rows(change, persons, built.person_diffs, which)), "nama", cs.PID)
    out["families_absent"] = (_absent_rows(head(change.absent_families), "registry_family",
                                           cs.FID, "kepala_keluarga"), "kepala_keluarga", cs.FID)
    out["persons_absent"] = (_absent_rows(head(change.absent_persons), "registry_person",
                                          cs.PID, "nama"), "nama", cs.PID)
    out["families_emptied"] = (_absent_rows(head(change.emptied), "registry_family", cs.FID,
                                            "kepala_keluarga"), "kepala_keluarga", cs.FID)
    target = change.target.rename({"family_id": "id"})
    out["target_affected"] = (
        _absent_rows(head(target), "registry_family", cs.FID, "kepala_keluarga"),
        "kepala_keluarga", cs.FID)
    return out


def _examples(change, families, persons, family_diffs, person_diffs) -> dict[str, Any]:
    built = Built(change, {}, family_diffs, person_diffs)
    return {
        category: cs.example_rows(frame, name=name, nik="nik", key=key)
        for category, (frame, name, key) in category_frames(
            built, families, persons, limit=cs.EXAMPLES).items()
    }


# Rows per category in the downloadable lists. A first load lists every family as added (the
# file itself); beyond this the list says how many more there are instead of repeating them.
LIST_LIMIT = 20_000

LIST_HEADERS = ("Kategori", "ID", "Nama", "NIK (disamarkan)", "Kode desa", "Kolom berubah",
                "Dari keluarga", "Ke keluarga")


def write_lists(built: Built, families: pl.DataFrame, persons: pl.DataFrame,
                folder: Path) -> tuple[Path, Path]:
    """Every record of every category in one .xlsx and one .csv beside the batch's files
    (NIKs masked, as on the page)."""
    rows = []
    totals = {**{f"families_{k}": v for k, v in built.summary["families"].items()},
              **{f"persons_{k}": v for k, v in built.summary["persons"].items()},
              "target_affected": built.summary["target_affected"]["total"]}
    frames = category_frames(built, families, persons, limit=LIST_LIMIT)
    for category, (frame, name, key) in frames.items():
        for item in cs.example_rows(frame, name=name, nik="nik", key=key, limit=frame.height):
            rows.append((category, item["id"], item["name"], item["nik"], item["desa"],
                         ", ".join(item.get("fields", [])), item.get("from_family", ""),
                         item.get("to_family", "")))
        more = totals.get(category, 0) - frame.height
        if more > 0:
            rows.append((category, "", f"… {more:,} lagi (tidak dicantumkan) / {more:,} more "
                                       f"(not listed)", "", "", "", "", ""))
    xlsx_path = folder / f"{CHANGE_LIST_STEM}.xlsx"
    csv_path = folder / f"{CHANGE_LIST_STEM}.csv"
    book = workbook(str(xlsx_path), constant_memory=True)
    sheet = book.add_worksheet("Perubahan")
    for column, header in enumerate(LIST_HEADERS):
        sheet.write_string(0, column, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, str(value or ""))
    book.close()
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(LIST_HEADERS)
        writer.writerows(rows)
    return xlsx_path, csv_path


# --- inside the write transaction ---------------------------------------------------------


def _json(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    present = [c for c in columns if c in frame.columns]
    return pl.struct(present).struct.json_encode()


def write_editions(batch_id: int, source: str, change: cs.ChangeSet, families: pl.DataFrame,
                   persons: pl.DataFrame) -> dict[str, int]:
    """FamilyEdition / PersonEdition rows for every record the file carries, absent_since set
    and cleared, member counts and FAMILY_NO_MEMBERS of families emptied. Runs after the
    writer's upserts, in the same transaction. Returns counts for the batch's timings."""
    ids = family_ids(source)
    members = persons.group_by(cs.FID).agg(members=pl.col(cs.PID).sort())
    fam_data = [*[f for f in FAMILY_FIELDS if f not in ("row_hash", "source_row")],
                "desa_code", "members"]
    fam = (families.join(change.families.select(cs.FID, "change"), on=cs.FID)
           .join(members, on=cs.FID, how="left")
           .with_columns(pl.col("members").fill_null(pl.lit([], pl.List(pl.String))))
           .join(ids, on=cs.FID))
    fam = fam.select(
        pl.lit(batch_id).alias("batch_id"), "family_id", "change", "row_hash",
        pl.when(pl.col("change") == "same").then(None)
        .otherwise(_json(fam, fam_data)).alias("data"),
    )
    per_data = [*[f for f in PERSON_FIELDS if f not in ("row_hash", "source_row")],
                cs.FID, "desa_code"]
    person_ids = _fetch("SELECT source_person_id, id FROM registry_person WHERE source = %s",
                        [source], {cs.PID: pl.String, "person_id": pl.Int64})
    per = (persons.join(change.persons.select(cs.PID, "change"), on=cs.PID)
           .join(ids, on=cs.FID).join(person_ids, on=cs.PID))
    per = per.select(
        pl.lit(batch_id).alias("batch_id"), "person_id", "family_id", "change", "row_hash",
        pl.when(pl.col("change") == "same").then(None)
        .otherwise(_json(per, per_data)).alias("data"),
    )
    insert("registry_familyedition", fam)
    insert("registry_personedition", per)
    _set_absent("registry_family", change.absent_families, batch_id)
    _set_absent("registry_person", change.absent_persons, batch_id)
    returned_f = fam.filter(pl.col("change") == "returned").select(pl.col("family_id").alias("id"))
    returned_p = per.filter(pl.col("change") == "returned").select(pl.col("person_id").alias("id"))
    _set_absent("registry_family", returned_f, None)
    _set_absent("registry_person", returned_p, None)
    _recount(change.recount)
    _flag_emptied(change.emptied)
    return {"family_editions": fam.height, "person_editions": per.height}


def insert(table: str, frame: pl.DataFrame) -> None:
    """Plain bulk insert: COPY on PostgreSQL, executemany on SQLite (as the writer)."""
    if frame.is_empty():
        return
    columns = frame.columns
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            with cur.cursor.copy(sql) as copy:
                for start in range(0, frame.height, CHUNK):
                    copy.write(frame.slice(start, CHUNK).write_csv(
                        include_header=False, quote_style="non_numeric"))
        return
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        for start in range(0, frame.height, CHUNK):
            raw.executemany(sql, frame.slice(start, CHUNK).iter_rows())
    finally:
        raw.close()


def _update_many(sql: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cur:
        for start in range(0, len(rows), CHUNK):
            cur.executemany(sql, rows[start:start + CHUNK])


def _set_absent(table: str, ids: pl.DataFrame, batch_id: int | None) -> None:
    _update_many(f"UPDATE {table} SET absent_since_id = %s WHERE id = %s",  # noqa: S608
                 [(batch_id, i) for i in ids.get_column("id").to_list()])


def _recount(recount: pl.DataFrame) -> None:
    _update_many("UPDATE registry_family SET member_count = %s WHERE id = %s",
                 [(n, i) for i, n in recount.select("id", "member_count").iter_rows()])


def _flag_emptied(emptied: pl.DataFrame) -> None:
    """Families left without current members get member_count 0 and FAMILY_NO_MEMBERS."""
    picked = emptied.get_column("id").to_list()
    if not picked:
        return
    rows = []
    for start in range(0, len(picked), 5000):
        chunk = picked[start:start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cur:
            cur.execute(f"SELECT id, flags FROM registry_family WHERE id IN ({marks})",  # noqa: S608
                        chunk)
            rows.extend(cur.fetchall())
    updates = []
    for family_id, flags in rows:
        codes = sorted({*(f for f in (flags or "").split(",") if f), "FAMILY_NO_MEMBERS"})
        updates.append((",".join(codes), family_id))
    _update_many("UPDATE registry_family SET flags = %s, member_count = 0 WHERE id = %s", updates)
