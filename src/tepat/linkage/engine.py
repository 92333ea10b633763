"""The linkage engine: Splink 5 (Fellegi–Sunter) on DuckDB over a Polars frame of person records.

No Django here: the app (`tepat.linkage.runs`) reads the registry into a frame, calls these
functions, and writes what they return. Benchmarks and the evaluation command call them too.

A record is one row of `RECORD_COLUMNS`: `unique_id` (an integer of ours), `source` and
`record_id` (the record's ID in its source file), and what the comparisons read. `prepare` adds
the derived columns (normalised name, its sorted tokens and phonetic keys, NIK parts, birth-date
parts); with `indonesian=False` the names are only upper-cased (the baseline the accuracy
benchmark shows beside ours).

The model's m and u probabilities are estimated from the data (issue 18 §1): the prior from
deterministic rules, u by random sampling, m by expectation maximisation over two blockings that
each leave the other's comparisons free. Nothing is set by hand except the shape of the levels.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold

from tepat.core import linkage as ident

Progress = Callable[[float, str], None]

RECORD_COLUMNS = ("unique_id", "source", "record_id", "nik", "no_kk", "nama", "tanggal_lahir",
                  "jenis_kelamin", "desa", "kecamatan", "hubungan")
RECORD_SCHEMA = {"unique_id": pl.Int64, "source": pl.String, "record_id": pl.String,
                 "nik": pl.String, "no_kk": pl.String, "nama": pl.String,
                 "tanggal_lahir": pl.Date, "jenis_kelamin": pl.String, "desa": pl.String,
                 "kecamatan": pl.String, "hubungan": pl.String}

# The comparison keys, in the order the model holds them; `tepat.core.linkage` words them.
COMPARISONS = ("nik", "kk", "nama", "tanggal_lahir", "jenis_kelamin", "wilayah", "hubungan")

# Defaults until the accuracy benchmark says otherwise (docs/benchmarks.md, issue 18 §4).
ACCEPT_THRESHOLD = 0.995
REVIEW_THRESHOLD = 0.5

logging.getLogger("splink").setLevel(logging.WARNING)


def empty_records() -> pl.DataFrame:
    return pl.DataFrame(schema=RECORD_SCHEMA)


def prepare(records: pl.DataFrame, *, indonesian: bool = True) -> pl.DataFrame:
    """The columns Splink compares and blocks on, derived from `RECORD_COLUMNS`."""
    frame = records.select(list(RECORD_SCHEMA)).cast(RECORD_SCHEMA)  # type: ignore[arg-type]
    nik = pl.col("nik")
    if indonesian:
        names = [
            ident.normalise_name_expr(pl.col("nama")).alias("name"),
        ]
    else:
        names = [pl.col("nama").str.to_uppercase().str.strip_chars().alias("name")]
    frame = frame.with_columns(
        *names,
        pl.when(nik.str.contains(r"^[0-9]{16}$")).then(nik).alias("nik"),
        pl.when(pl.col("no_kk").str.contains(r"^[0-9]{16}$")).then(pl.col("no_kk")).alias("kk"),
        pl.col("tanggal_lahir").alias("birth"),
        pl.col("jenis_kelamin").alias("sex"),
    ).with_columns(pl.when(pl.col("name") != "").then(pl.col("name")).alias("name"))
    return frame.with_columns(
        nik.str.slice(0, 6).alias("nik_region"),
        nik.str.slice(6, 6).alias("nik_birth"),
        nik.str.slice(12, 4).alias("nik_serial"),
        ident.sorted_tokens_expr(pl.col("name")).alias("name_sorted"),
        ident.name_phonetic_expr(pl.col("name")).alias("name_ph"),
        ident.name_phonetic_last_expr(pl.col("name")).alias("name_ph_last"),
        pl.col("birth").dt.year().alias("birth_year"),
        pl.col("birth").dt.strftime("%m%d").alias("birth_md"),
    ).select("unique_id", "source", "record_id", "nik", "nik_region", "nik_birth", "nik_serial",
             "kk", "name", "name_sorted", "name_ph", "name_ph_last", "birth", "birth_year",
             "birth_md", "sex", "desa", "kecamatan", "hubungan")


# --- the model's shape -------------------------------------------------------------------------

_PLACEHOLDER_MD = "('0101', '1231')"


def _nik() -> cl.CustomComparison:
    """The NIK's date digits repeat the birth date, and its serial is small (0001, 0002, ...),
    so two people born on one day in one kecamatan hold NIKs that differ only in the serial,
    and two born on one day in two kecamatan NIKs one region digit apart. Neither is a typo
    signal: a level for them counted the birth date twice and, at regency size, linked
    thousands of strangers born the same day. So a near-miss counts only inside one region
    with the same serial (a typo in the date digits) or as two neighbouring digits swapped;
    anything else is "else", and the birth date comparison speaks for the date."""
    same_region = "nik_region_l = nik_region_r"
    return cl.CustomComparison(output_column_name="nik", comparison_levels=[
        cll.NullLevel("nik"),
        cll.ExactMatchLevel("nik").configure(label_for_charts="exact"),
        cll.CustomLevel(f"{same_region} and hamming(nik_l, nik_r) = 1 "
                        "and nik_serial_l = nik_serial_r", label_for_charts="one_digit"),
        cll.CustomLevel(f"{same_region} and damerau_levenshtein(nik_l, nik_r) = 1 "
                        "and hamming(nik_l, nik_r) = 2", label_for_charts="transposed"),
        cll.ElseLevel(),
    ])


def _kk() -> cl.CustomComparison:
    return cl.CustomComparison(output_column_name="kk", comparison_levels=[
        cll.NullLevel("kk"), cll.ExactMatchLevel("kk").configure(label_for_charts="exact"),
        cll.ElseLevel()])


def _name() -> cl.CustomComparison:
    """Jaro-Winkler rewards a shared beginning, and half the men of a desa begin with
    MUHAMMAD (a third of the women with SITI or NUR): a similar name counts only when the last
    words also sound alike (their phonetic keys agree)."""
    last_alike = "name_ph_last_l = name_ph_last_r"
    return cl.CustomComparison(output_column_name="nama", comparison_levels=[
        cll.NullLevel("name"),
        cll.ExactMatchLevel("name", term_frequency_adjustments=True).configure(
            label_for_charts="exact"),
        cll.CustomLevel("name_sorted_l = name_sorted_r", label_for_charts="sorted_tokens"),
        cll.CustomLevel(f"{last_alike} and jaro_winkler_similarity(name_l, name_r) >= 0.92",
                        label_for_charts="jaro_winkler_high"),
        cll.CustomLevel(f"{last_alike} and jaro_winkler_similarity(name_l, name_r) >= 0.8",
                        label_for_charts="jaro_winkler_mid"),
        cll.ElseLevel(),
    ])


def _birth() -> cl.CustomComparison:
    placeholder = (f"(birth_md_l in {_PLACEHOLDER_MD} or birth_md_r in {_PLACEHOLDER_MD})"
                   " and birth_year_l = birth_year_r")
    return cl.CustomComparison(output_column_name="tanggal_lahir", comparison_levels=[
        cll.NullLevel("birth"),
        cll.ExactMatchLevel("birth").configure(label_for_charts="exact"),
        cll.CustomLevel(placeholder, label_for_charts="placeholder"),
        cll.CustomLevel("birth_year_l = birth_year_r and month(birth_l) = day(birth_r) "
                        "and day(birth_l) = month(birth_r)", label_for_charts="day_month_swapped"),
        cll.CustomLevel("birth_md_l = birth_md_r and abs(birth_year_l - birth_year_r) = 1",
                        label_for_charts="year_off_by_one"),
        cll.ElseLevel(),
    ])


def _exact(column: str, name: str) -> cl.CustomComparison:
    return cl.CustomComparison(output_column_name=name, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column).configure(label_for_charts="exact"),
        cll.ElseLevel()])


def _region() -> cl.CustomComparison:
    return cl.CustomComparison(output_column_name="wilayah", comparison_levels=[
        cll.NullLevel("kecamatan"),
        cll.ExactMatchLevel("desa").configure(label_for_charts="same_desa"),
        cll.ExactMatchLevel("kecamatan").configure(label_for_charts="same_kecamatan"),
        cll.ElseLevel()])


# What a prediction keeps: ids, probability, and each comparison's level (gamma_) and weight
# (mw_). Keeping the compared values too doubled the time of a regency-sized prediction.
_LEAN_OUTPUT = {"retain_matching_columns": False, "retain_intermediate_calculation_columns": True,
                "additional_columns_to_retain": []}


def blocking_rules() -> list[Any]:
    """Near-linear candidate pairs (issue 18 §1): the same NIK; two of its three parts and a
    name key; the same name key and birth date; the same name keys in one desa; the same
    name words and birth year in one kecamatan; one KK and a name key. Every rule is bounded
    by a region or a date, so that blocks grow with a desa, not with the regency.

    A NIK with a birth digit mistyped keeps its region, its serial and two of its three birth
    pairs (DD, MM, YY): "region + serial + the normalised name + two birth pairs", three rules,
    finds it when nothing else would (a disbursement row has no birth date of its own). At
    regency size (2.55M records) each of the three holds 1.7M pairs, nearly all of them the
    same-NIK pairs of the first rule, with blocks of at most 9; one rule without the birth
    pairs held 5.8M (blocks of 128), with a name key instead of the name 223M (bench:
    candidate pairs per rule, 2026-12-08)."""
    return [
        block_on("nik"),
        block_on("nik_region", "nik_birth", "name_ph"),
        block_on("nik_birth", "nik_serial", "name_ph"),
        *[block_on("nik_region", "nik_serial", "name", *pairs) for pairs in _BIRTH_PAIRS],
        block_on("name_ph", "birth"),
        block_on("name_ph", "name_ph_last", "desa"),
        block_on("name_sorted", "birth_year", "kecamatan"),
        block_on("kk", "name_ph"),
    ]


# Two of the NIK's three birth pairs (DDMMYY), for a mistyped digit in the third.
_BIRTH_PAIRS = (("substr(nik_birth, 1, 4)",), ("substr(nik_birth, 3, 4)",),
                ("substr(nik_birth, 1, 2)", "substr(nik_birth, 5, 2)"))


def settings(*, indonesian: bool = True) -> SettingsCreator:
    """The model's shape. Without `indonesian`, Splink's own comparisons with their defaults
    (the accuracy benchmark's baseline)."""
    if indonesian:
        comparisons = [_nik(), _kk(), _name(), _birth(), _exact("sex", "jenis_kelamin"),
                       _region(), _exact("hubungan", "hubungan")]
    else:
        comparisons = [cl.ExactMatch("nik"), cl.ExactMatch("kk"), cl.NameComparison("name"),
                       cl.DateOfBirthComparison("birth", input_is_string=False),
                       cl.ExactMatch("sex"), cl.ExactMatch("desa"), cl.ExactMatch("hubungan")]
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(),
        **_LEAN_OUTPUT,
    )


# --- training and prediction ------------------------------------------------------------------


@dataclass
class Trained:
    model: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


# DuckDB's own limit (it spills to disk beyond it), so that a regency's run stays under the
# issue's 6 GB with Python's frames beside it.
MEMORY_LIMIT = "3GB"


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    con.execute("set preserve_insertion_order = false")
    return con


def _linker(prepared: pl.DataFrame, model: SettingsCreator | dict[str, Any],
            con: duckdb.DuckDBPyConnection | None = None) -> Linker:
    db_api = DuckDBAPI(connection=con or _connection())
    table = db_api.register(prepared.to_arrow(), dataset_display_name="records")
    if isinstance(model, dict):
        model = {**model, **_LEAN_OUTPUT}
    linker = Linker(table, model, log_level=None)
    linker._tepat_records = table  # type: ignore[attr-defined]
    return linker


def _step(progress: Progress | None, fraction: float, label: str) -> None:
    if progress is not None:
        progress(fraction, label)


def train(prepared: pl.DataFrame, *, indonesian: bool = True, seed: int = 1,
          u_pairs: float = 2e6, progress: Progress | None = None) -> Trained:
    """Estimate the model from the records themselves; returns Splink's model JSON."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    linker = _linker(prepared, settings(indonesian=indonesian))
    _step(progress, 0.1, "prior")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik", "birth"), block_on("name", "birth", "desa")], recall=0.8)
    timings["prior"] = time.perf_counter() - started
    _step(progress, 0.3, "u")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    timings["u"] = time.perf_counter() - started - sum(timings.values())
    # Pairs of one NIK and one KK: a NIK carried by two people of two families (a known
    # Dukcapil problem) stays out of the sample that teaches what a name difference means.
    _step(progress, 0.6, "m (NIK + KK)")
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("nik", "kk"), estimate_without_term_frequencies=True)
    _step(progress, 0.8, "m (nama)")
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_ph", "birth"), estimate_without_term_frequencies=True)
    timings["m"] = time.perf_counter() - started - sum(timings.values())
    model = regularise(linker.misc.save_model_to_json(), prepared, sampled=u_pairs)
    return Trained(model=model, timings=timings)


# An m probability is never below this: EM on data where every duplicate agrees on, say, the
# birth date gives the "else" level an m of 1e-72 (weight -238), which says "two records whose
# birth dates differ are never one person" — no registry deserves that certainty. 0.001 keeps
# such a level strongly against a link (weight about -10) without making it a veto.
M_FLOOR = 1e-3

# Exact levels whose u random sampling cannot see (two random records almost never share a NIK):
# their u is the chance that two records share the value, from the value counts themselves.
_EXACT_COLUMNS = {"nik": "nik", "kk": "kk", "tanggal_lahir": "birth"}


def _agreement(prepared: pl.DataFrame, column: str) -> float:
    """The chance that two distinct records, drawn at random, hold the same non-null value."""
    n = prepared.height
    counts = prepared.get_column(column).drop_nulls().value_counts().get_column("count")
    same = float((counts.cast(pl.Float64) * (counts.cast(pl.Float64) - 1)).sum())
    return max(same / (n * (n - 1)), 1.0 / (n * (n - 1))) if n > 1 else 1e-6


def regularise(model: dict[str, Any], prepared: pl.DataFrame, *, sampled: float = 2e6
               ) -> dict[str, Any]:
    """Fill what the data could not estimate from the data itself and floor the m probabilities
    (`M_FLOOR`). The u of an exact level comes from the value counts; the u of a near-miss
    level random sampling never met (two random NIKs two digits apart by a swap) is taken as
    one in the `sampled` pairs it drew: the sample says it is rarer than that, and Splink's
    default for an untrained u would otherwise stand in for it."""
    for comparison in model.get("comparisons", []):
        column = _EXACT_COLUMNS.get(comparison["output_column_name"])
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            u = level.get("u_probability")
            if column and level.get("label_for_charts") == "exact" and not isinstance(
                    u, float | int):
                level["u_probability"] = _agreement(prepared, column)
            elif not isinstance(u, float | int) and not level.get("is_else_level"):
                level["u_probability"] = 1.0 / max(sampled, 1.0)
            m = level.get("m_probability")
            if isinstance(m, float | int) and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
    return model


def predict(prepared: pl.DataFrame, model: dict[str, Any], *,
            threshold: float = REVIEW_THRESHOLD) -> pl.DataFrame:
    """Every candidate pair at or above `threshold`, with each comparison's level and weight."""
    linker = _linker(prepared, model)
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    return pairs.as_duckdbpyrelation().pl()


def predict_new(prepared: pl.DataFrame, fresh_ids: pl.Series, model: dict[str, Any], *,
                threshold: float = REVIEW_THRESHOLD) -> pl.DataFrame:
    """The pairs of new (or changed) records: with every other record, and among themselves.
    Name frequencies come from every record, as in a full run."""
    linker = _linker(prepared, model)
    linker.table_management.compute_tf_table("name")
    db_api = linker._db_api
    is_new = pl.col("unique_id").is_in(fresh_ids.implode())
    new = db_api.register(prepared.filter(is_new).to_arrow(), dataset_display_name="new")
    old = db_api.register(prepared.filter(~is_new).to_arrow(), dataset_display_name="old")
    found = [linker.inference.predict_within(new, threshold_match_probability=threshold)]
    if not prepared.filter(~is_new).is_empty():
        found.append(linker.inference.predict_between(
            new, old, threshold_match_probability=threshold))
    frames = [f.as_duckdbpyrelation().pl() for f in found]
    pairs = pl.concat(frames, how="diagonal_relaxed")  # type: ignore[arg-type]
    low = pl.min_horizontal("unique_id_l", "unique_id_r")
    high = pl.max_horizontal("unique_id_l", "unique_id_r")
    return pairs.with_columns(low.alias("unique_id_l"), high.alias("unique_id_r"))


class RegistryScorer:
    """Outside rows scored against the registry's records, the name frequencies computed once:
    built once per registry snapshot and model, then asked many times (each agency list, usulan
    or import split). One prediction at a time (a DuckDB connection is not shared between
    threads)."""

    def __init__(self, registry: pl.DataFrame, model: dict[str, Any]) -> None:
        self._linker = _linker(registry, model)
        self._linker.table_management.compute_tf_table("name")
        self._lock = threading.Lock()

    def predict(self, rows: pl.DataFrame, *, threshold: float = REVIEW_THRESHOLD
                ) -> pl.DataFrame:
        """The pairs of the rows (prepared, negative unique ids) with registry records."""
        linker = self._linker
        with self._lock:
            new = linker._db_api.register(rows.to_arrow())
            try:
                found = linker.inference.predict_between(
                    new, linker._tepat_records,  # type: ignore[attr-defined]
                    threshold_match_probability=threshold)
                out = found.as_duckdbpyrelation().pl()
                found.drop_table_from_database_and_remove_from_cache()
            finally:
                new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
                linker._db_api._registered_table_names.discard(new.templated_name)
        return out


def predict_against(rows: pl.DataFrame, registry: pl.DataFrame, model: dict[str, Any], *,
                    threshold: float = REVIEW_THRESHOLD) -> pl.DataFrame:
    """The pairs of outside rows (prepared, negative unique ids) with registry records; name
    frequencies are the registry's. For repeated calls keep a `RegistryScorer`."""
    return RegistryScorer(registry, model).predict(rows, threshold=threshold)


def connected(unique_ids: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components of `edges` (unique_id_l, unique_id_r): unique_id → component (the
    smallest unique_id of its component; a record without an edge is its own)."""
    db_api = DuckDBAPI(connection=_connection())
    nodes = pl.DataFrame({"unique_id": unique_ids}).to_arrow()
    result = cluster_pairwise_predictions_at_threshold(
        nodes, edges.select("unique_id_l", "unique_id_r").to_arrow(), db_api,
        node_id_column_name="unique_id")
    out = result.as_duckdbpyrelation().pl()
    return out.select(pl.col("unique_id").cast(pl.Int64),
                      pl.col("cluster_id").cast(pl.Int64).alias("component"))


def stable_clusters(components: pl.DataFrame, previous: pl.DataFrame, next_id: int
                    ) -> pl.DataFrame:
    """Cluster IDs that survive re-runs. `previous`: unique_id → cluster of the last run.
    A component keeps the previous cluster most of its records held (the largest share, then
    the smallest ID); each previous cluster goes to one component only (the one holding most of
    it); every other component gets a new ID from `next_id` up."""
    held = components.join(previous, on="unique_id", how="inner")
    votes = (held.group_by("component", "cluster").len()
             .sort(["len", "cluster"], descending=[True, False]))
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for component, cluster, _n in votes.iter_rows():
        if component in chosen or cluster in taken:
            continue
        chosen[component] = cluster
        taken.add(cluster)
    fresh = sorted(set(components["component"].unique().to_list()) - set(chosen))
    chosen.update({c: next_id + i for i, c in enumerate(fresh)})
    mapping = pl.DataFrame({"component": list(chosen), "cluster": list(chosen.values())},
                           schema={"component": pl.Int64, "cluster": pl.Int64})
    return components.join(mapping, on="component").select("unique_id", "cluster")


def match_weight_chart(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Each comparison level's match weight (log2 of m/u), as Splink charts it and as it
    predicts with it: a level the data never showed has Splink's default m or u."""
    settings_obj = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    rows = []
    for comparison in settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            rows.append({"comparison": comparison.output_column_name,
                         "level": level.label_for_charts,
                         "m": level.m_probability, "u": level.u_probability,
                         "weight": level._log2_bayes_factor,
                         "trained": bool(level._m_is_trained and level._u_is_trained)})
    return rows


def model_text(model: dict[str, Any]) -> str:
    return json.dumps(model, sort_keys=True)
