"""Linkage accuracy against synthetic ground truth (issue 18 §4): pairwise precision, recall and
F1 per threshold, the review queue per 1,000 persons, beside today's exact-key dedup and Splink
with default comparisons and no Indonesian normalisation.

    uv run python bench/linkage_accuracy_bench.py [--households 30000] [--seed 5]

Records: DTSEN, P3KE (first edition), DTKS, and the persons the second P3KE edition carries
under a new ID (the rest of that edition updates the first edition's records in the registry),
each file through the product's own validation. Truth: `tepat synth --linkage`'s entities.
Each model is trained on these records (m and u from the data), then every pair at or above
0.01 is scored once and clustered at each threshold (connected components).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from tepat.core import linkage as ident
from tepat.core import pairwise
from tepat.linkage import engine
from tepat.pipeline import validate_files
from tepat.synth.linkage import generate_linked
from tepat.synth.writer import write_linked

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999)
FILES = {"dtsen": ("dtsen_keluarga.csv", "dtsen_individu.csv", "dtsen"),
         "p3ke": ("p3ke_keluarga.csv", "p3ke_individu.csv", "p3ke"),
         "p3ke2": ("p3ke2_keluarga.csv", "p3ke2_individu.csv", "p3ke"),
         "dtks": ("dtks_keluarga.csv", "dtks_anggota.csv", "dtks")}


def records(households: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    data = generate_linked(households, seed)
    out = Path(tempfile.mkdtemp(prefix="linkage-bench-"))
    write_linked(data, out, "csv")
    frames = {}
    for name, (family, person, source) in FILES.items():
        validated = validate_files(out / family, out / person, source)
        frames[name] = ident.records_from_tables(validated.families, validated.persons,
                                                  name)
    first_ids = frames["p3ke"].get_column("record_id").implode()
    frames["p3ke2"] = frames["p3ke2"].filter(~pl.col("record_id").is_in(first_ids))
    every = pl.concat(list(frames.values())).with_row_index("unique_id").with_columns(
        pl.col("unique_id").cast(pl.Int64))
    truth = data.truth.filter(pl.col("source") != "bantuan").select("source", "record_id",
                                                                    "entity")
    return every, truth


def exact_key_clusters(recs: pl.DataFrame) -> pl.DataFrame:
    """Today's rule, made as generous as it can be: records sharing a valid NIK are one."""
    valid = recs.filter(pl.col("nik").str.contains(r"^[0-9]{16}$"))
    edges = valid.join(valid.select("unique_id", "nik"), on="nik").filter(
        pl.col("unique_id") < pl.col("unique_id_right")).select(
        pl.col("unique_id").alias("unique_id_l"), pl.col("unique_id_right").alias("unique_id_r"))
    return engine.connected(recs.get_column("unique_id"), edges)


def judged(recs: pl.DataFrame, components: pl.DataFrame, truth: pl.DataFrame
           ) -> pairwise.Scores:
    predicted = components.join(recs.select("unique_id", "source", "record_id"),
                                on="unique_id").rename({"component": "cluster"})
    return pairwise.scores(predicted, truth)


def true_pairs(pairs: pl.DataFrame, recs: pl.DataFrame, truth: pl.DataFrame) -> pl.Series:
    entity = recs.select("unique_id", "source", "record_id").join(
        truth, on=["source", "record_id"], how="left").select("unique_id", "entity")
    both = (pairs.join(entity.rename({"unique_id": "unique_id_l", "entity": "e_l"}),
                       on="unique_id_l", how="left")
            .join(entity.rename({"unique_id": "unique_id_r", "entity": "e_r"}),
                  on="unique_id_r", how="left"))
    return both.select((pl.col("e_l") == pl.col("e_r")).fill_null(False)).to_series()


def sweep(name: str, recs: pl.DataFrame, truth: pl.DataFrame, indonesian: bool) -> list[dict]:
    started = time.perf_counter()
    prepared = engine.prepare(recs, indonesian=indonesian)
    model = engine.train(prepared, indonesian=indonesian).model
    pairs = engine.predict(prepared, model, threshold=0.01)
    pairs = pairs.with_columns(true_pairs(pairs, recs, truth).alias("is_true"))
    seconds = time.perf_counter() - started
    rows, ids = [], recs.get_column("unique_id")
    for accept in THRESHOLDS:
        auto = pairs.filter(pl.col("match_probability") >= accept)
        scores = judged(recs, engine.connected(ids, auto), truth)
        components = engine.connected(ids, auto)
        review = pairs.filter(pl.col("match_probability").is_between(
            engine.REVIEW_THRESHOLD, accept, closed="left"))
        review = (review.join(components.rename({"unique_id": "unique_id_l",
                                                  "component": "c_l"}), on="unique_id_l")
                  .join(components.rename({"unique_id": "unique_id_r", "component": "c_r"}),
                        on="unique_id_r").filter(pl.col("c_l") != pl.col("c_r")))
        reviewed = pl.concat([auto.select("unique_id_l", "unique_id_r"),
                              review.filter("is_true").select("unique_id_l", "unique_id_r")])
        with_review = judged(recs, engine.connected(ids, reviewed), truth)
        rows.append({"method": name, "accept": accept, "precision": scores.precision,
                     "recall": scores.recall, "f1": scores.f1,
                     "review_per_1000": round(review.height / recs.height * 1000, 1),
                     "recall_with_review": with_review.recall,
                     "precision_with_review": with_review.precision,
                     "seconds": round(seconds, 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    recs, truth = records(args.households, args.seed)
    print(f"records: {recs.height:,} ({recs.get_column('source').value_counts().rows()})")
    exact = judged(recs, exact_key_clusters(recs), truth)
    rows = [{"method": "exact NIK (today)", "accept": None, "precision": exact.precision,
             "recall": exact.recall, "f1": exact.f1, "review_per_1000": 0.0,
             "recall_with_review": None, "precision_with_review": None, "seconds": None}]
    rows += sweep("splink default", recs, truth, indonesian=False)
    rows += sweep("tepat (Indonesian)", recs, truth, indonesian=True)
    with pl.Config(tbl_rows=100, tbl_cols=20, tbl_width_chars=200):
        print(pl.DataFrame(rows))


if __name__ == "__main__":
    main()
