"""Synthetic linked records: the same people in DTSEN, P3KE (two editions), DTKS and an agency's
beneficiary list, with the ground truth of who is who (issue 18 §4).

    data = generate_linked(households=400_000, seed=1)
    write_linked(data, Path("out/linkage"), "csv")

A person linkage engine is judged against `data.truth` (`truth_linkage.csv`): one row per record
of every file, `source, record_id, entity, variant, change`:
- source: dtsen | p3ke | p3ke2 | dtks | bantuan
- record_id: the person ID of the source file (id_individu_dtsen, id_individu, id_art_dtks); for
  the beneficiary list the value of its `No` column (the spreadsheet row is No + 1).
- entity: `E` + 8 digits; records of one entity are the same person.
- variant: how the record differs from the person (`exact`, a kind of `tepat.synth.variants`,
  a DTSEN defect: `duplicate_family`, `nik_malformed`, `birth_nik_mismatch`, `sex_nik_mismatch`,
  `not_in_registry` for the agency's people no register holds) or the look-alike the person is
  part of (`lookalike_twin`, `lookalike_father_son`, `lookalike_common_name`,
  `lookalike_borrowed_nik`: a true non-match that looks like a match). Look-alike persons
  carry no other variant, so each record has one label.
- change (p3ke2 only, else empty): `kept`, `reissued` (same person, new person ID),
  `name_corrected`, `new_kk`, `new_birth`. Persons gone from p3ke2 have no p3ke2 row.

Why one population: DTSEN (the whole regency, `generate(..., source="dtsen")`) is the truth of
who lives there; P3KE is the poorer part of the same people (desil 1-4, ~40 %) re-keyed and
re-rendered in the P3KE layouts from the true values (NIK, birth date, sex as Dukcapil knows
them), so the DTSEN defects stay DTSEN's and the P3KE variants are P3KE's.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from tepat.synth import variants
from tepat.synth.defects import count
from tepat.synth.dtks import from_dtsen
from tepat.synth.generator import (
    SynthData,
    _codes,
    _ids,
    _render,
    _sequence,
    _stream,
    generate,
)
from tepat.synth.geography import desa_table
from tepat.synth.names import typo

LINKED_SOURCES = ("dtsen", "p3ke", "p3ke2", "dtks", "bantuan")
CHANGES = ("kept", "reissued", "name_corrected", "new_kk", "new_birth")
LOOKALIKES = (
    "lookalike_twin",
    "lookalike_father_son",
    "lookalike_common_name",
    "lookalike_borrowed_nik",
)
# The look-alikes of the population (both persons exact everywhere); the fourth is a DTSEN
# record defect (the carrier's own NIK is right in the other sources).
POPULATION_LOOKALIKES = LOOKALIKES[:3]
DTSEN_DEFECT_VARIANTS = {
    "MALFORMED_NIK": "nik_malformed",
    "NIK_BIRTHDATE_MISMATCH": "birth_nik_mismatch",
    "NIK_SEX_MISMATCH": "sex_nik_mismatch",
    "NIK_IN_TWO_FAMILIES": "lookalike_borrowed_nik",
}
TRUTH_SCHEMA = {
    "source": pl.String,
    "record_id": pl.String,
    "entity": pl.String,
    "variant": pl.String,
    "change": pl.String,
}
P3KE_DESIL_MAX = 4
BABY_OCCUPATION = "01"  # tidak/belum bekerja
BABY_EDUCATION = "1"  # tidak/belum sekolah
COMMON_FIRST_NAMES = ("MUHAMMAD", "SITI")
BENEFICIARY_HEADERS = ("No", "NIK", "No. KK", "Nama", "Tanggal lahir", "Desa", "Tanggal", "Jumlah")
BENEFICIARY_TEXT_COLUMNS = ("No", "NIK", "No. KK", "Desa")
AGENCY_VARIANTS = variants.VariantRates(
    name_old_spelling=0.02,
    name_muhammad=0.01,
    name_siti=0.005,
    name_title=0.01,
    name_typo=0.04,
    name_word_order=0.005,
    name_bin_binti=0.0,
    nik_digit_off=0.01,
    nik_transposed=0.01,
    nik_missing=0.01,
    nik_excel=0.02,
    birth_day_month_swapped=0.01,
    birth_year_off=0.01,
    birth_placeholder=0.01,
    birth_missing=0.02,
    moved=0.0,
    sex_missing=0.0,
)


@dataclass(frozen=True)
class LookalikeRates:
    """Look-alike pairs injected into the population, as shares of the DTSEN families."""

    twins: float = 0.004
    father_son: float = 0.003
    common_name: float = 0.004


@dataclass(frozen=True)
class EditionRates:
    """How the second P3KE edition differs from the first (shares of the first's persons)."""

    gone: float = 0.02
    reissued: float = 0.03
    name_corrected: float = 0.01
    new_kk_families: float = 0.01  # share of the families
    new_births: float = 0.01
    months_later: int = 6


@dataclass(frozen=True)
class LinkageRates:
    """Every rate of the linked data set (see the dataclasses it holds)."""

    p3ke: variants.VariantRates = field(default_factory=variants.VariantRates)
    edition: EditionRates = field(default_factory=EditionRates)
    lookalikes: LookalikeRates = field(default_factory=LookalikeRates)
    # P3KE (built in 2022) holds this share of today's desil 1-4 families: ~500k persons
    # when DTSEN has ~1.25M.
    p3ke_coverage: float = 0.83
    dtks_families: float = 0.6  # share of the DTSEN families in DTKS (poorer ones likelier)
    agency_rows: int = 10_000
    agency_outsiders: float = 0.05  # rows of people in no register
    agency: variants.VariantRates = AGENCY_VARIANTS

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LinkedData:
    """The linked data set. Frames have the headers of their layouts (`tepat.core.layout`);
    `bantuan` has `BENEFICIARY_HEADERS`; `truth` the columns of `TRUTH_SCHEMA`."""

    seed: int
    households: int
    reference_date: date
    rates: LinkageRates
    dtsen: SynthData
    p3ke_families: pl.DataFrame
    p3ke_persons: pl.DataFrame
    p3ke2_families: pl.DataFrame
    p3ke2_persons: pl.DataFrame
    dtks_families: pl.DataFrame
    dtks_persons: pl.DataFrame
    bantuan: pl.DataFrame
    truth: pl.DataFrame
    summary: dict
    seconds: dict[str, float] = field(default_factory=dict)  # per stage of generate_linked


def entity_ids(index: np.ndarray | pl.Series) -> pl.Series:
    return "E" + pl.Series(index).cast(pl.String).str.zfill(8)


# ---------------------------------------------------------------------------------------------
# The entry point


def generate_linked(
    households: int,
    seed: int,
    rates: LinkageRates | None = None,
    reference_date: date = date(2024, 3, 1),
) -> LinkedData:
    """DTSEN of `households` families and the other sources drawn from the same people."""
    rates = rates or LinkageRates()
    clock = _Clock()
    dtsen = generate(households, seed, source="dtsen", reference_date=reference_date,
                     keep_internal=True)
    clock.lap("dtsen")
    dtsen, families, persons = _population(seed, dtsen, rates.lookalikes)
    clock.lap("lookalikes")
    p3ke_fam, p3ke_per = _p3ke_view(seed, families, persons, rates.p3ke, rates.p3ke_coverage,
                                    reference_date)
    clock.lap("p3ke")
    ed2_ref = _months_later(reference_date, rates.edition.months_later)
    niks = known_niks(persons)
    p3ke2_fam, p3ke2_per, next_entity = _second_edition(
        _stream(seed, "linkage-p3ke2"), p3ke_fam, p3ke_per, rates.edition,
        int(persons["_entity"].max()) + 1, ed2_ref, niks,
    )
    clock.lap("p3ke2")
    dtks_fam, dtks_per, dtks_truth = _dtks(_stream(seed, "linkage-dtks"), dtsen, persons,
                                           rates.dtks_families)
    clock.lap("dtks")
    bantuan, bantuan_truth = _agency_list(_stream(seed, "linkage-bantuan"), persons, rates,
                                          next_entity, reference_date, niks)
    clock.lap("bantuan")
    truth = pl.concat(
        [
            _truth("dtsen", persons.select("person_id", "_entity", "variant")),
            _truth("p3ke", p3ke_per.select("person_id", "_entity", "variant")),
            _truth("p3ke2", p3ke2_per.select("person_id", "_entity", "variant", "change")),
            dtks_truth,
            bantuan_truth,
        ],
        how="diagonal_relaxed",
    ).select(list(TRUTH_SCHEMA))
    p3ke_out = _render_p3ke(p3ke_fam, p3ke_per, reference_date)
    p3ke2_out = _render_p3ke(p3ke2_fam, p3ke2_per, ed2_ref)
    clock.lap("render_and_truth")
    data = LinkedData(
        seed, households, reference_date, rates, dtsen, *p3ke_out, *p3ke2_out, dtks_fam,
        dtks_per, bantuan, truth, {}, clock.laps,
    )
    return replace(data, summary=summarize(data))


class _Clock:
    """Seconds per stage (for the benchmark; kept out of the summary so files stay
    reproducible)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


def _population(seed: int, dtsen: SynthData, rates: LookalikeRates):
    """The DTSEN export with look-alikes injected (re-rendered), and its internal families and
    persons (labelled, with desa, desil and no_kk on each person)."""
    families, persons = dtsen.internal_families, dtsen.internal_persons
    assert families is not None and persons is not None
    persons = persons.join(
        families.select("family_id", "desa", "desil", "no_kk"), on="family_id",
        how="left", maintain_order="left",
    )
    persons = _label_dtsen(persons, dtsen.truth, dtsen.households)
    persons = inject_lookalikes(_stream(seed, "linkage-lookalikes"), persons, dtsen.households,
                                rates)
    dtsen_fam, dtsen_per = _render("dtsen", dtsen.reference_date, families, persons,
                                   desa_table())
    dtsen = replace(dtsen, families=dtsen_fam, persons=dtsen_per, internal_families=None,
                    internal_persons=None)
    return dtsen, families, persons


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _truth(source: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.lit(source).alias("source"),
        pl.col("person_id").alias("record_id"),
        entity_ids(frame["_entity"]).alias("entity"),
        "variant",
        *([pl.col("change")] if "change" in frame.columns else []),
    )


def summarize(data: LinkedData) -> dict:
    """Records, entities and variants per source (for the JSON next to the truth)."""
    truth = data.truth
    out: dict = {"seed": data.seed, "households": data.households,
                 "reference_date": data.reference_date.isoformat(), "sources": {}}
    for source in LINKED_SOURCES:
        part = truth.filter(pl.col("source") == source)
        out["sources"][source] = {
            "records": part.height,
            "entities": part["entity"].n_unique(),
            "variants": dict(sorted(part.group_by("variant").len().iter_rows())),
            **({"changes": dict(sorted(part.group_by("change").len().iter_rows()))}
               if source == "p3ke2" else {}),
        }
    out["entities"] = truth["entity"].n_unique()
    return out


# ---------------------------------------------------------------------------------------------
# DTSEN: labels of its own defects


def _label_dtsen(persons: pl.DataFrame, truth: pl.DataFrame, households: int) -> pl.DataFrame:
    """`variant` per DTSEN person: the copies of duplicated families, the person-level defects
    (a person carrying another's NIK is a look-alike of the owner), else exact. `genuine`:
    not a copy; `free`: may take a look-alike or a variant (no DTSEN defect, not copied, NIK
    not lent to another family)."""
    defects = truth.filter(pl.col("defect").is_in(list(DTSEN_DEFECT_VARIANTS))).select(
        pl.col("source_person_id").alias("person_id"),
        pl.col("defect").replace_strict(DTSEN_DEFECT_VARIANTS).alias("defect_variant"),
    )
    owners = truth.filter(pl.col("defect") == "NIK_IN_TWO_FAMILIES").select(
        pl.col("detail").str.extract(r"nik_owner=(\S+)", 1).alias("person_id"))
    copied_entities = persons.filter(pl.col("family") >= households)["_entity"]
    originals = persons.filter(
        (pl.col("family") < households) & pl.col("_entity").is_in(copied_entities.implode())
    )["family_id"].unique()
    labelled = persons.join(defects, on="person_id", how="left", maintain_order="left")
    copied_family = pl.col("family_id").is_in(originals.implode())
    return labelled.with_columns(
        pl.when(pl.col("family") >= households).then(pl.lit("duplicate_family"))
        .otherwise(pl.col("defect_variant").fill_null(variants.EXACT)).alias("variant"),
        (pl.col("family") < households).alias("genuine"),
        (
            (pl.col("family") < households)
            & pl.col("defect_variant").is_null()
            & ~copied_family
            & ~pl.col("person_id").is_in(owners["person_id"].implode())
        ).alias("free"),
    ).drop("defect_variant")


# ---------------------------------------------------------------------------------------------
# Look-alikes: true non-matches that look like matches


def inject_lookalikes(
    rng: np.random.Generator, persons: pl.DataFrame, households: int, rates: LookalikeRates
) -> pl.DataFrame:
    """Twins, fathers and sons of one name, namesakes of one desa and birth year; both persons of
    each pair labelled. Changes names, birth dates and NIKs of the second person of a pair in
    both the stated and the true columns."""
    persons = persons.with_row_index("_i")
    taken = ~persons["free"].to_numpy()
    niks = known_niks(persons)
    label = persons["variant"].to_list()
    updates: dict[int, dict] = {}
    for kind, pairs in (
        ("lookalike_twin", _twin_pairs(rng, persons, taken, count(rates.twins, households))),
        ("lookalike_father_son",
         _father_son_pairs(rng, persons, taken, count(rates.father_son, households))),
        ("lookalike_common_name",
         _namesake_pairs(rng, persons, taken, count(rates.common_name, households))),
    ):
        for a, b in pairs:
            label[a] = label[b] = kind
            updates[b] = _lookalike_update(kind, rng, persons, a, b, niks)
    if not updates:
        return persons.drop("_i").with_columns(pl.Series("variant", label, dtype=pl.String))
    rows = sorted(updates)
    changed = pl.DataFrame(
        {
            "_i": rows,
            "_nama": [updates[r]["nama"] for r in rows],
            "_birth": [updates[r]["birth"] for r in rows],
            "_nik": [updates[r]["nik"] for r in rows],
        },
        schema={"_i": pl.UInt32, "_nama": pl.String, "_birth": pl.Date, "_nik": pl.String},
    )
    merged = persons.join(changed, on="_i", how="left", maintain_order="left")
    return merged.with_columns(
        pl.coalesce("_nama", "nama").alias("nama"),
        pl.coalesce("_birth", "birth").alias("birth"),
        pl.coalesce("_birth", "_true_birth").alias("_true_birth"),
        pl.coalesce("_nik", "nik").alias("nik"),
        pl.coalesce("_nik", "_true_nik").alias("_true_nik"),
        pl.Series("variant", label, dtype=pl.String),
    ).drop("_i", "_nama", "_birth", "_nik")


def _take(pairs: pl.DataFrame, rng, taken: np.ndarray, wanted: int) -> list[tuple[int, int]]:
    """Up to `wanted` pairs (a, b) at random, no person in two pairs; marks them taken."""
    out: list[tuple[int, int]] = []
    if pairs.height == 0 or wanted == 0:
        return out
    order = rng.permutation(pairs.height)
    a_all, b_all = pairs["a"].to_numpy()[order], pairs["b"].to_numpy()[order]
    for a, b in zip(a_all, b_all, strict=True):
        if taken[a] or taken[b]:
            continue
        taken[a] = taken[b] = True
        out.append((int(a), int(b)))
        if len(out) == wanted:
            break
    return out


def _twin_pairs(rng, persons: pl.DataFrame, taken: np.ndarray, wanted: int):
    """Siblings (anak of one family) born at most three years apart."""
    children = persons.filter((pl.col("hubungan") == "3") & pl.col("free")).sort(
        ["family_id", "_true_birth"])
    pairs = children.select(
        pl.col("_i").alias("a"),
        pl.col("_i").shift(-1).over("family_id").alias("b"),
        (pl.col("_true_birth").shift(-1).over("family_id") - pl.col("_true_birth"))
        .dt.total_days().alias("gap"),
    ).filter(pl.col("b").is_not_null() & (pl.col("gap") <= 3 * 365))
    return _take(pairs, rng, taken, wanted)


def _father_son_pairs(rng, persons: pl.DataFrame, taken: np.ndarray, wanted: int):
    """A male head and a son 20-35 years younger in his KK."""
    heads = persons.filter((pl.col("hubungan") == "1") & ~pl.col("_true_female")
                           & pl.col("free")).select("family_id", pl.col("_i").alias("a"),
                                                    pl.col("_true_birth").alias("hb"))
    sons = persons.filter((pl.col("hubungan") == "3") & ~pl.col("_true_female")
                          & pl.col("free")).select("family_id", pl.col("_i").alias("b"),
                                                   pl.col("_true_birth").alias("sb"))
    pairs = heads.join(sons, on="family_id").filter(
        ((pl.col("sb") - pl.col("hb")).dt.total_days() / 365.25).is_between(20, 35)
    ).sort("b")
    return _take(pairs, rng, taken, wanted)


def _namesake_pairs(rng, persons: pl.DataFrame, taken: np.ndarray, wanted: int):
    """A MUHAMMAD … or SITI … and an unrelated person of the same desa, sex and birth year (who
    is given the same name)."""
    keyed = persons.filter(pl.col("free")).with_columns(
        pl.col("_true_birth").dt.year().alias("year"),
        pl.col("nama").str.extract(r"^(\S+)", 1).is_in(COMMON_FIRST_NAMES).alias("common"),
    )
    key = ["desa", "_true_female", "year"]
    a = keyed.filter(pl.col("common")).group_by(key).agg(
        pl.col("_i").min().alias("a"), pl.col("family_id").min().alias("fa"))
    b = keyed.filter(~pl.col("common")).group_by(key).agg(
        pl.col("_i").max().alias("b"), pl.col("family_id").max().alias("fb"))
    pairs = a.join(b, on=key).filter(pl.col("fa") != pl.col("fb")).sort("a")
    return _take(pairs, rng, taken, wanted)


def _lookalike_update(kind: str, rng, persons: pl.DataFrame, a: int, b: int,
                      niks: set[str]) -> dict:
    """The new name, birth date and NIK of `b`, the second person of a look-alike pair."""
    pa, pb = persons.row(a, named=True), persons.row(b, named=True)
    if kind == "lookalike_twin":
        name = typo(pa["nama"], rng) if rng.random() < 0.5 else pb["nama"]
        birth = pa["_true_birth"]
        nik = _free_nik(pb["_true_nik"], pa["_true_nik"], birth, pb["_true_female"], niks)
        return {"nama": name, "birth": birth, "nik": nik}
    return {"nama": pa["nama"], "birth": pb["_true_birth"], "nik": pb["_true_nik"]}


def _free_nik(own: str, near: str, birth: date, female: bool, niks: set[str]) -> str:
    """A NIK of `own`'s region, `birth` and the sex digits of `female`, the first serial after
    `near`'s that nobody holds (a twin gets the serial next to the other twin's); added to
    `niks`."""
    day = birth.day + (40 if female else 0)
    stem = f"{own[:6]}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    serial = int(near[12:]) if near[12:].isdigit() else 1
    for step in range(1, 10_000):
        candidate = f"{stem}{(serial + step - 1) % 9999 + 1:04d}"
        if candidate not in niks:
            niks.add(candidate)
            return candidate
    raise ValueError("no free NIK serial")


# ---------------------------------------------------------------------------------------------
# P3KE: the poorer families, re-keyed, with variants


def known_niks(persons: pl.DataFrame) -> set[str]:
    """Every NIK a person holds or is written with (a new NIK must be none of them)."""
    return set(persons["nik"].drop_nulls()) | set(persons["_true_nik"].drop_nulls())


def _fathers(persons: pl.DataFrame) -> pl.DataFrame:
    """The first name of each family's head when the head is a man (for BIN/BINTI)."""
    return persons.filter((pl.col("hubungan") == "1") & ~pl.col("_true_female")).select(
        "family_id", pl.col("nama").str.extract(r"^(\S+)", 1).alias("father"))


def _p3ke_view(seed: int, families: pl.DataFrame, persons: pl.DataFrame,
               rates: variants.VariantRates, coverage: float,
               ref: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Internal P3KE frames (P3KE IDs, stated values with variants, `_entity`, `variant`): the
    share `coverage` of the genuine desil 1-4 families."""
    rng = _stream(seed, "linkage-p3ke")
    genuine = persons.filter(pl.col("genuine"))["family_id"].unique()
    listed = pl.Series(rng.random(families.height) < coverage)
    fam = families.filter((pl.col("desil") <= P3KE_DESIL_MAX) & listed
                          & pl.col("family_id").is_in(genuine.implode()))
    per = persons.filter(pl.col("family_id").is_in(fam["family_id"].implode())).join(
        _fathers(persons), on="family_id", how="left", maintain_order="left"
    ).with_columns(
        pl.col("_true_nik").alias("nik"),
        pl.col("_true_birth").alias("birth"),
        pl.col("_true_female").alias("female"),
    )
    lookalike = per["variant"].is_in(list(POPULATION_LOOKALIKES)).to_numpy()
    chosen = variants.assign(rng, variants.eligibility(per, ref), rates, lookalike)
    per = per.with_columns(
        pl.when(pl.Series(lookalike)).then(pl.col("variant")).otherwise(chosen).alias("variant"),
        pl.col("nama").alias("_true_nama"),
    )
    per = variants.apply(rng, per, chosen, ref)
    per = _move(rng, fam, per)
    return _rekey(rng, fam, per)


def _move(rng, families: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Persons of variant `moved` listed under another family (hubungan: famili lain), in the
    same desa for half of them."""
    moved = persons.with_row_index("_i").filter(pl.col("variant") == "moved")
    if moved.height == 0:
        return persons.with_columns(pl.lit(False).alias("_moved_in"))
    order = np.argsort(families["desa"].to_numpy(), kind="stable")
    fam_ids = families["family_id"].to_numpy()[order]  # by desa
    sorted_desa = families["desa"].to_numpy()[order]
    position = {fid: i for i, fid in enumerate(fam_ids)}
    own = np.array([position[f] for f in moved["family_id"]])
    desa = moved["desa"].to_numpy()
    lo = np.searchsorted(sorted_desa, desa)
    hi = np.searchsorted(sorted_desa, desa, side="right")
    local = (rng.random(moved.height) < 0.5) & (hi - lo > 1)
    lo, hi = np.where(local, lo, 0), np.where(local, hi, len(fam_ids))
    # a draw among the other families of the range: skip over the own family
    target = lo + np.floor(rng.random(moved.height) * (hi - lo - 1)).astype(np.int64)
    target = np.where(target >= own, target + 1, target)
    new = pl.DataFrame({"_i": moved["_i"], "_to": fam_ids[target]})
    return (
        persons.with_row_index("_i")
        .join(new, on="_i", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_to", "family_id").alias("family_id"),
            pl.when(pl.col("_to").is_not_null()).then(pl.lit("7"))
            .otherwise(pl.col("hubungan")).alias("hubungan"),
            pl.col("_to").is_not_null().alias("_moved_in"),
        )
        .drop("_i", "_to")
    )


def _rekey(rng, families: pl.DataFrame, persons: pl.DataFrame):
    """P3KE IDs: families in their (desa) order, members after them (moved-in persons last)."""
    fam_ids = _ids("P3513", _sequence(rng, families.height), 10)
    new_id = dict(zip(families["family_id"], fam_ids, strict=True))
    rank = {fid: i for i, fid in enumerate(families["family_id"])}
    persons = persons.with_row_index("_p").with_columns(
        pl.col("family_id").replace_strict(rank, return_dtype=pl.Int64).alias("_rank"),
        pl.col("_moved_in").fill_null(False),
    ).sort(["_rank", "_moved_in", "_p"]).drop("_p", "_rank", "_moved_in")
    persons = persons.with_columns(
        pl.col("family_id").replace_strict(new_id),
        _ids("I3513", _sequence(rng, persons.height), 10).alias("person_id"),
    )
    return families.with_columns(fam_ids.alias("family_id")), persons


def _render_p3ke(families: pl.DataFrame, persons: pl.DataFrame, ref: date):
    """P3KE layouts; a missing sex stays empty (the renderer would write '1')."""
    fam_out, per_out = _render("p3ke", ref, families, persons, desa_table())
    missing = persons.select(pl.col("female").is_null()).to_series()
    per_out = per_out.with_columns(
        pl.when(missing).then(None).otherwise(pl.col("jenis_kelamin")).alias("jenis_kelamin"))
    headless = persons.filter((pl.col("hubungan") == "1") & pl.col("female").is_null())
    fam_out = fam_out.with_columns(
        pl.when(pl.col("id_keluarga_p3ke").is_in(headless["family_id"].implode()))
        .then(None).otherwise(pl.col("jenis_kelamin")).alias("jenis_kelamin"))
    return fam_out, per_out


# ---------------------------------------------------------------------------------------------
# The second P3KE edition


def _second_edition(rng, families: pl.DataFrame, persons: pl.DataFrame, rates: EditionRates,
                    next_entity: int, ref: date, niks: set[str]):
    """Edition 2 internal frames and the next free entity number (`niks`: the NIKs in use)."""
    n = persons.height
    perm = rng.permutation(n)
    head = (persons["hubungan"] == "1").to_numpy()
    named = persons["variant"].str.starts_with("name_").to_numpy()
    gone = _pick(perm, ~head, count(rates.gone, n))
    reissued = _pick(perm, ~gone, count(rates.reissued, n))
    corrected = _pick(perm, named & ~gone & ~reissued, count(rates.name_corrected, n))
    change = np.where(reissued, "reissued", np.where(corrected, "name_corrected", "kept"))
    persons = persons.with_columns(
        pl.Series("change", change, dtype=pl.String),
        pl.when(pl.Series(corrected)).then(pl.lit(variants.EXACT))
        .otherwise(pl.col("variant")).alias("variant"),
        pl.when(pl.Series(corrected)).then(pl.col("_true_nama")).otherwise(pl.col("nama"))
        .alias("nama"),
    ).filter(~pl.Series(gone))
    families, persons = _new_kk(rng, families, persons,
                                count(rates.new_kk_families, families.height), niks)
    last = int(persons["person_id"].str.slice(5).cast(pl.Int64).max())
    persons = _reissue(rng, persons, last)
    births = _births(rng, persons, count(rates.new_births, n), next_entity, ref, niks)
    persons = pl.concat([persons, births], how="diagonal_relaxed")
    rank = {fid: i for i, fid in enumerate(families["family_id"])}
    persons = persons.with_row_index("_p").with_columns(
        pl.col("family_id").replace_strict(rank, return_dtype=pl.Int64).alias("_rank")
    ).sort(["_rank", "_p"]).drop("_rank", "_p")
    return families, persons, next_entity + births.height


def _pick(perm: np.ndarray, eligible: np.ndarray, wanted: int) -> np.ndarray:
    """A mask of the first `wanted` eligible positions of `perm`."""
    chosen = perm[eligible[perm]][:wanted]
    mask = np.zeros(len(eligible), bool)
    mask[chosen] = True
    return mask


def _new_kk(rng, families: pl.DataFrame, persons: pl.DataFrame, wanted: int,
            niks: set[str]):
    """A new No. KK for `wanted` families (moved, split): same region and issue date digits,
    a serial that is no family's KK and nobody's NIK."""
    chosen = set(families["family_id"].sample(wanted, seed=int(rng.integers(0, 2**31))))
    in_use = set(families["no_kk"]) | niks
    renumbered = {
        fid: _free_serial(kk, in_use)
        for fid, kk in zip(families["family_id"], families["no_kk"], strict=True)
        if fid in chosen
    }
    families = families.with_columns(
        pl.col("family_id").replace_strict(renumbered, default=pl.col("no_kk")).alias("no_kk"))
    persons = persons.with_columns(
        pl.when(pl.col("family_id").is_in(list(chosen)) & (pl.col("change") == "kept"))
        .then(pl.lit("new_kk")).otherwise(pl.col("change")).alias("change"))
    return families, persons


def _free_serial(number: str, in_use: set[str]) -> str:
    """`number` with its last four digits moved on to a value not in `in_use` (added)."""
    serial = int(number[12:])
    for step in range(5000, 15_000):
        candidate = f"{number[:12]}{(serial + step) % 9999 + 1:04d}"
        if candidate not in in_use:
            in_use.add(candidate)
            return candidate
    raise ValueError("no free serial")


def _reissue(rng, persons: pl.DataFrame, last: int) -> pl.DataFrame:
    """Reissued persons get new person IDs above every edition-1 ID."""
    mask = persons["change"] == "reissued"
    new = _ids("I3513", last + 1 + np.arange(int(mask.sum())) * 3
               + rng.integers(0, 3, int(mask.sum())), 10)
    ids = persons["person_id"].to_list()
    for i, value in zip(np.flatnonzero(mask.to_numpy()), new, strict=True):
        ids[i] = value
    return persons.with_columns(pl.Series("person_id", ids, dtype=pl.String))


def _births(rng, persons: pl.DataFrame, wanted: int, next_entity: int, ref: date,
            niks: set[str]) -> pl.DataFrame:
    """Babies born since edition 1 into families with a wife under 45 (new entities, new
    person IDs, a NIK of the birth date)."""
    wives = persons.filter((pl.col("hubungan") == "2") & pl.col("_true_female")
                           & (pl.col("_true_birth") > pl.lit(date(ref.year - 45, 1, 1))))
    fam = wives["family_id"].unique(maintain_order=True)
    if fam.len() == 0 or wanted == 0:
        return persons.clear()
    chosen = fam.sample(min(wanted, fam.len()), seed=int(rng.integers(0, 2**31)))
    heads = persons.filter(pl.col("hubungan") == "1")
    parents = heads.filter(pl.col("family_id").is_in(chosen.implode())).with_columns(
        pl.col("family_id").replace_strict(
            {f: i for i, f in enumerate(chosen)}, return_dtype=pl.Int64).alias("_o")
    ).sort("_o")
    k = parents.height
    born = [ref - timedelta(days=int(d)) for d in rng.integers(10, 170, k)]
    female = rng.random(k) < 0.5
    names = persons.filter(pl.col("_true_birth") > pl.lit(date(ref.year - 12, 1, 1)))
    pool_f = names.filter(pl.col("_true_female"))["nama"].to_list()
    pool_m = names.filter(~pl.col("_true_female"))["nama"].to_list()
    nama = [(pool_f if f else pool_m)[int(rng.integers(0, len(pool_f if f else pool_m)))]
            for f in female]
    new_niks = [_free_nik(h, h, b, bool(f), niks) for h, b, f in
                zip(parents["_true_nik"], born, female, strict=True)]
    last = int(persons["person_id"].str.slice(5).cast(pl.Int64).max())
    return parents.select(
        "family_id", "desa", "desil", "no_kk",
        pl.lit("3").alias("hubungan"),
        pl.Series("female", female), pl.Series("_true_female", female),
        pl.Series("birth", born, dtype=pl.Date), pl.Series("_true_birth", born, dtype=pl.Date),
        pl.lit("1").alias("kawin"), pl.lit(BABY_EDUCATION).alias("pendidikan"),
        pl.lit(BABY_OCCUPATION).alias("pekerjaan"),
        pl.Series("nik", new_niks), pl.Series("_true_nik", new_niks),
        pl.Series("nama", nama, dtype=pl.String),
        pl.Series("_entity", next_entity + np.arange(k), dtype=pl.Int64),
        _ids("I3513", last + 10 + np.arange(k) * 2, 10).alias("person_id"),
        pl.lit(variants.EXACT).alias("variant"),
        pl.lit("new_birth").alias("change"),
    )


# ---------------------------------------------------------------------------------------------
# DTKS: a sample of the DTSEN families under DTKS IDs


def _dtks(rng, dtsen: SynthData, persons: pl.DataFrame, share: float):
    """DTKS files over a desil-weighted sample of the DTSEN families, and their truth."""
    desil = dtsen.families["desil_nasional"].cast(pl.Int64).to_numpy()
    weight = np.where(desil <= 4, 1.0, np.where(desil <= 7, 0.6, 0.2))
    p = np.minimum(1.0, weight * share * len(desil) / weight.sum())
    keep = rng.random(len(desil)) < p
    fam = dtsen.families.filter(pl.Series(keep))
    per = dtsen.persons.filter(
        pl.col("id_keluarga_dtsen").is_in(fam["id_keluarga_dtsen"].implode()))
    fam_ids = _ids("DTKS3513", _sequence(rng, fam.height), 9)
    per_ids = _ids("ART3513", _sequence(rng, per.height), 10)
    fam_map = dict(zip(fam["id_keluarga_dtsen"], fam_ids, strict=True))
    truth = per.select(pl.col("id_individu_dtsen").alias("person_id")).join(
        persons.select("person_id", "_entity", "variant"), on="person_id", how="left",
        maintain_order="left",
    ).with_columns(per_ids.alias("person_id"))
    fam = fam.with_columns(pl.col("id_keluarga_dtsen").replace_strict(fam_map))
    per = per.with_columns(pl.col("id_keluarga_dtsen").replace_strict(fam_map),
                           per_ids.alias("id_individu_dtsen"))
    families, members = from_dtsen(replace(dtsen, families=fam, persons=per))
    return families, members, _truth("dtks", truth)


# ---------------------------------------------------------------------------------------------
# The agency's beneficiary list


def _agency_list(rng, persons: pl.DataFrame, rates: LinkageRates, next_entity: int,
                 ref: date, niks: set[str]):
    """`rates.agency_rows` rows: registry persons aged 17+ (poorer families likelier) with the
    agency variants, and `agency_outsiders` of people in no register."""
    outsiders = count(rates.agency_outsiders, rates.agency_rows)
    insiders = rates.agency_rows - outsiders
    adults = persons.filter(
        pl.col("genuine") & (pl.col("_true_birth") <= pl.lit(date(ref.year - 17, 1, 1))))
    weight = np.where(adults["desil"].to_numpy() <= 4, 4.0, 1.0)
    chosen = np.sort(rng.choice(adults.height, size=min(insiders, adults.height),
                                replace=False, p=weight / weight.sum()))
    picked = adults[chosen].join(_fathers(persons), on="family_id", how="left",
                                 maintain_order="left").with_columns(
        pl.col("_true_nik").alias("nik"), pl.col("_true_birth").alias("birth"),
        pl.col("_true_female").alias("female"))
    lookalike = picked["variant"].is_in(list(POPULATION_LOOKALIKES)).to_numpy()
    kinds = variants.assign(rng, variants.eligibility(picked, ref), rates.agency, lookalike)
    picked = variants.apply(rng, picked, kinds, ref).with_columns(
        pl.when(pl.Series(lookalike)).then(pl.col("variant")).otherwise(kinds).alias("variant"))
    strangers = _outsiders(rng, adults, outsiders, next_entity, niks)
    rows = pl.concat([picked.select(strangers.columns), strangers])
    rows = rows[rng.permutation(rows.height)]
    desa = desa_table()
    delivered = [ref + timedelta(days=int(d)) for d in rng.integers(-90, 0, rows.height)]
    frame = rows.select(
        pl.int_range(1, rows.height + 1).cast(pl.String).alias("No"),
        pl.col("nik").alias("NIK"),
        pl.col("no_kk").alias("No. KK"),
        pl.col("nama").alias("Nama"),
        pl.col("birth").alias("Tanggal lahir"),
        _codes(tuple(desa.code), rows["desa"].to_numpy()).alias("Desa"),
        pl.Series("Tanggal", delivered, dtype=pl.Date),
        pl.Series("Jumlah", rng.choice(["600000", "300000", "200000"], rows.height)),
    )
    truth = rows.select(
        pl.lit("bantuan").alias("source"),
        frame["No"].alias("record_id"),
        entity_ids(rows["_entity"]).alias("entity"),
        "variant",
    )
    return frame, truth


def _outsiders(rng, adults: pl.DataFrame, k: int, next_entity: int,
               known: set[str]) -> pl.DataFrame:
    """People in no register: a name of the regency re-spelt, a birth date and desa of
    someone else, a NIK and KK nobody holds."""
    donors = adults[rng.choice(adults.height, size=k, replace=False)]
    names = [typo(n, rng) for n in donors["nama"]]
    niks, kks = [], []
    for nik, kk, birth, female in zip(donors["_true_nik"], donors["no_kk"],
                                      donors["_true_birth"], donors["_true_female"], strict=True):
        niks.append(_free_nik(nik, nik[:12] + "7000", birth, female, known))
        kks.append(kk[:12] + f"{(int(kk[12:]) + 7919) % 9000 + 1000:04d}")
    return donors.select(
        pl.Series("nik", niks, dtype=pl.String), pl.Series("no_kk", kks, dtype=pl.String),
        pl.Series("nama", names, dtype=pl.String), pl.col("_true_birth").alias("birth"),
        "desa", pl.Series("_entity", next_entity + np.arange(k), dtype=pl.Int64),
        pl.lit("not_in_registry").alias("variant"),
    )
