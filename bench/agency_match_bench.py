"""Time of an agency list of 10,000 rows matched against the registry (issue 18 §5: ≤ 10 s),
and what the matching decided. Prints a table.

    uv run python bench/agency_match_bench.py [--households 400 400000] [--rows 10000]

For each registry size, a synthetic DTSEN export (`tepat.synth.generate`) is turned into the
engine's prepared registry frame directly (no database: `engine.prepare` on the persons joined
to their family's No. KK and desa) and written as the snapshot Parquet the app reads. The list
holds 90 % registry persons retyped as an agency clerk would (every name with one letter
changed, a fifth of the NIKs with one digit changed, a tenth without a birth date, a third
without a desa) and 10 % strangers (another seed's persons). Timed, as `upload_beneficiaries`
runs them for rows no number matched exactly: the snapshot read, then
`interventions.matching.score_unmatched` (one `linkage.match` call: preparation, Splink's
predict against the registry, the comparisons' words; then the rows grouped into families and
the decisions). The area query of the candidates (`_families_in_area`, a few IN queries) is
replaced by a dictionary lookup: it is the one part not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(home: Path) -> None:
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


def registry_records(households: int, seed: int):
    """The persons of a synthetic DTSEN export as engine records (unique_id from 1)."""
    import polars as pl

    from tepat import synth

    data = synth.generate(households, seed, source="dtsen")
    families = data.families.select("id_keluarga_dtsen", pl.col("kode_kemdagri").alias("desa"),
                                    "no_kk")
    persons = data.persons.join(families, on="id_keluarga_dtsen", how="left")
    return persons.select(
        pl.int_range(1, persons.height + 1, dtype=pl.Int64).alias("unique_id"),
        pl.lit("dtsen").alias("source"), pl.col("id_individu_dtsen").alias("record_id"),
        "nik", "no_kk", "nama", "tanggal_lahir", "jenis_kelamin", "desa",
        pl.col("desa").str.slice(0, 8).alias("kecamatan"),
        pl.col("hubungan_dengan_kepala_keluarga").alias("hubungan"),
        pl.col("id_keluarga_dtsen").alias("family"))


def _retyped(name: str, number: int) -> str:
    """One letter of the longest word changed (a vowel for another, else a letter doubled)."""
    words = name.split() or ["X"]
    at = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[at]
    vowels = [i for i, c in enumerate(word) if c in "AEIOU"]
    if vowels:
        i = vowels[number % len(vowels)]
        word = word[:i] + ("E" if word[i] == "A" else "A") + word[i + 1:]
    else:
        word += word[-1]
    words[at] = word
    return " ".join(words)


def _nik_typo(nik: str | None) -> str | None:
    if not nik or len(nik) != 16:
        return nik
    return nik[:15] + str((int(nik[15]) + 1) % 10)


def agency_list(registry, strangers, rows: int, seed: int):
    """(BeneficiaryRows, the registry unique_id each row is, None for a stranger)."""
    import random

    from tepat.interventions.beneficiary_file import BeneficiaryRow

    rng = random.Random(seed)
    known = rows - rows // 10
    # A registry smaller than the list is sampled with replacement (the same person twice).
    picked = registry.sample(known, seed=seed,
                             with_replacement=known > registry.height).to_dicts()
    others = strangers.sample(rows - known, seed=seed,
                              with_replacement=rows - known > strangers.height).to_dicts()
    out, truth = [], []
    for number, p in enumerate(picked + others):
        stranger = number >= known
        nik = _nik_typo(p["nik"]) if rng.random() < 0.2 else p["nik"]
        born = None if rng.random() < 0.1 else p["tanggal_lahir"]
        desa = None if rng.random() < 0.33 else p["desa"]
        out.append(BeneficiaryRow(number + 2, nik, None, _retyped(p["nama"] or "", number),
                                  born, desa, date(2025, 4, 1), None))
        truth.append(None if stranger else p["unique_id"])
    return out, truth


def run(households: int, rows: int) -> dict[str, object]:
    import polars as pl

    from tepat.interventions import matching
    from tepat.interventions.matching import _Outcome, score_unmatched
    from tepat.linkage import engine
    from tepat.linkage import matching as linkage

    started = time.perf_counter()
    records = registry_records(households, seed=7)
    strangers = registry_records(max(rows // 10, households // 10), seed=8)
    made = time.perf_counter() - started
    prepared = engine.prepare(records.drop("family"))
    linkage.write_snapshot(prepared, stamp="bench")
    family_of = dict(zip(records.get_column("unique_id").to_list(),
                         records.get_column("family").to_list(), strict=True))
    beneficiaries, truth = agency_list(records, strangers, rows, seed=11)
    outcomes = [_Outcome(row) for row in beneficiaries]

    model = linkage.default_model()
    accept, review = 0.995, 0.5
    linkage.model_in_force = lambda: (model, accept, review, True)
    start = time.perf_counter()
    snapshot = pl.read_parquet(linkage.snapshot_path("bench"))
    read = time.perf_counter() - start
    linkage.registry_prepared = lambda indonesian=True: snapshot
    matching._families_in_area = lambda actor, persons: {p: family_of[p] for p in persons}
    start = time.perf_counter()
    score_unmatched(outcomes, actor=None)
    scored = time.perf_counter() - start

    right = sum(1 for o, t in zip(outcomes, truth, strict=True)
                if o.family is not None and t is not None and o.person == t)
    wrong = sum(1 for o, t in zip(outcomes, truth, strict=True)
                if o.family is not None and (t is None or o.person != t))
    waiting = [(o, t) for o, t in zip(outcomes, truth, strict=True) if o.family is None]
    first = sum(1 for o, t in waiting if t is not None and o.candidates
                and o.candidates[0]["person"] == t)
    return {"households": households, "persons": records.height, "rows": rows,
            "synth_s": made, "read_s": read, "match_s": scored, "total_s": read + scored,
            "auto_right": right, "auto_wrong": wrong, "waiting": len(waiting),
            "waiting_right_first": first,
            "strangers_with_candidates": sum(1 for o, t in waiting if t is None and o.candidates)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, nargs="+", default=[400, 400_000])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory(prefix="tepat-agency-bench-") as home:
        _setup(Path(home))
        results = [run(n, args.rows) for n in args.households]
    columns = ("households", "persons", "rows", "read_s", "match_s", "total_s", "auto_right",
               "auto_wrong", "waiting", "waiting_right_first", "strangers_with_candidates")
    print(" | ".join(columns))
    for r in results:
        print(" | ".join(f"{r[c]:.2f}" if isinstance(r[c], float) else f"{r[c]:,}"
                         for c in columns))
    print("(read_s: the registry snapshot read; match_s: score_unmatched, one linkage.match call"
          " and the decisions; synthetic data generation not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
