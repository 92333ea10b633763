"""Synthetic P3KE and DTSEN exports for Kabupaten Probolinggo, with the ground truth of their
defects.

    data = generate(households=150_000, seed=1)                 # P3KE, desil 1-4
    data = generate(households=400_000, seed=1, source="dtsen")  # whole population, desil 1-10
    write(data, Path("out"), "xlsx")

`data.families` and `data.persons` have exactly the headers of `tepat.core.layout` (P3KE_FAMILY /
P3KE_PERSON or DTSEN_FAMILY / DTSEN_PERSON), in that order. Every value is a string as it appears
in an export (P3KE: Indonesian labels such as "Tamat SD/sederajat"; DTSEN: the numeric codes such
as "04"), except the birth-date columns, which are `pl.Date`. Missing values are null.

Value formats (what an importer sees):
- IDs: P3KE `P3513` + 10 digits (families), `I3513` + 10 digits (persons); DTSEN
  `DTK-3513-` + 8 digits and `DTI-3513-` + 9 digits. Increasing, with gaps, ordered by desa.
- NIK / No. KK: 16-digit strings (except the MALFORMED_NIK defects); P3KE `kode_kemdagri` is the
  undotted 10-digit desa code ('3513202001'), DTSEN's is dotted ('35.13.20.2001').
- Dates: `pl.Date` in the frames, 'YYYY-MM-DD' in CSV, real Excel dates (yyyy-mm-dd) in XLSX.
- P3KE flags are 'Ya' / 'Tidak'; padan_dukcapil 'Padan' / 'Tidak padan'; desil '1'..'4' (P3KE)
  or '1'..'10' (DTSEN); names and region names in capitals.
- DTSEN status_pekerjaan is null for people who do not work.

Determinism: everything is drawn from numpy `Generator(PCG64)` streams seeded from (seed, part
name), so the same seed gives identical frames and files, and changing the defect rates does not
change the underlying population.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache

import numpy as np
import polars as pl

from tepat.core.codes import CODE_LISTS
from tepat.core.layout import (
    AGE_BANDS,
    DTSEN_FAMILY,
    DTSEN_PERSON,
    P3KE_FAMILY,
    P3KE_PERSON,
    Layout,
)
from tepat.core.regions import DEFAULT_KABUPATEN, national_table
from tepat.synth import attributes as attr
from tepat.synth.defects import (
    DEFECTS,
    MALFORMED_KINDS,
    DefectRates,
    count,
    malform,
    shift_birthdate,
)
from tepat.synth.geography import (
    DUSUN_NAMES,
    LINGKUNGAN_NAMES,
    _unit_hash,
    desa_table,
    destination_regions,
    jatim_kecamatan_digits,
    kabupaten_labels,
)
from tepat.synth.household import DAYS_PER_YEAR, KEPALA, PASANGAN, compose
from tepat.synth.names import build_names, typo

SOURCES = ("p3ke", "dtsen")

# Desil shares of families. P3KE covers national desil 1-4, skewed like the real lists (desil 1,
# the extreme-poverty candidates, is the smallest group); DTSEN covers everybody, the poorer
# tenths a little larger in a regency poorer than the national average.
DESIL_SHARES = {
    "p3ke": (0.20, 0.24, 0.27, 0.29),
    "dtsen": (0.125, 0.115, 0.11, 0.105, 0.10, 0.095, 0.09, 0.09, 0.09, 0.08),
}
# How strongly a kecamatan's poverty index pulls P3KE families towards it.
P3KE_POVERTY_PULL = 1.5
BORN_ELSEWHERE = 0.02  # share of people born in the family (NIK from another kecamatan)
MARRIED_IN_ELSEWHERE = 0.08  # share of spouses / children-in-law with a NIK from elsewhere
KK_FIRST_ISSUE = date(2005, 1, 1)
KK_LAST_ISSUE = date(2023, 12, 31)
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class SynthData:
    """A generated data set.

    `families` / `persons`: the export, headers of the source's layout. `truth`: one row per
    injected defect (defect, source_family_id, source_person_id, related_family_id, detail; see
    `tepat.synth.defects`). `summary`: families, persons, defects per name, families and persons
    per desil. `households` counts the genuine families; duplicate copies come on top.
    """

    source: str
    seed: int
    households: int
    reference_date: date
    rates: DefectRates
    families: pl.DataFrame
    persons: pl.DataFrame
    truth: pl.DataFrame
    summary: dict = field(default_factory=dict)
    # With `generate(..., keep_internal=True)`: the frames before rendering (codes, internal
    # family index `family`, `family_id` / `person_id`), persons with their true values
    # (`_entity`, `_true_nik`, `_true_birth`, `_true_female`; a duplicate copy keeps the
    # original's). Used by `tepat.synth.linkage` to re-render the same people as other sources.
    internal_families: pl.DataFrame | None = None
    internal_persons: pl.DataFrame | None = None

    @property
    def family_layout(self) -> Layout:
        return P3KE_FAMILY if self.source == "p3ke" else DTSEN_FAMILY

    @property
    def person_layout(self) -> Layout:
        return P3KE_PERSON if self.source == "p3ke" else DTSEN_PERSON


def _stream(seed: int, part: str) -> np.random.Generator:
    """An independent random stream per part of the generator."""
    return np.random.Generator(np.random.PCG64([seed, zlib.crc32(part.encode("ascii"))]))


def _codes(values: tuple[str, ...], index: np.ndarray) -> pl.Series:
    """Strings from a small tuple by index (much faster than numpy string arrays)."""
    return pl.Series(values, dtype=pl.String).gather(index.astype(np.int64))


def _days(d: date) -> int:
    return (d - _EPOCH).days


def _to_date(days: int) -> date:
    return _EPOCH + timedelta(days=int(days))


# ---------------------------------------------------------------------------------------------
# Families: where they live and how poor they are


def _allocate(rng: np.random.Generator, households: int, weights: np.ndarray) -> np.ndarray:
    """Families per desa: largest-remainder allocation of `households` in proportion to
    `weights`, the remainder drawn at random (so every desa with an expected count >= 1 gets
    a family)."""
    expected = households * weights / weights.sum()
    base = np.floor(expected).astype(np.int64)
    rest = households - int(base.sum())
    if rest > 0:
        frac = expected - base
        extra = rng.choice(len(weights), size=rest, replace=False, p=frac / frac.sum())
        base[extra] += 1
    return base


def _desil_by_rank(poorness: np.ndarray, shares: tuple[float, ...]) -> np.ndarray:
    n = len(poorness)
    order = np.argsort(-poorness, kind="stable")
    bounds = np.round(np.cumsum(shares) * n).astype(np.int64)
    bounds[-1] = n
    rank_desil = np.searchsorted(bounds, np.arange(n), side="right") + 1
    desil = np.empty(n, dtype=np.int64)
    desil[order] = rank_desil
    return desil


# ---------------------------------------------------------------------------------------------
# NIK and KK numbers


def _number_frame(
    region6: pl.Series,
    day_digits: np.ndarray,
    month: np.ndarray,
    year: np.ndarray,
    rng: np.random.Generator,
) -> pl.Series:
    """16-digit numbers region6 + DDMMYY + serial, the serial unique within region and date
    digits (counting up from a small random start per group)."""
    frame = pl.DataFrame(
        {
            "region": region6,
            "date": (
                pl.Series(day_digits).cast(pl.String).str.zfill(2)
                + pl.Series(month).cast(pl.String).str.zfill(2)
                + pl.Series(year % 100).cast(pl.String).str.zfill(2)
            ),
            "key": rng.random(len(region6)),
            "start": rng.integers(0, 12, len(region6)),
        }
    )
    group = ["region", "date"]
    serial = pl.col("key").rank("ordinal").over(group) + pl.col("start").min().over(group)
    return frame.select(
        pl.concat_str("region", "date", serial.cast(pl.String).str.zfill(4)).alias("number")
    ).to_series()


# ---------------------------------------------------------------------------------------------
# The generator


def generate(
    households: int,
    seed: int,
    source: str = "p3ke",
    defects: DefectRates | None = None,
    reference_date: date = date(2024, 3, 1),
    *,
    keep_internal: bool = False,
    kabupaten: str = DEFAULT_KABUPATEN,
) -> SynthData:
    """A synthetic export of `households` genuine families (plus duplicate copies, if any) of
    the kabupaten/kota `kabupaten` (dotted Kemendagri code; Kab. Probolinggo by default).

    See the module docstring and `tepat.synth.defects` for what is injected. `keep_internal`
    keeps the frames before rendering in the result (see `SynthData`).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if households < 1:
        raise ValueError("households must be at least 1")
    rates = defects if defects is not None else DefectRates()
    ref = reference_date
    ref_days = _days(ref)
    desa = desa_table(kabupaten)

    # --- where families live, how poor they are
    rng = _stream(seed, "families")
    weights = desa.persons * (desa.poverty**P3KE_POVERTY_PULL if source == "p3ke" else 1.0)
    per_desa = _allocate(rng, households, weights)
    fam_desa = np.repeat(np.arange(len(desa)), per_desa)
    poorness = 1.2 * np.log(desa.poverty[fam_desa]) + rng.standard_normal(households)
    desil = _desil_by_rank(poorness, DESIL_SHARES[source])
    madurese = rng.random(households) < desa.madurese[fam_desa]

    # --- members
    members = compose(_stream(seed, "members"), desil)
    pf = members.family  # family index of each person
    n_persons = len(pf)
    p_desil = desil[pf]
    age_days = np.maximum(1, np.floor(members.age * DAYS_PER_YEAR).astype(np.int64))
    birth_days = ref_days - age_days
    birth = pl.Series("birth", birth_days.astype("datetime64[D]")).cast(pl.Date)
    b_year = birth.dt.year().to_numpy().astype(np.int64)
    b_month = birth.dt.month().to_numpy().astype(np.int64)
    b_day = birth.dt.day().to_numpy().astype(np.int64)
    female = members.female

    rng = _stream(seed, "person-attributes")
    pendidikan = attr.education(rng, members.age, b_year, p_desil)
    pekerjaan = attr.occupation(
        rng, members.age, female, members.hubungan, p_desil, desa.coastal[fam_desa][pf]
    )
    status_pekerjaan = attr.job_status(rng, pekerjaan)
    disabilitas = attr.disability(rng, members.age, p_desil)
    nama = build_names(_stream(seed, "names"), female, b_year, madurese[pf])

    # --- NIK (from the true birth date and sex; defects change the stated values later)
    rng = _stream(seed, "nik")
    jatim = np.array(jatim_kecamatan_digits(kabupaten.split(".")[0]))
    home = np.searchsorted(jatim, desa.region6)[fam_desa][pf]  # index into `jatim`
    elsewhere = rng.random(n_persons) < np.where(
        members.in_law, MARRIED_IN_ELSEWHERE, BORN_ELSEWHERE
    )
    other = rng.integers(0, len(jatim) - 1, n_persons)
    other = np.where(other >= home, other + 1, other)  # any kecamatan but the home one
    nik_region = pl.Series(jatim.tolist(), dtype=pl.String).gather(np.where(elsewhere, other, home))
    nik = _number_frame(nik_region, b_day + 40 * female, b_month, b_year, rng)

    # --- families: housing, programmes, KK
    rng = _stream(seed, "family-attributes")
    fam = {
        "kepemilikan_rumah": attr.draw_codes(rng, attr.KEPEMILIKAN_RUMAH, desil),
        "jenis_atap": attr.draw_codes(rng, attr.JENIS_ATAP, desil),
        "jenis_dinding": attr.draw_codes(rng, attr.JENIS_DINDING, desil),
        "jenis_lantai": attr.draw_codes(rng, attr.JENIS_LANTAI, desil),
        "sumber_penerangan": attr.draw_codes(rng, attr.SUMBER_PENERANGAN, desil),
        "bahan_bakar_memasak": attr.draw_codes(rng, attr.BAHAN_BAKAR_MEMASAK, desil),
        "sumber_air_minum": attr.draw_codes(rng, attr.SUMBER_AIR_MINUM, desil),
        "fasilitas_bab": attr.draw_codes(rng, attr.FASILITAS_BAB, desil),
    }
    daya = attr.draw_codes(rng, attr.DAYA_TERPASANG_METERED, desil)
    fam["daya_terpasang"] = pl.select(
        pl.when(fam["sumber_penerangan"] == "1").then(daya).otherwise(pl.lit("0"))
    ).to_series()
    fam["memiliki_simpanan"] = rng.random(households) < attr.share(attr.SIMPANAN, desil)

    under5 = np.bincount(pf, weights=(members.age < 5), minlength=households) > 0
    school_age = np.bincount(pf, weights=(members.age < 19), minlength=households) > 0
    elderly = np.bincount(pf, weights=(members.age >= 60), minlength=households) > 0
    young_wife = (
        np.bincount(
            pf,
            weights=(
                female
                & (members.age >= 15)
                & (members.age < 50)
                & np.isin(members.hubungan, (KEPALA, PASANGAN))
            ),
            minlength=households,
        )
        > 0
    )
    head_idx = np.flatnonzero(members.hubungan == KEPALA)  # one per family, in family order
    head_occ = pekerjaan[head_idx]
    pkh_component = school_age | elderly | under5
    fam["penerima_pkh"] = pkh_component & (
        rng.random(households) < attr.share(attr.PKH, desil) / 0.9
    )
    bpnt = rng.random(households) < attr.share(attr.BPNT, desil)
    fam["penerima_bpnt"] = bpnt
    fam["penerima_sembako"] = np.where(
        bpnt, rng.random(households) < 0.85, rng.random(households) < 0.06
    )
    fam["penerima_bst"] = rng.random(households) < attr.share(attr.BST, desil)
    business = np.isin(head_occ, (attr.OCCUPATIONS.index("08"), attr.OCCUPATIONS.index("09")))
    fam["penerima_bpum"] = rng.random(households) < attr.share(attr.BPUM, desil) * np.where(
        business, 5.0, 0.6
    )
    poor_sanitation = (fam["fasilitas_bab"] != "1").to_numpy().astype(float)
    poor_water = fam["sumber_air_minum"].is_in(["06", "08", "09", "10"]).to_numpy().astype(float)
    stunting_p = (under5 | young_wife) * (
        0.18 + 0.30 * poor_sanitation + 0.15 * poor_water + 0.02 * (10 - desil)
    )
    fam["resiko_stunting"] = rng.random(households) < stunting_p

    # KK: issued after the head turned 17 and after the youngest member was born.
    youngest_birth = np.full(households, -(10**9), dtype=np.int64)
    np.maximum.at(youngest_birth, pf, birth_days)
    head_birth = birth_days[head_idx]
    low = np.maximum.reduce(
        [
            np.full(households, _days(KK_FIRST_ISSUE)),
            head_birth + int(17 * DAYS_PER_YEAR),
            youngest_birth,
        ]
    )
    high = np.full(households, _days(KK_LAST_ISSUE))
    high = np.where(low > high, ref_days - 1, high)
    low = np.minimum(low, high)
    issue_days = low + np.floor(rng.random(households) * (high - low + 1)).astype(np.int64)
    issue = pl.Series(issue_days.astype("datetime64[D]")).cast(pl.Date)
    kk = _number_frame(
        pl.Series(desa.region6.tolist()).gather(fam_desa),
        issue.dt.day().to_numpy(),
        issue.dt.month().to_numpy(),
        issue.dt.year().to_numpy().astype(np.int64),
        rng,
    )
    # A KK number never equals somebody's NIK (both are 16 digits from the same region codes).
    clash = kk.is_in(nik.implode())
    if clash.any():
        kk = pl.select(
            pl.when(clash)
            .then(kk.str.slice(0, 12) + (kk.str.slice(12, 4).cast(pl.Int64) + 5000).cast(pl.String))
            .otherwise(kk)
        ).to_series()

    # Address: dusun (RW), RT
    n_dusun = desa.dusun_count[fam_desa]
    dusun = np.floor(rng.random(households) * n_dusun).astype(np.int64)
    rt = 1 + np.floor(rng.random(households) * (3 + (desa.persons[fam_desa] > 3500) * 3)).astype(
        np.int64
    )
    alamat = _addresses(rng, desa, fam_desa, dusun, rt)

    # --- defects (change stated values, record truth)
    truth: list[dict] = []
    drng = _stream(seed, "defects")
    dup_orig, deceased, moved = _pick_family_defects(drng, rates, households, members.age[head_idx])
    blocked_family = np.zeros(households, bool)
    blocked_family[dup_orig] = True
    eligible = np.flatnonzero(~blocked_family[pf])
    perm = drng.permutation(eligible)
    sizes = [
        count(rates.malformed_nik, n_persons),
        count(rates.nik_birthdate_mismatch, n_persons),
        count(rates.nik_sex_mismatch, n_persons),
        count(rates.nik_in_two_families, n_persons),
    ]
    if sum(sizes) * 2 > len(perm):
        raise ValueError("defect rates too high for this many persons")
    cuts = np.cumsum([0, *sizes])
    mal_p, bd_p, sex_p, two_p = (np.sort(perm[cuts[i] : cuts[i + 1]]) for i in range(4))
    free = np.sort(perm[cuts[-1] :])

    nik_written = {}  # person -> NIK as written in the file, where a defect changes it
    stated_birth = birth_days.copy()
    stated_female = female.copy()
    known = national_table().kecamatan_digits
    for p in mal_p:
        kind = MALFORMED_KINDS[int(drng.integers(0, len(MALFORMED_KINDS)))]
        bad = malform(nik[int(p)], kind, drng, known)
        detail = f"kind={kind}"
        if kind == "unknown_region":
            region = bad[:6]
            detail += f"; region={region[:2]}.{region[2:4]}.{region[4:6]}"
        nik_written[int(p)] = bad
        truth.append(
            {
                "defect": "MALFORMED_NIK",
                "family": pf[p],
                "person": p,
                "related": None,
                "detail": detail,
            }
        )
    for p in bd_p:
        true = _to_date(birth_days[p])
        stated, kind = shift_birthdate(true, drng, ref)
        stated_birth[p] = _days(stated)
        truth.append(
            {
                "defect": "NIK_BIRTHDATE_MISMATCH",
                "family": pf[p],
                "person": p,
                "related": None,
                "detail": f"kind={kind}; stated={stated.isoformat()}; nik_date={true.isoformat()}",
            }
        )
    for p in sex_p:
        stated_female[p] = not female[p]
        truth.append(
            {
                "defect": "NIK_SEX_MISMATCH",
                "family": pf[p],
                "person": p,
                "related": None,
                "detail": f"stated={'2' if stated_female[p] else '1'}; "
                f"nik={'2' if female[p] else '1'}",
            }
        )
    if len(two_p):
        owners = _nik_owners(two_p, free, pf, female, birth_days)
        for p, q in zip(two_p, owners, strict=True):
            nik_written[int(p)] = nik[int(q)]
            truth.append(
                {
                    "defect": "NIK_IN_TWO_FAMILIES",
                    "family": pf[p],
                    "person": p,
                    "related": pf[q],
                    "detail": None,
                    "owner": q,
                }
            )
    for f in deceased:
        head_age_years = members.age[head_idx[f]]
        died = ref - timedelta(days=int(drng.integers(30, 3 * 365)))
        truth.append(
            {
                "defect": "DECEASED_HEAD",
                "family": f,
                "person": head_idx[f],
                "related": None,
                "detail": f"died={died.isoformat()}; age_at_reference={int(head_age_years)}",
            }
        )
    for f in moved:
        truth.append(
            {
                "defect": "MOVED_FAMILY",
                "family": f,
                "person": None,
                "related": None,
                "detail": _destination(drng, desa, fam_desa[f]),
            }
        )

    # Dukcapil matching fails for most heads whose NIK is broken or borrowed.
    head_broken = np.zeros(households, bool)
    for p in np.concatenate([mal_p, two_p]).astype(np.int64):
        if members.hubungan[p] == KEPALA:
            head_broken[pf[p]] = True
    rng = _stream(seed, "padan")
    padan = np.where(head_broken, rng.random(households) >= 0.9, rng.random(households) >= 0.03)

    # --- internal frames (one row per genuine family / person), stated values
    true_nik = nik.clone()  # `scatter` below writes into `nik` in place
    persons = pl.DataFrame(
        {
            "family": pf.astype(np.int64),
            "hubungan": _codes(("0", "1", "2", "3", "4", "5", "6", "7", "8"), members.hubungan),
            "female": stated_female,
            "birth": stated_birth.astype("datetime64[D]"),
            "kawin": _codes(("0", "1", "2", "3", "4"), members.kawin),
            "pendidikan": _codes(tuple(str(i) for i in range(9)), pendidikan),
            "pekerjaan": _codes(attr.OCCUPATIONS, pekerjaan),
            "status_pekerjaan": _codes(attr.JOB_STATUSES, status_pekerjaan),
            "disabilitas": _codes(tuple(str(i) for i in range(6)), disabilitas),
            "nik": (
                nik.scatter(list(nik_written), list(nik_written.values())) if nik_written else nik
            ),
            "nama": nama,
            "_entity": np.arange(n_persons, dtype=np.int64),
            "_true_nik": true_nik,
            "_true_birth": birth_days.astype("datetime64[D]"),
            "_true_female": female,
        }
    ).with_columns(
        pl.col("birth").cast(pl.Date),
        pl.col("_true_birth").cast(pl.Date),
        pl.col("status_pekerjaan").replace("", None),
    )
    families = pl.DataFrame(
        {
            "desa": fam_desa.astype(np.int64),
            "desil": desil.astype(np.int64),
            "alamat": alamat,
            "no_kk": kk,
            "padan": padan,
            **{k: v for k, v in fam.items()},
        }
    )

    # --- duplicate copies
    families, persons, truth = _add_duplicates(
        _stream(seed, "duplicates"), families, persons, truth, dup_orig
    )

    # --- IDs and order
    data, internal_families, internal_persons = _finish(
        _stream(seed, "ids"), source, seed, households, ref, rates, families, persons, truth,
        desa,
    )
    if not keep_internal:
        return data
    return replace(data, internal_families=internal_families, internal_persons=internal_persons)


def _pick_family_defects(rng, rates: DefectRates, households: int, head_age: np.ndarray):
    n_dup = count(rates.duplicate_family, households)
    n_dec = count(rates.deceased_head, households)
    n_mov = count(rates.moved_family, households)
    if n_dup + n_dec + n_mov > households:
        raise ValueError("family defect rates add up to more than all families")
    perm = rng.permutation(households)
    dup = np.sort(perm[:n_dup])
    rest = np.sort(perm[n_dup:])
    deceased = np.zeros(0, np.int64)
    if n_dec:
        # Gompertz-like: the older the head, the likelier the death.
        w = np.exp(0.085 * (head_age[rest] - 60.0))
        deceased = np.sort(rng.choice(rest, size=n_dec, replace=False, p=w / w.sum()))
    rest = np.setdiff1d(rest, deceased)
    moved = np.sort(rng.choice(rest, size=n_mov, replace=False)) if n_mov else np.zeros(0, np.int64)
    return dup, deceased, moved


def _nik_owners(two_p, free, pf, female, birth_days) -> list[int]:
    """For each person in `two_p`, a person in another family, of the same sex and the nearest
    birth date, whose NIK they are given (each owner used once)."""
    key = female[free].astype(np.int64) * 10**7 + birth_days[free]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    sorted_free = free[order]
    used: set[int] = set()
    owners = []
    for p in two_p:
        target = int(female[p]) * 10**7 + int(birth_days[p])
        pos = int(np.searchsorted(sorted_key, target))
        chosen = None
        for step in range(len(sorted_free)):
            for cand_pos in (pos + step, pos - step - 1):
                if 0 <= cand_pos < len(sorted_free):
                    q = int(sorted_free[cand_pos])
                    if q not in used and pf[q] != pf[p] and female[q] == female[p]:
                        chosen = q
                        break
            if chosen is not None:
                break
        if chosen is None:
            raise ValueError("no person left to share a NIK with")
        used.add(chosen)
        owners.append(chosen)
    return owners


@cache
def _destination_arrays(kabupaten: str) -> tuple[np.ndarray, np.ndarray]:
    jatim_desa, _jatim_kab, other_kab = destination_regions(kabupaten)
    return np.array(jatim_desa), np.array(other_kab)


_NEAR_KABUPATEN = ("35.74", "35.14", "35.78", "35.07", "35.09", "35.08", "35.12", "35.75")


def _destination(rng: np.random.Generator, desa, from_desa: int) -> str:
    """Where a moved family went: another desa of the kabupaten (45%), a desa elsewhere in Jawa
    Timur (35%, mostly neighbouring kabupaten/kota), another province (12%) or unknown (8%)."""
    jatim_desa, other_kab = _destination_arrays(desa.kabupaten)
    near = _NEAR_KABUPATEN if desa.kabupaten == DEFAULT_KABUPATEN else ()
    u = rng.random()
    if u < 0.45:
        j = int(rng.integers(0, len(desa) - 1))
        j = j + 1 if j >= from_desa else j
        return f"scope=kabupaten; destination={desa.code[j]}"
    if u < 0.80:
        if rng.random() < 0.7 and near:
            kab = near[int(rng.integers(0, len(near)))]
            lo = np.searchsorted(jatim_desa, kab + ".")
            hi = np.searchsorted(jatim_desa, kab + "/")  # '/' sorts right after '.'
            pool = jatim_desa[lo:hi] if hi > lo else jatim_desa
        else:
            pool = jatim_desa
        return f"scope=provinsi; destination={pool[int(rng.integers(0, len(pool)))]}"
    if u < 0.92:
        return f"scope=luar_provinsi; destination={other_kab[int(rng.integers(0, len(other_kab)))]}"
    return "scope=tidak_diketahui; destination="


def _addresses(rng: np.random.Generator, desa, fam_desa, dusun, rt) -> np.ndarray:
    kelurahan = desa.kelurahan[fam_desa]
    start = np.array([int(_unit_hash("dusun-name:" + c) * len(DUSUN_NAMES)) for c in desa.code])
    krajan_first = np.array([_unit_hash("krajan:" + c) < 0.7 for c in desa.code])
    name_idx = (start[fam_desa] + dusun * 7) % len(DUSUN_NAMES)
    name_idx = np.where(
        (dusun == 0) & krajan_first[fam_desa], DUSUN_NAMES.index("KRAJAN"), name_idx
    )
    dusun_name = _codes(DUSUN_NAMES, name_idx)
    ling = _codes(LINGKUNGAN_NAMES, (start[fam_desa] + dusun * 5) % len(LINGKUNGAN_NAMES))
    rw = dusun + 1
    u = rng.random(len(fam_desa))
    frame = pl.DataFrame(
        {"kel": kelurahan, "dusun": dusun_name, "ling": ling, "rt": rt, "rw": rw, "u": u}
    )
    rt3 = pl.col("rt").cast(pl.String).str.zfill(3)
    rw3 = pl.col("rw").cast(pl.String).str.zfill(3)
    rt2 = pl.col("rt").cast(pl.String).str.zfill(2)
    rw2 = pl.col("rw").cast(pl.String).str.zfill(2)
    return frame.select(
        pl.when(pl.col("kel"))
        .then(
            pl.concat_str(pl.lit("LINGKUNGAN "), "ling", pl.lit(" RT "), rt3, pl.lit(" RW "), rw3)
        )
        .when(pl.col("u") < 0.85)
        .then(pl.concat_str(pl.lit("DUSUN "), "dusun", pl.lit(" RT "), rt3, pl.lit(" RW "), rw3))
        .when(pl.col("u") < 0.95)
        .then(pl.concat_str(pl.lit("DSN. "), "dusun", pl.lit(" RT."), rt3, pl.lit(" RW."), rw3))
        .otherwise(pl.concat_str("dusun", pl.lit(" RT "), rt2, pl.lit(" RW "), rw2))
        .alias("alamat")
    ).to_series()


def _add_duplicates(
    rng, families: pl.DataFrame, persons: pl.DataFrame, truth: list[dict], dup_orig: np.ndarray
):
    """Append a re-typed copy of each family in `dup_orig` (same KK and NIKs, typos in names)."""
    n = families.height
    if len(dup_orig) == 0:
        return families, persons, truth
    new_index = {int(f): n + i for i, f in enumerate(dup_orig)}
    fam_copies = families.select(pl.all().gather(dup_orig))
    # Re-typed addresses drop the leading "DUSUN " now and then.
    fam_copies = fam_copies.with_columns(
        pl.when(pl.Series(rng.random(len(dup_orig)) < 0.3))
        .then(pl.col("alamat").str.replace(r"^DUSUN ", ""))
        .otherwise(pl.col("alamat"))
    )
    members = persons.with_row_index("_row").filter(pl.col("family").is_in(dup_orig.tolist()))
    names = members["nama"].to_list()
    hub = members["hubungan"].to_list()
    fams = members["family"].to_list()
    typoed: dict[int, int] = {}
    new_names = []
    for name, h, f in zip(names, hub, fams, strict=True):
        p = 0.7 if h == "1" else 0.4
        if rng.random() < p:
            new_names.append(typo(name, rng))
            typoed[f] = typoed.get(f, 0) + 1
        else:
            new_names.append(name)
    # Every copy has at least one typo: the head's name if nothing else.
    for i, (h, f) in enumerate(zip(hub, fams, strict=True)):
        if h == "1" and typoed.get(f, 0) == 0:
            new_names[i] = typo(names[i], rng)
            typoed[f] = 1
    copies = members.drop("_row").with_columns(
        pl.Series("nama", new_names, dtype=pl.String),
        pl.col("family").replace_strict(new_index, return_dtype=pl.Int64),
    )
    for f in dup_orig:
        truth.append(
            {
                "defect": "DUPLICATE_FAMILY",
                "family": new_index[int(f)],
                "person": None,
                "related": int(f),
                "detail": None,
                "typos": typoed.get(int(f), 0),
            }
        )
    return (pl.concat([families, fam_copies]), pl.concat([persons, copies]), truth)


def _sequence(rng: np.random.Generator, n: int) -> np.ndarray:
    """Increasing ID numbers with occasional gaps (records deleted upstream)."""
    step = 1 + np.where(rng.random(n) < 0.04, rng.integers(1, 6, n), 0)
    return np.cumsum(step) + int(rng.integers(0, 5000))


def _ids(prefix: str, numbers: np.ndarray, digits: int) -> pl.Series:
    return prefix + pl.Series(numbers).cast(pl.String).str.zfill(digits)


def _finish(
    rng, source, seed, households, ref, rates, families, persons, truth, desa
) -> tuple[SynthData, pl.DataFrame, pl.DataFrame]:
    """The data set, and the internal families and persons in output order with their IDs."""
    n_fam = families.height
    # order families by desa, randomly within the desa; members stay in KK order
    fam_order = np.lexsort((rng.random(n_fam), families["desa"].to_numpy()))
    rank = np.empty(n_fam, np.int64)
    rank[fam_order] = np.arange(n_fam)
    persons = (
        persons.with_row_index("_p")
        .with_columns(pl.Series("_rank", rank[persons["family"].to_numpy()]))
        .sort(["_rank", "_p"])
    )
    person_pos = np.empty(persons.height, np.int64)  # internal person index -> output row
    person_pos[persons["_p"].to_numpy()] = np.arange(persons.height)
    families = families.with_columns(pl.Series("_rank", rank)).sort("_rank")

    if source == "p3ke":
        fam_ids = _ids("P3513", _sequence(rng, n_fam), 10)
        per_ids = _ids("I3513", _sequence(rng, persons.height), 10)
    else:
        fam_ids = _ids("DTK-3513-", _sequence(rng, n_fam), 8)
        per_ids = _ids("DTI-3513-", _sequence(rng, persons.height), 9)
    fam_id_of = fam_ids.gather(rank)  # internal family index -> ID
    families = families.with_columns(fam_ids.alias("family_id"))
    persons = persons.with_columns(
        fam_id_of.gather(persons["family"]).alias("family_id"),
        per_ids.alias("person_id"),
    )

    truth_frame = _truth_frame(truth, fam_id_of.to_list(), per_ids.to_list(), person_pos)
    fam_out, per_out = _render(source, ref, families, persons, desa)
    summary = {
        "source": source,
        "seed": seed,
        "households": households,
        "reference_date": ref.isoformat(),
        "families": fam_out.height,
        "persons": per_out.height,
        "defects": {
            name: int(truth_frame.filter(pl.col("defect") == name).height) for name in DEFECTS
        },
        "desil_families": {
            str(d): int(c)
            for d, c in sorted(families.group_by("desil").len().iter_rows(), key=lambda row: row[0])
        },
        "desil_persons": {
            str(d): int(c)
            for d, c in sorted(
                persons.join(families.select("family_id", "desil"), on="family_id")
                .group_by("desil")
                .len()
                .iter_rows(),
                key=lambda row: row[0],
            )
        },
    }
    data = SynthData(source, seed, households, ref, rates, fam_out, per_out, truth_frame, summary)
    return data, families.drop("_rank"), persons.drop("_rank", "_p")


def _truth_frame(truth, fam_id_of, per_ids, person_pos) -> pl.DataFrame:
    order = {name: i for i, name in enumerate(DEFECTS)}
    rows = []
    for t in truth:
        detail = t.get("detail")
        if t["defect"] == "DUPLICATE_FAMILY":
            detail = f"copy_of={fam_id_of[t['related']]}; name_typos={t['typos']}"
        elif t["defect"] == "NIK_IN_TWO_FAMILIES":
            detail = f"nik_owner={per_ids[person_pos[t['owner']]]}"
        rows.append(
            {
                "defect": t["defect"],
                "source_family_id": str(fam_id_of[t["family"]]),
                "source_person_id": (
                    None if t["person"] is None else str(per_ids[person_pos[t["person"]]])
                ),
                "related_family_id": (
                    None if t["related"] is None else str(fam_id_of[t["related"]])
                ),
                "detail": detail or "",
            }
        )
    schema = {
        c: pl.String
        for c in ("defect", "source_family_id", "source_person_id", "related_family_id", "detail")
    }
    frame = pl.DataFrame(rows, schema=schema)
    return (
        frame.with_columns(
            pl.col("defect").replace_strict(order, return_dtype=pl.Int64).alias("_o")
        )
        .sort(["_o", "source_family_id", "source_person_id"], nulls_last=True)
        .drop("_o")
    )


# ---------------------------------------------------------------------------------------------
# Rendering to the source layouts


def _labels(list_name: str) -> dict[str, str]:
    return {code: label for code, label in CODE_LISTS[list_name].choices}


def _ya(col: str) -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit("Ya")).otherwise(pl.lit("Tidak"))


def _render(source: str, ref: date, families: pl.DataFrame, persons: pl.DataFrame, desa):
    heads = persons.filter(pl.col("hubungan") == "1").select(
        "family_id",
        pl.col("nama").alias("h_nama"),
        pl.col("nik").alias("h_nik"),
        pl.col("female").alias("h_female"),
        pl.col("birth").alias("h_birth"),
        pl.col("pekerjaan").alias("h_pekerjaan"),
        pl.col("pendidikan").alias("h_pendidikan"),
    )
    families = families.join(heads, on="family_id", how="left", maintain_order="left")
    desa_idx = families["desa"].to_numpy()
    families = families.with_columns(
        _codes(tuple(desa.kecamatan_name), desa_idx).alias("kecamatan"),
        _codes(tuple(desa.name), desa_idx).alias("desa_kelurahan"),
        _codes(tuple(desa.code10), desa_idx).alias("code10"),
        _codes(tuple(desa.code), desa_idx).alias("code"),
    )
    sex_code = pl.when(pl.col("h_female")).then(pl.lit("2")).otherwise(pl.lit("1"))
    p_sex_code = pl.when(pl.col("female")).then(pl.lit("2")).otherwise(pl.lit("1"))
    if source == "p3ke":
        lab = _labels
        provinsi, kabupaten_kota = kabupaten_labels(desa.kabupaten)
        fam_out = families.select(
            pl.col("family_id").alias("id_keluarga_p3ke"),
            pl.lit(provinsi).alias("provinsi"),
            pl.lit(kabupaten_kota).alias("kabupaten_kota"),
            "kecamatan",
            "desa_kelurahan",
            pl.col("code10").alias("kode_kemdagri"),
            pl.col("desil").cast(pl.String).alias("desil_kesejahteraan"),
            "alamat",
            "no_kk",
            pl.col("h_nama").alias("kepala_keluarga"),
            pl.col("h_nik").alias("nik"),
            pl.when(pl.col("padan"))
            .then(pl.lit("Padan"))
            .otherwise(pl.lit("Tidak padan"))
            .alias("padan_dukcapil"),
            sex_code.replace_strict(lab("jenis_kelamin")).alias("jenis_kelamin"),
            pl.col("h_birth").alias("tanggal_lahir"),
            pl.col("h_pekerjaan").replace_strict(lab("pekerjaan")).alias("pekerjaan"),
            pl.col("h_pendidikan").replace_strict(lab("pendidikan")).alias("pendidikan"),
            pl.col("kepemilikan_rumah").replace_strict(lab("kepemilikan_rumah")),
            _ya("memiliki_simpanan").alias("memiliki_simpanan_uang_perhiasan_ternak_lainnya"),
            pl.col("jenis_atap").replace_strict(lab("jenis_atap")),
            pl.col("jenis_dinding").replace_strict(lab("jenis_dinding")),
            pl.col("jenis_lantai").replace_strict(lab("jenis_lantai")),
            pl.col("sumber_penerangan").replace_strict(lab("sumber_penerangan")),
            pl.col("bahan_bakar_memasak").replace_strict(lab("bahan_bakar_memasak")),
            pl.col("sumber_air_minum").replace_strict(lab("sumber_air_minum")),
            pl.col("fasilitas_bab")
            .replace_strict(lab("memiliki_fasilitas_buang_air_besar"))
            .alias("memiliki_fasilitas_buang_air_besar"),
            _ya("penerima_bpnt").alias("penerima_bpnt"),
            _ya("penerima_bpum").alias("penerima_bpum"),
            _ya("penerima_bst").alias("penerima_bst"),
            _ya("penerima_pkh").alias("penerima_pkh"),
            _ya("penerima_sembako").alias("penerima_sembako"),
            _ya("resiko_stunting").alias("resiko_stunting"),
        )
        programmes = families.select(
            "family_id",
            *(
                _ya(c).alias(c)
                for c in (
                    "penerima_bpnt",
                    "penerima_bpum",
                    "penerima_bst",
                    "penerima_pkh",
                    "penerima_sembako",
                )
            ),
        )
        age = _age_expr(ref)
        per_out = persons.join(
            programmes, on="family_id", how="left", maintain_order="left"
        ).select(
            pl.col("family_id").alias("id_keluarga_p3ke"),
            pl.col("person_id").alias("id_individu"),
            "nik",
            "nama",
            pl.col("hubungan")
            .replace_strict(lab("hubungan_dengan_kepala_keluarga"))
            .alias("hubungan_dengan_kepala_keluarga"),
            p_sex_code.replace_strict(lab("jenis_kelamin")).alias("jenis_kelamin"),
            pl.col("birth").alias("tanggal_lahir"),
            pl.col("kawin").replace_strict(lab("status_kawin")).alias("status_kawin"),
            pl.col("pekerjaan").replace_strict(lab("pekerjaan")),
            pl.col("pendidikan").replace_strict(lab("pendidikan")),
            *(
                pl.when((age >= lo) & (age <= hi))
                .then(pl.lit("Ya"))
                .otherwise(pl.lit("Tidak"))
                .alias(name)
                for name, lo, hi in AGE_BANDS
            ),
            "penerima_bpnt",
            "penerima_bpum",
            "penerima_bst",
            "penerima_pkh",
            "penerima_sembako",
        )
        layouts = (P3KE_FAMILY, P3KE_PERSON)
    else:
        fam_out = families.select(
            pl.col("family_id").alias("id_keluarga_dtsen"),
            pl.col("code").alias("kode_kemdagri"),
            pl.col("desil").cast(pl.String).alias("desil_nasional"),
            "alamat",
            "no_kk",
            pl.col("h_nama").alias("nama_kepala_keluarga"),
            pl.col("h_nik").alias("nik_kepala_keluarga"),
            sex_code.alias("jenis_kelamin_kepala_keluarga"),
            pl.col("h_birth").alias("tanggal_lahir_kepala_keluarga"),
            pl.col("kepemilikan_rumah").alias("status_kepemilikan_bangunan"),
            pl.col("jenis_lantai").alias("jenis_lantai_terluas"),
            pl.col("jenis_dinding").alias("jenis_dinding_terluas"),
            pl.col("jenis_atap").alias("jenis_atap_terluas"),
            pl.col("sumber_air_minum").alias("sumber_air_minum_utama"),
            pl.col("sumber_penerangan").alias("sumber_penerangan_utama"),
            "daya_terpasang",
            pl.col("bahan_bakar_memasak").alias("bahan_bakar_utama_memasak"),
            "fasilitas_bab",
        )
        per_out = persons.select(
            pl.col("family_id").alias("id_keluarga_dtsen"),
            pl.col("person_id").alias("id_individu_dtsen"),
            "nik",
            "nama",
            pl.col("hubungan").alias("hubungan_dengan_kepala_keluarga"),
            p_sex_code.alias("jenis_kelamin"),
            pl.col("birth").alias("tanggal_lahir"),
            pl.col("kawin").alias("status_perkawinan"),
            pl.col("pendidikan").alias("ijazah_tertinggi"),
            "status_pekerjaan",
            pl.col("disabilitas").alias("jenis_disabilitas"),
        )
        layouts = (DTSEN_FAMILY, DTSEN_PERSON)
    for frame, layout in zip((fam_out, per_out), layouts, strict=True):
        assert frame.columns == layout.headers, (frame.columns, layout.headers)
    return fam_out, per_out


def _age_expr(ref: date) -> pl.Expr:
    """Completed years at the reference date."""
    b = pl.col("birth")
    before_birthday = (b.dt.month() > ref.month) | (
        (b.dt.month() == ref.month) & (b.dt.day() > ref.day)
    )
    return ref.year - b.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
