"""Import benchmark: full regency P3KE (xlsx) into SQLite and PostgreSQL, DTSEN (csv) into
PostgreSQL, beside the raw fastexcel read time and a naive baseline. Prints a table.

    uv run python bench/import_bench.py [--households 150000] [--dtsen-households 400000]
        [--skip-dtsen] [--skip-naive] [--pg postgres://postgres@127.0.0.1:5432/postgres]

Each import runs in a fresh process (fresh database, regions loaded, then the timed import) so
that peak memory (ru_maxrss) belongs to that import alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synth(out: Path, households: int, source: str, fmt: str) -> list[Path]:
    from tepat import synth as gen

    if not (out / f"{source}_keluarga.{fmt}").exists():
        started = time.perf_counter()
        data = gen.generate(households, 1, source=source)
        gen.write(data, out, fmt)
        print(
            f"# synth {source} {households:,} families → {fmt} in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return [out / f"{source}_keluarga.{fmt}", out / f"{source}_individu.{fmt}"]


def raw_read_seconds(paths: list[Path]) -> float:
    """fastexcel/polars reading the same files into frames, all columns as text: the floor."""
    import fastexcel
    import polars as pl

    started = time.perf_counter()
    for path in paths:
        if path.suffix == ".xlsx":
            fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_polars()
        else:
            pl.read_csv(path, infer_schema=False)
    return time.perf_counter() - started


def raw_parallel_seconds(paths: list[Path]) -> float:
    """The same read with the two files on two threads, as the pipeline does."""
    from concurrent.futures import ThreadPoolExecutor

    import fastexcel

    def read(path: Path) -> None:
        fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_polars()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(read, paths))
    return time.perf_counter() - started


def run_child(script: str, args: list[str], home: Path, database_url: str | None) -> dict:
    """Run a bench/_*_child.py script in a fresh process; it prints one JSON line."""
    env = {**os.environ, "TEPAT_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).parent / script), *args],
        env=env, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{script} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(paths: list[Path], source: str, database_url: str | None, home: Path) -> dict:
    return run_child("_import_child.py", [source, *map(str, paths)], home, database_url)


def fresh_pg(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return base_url.rsplit("/", 1)[0] + "/" + name


def naive_seconds(paths: list[Path], sample: int, home: Path, database_url: str | None) -> dict:
    return run_child("_naive_child.py", [str(sample), *map(str, paths)], home, database_url)


def row(name: str, r: dict, raw: float | None, naive_scaled: float | None) -> str:
    ratio = f"{r['total'] / raw:.2f}×" if raw else "—"
    speedup = f"{naive_scaled / r['total']:.0f}×" if naive_scaled else "—"
    return (
        f"| {name} | {r['families']:,} / {r['persons']:,} | {r['read']:.1f} | "
        f"{r['validate']:.1f} | {r['write']:.1f} | {r['total']:.1f} | "
        f"{r['peak_mb']:,.0f} | {ratio} | {speedup} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--dtsen-households", type=int, default=400_000)
    parser.add_argument("--naive-sample", type=int, default=10_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-dtsen", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    work = args.work
    p3ke = synth(work / f"p3ke_{args.households}", args.households, "p3ke", "xlsx")
    raw = raw_read_seconds(p3ke)
    raw_parallel = raw_parallel_seconds(p3ke)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        r = child(p3ke, "p3ke", None, Path(tmp) / "sqlite")
        results.append(("P3KE xlsx → SQLite", r, raw))
        r = child(p3ke, "p3ke", fresh_pg(args.pg, "tepat_bench_p3ke"), Path(tmp) / "pg")
        results.append(("P3KE xlsx → PostgreSQL", r, raw))
        if not args.skip_dtsen:
            dtsen = synth(
                work / f"dtsen_{args.dtsen_households}", args.dtsen_households, "dtsen", "csv"
            )
            raw_dtsen = raw_read_seconds(dtsen)
            r = child(dtsen, "dtsen", fresh_pg(args.pg, "tepat_bench_dtsen"), Path(tmp) / "pg2")
            results.append(("DTSEN csv → PostgreSQL", r, raw_dtsen))
        naive = {}
        if not args.skip_naive:
            naive["SQLite"] = naive_seconds(p3ke, args.naive_sample, Path(tmp) / "naive", None)
            naive["PostgreSQL"] = naive_seconds(
                p3ke, args.naive_sample, Path(tmp) / "naive-pg",
                fresh_pg(args.pg, "tepat_bench_naive"),
            )
    families = results[0][1]["families"]
    scaled = {db: n["seconds"] * families / n["families"] for db, n in naive.items()}
    print(
        f"\nImport benchmark — {date.today()}, {platform.node()}, {os.cpu_count()} CPU, "
        f"Python {platform.python_version()}"
    )
    print(
        "\n| run | keluarga / jiwa | read s | validate s | write s | total s | peak MB "
        "| total ÷ raw read | vs naive |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r, raw_s in results:
        db = name.rsplit("→ ", 1)[1]
        print(row(name, r, raw_s, scaled.get(db) if "P3KE" in name else None))
    print(f"\nRaw fastexcel read of the same P3KE xlsx (both files, all text): {raw:.1f} s "
          f"one after the other (the ratio's base), {raw_parallel:.1f} s on two threads")
    for db, n in naive.items():
        print(
            f"Naive baseline (pandas + openpyxl + one ORM save per row, {db}): "
            f"{n['families']:,} families / {n['persons']:,} persons in {n['seconds']:.1f} s "
            f"→ scaled to {families:,} families: {scaled[db]:.0f} s"
        )


if __name__ == "__main__":
    main()
