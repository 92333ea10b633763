"""Linkage at regency size (issue 18 §5): the full regency linked, one new edition linked
incrementally, an agency list matched. Prints a table of seconds and peak memory.

    uv run python bench/linkage_bench.py [--households 400000] [--pg URL] [--keep]

Builds (or reuses) an instance in bench/out/linkage-<db>-<households>: `tepat synth --linkage`
files imported through the product's own import (DTSEN, then P3KE: at 400k households about
1.25M + 0.5M persons). Then each step runs as its own `tepat link …` process, so that its
wall time and peak resident memory (from the kernel, os.wait4) are the step's alone:
train; the first full run (every membership written); a second full run (nothing changes);
the second P3KE edition imported, then `link run --incremental`; and the agency list
(10,000 rows) matched against the registry (`linkage.matching.match`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(home: Path, pg: str | None) -> dict[str, str]:
    env = {**os.environ, "TEPAT_HOME": str(home), "DJANGO_SETTINGS_MODULE": "tepat.settings"}
    env.pop("DATABASE_URL", None)
    if pg:
        env["DATABASE_URL"] = pg
    return env


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident GB, stdout's last line) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    out = child.stdout.read() if child.stdout else ""
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    lines = out.strip().splitlines()
    return seconds, usage.ru_maxrss / 1e6, lines[-1] if lines else ""


def tepat(*args: str) -> list[str]:
    return [sys.executable, "-m", "tepat.cli", *args]


def build(home: Path, households: int, env: dict[str, str]) -> Path:
    files = home / "files"
    if not (home / ".imported").exists():
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run(tepat("migrate", "--verbosity", "0"), env=env, check=True)
        subprocess.run(tepat("regions", "load", "--kabupaten", "35.13"), env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(tepat("synth", "--linkage", "--households", str(households), "--seed",
                             "5", "--out", str(files), "--format", "csv"), env=env, check=True,
                       stdout=subprocess.DEVNULL)
        for source, family, person in (("dtsen", "dtsen_keluarga.csv", "dtsen_individu.csv"),
                                       ("p3ke", "p3ke_keluarga.csv", "p3ke_individu.csv")):
            subprocess.run(tepat("import", str(files / family), str(files / person),
                                 "--source", source, "--period", "2025-01", "--confirm",
                                 "benchmark"), env=env, check=True, stdout=subprocess.DEVNULL)
        (home / ".imported").touch()
    return files


MATCH_LIST = """
import sys, time, polars as pl, django
django.setup()
from tepat.linkage.engine import RECORD_SCHEMA
from tepat.linkage.matching import match, registry_prepared
from tepat.regions.models import Region
frame = pl.read_csv(sys.argv[1], infer_schema=False)
desa = dict(Region.objects.filter(level="desa").values_list("name", "code"))
registry_prepared()  # the snapshot, as a run leaves it
started = time.perf_counter()
rows = frame.select(pl.lit("bantuan").alias("source"), pl.col("No").alias("record_id"),
    pl.col("NIK").alias("nik"), pl.col("No. KK").alias("no_kk"), pl.col("Nama").alias("nama"),
    pl.col("Tanggal lahir").str.to_date(strict=False).alias("tanggal_lahir"),
    pl.lit(None, pl.String).alias("jenis_kelamin"),
    pl.col("Desa").str.to_uppercase().replace_strict(
        {k.upper(): v for k, v in desa.items()}, default=None).alias("desa"),
    pl.lit(None, pl.String).alias("kecamatan"), pl.lit(None, pl.String).alias("hubungan"))
rows = rows.with_columns(pl.col("desa").str.slice(0, 8).alias("kecamatan"))
found = match(rows)
print(f"{time.perf_counter() - started:.2f} {found.get_column('row').n_unique()}")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=400_000)
    parser.add_argument("--pg", help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    db = "pg" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"linkage-{db}-{args.households}"
    env = _env(home, args.pg)
    started = time.perf_counter()
    files = build(home, args.households, env)
    print(f"instance ready in {time.perf_counter() - started:.0f} s: {home}", flush=True)
    rows = []
    for label, command in (
            ("train", tepat("link", "train")),
            ("full run, first (all memberships written)", tepat("link", "run")),
            ("full run, again (nothing changed)", tepat("link", "run"))):
        seconds, peak, last = timed(command, env)
        rows.append((label, seconds, peak, last[:90]))
        print(rows[-1], flush=True)
    subprocess.run(tepat("import", str(files / "p3ke2_keluarga.csv"),
                         str(files / "p3ke2_individu.csv"), "--source", "p3ke", "--period",
                         "2025-07", "--confirm", "benchmark"), env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds, peak, last = timed(tepat("link", "run", "--incremental"), env)
    rows.append(("incremental run after the 2nd P3KE edition", seconds, peak, last[:90]))
    seconds, peak, last = timed([sys.executable, "-c", MATCH_LIST,
                                 str(files / "bantuan.csv")], env)
    rows.append(("agency list of 10,000 rows matched (in-process time)",
                 float(last.split()[0]), peak, f"rows with a candidate: {last.split()[1]}"))
    print(f"\n{'step':55} {'seconds':>8} {'peak GB':>8}  result")
    for label, seconds, peak, last in rows:
        print(f"{label:55} {seconds:8.1f} {peak:8.2f}  {last}")


if __name__ == "__main__":
    main()
