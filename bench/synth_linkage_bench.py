"""How long the linked synthetic data set takes (issue 18 §4): `generate_linked` stage by stage
and `write_linked` as csv and xlsx, at the regency size (400,000 DTSEN families, ~1.25M DTSEN
persons, ~500k P3KE persons, its second edition, DTKS and a 10,000-row agency list). Prints one
table. The target: generation well under 3 minutes on the 2-core machine.

    uv run python bench/synth_linkage_bench.py [--households 400000] [--seed 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

from tepat.synth import generate_linked, write_linked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--skip-xlsx", action="store_true")
    args = parser.parse_args()
    print(f"{datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  cpus={os.cpu_count()}  "
          f"households={args.households:,}  seed={args.seed}")

    started = time.perf_counter()
    data = generate_linked(args.households, args.seed)
    generated = time.perf_counter() - started

    print("| stage | seconds |")
    print("|---|---:|")
    for stage, seconds in data.seconds.items():
        print(f"| {stage} | {seconds:.1f} |")
    print(f"| **generate_linked** | **{generated:.1f}** |")
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        for fmt in ("csv", *(() if args.skip_xlsx else ("xlsx",))):
            started = time.perf_counter()
            paths = write_linked(data, out / fmt, fmt)
            size = sum(p.stat().st_size for p in paths)
            print(f"| write_linked {fmt} ({size / 1e6:,.0f} MB) "
                  f"| {time.perf_counter() - started:.1f} |")
    print()
    print("| source | records | entities | exact |")
    print("|---|---:|---:|---:|")
    for source, part in data.summary["sources"].items():
        exact = part["variants"].get("exact", 0) / max(part["records"], 1)
        print(f"| {source} | {part['records']:,} | {part['entities']:,} | {exact:.1%} |")


if __name__ == "__main__":
    main()
