"""Benchmark: read + validate against the raw fastexcel read of the same files (not a test).

    uv run python tests/pipeline/bench_pipeline.py --synth 150000 --out /tmp/bench_pipeline
    uv run python tests/pipeline/bench_pipeline.py FAMILY.xlsx PERSON.xlsx

`--synth N` writes a tepat.synth export of N households first (150,000 households give about
500,000 persons). `tests/pipeline/bigfile.py` writes another xlsx flavour (inline strings,
xlsxwriter) of any size.

The target: validate_files ≤ 2 × the raw read (fastexcel, default dtypes) of both files. Runs are
interleaved and the best of `--repeat` is reported, to damp other load on the machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import fastexcel

from tepat.core.regions import national_table
from tepat.pipeline import validate_files


def raw_read(path: Path) -> float:
    started = time.perf_counter()
    fastexcel.read_excel(path).load_sheet(0).to_polars()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("family", type=Path, nargs="?")
    parser.add_argument("person", type=Path, nargs="?")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", default="p3ke")
    parser.add_argument("--synth", type=int, default=0, help="households to generate first")
    parser.add_argument("--out", type=Path, default=Path("bench_pipeline_out"))
    args = parser.parse_args()
    if args.synth:
        from tepat.synth import generate, write

        data = generate(args.synth, seed=1, source=args.source)
        args.family, args.person, *_ = write(data, args.out, "xlsx")
    if args.family is None or args.person is None:
        parser.error("give FAMILY and PERSON files, or --synth N")
    regions = national_table()
    raw_times, runs = [], []
    for _ in range(args.repeat):
        raw_times.append(raw_read(args.family) + raw_read(args.person))
        started = time.perf_counter()
        validated = validate_files(
            args.family, args.person, args.source, regions=regions, today=date(2025, 7, 1)
        )
        runs.append((time.perf_counter() - started, validated.timings))
    raw = min(raw_times)
    total, timings = min(runs, key=lambda run: run[0])
    print(
        f"families {validated.families.height:,}  persons {validated.persons.height:,}  "
        f"errors {validated.error_count}"
    )
    print(
        f"raw fastexcel read (both files): {raw:6.2f} s   (runs: "
        f"{', '.join(f'{t:.2f}' for t in raw_times)})"
    )
    print(
        f"validate_files total:            {total:6.2f} s   (runs: "
        f"{', '.join(f'{t:.2f}' for t, _ in runs)})"
    )
    print(f"  read {timings['read']:.2f} s, validate {timings['validate']:.2f} s")
    print(f"ratio: {total / raw:.2f} x the raw read (target <= 2)")


if __name__ == "__main__":
    main()
