"""Time of the small-count suppression (tepat.core.suppression) on public-table shapes.

    uv run python bench/suppression_bench.py

Prints one row per shape: the progress table of the public dashboard (rows × 6 counts × 2
units + the total row, with the row splits and the column totals), random counts of which a
given share is below 5.
"""

from __future__ import annotations

import random
import time

from tepat.core.suppression import grid_relations, recoverable, suppress

BASES = ["in_scope", "verified", "pending", "still_target", "removed", "proposed"]


def table(rows: int, small_share: float, seed: int):
    rng = random.Random(seed)
    codes = [f"k{i:03d}" for i in range(rows)]
    values = {}
    for unit, factor in (("keluarga", 1), ("jiwa", 3)):
        for code in codes:
            def count():
                return rng.randint(0, 4) if rng.random() < small_share else rng.randint(5, 900)
            still, removed, pending = count(), count(), count()
            cells = {"still_target": still, "removed": removed, "pending": pending,
                     "verified": still + removed, "in_scope": still + removed + pending,
                     "proposed": count()}
            for base, v in cells.items():
                values[(code, f"{base}_{unit}")] = v * factor
        for base in BASES:
            values[("total", f"{base}_{unit}")] = sum(values[(c, f"{base}_{unit}")]
                                                     for c in codes)
    relations = []
    for unit in ("keluarga", "jiwa"):
        splits = {f"in_scope_{unit}": [f"verified_{unit}", f"pending_{unit}"],
                  f"verified_{unit}": [f"still_target_{unit}", f"removed_{unit}"]}
        relations += grid_relations(codes, "total", [f"{b}_{unit}" for b in BASES], splits)
    links = [[(c, f"{b}_keluarga"), (c, f"{b}_jiwa")] for c in [*codes, "total"] for b in BASES]
    return values, relations, links


def main() -> None:
    print(f"{'rows':>5} {'small':>6} {'cells':>6} {'hidden':>7} {'seconds':>8}")
    for rows, share in ((24, 0.1), (24, 0.3), (24, 0.6), (100, 0.3)):
        values, relations, links = table(rows, share, seed=rows)
        start = time.perf_counter()
        hidden = suppress(values, relations, links=links)
        took = time.perf_counter() - start
        assert not recoverable(hidden, relations)
        print(f"{rows:>5} {share:>6.0%} {len(values):>6} {len(hidden):>7} {took:>8.3f}")


if __name__ == "__main__":
    main()
