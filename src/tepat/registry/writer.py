"""Bulk upsert of validated families and persons into the registry tables.

The pipeline hands over polars frames whose columns are the canonical field names. Only new and
changed rows are written (compared on `row_hash`), with one `INSERT … ON CONFLICT DO UPDATE` per
row on SQLite (executemany) and COPY into a temporary table + one set-based upsert on PostgreSQL.
Both are far faster than the ORM's per-object saves; the caller runs this inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.utils import timezone

from tepat.registry.models import Family, Person

Progress = Callable[[float, str], None]

# Fields copied from the validated frames, in model order (db column = field name here).
FAMILY_FIELDS = [
    f.name
    for f in Family._meta.concrete_fields
    if f.name not in {"id", "batch", "desa", "kecamatan", "source", "updated_at", "absent_since"}
]
PERSON_FIELDS = [
    f.name
    for f in Person._meta.concrete_fields
    if f.name not in {"id", "batch", "desa", "kecamatan", "source", "updated_at", "family",
                      "absent_since"}
]
CHUNK = 20_000


@dataclass
class UnitCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    absent: int = 0  # already in the registry for this source, not in this file (kept as is)


def _existing(table: str, id_column: str, source: str) -> pl.DataFrame:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {id_column}, id, row_hash FROM {table} WHERE source = %s",  # noqa: S608
            [source],
        )
        rows = cur.fetchall()
    return pl.DataFrame(
        rows, schema={id_column: pl.String, "id": pl.Int64, "old_hash": pl.String}, orient="row"
    )


def classify(
    frame: pl.DataFrame, existing: pl.DataFrame, id_column: str
) -> tuple[pl.DataFrame, UnitCounts]:
    """Rows to write (new or changed) and the counts of added/changed/unchanged."""
    joined = frame.join(existing, on=id_column, how="left")
    is_new = pl.col("id").is_null()
    is_changed = ~is_new & (pl.col("old_hash") != pl.col("row_hash"))
    counts = joined.select(
        added=is_new.sum(), changed=is_changed.sum(), unchanged=(~is_new & ~is_changed).sum()
    ).row(0, named=True)
    to_write = joined.filter(is_new | is_changed).drop("id", "old_hash")
    absent = existing.height - counts["changed"] - counts["unchanged"]
    return to_write, UnitCounts(**counts, absent=absent)


def family_hash(families: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Add member_count and fold it into the family's row_hash (a new member changes a family)."""
    counts = persons.group_by("source_family_id").agg(member_count=pl.len().cast(pl.Int32))
    out = families.join(counts, on="source_family_id", how="left").with_columns(
        pl.col("member_count").fill_null(0)
    )
    return out.with_columns(
        row_hash=pl.concat_str(
            [pl.col("row_hash"), pl.lit(":"), pl.col("member_count").cast(pl.String)]
        )
    )


def _rows(frame: pl.DataFrame, columns: list[str]) -> Iterable[tuple]:
    return frame.select(columns).iter_rows()


def _frame_for_table(
    frame: pl.DataFrame, fields: list[str], extra: dict[str, object]
) -> tuple[pl.DataFrame, list[str]]:
    string_fields = [
        f
        for f in fields
        if f not in {"tanggal_lahir", "desil", "kelompok_usia", "member_count", "source_row"}
    ]
    present = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in fields if f not in frame.columns]
    ).with_columns([pl.col(f).cast(pl.String).fill_null("") for f in string_fields])
    out = present.with_columns(
        desa_id=pl.col("desa_code"),
        kecamatan_id=pl.col("kecamatan_code"),
        **{name: pl.lit(value) for name, value in extra.items()},
    )
    columns = [*fields, "desa_id", "kecamatan_id", *extra.keys()]
    return out, columns


def upsert(
    table: str,
    frame: pl.DataFrame,
    fields: list[str],
    conflict: list[str],
    extra: dict[str, object],
    progress: Progress | None = None,
    label: str = "",
) -> None:
    if frame.is_empty():
        return
    data, columns = _frame_for_table(frame, fields, extra)
    with _secondary_indexes_deferred_when_empty(table):
        if connection.vendor == "postgresql":
            _upsert_postgresql(table, data, columns, conflict, progress, label)
        else:
            _upsert_generic(table, data, columns, conflict, progress, label)


# (name, CREATE statement) of a table's non-unique indexes.
_INDEX_SQL = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
    "current_schema() AND tablename = %s AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
}


@contextmanager
def _secondary_indexes_deferred_when_empty(table: str) -> Iterator[None]:
    """First load of an empty table: drop the non-unique indexes, insert, rebuild them.

    Building an index once over sorted keys is several times cheaper than updating it for every
    row. It all happens inside the import's transaction, so a failure rolls the indexes back too
    (on PostgreSQL the dropped index locks the table until commit: it is empty, so nobody waits
    for anything). The unique index stays: it guards the source IDs and serves the upsert.
    """
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        if cur.fetchone() is not None:
            yield
            return
        cur.execute(_INDEX_SQL[connection.vendor], [table])
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # an index cannot be built over pending FK checks
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, sql in indexes:
            cur.execute(sql)


def _update_clause(columns: list[str], conflict: list[str]) -> str:
    return ", ".join(f"{c} = excluded.{c}" for c in columns if c not in conflict)


def _upsert_generic(table, data, columns, conflict, progress, label) -> None:
    """SQLite: executemany on the driver's own cursor (Django's wrapper costs per row)."""
    placeholders = ", ".join(["?"] * len(columns))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {_update_clause(columns, conflict)}"
    )
    # sqlite3's date adapter is deprecated: send ISO text, which is what Django stores.
    data = data.with_columns(
        [pl.col(c).cast(pl.String) for c, t in data.schema.items() if t in (pl.Date, pl.Datetime)]
    )
    total = data.height
    connection.ensure_connection()
    raw = connection.connection.cursor()
    raw.execute("PRAGMA cache_size = -262144")  # 256 MB of page cache for the index updates
    try:
        for start in range(0, total, CHUNK):
            raw.executemany(sql, _rows(data.slice(start, CHUNK), columns))
            if progress:
                progress(min(start + CHUNK, total) / total, label)
    finally:
        raw.close()


def _upsert_postgresql(table, data, columns, conflict, progress, label) -> None:
    temp = f"_load_{table}"
    total = data.height
    with connection.cursor() as cur:
        cur.execute(  # only the written columns, no constraints: COPY fills it as is
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        raw = cur.cursor  # psycopg cursor: COPY is the fast path for bulk rows
        sql = f"COPY {temp} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        with raw.copy(sql) as copy:
            for start in range(0, total, CHUNK):
                # Polars writes the CSV in Rust; strings quoted so that '' stays '' and an
                # unquoted empty field is NULL.
                chunk = data.slice(start, CHUNK).select(columns)
                copy.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
                if progress:
                    progress(min(start + CHUNK, total) / total * 0.8, label)
        cur.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM {temp} "
            f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {_update_clause(columns, conflict)}"
        )
        cur.execute(f"DROP TABLE {temp}")
    if progress:
        progress(1.0, label)


def family_ids(source: str) -> pl.DataFrame:
    with connection.cursor() as cur:
        cur.execute("SELECT source_family_id, id FROM registry_family WHERE source = %s", [source])
        rows = cur.fetchall()
    return pl.DataFrame(
        rows, schema={"source_family_id": pl.String, "family_id": pl.Int64}, orient="row"
    )


def write_families(
    families: pl.DataFrame, source: str, batch_id: int, progress: Progress | None
) -> UnitCounts:
    to_write, counts = classify(
        families, _existing("registry_family", "source_family_id", source), "source_family_id"
    )
    extra = {"source": source, "batch_id": batch_id, "updated_at": timezone.now()}
    upsert(
        "registry_family",
        to_write,
        FAMILY_FIELDS,
        ["source", "source_family_id"],
        extra,
        progress,
        "keluarga",
    )
    return counts


def write_persons(
    persons: pl.DataFrame, source: str, batch_id: int, progress: Progress | None
) -> UnitCounts:
    with_family = persons.join(family_ids(source), on="source_family_id", how="left")
    missing = with_family.filter(pl.col("family_id").is_null()).height
    if missing:  # the pipeline guarantees every person's family is in the batch
        raise RuntimeError(f"{missing} person rows have no family after the family write")
    to_write, counts = classify(
        with_family, _existing("registry_person", "source_person_id", source), "source_person_id"
    )
    extra = {"source": source, "batch_id": batch_id, "updated_at": timezone.now()}
    upsert(
        "registry_person",
        to_write,
        [*PERSON_FIELDS, "family_id"],
        ["source", "source_person_id"],
        extra,
        progress,
        "individu",
    )
    return counts
