"""Change-set benchmark (issue 17 §4): a full regency P3KE edition against the same data already
loaded, then a second edition with realistic changes. Prints a table.

    uv run python bench/changeset_bench.py [--households 150000] [--fmt csv|xlsx]
        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]

In a fresh process and database (regions loaded): (1) the first edition is imported (all
added; its change set and its edition rows are part of its time); (2) the same file again
(nothing changes: the change set against 150k families / 500k persons already loaded);
(3) a second edition: 1 % of persons moved into another family of their desa, 0.5 % of
families dropped (absent), 2 % of families with another desil, 1 % of persons renamed.
For each: the import's own time (read + validate + write, without the change set), the
change set's time, their ratio (target ≤ 1.5), and of the write the part spent on editions.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
from tepat.regions.services import load_kabupaten
from tepat.registry.importing import import_files

call_command("migrate", verbosity=0)
load_kabupaten("35.13")
out = []
for label, family, person in json.loads(sys.argv[1]):
    started = time.perf_counter()
    batch = import_files(Path(family), Path(person), source="p3ke", period="bench",
                         reason="bench: edisi kedua")
    wall = time.perf_counter() - started
    if batch.status != "done":
        sys.exit(f"{label}: import ended {batch.status}: {batch.message}")
    t = dict(batch.timings)
    out.append({"label": label, "wall": wall, "timings": t, "changeset": batch.changeset and {
        k: batch.changeset[k] for k in ("families", "persons", "target_affected")}})
print(json.dumps(out))
"""


def second_edition(data, seed: int = 2):
    import polars as pl

    fid = "id_keluarga_p3ke"
    fam, per = data.families, data.persons
    n_fam, n_per = fam.height, per.height
    rng = pl.int_range(pl.len())
    # moved: 1 % of persons into the next family of the same desa
    next_family = fam.select(fid, "kode_kemdagri").with_columns(
        pl.col(fid).shift(-1).over("kode_kemdagri").alias("_next"))
    per = per.join(next_family.select(fid, "_next"), on=fid, how="left", maintain_order="left")
    movers = (rng % 100 == 7) & pl.col("_next").is_not_null()
    per = per.with_columns(
        pl.when(movers).then(pl.col("_next")).otherwise(pl.col(fid)).alias(fid),
        pl.when(rng % 100 == 3).then(pl.concat_str([pl.col("nama"), pl.lit(" A")]))
        .otherwise(pl.col("nama")).alias("nama"),
    ).drop("_next")
    dropped = fam.filter(rng % 200 == 11)[fid]
    fam = fam.filter(~pl.col(fid).is_in(dropped.implode())).with_columns(
        pl.when(pl.int_range(pl.len()) % 50 == 5)
        .then(pl.when(pl.col("desil_kesejahteraan") == "1").then(pl.lit("2"))
              .otherwise(pl.lit("1")))
        .otherwise(pl.col("desil_kesejahteraan")).alias("desil_kesejahteraan"))
    per = per.filter(~pl.col(fid).is_in(dropped.implode()))
    print(f"# edition 2: {n_fam - fam.height:,} families dropped, persons {n_per:,} → "
          f"{per.height:,}", file=sys.stderr)
    return dataclasses.replace(data, families=fam, persons=per)


def files(out: Path, households: int, fmt: str) -> tuple[list[Path], list[Path]]:
    from tepat import synth as gen

    one, two = out / "one", out / "two"
    if not (two / f"p3ke_individu.{fmt}").exists():
        data = gen.generate(households, 1, source="p3ke")
        one.mkdir(parents=True, exist_ok=True)
        two.mkdir(parents=True, exist_ok=True)
        gen.write(data, one, fmt)
        gen.write(second_edition(data), two, fmt)
    pick = lambda d: [d / f"p3ke_keluarga.{fmt}", d / f"p3ke_individu.{fmt}"]  # noqa: E731
    return pick(one), pick(two)


def run(runs: list, home: Path, database_url: str | None) -> list[dict]:
    env = {**os.environ, "TEPAT_HOME": str(home), "PYTHONPATH": str(ROOT / "src"),
           "DJANGO_SETTINGS_MODULE": "tepat.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(runs)], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fresh_pg(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--fmt", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--pg", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "tepat-changeset"))
    args = parser.parse_args()
    one, two = files(Path(args.cache) / f"{args.households}-{args.fmt}", args.households,
                     args.fmt)
    runs = [["edition 1 (first load)", *map(str, one)],
            ["edition 1 again (nothing changes)", *map(str, one)],
            ["edition 2 (moved, absent, changed)", *map(str, two)]]
    engines = [] if args.skip_sqlite else [("SQLite", None)]
    if args.pg:
        engines.append(("PostgreSQL", fresh_pg(args.pg, "tepat_changeset_bench")))
    print(f"# {date.today()} · {platform.node()} · {os.cpu_count()} vCPU · "
          f"{args.households:,} households · {args.fmt}")
    print("| engine | run | keluarga / jiwa · moved · absent kel/jiwa | import s (check + write) | "
          "change set s (build + lists) | ratio | write s | of which editions s |")
    print("|---|---|---|---|---|---|---|---|")
    for engine, url in engines:
        with tempfile.TemporaryDirectory() as home:
            for row in run(runs, Path(home), url):
                t = row["timings"]
                own = t.get("check", 0) + t.get("write", 0)
                cs = t.get("changeset", 0)
                c = row["changeset"] or {}
                moved = c.get("persons", {}).get("moved", 0)
                absent = f"{c.get('families', {}).get('absent', 0):,}/" \
                         f"{c.get('persons', {}).get('absent', 0):,}"
                total_f = c.get("families", {}).get("total", 0)
                print(f"| {engine} | {row['label']} | {total_f:,} / "
                      f"{c.get('persons', {}).get('total', 0):,} · {moved:,} · {absent} | "
                      f"{own:.1f} | {cs:.1f} ({t.get('changeset_build', 0):.1f} + "
                      f"{t.get('changeset_lists', 0):.1f}) | {cs / own:.2f}× | "
                      f"{t.get('write', 0):.1f} | "
                      f"{t.get('editions', 0):.1f} |")


if __name__ == "__main__":
    main()
