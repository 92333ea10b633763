"""`tepat backup [--out FILE.tar.gz]`: the database and the uploads in one checked archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tepat.audit.services import log_event
from tepat.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Cadangkan basis data dan berkas unggahan / back up the database and the uploads"

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="archive path (default: "
                            "$TEPAT_HOME/backups/tepat-<time>.tar.gz)")

    def handle(self, *args, out: Path | None = None, **options):
        with transaction.atomic():
            log_event("system.backup", data={"out": str(out) if out else ""})
        try:
            path, manifest = backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"{path}\n{len(manifest['tables'])} tabel, {rows:,} baris, "
            f"{manifest['media_files']} berkas unggahan ({manifest['engine']})"
        )
