"""How one person's record differs between lists: the variants a linkage engine must see through.

Real P3KE, DTSEN, DTKS and agency lists describe the same people with small differences: a name
written in the old spelling (SOEKARNO for SUKARNO), MUHAMMAD shortened to MOH., a title added,
a NIK mistyped or mangled by Excel, a birth date with day and month swapped. Each kind here is a
small pure function of one value; `assign` picks which records get which kind (one kind a record
at most, exact counts like `tepat.synth.defects`), `apply` rewrites the chosen records.

Kinds (the `variant` of `truth_linkage.csv`):
- name_old_spelling: U->OE, J->DJ, C->TJ, NY->NJ, SY->SJ, KH->CH (all of them, one pass)
- name_muhammad: MUHAMMAD -> MOH. / MOCH. / M. / MUH.
- name_siti: SITI -> SITTI
- name_title: H. / HJ. before the name, or ', S.PD.' / ', IR.' after (persons 25 and older)
- name_typo: one small misspelling (`tepat.synth.names.typo`)
- name_word_order: the last word put first (NUR HASANAH -> HASANAH NUR)
- name_bin_binti: ' BIN ' / ' BINTI ' and the father's first name appended (children of a
  male head)
- nik_digit_off: one digit of the NIK changed; nik_transposed: two adjacent digits swapped;
  nik_missing: empty; nik_excel: the NIK as Excel shows a big number ('3.51320E+15')
- birth_day_month_swapped (only when day <= 12 and day != month); birth_year_off (one year);
  birth_placeholder (01-01 or 31-12 of the same year); birth_missing
- moved: the person listed under another family (another KK; half of them in another desa)
- sex_missing: jenis kelamin empty

Rates are shares of all the records of the list; a kind that fewer records can take (MUHAMMAD,
SITI, day <= 12) gets all the eligible records when the rate asks for more.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

import numpy as np
import polars as pl

from tepat.synth.defects import count
from tepat.synth.names import typo

NAME_KINDS = (
    "name_old_spelling",
    "name_muhammad",
    "name_siti",
    "name_title",
    "name_typo",
    "name_word_order",
    "name_bin_binti",
)
NIK_KINDS = ("nik_digit_off", "nik_transposed", "nik_missing", "nik_excel")
BIRTH_KINDS = (
    "birth_day_month_swapped",
    "birth_year_off",
    "birth_placeholder",
    "birth_missing",
)
OTHER_KINDS = ("moved", "sex_missing")
KINDS = NAME_KINDS + NIK_KINDS + BIRTH_KINDS + OTHER_KINDS
EXACT = "exact"


@dataclass(frozen=True)
class VariantRates:
    """Share of a list's records given each variant (one variant a record at most). The
    defaults (about 15 % of the records in all) are for a P3KE edition."""

    name_old_spelling: float = 0.015
    name_muhammad: float = 0.008
    name_siti: float = 0.005
    name_title: float = 0.008
    name_typo: float = 0.03
    name_word_order: float = 0.004
    name_bin_binti: float = 0.004
    nik_digit_off: float = 0.008
    nik_transposed: float = 0.005
    nik_missing: float = 0.01
    nik_excel: float = 0.005
    birth_day_month_swapped: float = 0.006
    birth_year_off: float = 0.006
    birth_placeholder: float = 0.006
    birth_missing: float = 0.003
    moved: float = 0.01
    sex_missing: float = 0.005

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 0.5:
                raise ValueError(f"{f.name} must be between 0 and 0.5, got {value}")
        if sum(self.as_dict().values()) > 0.9:
            raise ValueError("variant rates add up to more than 0.9 of the records")

    @classmethod
    def none(cls) -> VariantRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Which records can take a kind


def eligibility(records: pl.DataFrame, reference: date) -> dict[str, np.ndarray]:
    """A boolean mask per kind. `records` holds nama, nik, birth (Date), female, hubungan and
    father (the first name of the family's male head, null when none)."""
    name = records["nama"]
    nik = records["nik"].fill_null("")
    birth = records["birth"]
    age_years = (pl.Series([reference]).cast(pl.Date).item() - birth).dt.total_days() / 365.25
    is_nik = nik.str.contains(r"^\d{16}$").to_numpy()
    day, month = birth.dt.day().fill_null(0), birth.dt.month().fill_null(0)
    has_birth = birth.is_not_null().to_numpy()
    swapped = pl.select(
        pl.date(birth.dt.year(), day.clip(1, 12), month.clip(1, 28))
    ).to_series()  # only read where day <= 12, so a valid date
    everyone = np.ones(records.height, bool)
    return {
        "name_old_spelling": name.str.contains(r"U|J|C|NY|SY|KH").to_numpy(),
        "name_muhammad": name.str.contains(r"\bMUHAMMAD\b").to_numpy(),
        "name_siti": name.str.contains(r"\bSITI\b").to_numpy(),
        "name_title": (age_years.fill_null(0) >= 25).to_numpy(),
        "name_typo": (name.str.len_chars() >= 4).to_numpy(),
        "name_word_order": name.str.contains(r"\S \S").to_numpy(),
        "name_bin_binti": (
            (records["hubungan"] == "3")
            & records["father"].is_not_null()
            & ~name.str.contains(r"\bBINT?I?\b")
        ).to_numpy(),
        "nik_digit_off": is_nik,
        "nik_transposed": is_nik,
        "nik_missing": is_nik,
        "nik_excel": is_nik,
        "birth_day_month_swapped": (
            (day <= 12) & (day != month) & (day > 0) & (swapped < reference)
        ).fill_null(False).to_numpy(),
        "birth_year_off": has_birth,
        "birth_placeholder": has_birth
        & ~(((day == 1) & (month == 1)) | ((day == 31) & (month == 12))).to_numpy()
        & (birth.dt.year() < reference.year).fill_null(False).to_numpy(),
        "birth_missing": has_birth,
        "moved": (records["hubungan"] != "1").to_numpy(),
        "sex_missing": everyone,
    }


def assign(
    rng: np.random.Generator,
    eligible: dict[str, np.ndarray],
    rates: VariantRates,
    blocked: np.ndarray,
) -> pl.Series:
    """The variant of each record ('exact' for most): for each kind in turn, `round(rate * n)`
    records drawn among the eligible ones not yet given a kind (and not `blocked`)."""
    n = len(blocked)
    kind = np.full(n, -1, np.int64)
    taken = blocked.copy()
    for k, name in enumerate(KINDS):
        wanted = count(getattr(rates, name), n)
        if not wanted:
            continue
        pool = np.flatnonzero(eligible[name] & ~taken)
        chosen = rng.choice(pool, size=min(wanted, len(pool)), replace=False)
        kind[chosen] = k
        taken[chosen] = True
    labels = pl.Series((*KINDS, EXACT), dtype=pl.String)
    return labels.gather(np.where(kind < 0, len(KINDS), kind))


# ---------------------------------------------------------------------------------------------
# Rewriting the chosen records

_OLD_FROM = ["NY", "SY", "KH", "J", "C", "U"]
_OLD_TO = ["NJ", "SJ", "CH", "DJ", "TJ", "OE"]
_MUHAMMAD_SHORT = ("MOH.", "MOCH.", "M.", "MUH.")


def renumber(kind: str, nik: str, rng: np.random.Generator) -> str | None:
    """The NIK as the variant `kind` writes it (None: missing)."""
    if kind == "nik_missing":
        return None
    if kind == "nik_excel":
        return f"{int(nik):.5E}"
    if kind == "nik_digit_off":
        i = int(rng.integers(0, 16))
        digit = (int(nik[i]) + int(rng.integers(1, 10))) % 10
        return nik[:i] + str(digit) + nik[i + 1 :]
    if kind == "nik_transposed":
        positions = [i for i in range(15) if nik[i] != nik[i + 1]]
        i = positions[int(rng.integers(0, len(positions)))]
        return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
    raise ValueError(kind)


def redate(kind: str, birth: date, u: float, reference: date) -> date | None:
    """The birth date as the variant `kind` writes it (None: missing); never after
    `reference`."""
    if kind == "birth_missing":
        return None
    if kind == "birth_day_month_swapped":
        stated = date(birth.year, birth.day, birth.month)
    elif kind == "birth_year_off":
        year = birth.year + (1 if u < 0.5 and birth.year < reference.year - 1 else -1)
        stated = date(year, birth.month, min(birth.day, 28) if birth.month == 2 else birth.day)
    elif kind == "birth_placeholder":
        stated = date(birth.year, 1, 1) if u < 0.7 else date(birth.year, 12, 31)
        if birth.month == 1 and birth.day == 1:
            stated = date(birth.year, 12, 31)
    else:
        raise ValueError(kind)
    return stated if stated < reference else date(birth.year, 1, 1)


def apply(
    rng: np.random.Generator, records: pl.DataFrame, variant: pl.Series, reference: date
) -> pl.DataFrame:
    """`records` (nama, nik, birth, female, father) with the variants written in; `moved` is
    left to the caller (it changes the family, not a value). The rules a column expression can
    say are applied to the whole column; typos, NIK digits and dates row by row (a few % of
    the records)."""
    u = pl.Series("_u", rng.random(records.height))
    records = records.with_columns(variant.alias("_kind"), u).with_columns(
        _vectorised_name(), _vectorised_nik(),
        pl.when(pl.col("_kind") == "sex_missing").then(None).otherwise(pl.col("female"))
        .alias("female"),
    )
    kinds = variant.to_list()
    rows = [i for i, k in enumerate(kinds) if k in _ROW_BY_ROW]
    if rows:
        records = _row_by_row(rng, records, rows, [kinds[i] for i in rows], reference)
    return records.drop("_kind", "_u")


_ROW_BY_ROW = frozenset({"name_typo", "nik_digit_off", "nik_transposed", "nik_excel",
                         *(k for k in BIRTH_KINDS)})


def _vectorised_name() -> pl.Expr:
    kind, name, u = pl.col("_kind"), pl.col("nama"), pl.col("_u")
    short = pl.lit(pl.Series(_MUHAMMAD_SHORT)).get((u * len(_MUHAMMAD_SHORT)).cast(pl.Int64))
    female = pl.col("female").fill_null(False)
    title = (
        pl.when(u < 0.6)
        .then(pl.when(female).then(pl.lit("HJ. ")).otherwise(pl.lit("H. ")) + name)
        .when((u < 0.85) | female).then(name + pl.lit(", S.PD."))
        .otherwise(name + pl.lit(", IR."))
    )
    return (
        pl.when(kind == "name_old_spelling").then(name.str.replace_many(_OLD_FROM, _OLD_TO))
        .when(kind == "name_muhammad").then(
            pl.concat_str(name.str.extract(r"^(.*?)\bMUHAMMAD\b", 1), short,
                          name.str.extract(r"\bMUHAMMAD\b(.*)$", 1)))
        .when(kind == "name_siti").then(name.str.replace(r"\bSITI\b", "SITTI"))
        .when(kind == "name_title").then(title)
        .when(kind == "name_word_order").then(name.str.replace(r"^(.*) (\S+)$", "${2} ${1}"))
        .when(kind == "name_bin_binti").then(
            pl.concat_str(name, pl.when(female).then(pl.lit(" BINTI ")).otherwise(
                pl.lit(" BIN ")), pl.col("father")))
        .otherwise(name)
        .alias("nama")
    )


def _vectorised_nik() -> pl.Expr:
    return (
        pl.when(pl.col("_kind") == "nik_missing").then(None).otherwise(pl.col("nik"))
        .alias("nik")
    )


def _row_by_row(rng, records: pl.DataFrame, rows: list[int], kinds: list[str],
                reference: date) -> pl.DataFrame:
    subset = records[rows]
    names, niks, births = (subset[c].to_list() for c in ("nama", "nik", "birth"))
    draws = subset["_u"].to_list()
    for j, kind in enumerate(kinds):
        if kind == "name_typo":
            names[j] = typo(names[j], rng)
        elif kind.startswith("nik_"):
            niks[j] = renumber(kind, niks[j], rng)
        else:
            births[j] = redate(kind, births[j], draws[j], reference)
    index = pl.Series(rows, dtype=pl.Int64)
    return records.with_columns(
        records["nama"].scatter(index, pl.Series(names, dtype=pl.String)),
        records["nik"].scatter(index, pl.Series(niks, dtype=pl.String)),
        records["birth"].scatter(index, pl.Series(births, dtype=pl.Date)),
    )
