"""`tepat report rakor --out FILE.pdf|FILE.xlsx` and
`tepat report quarterly --quarter 2024Q1 --out FILE.pdf|FILE.xlsx`: the report now, in this
process (no job), with progress lines; the format follows the file's extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tepat.reports.quarterly import QuarterError, parse_quarter
from tepat.reports.services import build

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}


class Command(BaseCommand):
    help = "Bahan rakor TKPK atau laporan triwulan sebagai PDF/Excel / the rakor pack or the " \
           "quarterly report as PDF/Excel"

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        rakor = kinds.add_parser("rakor", help="bahan rapat koordinasi TKPK / TKPK meeting pack")
        rakor.add_argument("--out", required=True, help="FILE.pdf atau FILE.xlsx")
        quarterly = kinds.add_parser("quarterly", help="laporan triwulan / quarterly report")
        quarterly.add_argument("--quarter", required=True, help="misalnya / e.g. 2024Q1")
        quarterly.add_argument("--out", required=True, help="FILE.pdf atau FILE.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        fmt = FORMATS.get(out.suffix.lower())
        if fmt is None:
            raise CommandError(
                f"Ekstensi berkas keluaran tidak dikenal: {out.name!r}; gunakan .pdf atau .xlsx "
                f"/ unknown output extension {out.name!r}: use .pdf or .xlsx")
        params: dict[str, str] = {}
        if options["kind"] == "quarterly":
            try:
                params["quarter"] = parse_quarter(options["quarter"]).code
            except QuarterError as exc:
                raise CommandError(str(exc)) from exc
        if not out.parent.exists():
            raise CommandError(f"Folder tidak ada: {out.parent} / no such folder: {out.parent}")

        def progress(fraction: float, message: str) -> None:
            self.stdout.write(f"{round(fraction * 100):3d}% {message}")

        content = build(options["kind"], fmt, params, progress)
        out.write_bytes(content)
        self.stdout.write(str(out.resolve()))
