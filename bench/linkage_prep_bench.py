"""Time of the name and NIK preparation for person linkage (tepat.core.linkage) on one core.

    POLARS_MAX_THREADS=1 uv run python bench/linkage_prep_bench.py [rows]

Builds `rows` (default 1.75M, the persons of a regency across its sources) synthetic Probolinggo
names with the synth name builder, dresses a share of them the way source lists write them
(titles, mixed case, old spelling, BIN/BINTI, punctuation), and prints one row per step: the
vectorised twin on the whole column, and the scalar function on a sample (per row).
Not a timed test: it prints a table to read.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

from tepat.core import linkage
from tepat.synth.names import build_names

DRESSINGS = [
    ("", ""), ("H. ", ""), ("Hj. ", ""), ("", ", S.Pd."), ("DRS. ", ""), ("", " BIN SAMSUL"),
    ("", " binti H. Abdullah"), ("Ir. ", ", S.T."), ("K.H. ", ""), ("Alm. ", ""),
]  # fmt: skip
OLD_SPELLING = {"J": "DJ", "U": "OE", "C": "TJ", "Y": "J", "SY": "SJ", "KH": "CH"}


def sample_names(rows: int, seed: int = 18) -> pl.Series:
    rng = np.random.default_rng(seed)
    names = build_names(
        rng, rng.random(rows) < 0.5, rng.integers(1935, 2024, rows), rng.random(rows) < 0.4
    )
    frame = pl.DataFrame({"name": names, "dress": rng.integers(0, len(DRESSINGS) * 3, rows)})
    prefix = pl.Series([p for p, _ in DRESSINGS] + [""] * len(DRESSINGS) * 2)
    suffix = pl.Series([s for _, s in DRESSINGS] + [""] * len(DRESSINGS) * 2)
    old = rng.random(rows) < 0.1
    lower = rng.random(rows) < 0.2
    name = pl.when(pl.lit(old)).then(pl.col("name").str.replace_many(OLD_SPELLING))
    name = name.otherwise(pl.col("name"))
    name = pl.when(pl.lit(lower)).then(name.str.to_titlecase()).otherwise(name)
    return frame.select(
        pl.concat_str(prefix.gather(frame["dress"]), name, suffix.gather(frame["dress"]))
    ).to_series()


def timed(step: str, rows: int, run) -> None:
    start = time.perf_counter()
    run()
    took = time.perf_counter() - start
    print(f"{step:<34} {rows:>10,} {took:>9.3f} {took / rows * 1e6:>9.2f}")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_750_000
    raw = sample_names(rows).to_frame("raw")
    names = raw.select(name=linkage.normalise_name_expr(pl.col("raw")))
    on_raw = [linkage.normalise_name_expr, linkage.split_patronym_expr]
    on_names = [
        linkage.sorted_tokens_expr, linkage.name_phonetic_expr, linkage.name_phonetic_last_expr
    ]  # fmt: skip
    print(f"threads: {pl.thread_pool_size()}; distinct raw names: {raw['raw'].n_unique():,}")
    print(f"{'step':<34} {'rows':>10} {'seconds':>9} {'µs/row':>9}")
    for twin in on_raw:
        timed(twin.__name__, rows, lambda twin=twin: raw.select(twin(pl.col("raw"))))
    for twin in on_names:
        timed(twin.__name__, rows, lambda twin=twin: names.select(twin(pl.col("name"))))
    sample = raw["raw"].head(20_000).to_list()
    scalar = linkage.normalise_name
    timed("normalise_name (scalar, a sample)", len(sample), lambda: [scalar(n) for n in sample])
    print(raw.head(12).with_columns(names.head(12)))


if __name__ == "__main__":
    main()
