"""Train the packaged default linkage model (`src/tepat/linkage/default_model.json`) on
synthetic linked Probolinggo records (DTSEN + P3KE through the product's validation).

    uv run python scripts/train_default_model.py [--households 20000] [--seed 11]

The default only serves matching on a fresh instance (agency lists, usulan, the import's
known/new split) until `tepat link train` estimates a model from the instance's own records.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import polars as pl

from tepat.core import linkage as ident
from tepat.linkage import engine
from tepat.pipeline import validate_files
from tepat.synth.linkage import generate_linked
from tepat.synth.writer import write_linked

OUT = Path(__file__).resolve().parent.parent / "src" / "tepat" / "linkage" / "default_model.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="default-model-"))
    write_linked(generate_linked(args.households, args.seed), out, "csv")
    frames = []
    for source in ("dtsen", "p3ke"):
        validated = validate_files(out / f"{source}_keluarga.csv", out / f"{source}_individu.csv",
                                   source)
        frames.append(ident.records_from_tables(validated.families, validated.persons, source))
    records = pl.concat(frames).with_row_index("unique_id").with_columns(
        pl.col("unique_id").cast(pl.Int64))
    model = engine.train(engine.prepare(records)).model
    OUT.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n")
    print(f"{records.height} records -> {OUT}")


if __name__ == "__main__":
    main()
