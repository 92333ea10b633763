"""`tepat restore FILE.tar.gz --yes`: replace the database and the uploads with a backup, then
prove the restore exact (row counts and checksums per table against the archive's manifest).
Stop the web app and the worker first."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tepat.audit.services import log_event
from tepat.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Pulihkan dari cadangan / restore from a backup (replaces all data)"

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true",
                            help="confirm: the current data is replaced")

    def handle(self, *args, archive: Path, yes: bool, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: berkas tidak ada / file not found")
        if not yes:
            raise CommandError("Pemulihan mengganti SEMUA data saat ini; ulangi dengan --yes / "
                               "a restore replaces ALL current data; repeat with --yes")
        try:
            manifest, mismatches = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if mismatches:
            lines = [f"  {m.table}: {m.expected_rows} → {m.rows}" for m in mismatches]
            raise CommandError("Hasil pemulihan berbeda dari cadangan / the restored data "
                               "differs from the backup:\n" + "\n".join(lines))
        with transaction.atomic():
            log_event("system.restored", data={"archive": archive.name,
                                               "created_at": manifest["created_at"]})
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"Dipulihkan / restored: {archive.name} ({manifest['created_at']}); "
            f"{len(manifest['tables'])} tabel, {rows:,} baris, jumlah dan checksum cocok / "
            "counts and checksums match"
        )
