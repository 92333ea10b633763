"""Command line: write a synthetic data set and print how long it took.

uv run python -m tepat.synth --households 150000 --seed 1 --format xlsx --out out/p3ke
uv run python -m tepat.synth --source dtsen --households 400000 --format csv --out out/dtsen
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from tepat.synth import DefectRates, generate, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tepat.synth", description=__doc__)
    parser.add_argument("--source", choices=["p3ke", "dtsen"], default="p3ke")
    parser.add_argument(
        "--households",
        type=int,
        default=None,
        help="genuine families (default: 150,000 for p3ke, 400,000 for dtsen)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reference-date", type=date.fromisoformat, default=date(2024, 3, 1))
    parser.add_argument("--no-defects", action="store_true", help="inject no defects")
    args = parser.parse_args(argv)
    households = args.households or (150_000 if args.source == "p3ke" else 400_000)

    started = time.perf_counter()
    data = generate(
        households,
        args.seed,
        source=args.source,
        defects=DefectRates.none() if args.no_defects else None,
        reference_date=args.reference_date,
    )
    generated = time.perf_counter()
    paths = write(data, args.out, args.format)
    written = time.perf_counter()
    print(json.dumps(data.summary, indent=2))
    for path in paths:
        print(f"{path}  {path.stat().st_size:,} bytes")
    print(f"generate {generated - started:.1f} s, write {args.format} {written - generated:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
