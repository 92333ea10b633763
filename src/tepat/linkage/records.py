"""The registry's person records as one Polars frame for the engine (DuckDB reads it as Arrow).

The database stays the one source of truth: linkage reads a copy per run and writes back only
cluster memberships and review pairs. One query over persons joined to their family (for the
No. KK); on PostgreSQL through COPY (1.75M rows in seconds), on SQLite through the cursor.
A NIK or KK whose digits Excel lost (`*_NUMBER_MANGLED`, issue 17 §2) is read as missing: it
never links anyone.
"""

from __future__ import annotations

import io

import polars as pl
from django.db import connection

from tepat.linkage.engine import RECORD_SCHEMA

SCHEMA = {**RECORD_SCHEMA, "row_hash": pl.String}

_SELECT = """
SELECT p.id, p.source, p.source_person_id,
       CASE WHEN p.flags LIKE '%%NIK_NUMBER_MANGLED%%' THEN '' ELSE p.nik END,
       CASE WHEN f.flags LIKE '%%KK_NUMBER_MANGLED%%' THEN '' ELSE f.no_kk END,
       p.nama, p.tanggal_lahir, p.jenis_kelamin, p.desa_id, p.kecamatan_id, p.hubungan,
       p.row_hash
FROM registry_person p JOIN registry_family f ON f.id = p.family_id
"""


def read() -> pl.DataFrame:
    """Every person record of the registry, with its row hash."""
    sql = _SELECT + " ORDER BY p.id"
    if connection.vendor == "postgresql":
        frame = _copy(sql.replace("%%", "%"))
    else:
        with connection.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
        frame = pl.DataFrame(rows, schema=list(SCHEMA), orient="row")
        frame = frame.with_columns(pl.col("tanggal_lahir").cast(pl.String))
    return _typed(frame)


def _copy(sql: str) -> pl.DataFrame:
    buffer = io.BytesIO()
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.getbuffer().nbytes:  # no person yet: COPY writes nothing at all
        return pl.DataFrame(schema={c: pl.String for c in SCHEMA})
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(SCHEMA),
                       schema_overrides={c: pl.String for c in SCHEMA if c != "unique_id"})


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    text = [c for c, t in SCHEMA.items() if t == pl.String]
    return frame.with_columns(
        pl.col("unique_id").cast(pl.Int64),
        *[pl.col(c).cast(pl.String).replace("", None) for c in text],
        pl.col("tanggal_lahir").cast(pl.String).str.slice(0, 10).str.to_date(strict=False),
    )
