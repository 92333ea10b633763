"""Time of the rakor pack and the quarterly report at full size (issue 5 §2: ≤ 20 s). Prints a
table.

    uv run python bench/report_bench.py [--households 150000] [--targets 40000]
        [--interventions 100000] [--repeat 3] [--pg URL]

Reuses the builders of the other benchmarks on one instance (bench/out/report-<db>-<n>): the
full-size campaign of bench/campaign_bench.py (synthetic P3KE import of `--households`
families, a campaign over all of them with ~60 % verified), then the target list, teams,
assignments, visits, needs, programmes and interventions of bench/convergence_bench.py, and the
packaged BPS indicator series. Then it times, in this process, each whole build as the
background job runs it (`tepat.reports.services.build`: every query, the pack, the rendering):
the rakor PDF, the rakor Excel and the quarterly PDF and Excel (2024Q3, when the
interventions were delivered).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def prepare(households: int, targets: int, interventions: int) -> None:
    import campaign_bench
    import convergence_bench

    campaign_bench.prepare(households)
    convergence_bench._population(targets, interventions, random.Random(7))
    from tepat.indicators.services import load_packaged

    load_packaged()


def measure(repeat: int) -> list[tuple[str, int, float, float, int]]:
    from tepat.reports.services import build

    cases = [("rakor", "pdf", {}), ("rakor", "xlsx", {}),
             ("quarterly", "pdf", {"quarter": "2024Q3"}),
             ("quarterly", "xlsx", {"quarter": "2024Q3"})]
    rows = []
    for kind, fmt, params in cases:
        times, size = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            content = build(kind, fmt, params, lambda fraction, message: None)
            times.append(time.perf_counter() - started)
            size = len(content)
        label = f"{kind} {fmt.upper()}" + (f" {params['quarter']}" if params else "")
        rows.append((label, repeat, statistics.median(times), max(times), size))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--targets", type=int, default=40_000)
    parser.add_argument("--interventions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    import campaign_bench

    label = "postgresql" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"report-{label}-{args.households}"
    home.mkdir(parents=True, exist_ok=True)
    if args.prepare_only:
        campaign_bench._setup(home, args.pg)
        prepare(args.households, args.targets, args.interventions)
        return
    # The import's memory stays with its own process; the measuring process starts clean.
    subprocess.run([sys.executable, __file__, "--prepare-only", "--households",
                    str(args.households), "--targets", str(args.targets), "--interventions",
                    str(args.interventions)] + (["--pg", args.pg] if args.pg else []),
                   check=True)
    campaign_bench._setup(home, args.pg)
    from tepat.registry.models import Family

    families = Family.objects.count()
    load = os.getloadavg()[0]
    rows = measure(args.repeat)
    print(f"\nReports, whole build (queries + pack + rendering) — {date.today()}, "
          f"{platform.node()}, {os.cpu_count()} CPU, {label}, {families:,} registry families, "
          f"{args.targets:,} target families, {args.interventions:,} interventions; load "
          f"average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("\n| report | runs | median s | max s | bytes |")
    print("|---|---|---|---|---|")
    for name, n, median, worst, size in rows:
        print(f"| {name} | {n} | {median:.2f} | {worst:.2f} | {size:,} |")


if __name__ == "__main__":
    main()
