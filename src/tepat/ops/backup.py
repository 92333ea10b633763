"""Backup and restore of a whole instance: the database and the uploaded files (berita acara,
house photos), in one archive with a manifest of row counts and checksums per table.

    tepat backup [--out FILE.tar.gz]      # default: $TEPAT_HOME/backups/tepat-<time>.tar.gz
    tepat restore FILE.tar.gz --yes       # replaces the database and the uploads, then checks

The archive holds `manifest.json`, the database (`database.sqlite3`, an online copy through
SQLite's backup API; or `database.dump`, `pg_dump -Fc`) and `media/`. The manifest's counts and
checksums are read from the same snapshot as the dump (SQLite: from the copy itself;
PostgreSQL: pg_dump runs on a snapshot exported by the transaction that reads the checksums),
so a restore can prove it brought back exactly what was saved.

A backup is written to `FILE.partial` and renamed when complete: a crash never leaves a file
that looks like a finished backup. A restore checks the archive (manifest, engine, the dump's
SHA-256) before it touches anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "tepat-backup/1"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MANIFEST = "manifest.json"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (Indonesian / English)."""


@dataclass(frozen=True)
class TableSum:
    table: str
    rows: int
    checksum: str


# --- checksums ------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_texts_sql(vendor: str, table: str, columns: list[str]) -> str:
    """Each row as engine-stable text, in a total order: SQLite's quote() of every column
    (type-exact literals, untouched by the driver's converters); PostgreSQL's row-to-text."""
    if vendor == "sqlite":
        cols = ", ".join(f"quote({_quote(c)})" for c in columns)
        order = ", ".join(_quote(c) for c in columns)
        return f"SELECT {cols} FROM {_quote(table)} ORDER BY {order}"
    return f"SELECT t::text FROM {_quote(table)} AS t ORDER BY 1"


def _table_sum(cursor: Any, vendor: str, table: str) -> TableSum:
    """Rows and a SHA-256 over the table's rows, in a total order."""
    cursor.execute(f"SELECT * FROM {_quote(table)} LIMIT 0")
    columns = [c[0] for c in cursor.description]
    cursor.execute(_row_texts_sql(vendor, table, columns))
    digest = hashlib.sha256()
    rows = 0
    while batch := cursor.fetchmany(5000):
        for row in batch:
            digest.update("\x1f".join("" if v is None else str(v) for v in row).encode())
            digest.update(b"\x1e")
            rows += 1
    return TableSum(table, rows, digest.hexdigest())


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    )
    return sorted(r[0] for r in cursor.fetchall())


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    return [r[0] for r in cursor.fetchall()]


def sqlite_sums(conn: sqlite3.Connection) -> list[TableSum]:
    cursor = conn.cursor()
    return [_table_sum(cursor, "sqlite", t) for t in _sqlite_tables(cursor)]


def live_sums() -> list[TableSum]:
    """Counts and checksums of the live database, every table."""
    vendor = _engine()
    with connection.cursor() as cursor:
        tables = _sqlite_tables(cursor) if vendor == "sqlite" else _pg_tables(cursor)
        return [_table_sum(cursor, vendor, t) for t in tables]


# --- backup ---------------------------------------------------------------------------------


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Basis data {vendor} belum didukung / database {vendor} not supported")
    return vendor


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = ["-d", str(s["NAME"])]
    if s.get("HOST"):
        args += ["-h", str(s["HOST"])]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", str(s["USER"])]
    return env, args


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_sqlite(work: Path) -> list[TableSum]:
    connection.ensure_connection()
    target = sqlite3.connect(work / SQLITE_FILE)
    try:
        connection.connection.backup(target)
        return sqlite_sums(target)
    finally:
        target.close()


def _dump_postgresql(work: Path) -> list[TableSum]:
    """pg_dump on the snapshot of the transaction that reads the checksums: one moment."""
    env, args = _pg_env_and_args()
    with connections.create_connection("default").cursor() as cursor:
        conn = cursor.connection
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        result = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             "-f", str(work / PG_FILE), *args],
            env=env, capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            cursor.execute("ROLLBACK")
            raise BackupError(f"pg_dump gagal / failed: {result.stderr.strip()}")
        sums = [_table_sum(cursor, "postgresql", t) for t in _pg_tables(cursor)]
        cursor.execute("COMMIT")
        conn.close()
    return sums


def _migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.INSTANCE_DIR) / "backups" / f"tepat-{stamp}.tar.gz"


def backup(out: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write the archive; return its path and its manifest."""
    engine = _engine()
    out = Path(out) if out else default_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="tepat-backup-") as tmp:
        work = Path(tmp)
        sums = _dump_sqlite(work) if engine == "sqlite" else _dump_postgresql(work)
        dump = work / (SQLITE_FILE if engine == "sqlite" else PG_FILE)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "dump": dump.name,
            "dump_sha256": _sha256(dump),
            "migrations": _migrations(),
            "tables": {s.table: {"rows": s.rows, "checksum": s.checksum} for s in sums},
            "media_files": _count_files(Path(settings.MEDIA_ROOT)),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname=MEDIA)
    os.replace(partial, out)
    return out, manifest


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


# --- restore --------------------------------------------------------------------------------


def _safe_members(tar: tarfile.TarFile) -> Iterable[tarfile.TarInfo]:
    for member in tar.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (
            member.isfile() or member.isdir()
        ):
            raise BackupError(
                f"Arsip berisi entri tak aman: {name} / the archive holds an unsafe entry: {name}"
            )
        yield member


def read_archive(path: Path, into: Path) -> dict[str, Any]:
    """Extract and check an archive; nothing live is touched."""
    try:
        with tarfile.open(path, "r:*") as tar:
            tar.extractall(into, members=list(_safe_members(tar)), filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            f"{path.name}: bukan arsip cadangan Tepat yang utuh / not a complete Tepat backup "
            f"archive ({exc})"
        ) from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path.name}: manifest.json tidak ada atau rusak / missing or "
                          f"damaged") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name}: format {manifest.get('format')!r} tidak dikenal / "
                          f"unknown format")
    dump = into / str(manifest.get("dump", ""))
    if not dump.is_file() or _sha256(dump) != manifest.get("dump_sha256"):
        raise BackupError(f"{path.name}: isi basis data tidak cocok dengan manifest (rusak?) / "
                          f"the database dump does not match its manifest (damaged?)")
    return manifest


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(dump: Path) -> None:
    env, args = _pg_env_and_args()
    connection.close()
    result = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", *args, str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore gagal, basis data tidak berubah / failed, the database is "
                          f"unchanged: {result.stderr.strip()[:2000]}")


def _restore_media(extracted: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    incoming = extracted / MEDIA
    if media.exists():
        old = media.with_name(media.name + ".before-restore")
        shutil.rmtree(old, ignore_errors=True)
        media.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    if incoming.is_dir():
        shutil.copytree(incoming, media)


@dataclass(frozen=True)
class Mismatch:
    table: str
    expected_rows: int | None
    rows: int | None


def compare(manifest: dict[str, Any], sums: Iterable[TableSum]) -> list[Mismatch]:
    """Tables whose rows or checksum differ from the manifest (empty: identical)."""
    expected = manifest["tables"]
    found = {s.table: s for s in sums}
    problems = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None or (want["rows"], want["checksum"]) != (
            got.rows, got.checksum
        ):
            problems.append(Mismatch(table, want and want["rows"], got and got.rows))
    return problems


def restore(path: Path) -> tuple[dict[str, Any], list[Mismatch]]:
    """Replace the database and the uploads with the archive's; return the manifest and the
    tables that differ after the restore (empty when the restore is exact)."""
    engine = _engine()
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="tepat-restore-") as tmp:
        extracted = Path(tmp)
        manifest = read_archive(path, extracted)
        if manifest["engine"] != engine:
            raise BackupError(
                f"{path.name}: cadangan {manifest['engine']} tidak bisa dipulihkan ke {engine} / "
                f"a {manifest['engine']} backup cannot be restored into {engine}"
            )
        dump = extracted / manifest["dump"]
        if engine == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        _restore_media(extracted)
    return manifest, compare(manifest, live_sums())
