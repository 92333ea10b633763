"""FGT by kecamatan from a synthetic consumption survey, and the indicator demo step.

    uv run python bench/indicators_bench.py [--sizes 30000,150000]

Prints a table: households, seconds to generate, seconds for FGT (P0, P1, P2 and the minimum
transfer for 24 kecamatan and the total, through tepat.core.measures.fgt), and P0 of the total.
The demo step (load packaged series + 30k-household FGT saved) is timed in a throwaway SQLite
database when --demo is given.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def fgt_rows(sizes: list[int]) -> None:
    from tepat.core.indicators import Household, fgt_by_region
    from tepat.synth.consumption import POVERTY_LINE_2023, households

    print(f"{'households':>10} {'generate_s':>10} {'fgt_s':>8} {'p0_total_%':>10}")
    for n in sizes:
        started = time.perf_counter()
        frame = households(n, 2024)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        rows = [Household(*r) for r in frame.iter_rows()]
        results = fgt_by_region(rows, POVERTY_LINE_2023, total="35.13")
        computed = time.perf_counter() - started
        print(f"{n:>10,} {generated:>10.2f} {computed:>8.2f} {results[-1].p0:>10.2f}")


def demo_step() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["TEPAT_HOME"] = home
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from tepat.indicators import demo

        started = time.perf_counter()
        demo.build(None, echo=lambda _text: None)
        print(f"demo step (load + 30,000-household FGT saved): "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="30000,150000")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    fgt_rows([int(s) for s in args.sizes.split(",")])
    if args.demo:
        demo_step()
