"""What asking the parsing child for cell types costs (issue 17 §2): a sheet is loaded as text
(`Workbook.load`), then the NIK, KK and date columns are loaded again as booleans
(`Workbook.numbers`: a number cell is true/false, a text cell null). Prints one table.

    uv run python bench/cell_types_bench.py DIR [--runs 3]

DIR holds the regency-size p3ke_individu.xlsx (and p3ke_keluarga.xlsx) written by
`uv run python tests/pipeline/bigfile.py DIR 150000 500000`.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import datetime
from pathlib import Path

from tepat.core.layout import P3KE_FAMILY, P3KE_PERSON
from tepat.pipeline.headers import header_key
from tepat.pipeline.readers import read_sheet
from tepat.pipeline.workbook import open_workbook

TYPED = {"nik", "nokk", "tanggallahir"}  # header keys


def measure(path: Path, runs: int) -> tuple[list[float], list[float], list[float], int, int]:
    loads, numbers, reads = [], [], []
    rows = columns = 0
    for _ in range(runs):
        with open_workbook(path, path.name) as book:
            started = time.perf_counter()
            grid = book.load(0)
            loads.append(time.perf_counter() - started)
            header = [header_key(h) for h in grid.frame.row(0)]
            wanted = [i for i, h in enumerate(header) if h in TYPED]
            started = time.perf_counter()
            book.numbers(0, wanted)
            numbers.append(time.perf_counter() - started)
            rows, columns = grid.frame.height, len(wanted)
        started = time.perf_counter()
        layout = P3KE_PERSON if "individu" in path.name else P3KE_FAMILY
        read_sheet(path, layout)
        reads.append(time.perf_counter() - started)
    return loads, numbers, reads, rows, columns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  runs={args.runs}")
    print("| file | rows | typed columns | load as text s | cell types s | types / load "
          "| read_sheet s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("p3ke_individu.xlsx", "p3ke_keluarga.xlsx"):
        path = args.dir / name
        if not path.exists():
            continue
        loads, numbers, reads, rows, columns = measure(path, args.runs)
        load, types = statistics.median(loads), statistics.median(numbers)
        print(f"| {name} | {rows:,} | {columns} | {load:.2f} | {types:.2f} | "
              f"{types / load:.0%} | {statistics.median(reads):.2f} |")


if __name__ == "__main__":
    main()
