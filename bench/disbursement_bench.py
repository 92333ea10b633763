"""Time of an agency's disbursement file (issue 17 §6; no speed target in the issue). Prints a
table.

    uv run python bench/disbursement_bench.py [--families 150000] [--rows 50000]
        [--unmatched 200] [--pg URL]

Builds (or reuses) an instance in bench/out/disbursement-<db>: `--families` registry families
with a valid No. KK (written in bulk: only what matching reads) and one programme. Writes a CSV
of `--rows` payments by No. KK (90 % paid, 10 % failed with a reason; `--unmatched` of them with
a No. KK that exists nowhere, whose nearest candidates are searched), then times the preview,
the import, the same file again (nothing new) and a later file in which every failed payment is
paid (updates), each in a fresh programme state for the first two.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(home: Path, database_url: str | None) -> None:
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


def _kk(i: int) -> str:
    """A valid-looking No. KK: the desa's kecamatan, an issue date, a serial."""
    day, month, year = 1 + i // 9999 % 28, 1 + i // (9999 * 28) % 12, 10 + i // (9999 * 336)
    return f"351320{day:02d}{month:02d}{year:02d}{1 + i % 9999:04d}"


def _registry(families: int) -> None:
    from django.core.management import call_command

    from tepat.regions.models import Level, Region
    from tepat.regions.services import load_kabupaten
    from tepat.registry.models import BatchStatus, Family, SourceBatch

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        load_kabupaten("35.13")
    if Family.objects.exists():
        return
    desa = list(Region.objects.filter(level=Level.DESA).values_list("code", "parent_id"))
    batch = SourceBatch.objects.create(source="p3ke", period="bench", status=BatchStatus.DONE)
    Family.objects.bulk_create([
        Family(source="p3ke", batch=batch, desa_id=desa[i % len(desa)][0],
               kecamatan_id=desa[i % len(desa)][1], source_family_id=f"D{i:07d}", desil=1,
               no_kk=_kk(i), kepala_keluarga=f"Kepala {i}", member_count=3, row_hash=str(i))
        for i in range(families)], batch_size=5000)


def _file(path: Path, rows: int, unmatched: int, families: int, failed_paid: bool) -> None:
    rng = random.Random(17)
    lines = ["No Referensi;No KK;Nama;Periode;Nominal;Status"]
    for n in range(rows):
        failed = n % 10 == 0 and not failed_paid
        status = "Gagal - rekening pasif" if failed else "Tersalur"
        kk = f"351320010199{n % 9999 + 1:04d}" if n < unmatched else _kk(
            rng.randrange(families))
        lines.append(f"BENCH-{n:07d};{kk};Penerima {n};TW2 2025;Rp 750.000;{status}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=150_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--unmatched", type=int, default=200)
    parser.add_argument("--pg")
    args = parser.parse_args()
    home = ROOT / "bench" / "out" / f"disbursement-{'pg' if args.pg else 'sqlite'}"
    home.mkdir(parents=True, exist_ok=True)
    _setup(home, args.pg)
    _registry(args.families)

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tepat.accounts.roles import Role
    from tepat.gesek.models import Agency
    from tepat.interventions.disbursement import import_disbursements, preview_disbursements
    from tepat.interventions.models import Programme

    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN_KABUPATEN, "area_id": "35.13"})
    agency, _ = Agency.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    files = home / "files"
    files.mkdir(exist_ok=True)
    first, later = files / "salur.csv", files / "salur-ulang.csv"
    _file(first, args.rows, args.unmatched, args.families, failed_paid=False)
    _file(later, args.rows, args.unmatched, args.families, failed_paid=True)

    results = []

    def timed(label: str, fn) -> object:
        started = time.perf_counter()
        value = fn()
        results.append((label, time.perf_counter() - started, value))
        return value

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            programme = Programme.objects.create(
                name=f"Bench {time.time()}", agency=agency, kind="PKH", strategy="BEBAN",
                funding="APBN", unit_cost=750_000, year=2025)

            def run(path: Path):
                return lambda: import_disbursements(programme, path, actor=admin,
                                                    file_name=path.name).counts

            timed("preview (read, match, plan; nothing written)", lambda: preview_disbursements(
                programme, first, actor=admin, file_name=first.name).counts)
            timed("import (first time)", run(first))
            timed("the same file again (nothing new)", run(first))
            timed("a later file: failed payments now paid", run(later))
            raise Rollback
    except Rollback:
        pass
    sys.stdout.write(f"\n{connection.vendor}, {args.families:,} families, {args.rows:,} rows "
                     f"({args.unmatched} unmatched)\n\n| step | seconds | rows by action |\n"
                     "|---|---|---|\n")
    for label, seconds, counts in results:
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        sys.stdout.write(f"| {label} | {seconds:.2f} | {shown} |\n")


if __name__ == "__main__":
    main()
