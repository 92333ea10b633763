"""Defects injected into synthetic data, with the ground truth of each one.

Every defect is recorded in the truth table (one row per defect) under one of these names; the
rate is a share of the genuine families (F) or persons (P):

- DUPLICATE_FAMILY (F): an extra copy of a family under a new family ID and new person IDs, with
  the same No. KK and NIKs and names re-typed with small typos. Truth: source = the copy,
  related = the original; detail `copy_of=<id>; name_typos=<n>`.
- NIK_IN_TWO_FAMILIES (P): a person of family B carries the NIK of a person of family A (same
  sex, nearest birth date). Truth: the person in B, related = A; detail `nik_owner=<person id>`.
- MALFORMED_NIK (P): 15 or 17 digits, a look-alike letter (O for 0, I for 1, ...), serial 0000 or
  an unknown region; detail `kind=length_15|length_17|letters|serial_0000|unknown_region`
  (`; region=35.13.xx` for the last).
- NIK_BIRTHDATE_MISMATCH (P): the stated tanggal_lahir differs from the NIK's date digits; detail
  `kind=...; stated=YYYY-MM-DD; nik_date=YYYY-MM-DD`.
- NIK_SEX_MISMATCH (P): the stated jenis_kelamin differs from the NIK's (+40) sex; detail
  `stated=1|2; nik=1|2`.
- DECEASED_HEAD (F): nothing in the file; field truth for the verification campaign (the head,
  named in source_person_id, has died); detail `died=YYYY-MM-DD; age_at_reference=<n>`.
- MOVED_FAMILY (F): nothing in the file; field truth (the family has moved); detail
  `scope=kabupaten|provinsi|luar_provinsi|tidak_diketahui; destination=<Kemendagri code or empty>`.

Rates are exact: `round(rate * base)` defects are injected. No person carries two person-level
defects, the person whose NIK is borrowed (NIK_IN_TWO_FAMILIES) carries none, and families copied
as duplicates (and their copies) carry no person-level defect, so each truth row explains its
finding alone. A family is at most one of copied / deceased head / moved.

Note for checkers: the person of NIK_IN_TWO_FAMILIES keeps their own stated birth date and sex,
so their (borrowed) NIK usually disagrees with the stated birth date too; that follows from the
shared NIK and is not recorded as a separate NIK_BIRTHDATE_MISMATCH.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

import numpy as np

DEFECTS: tuple[str, ...] = (
    "DUPLICATE_FAMILY",
    "NIK_IN_TWO_FAMILIES",
    "MALFORMED_NIK",
    "NIK_BIRTHDATE_MISMATCH",
    "NIK_SEX_MISMATCH",
    "DECEASED_HEAD",
    "MOVED_FAMILY",
)


@dataclass(frozen=True)
class DefectRates:
    """Defect rates. Family defects are shares of the genuine families (before duplicate
    copies are added), person defects shares of the genuine persons."""

    duplicate_family: float = 0.005
    nik_in_two_families: float = 0.003
    malformed_nik: float = 0.01
    nik_birthdate_mismatch: float = 0.005
    nik_sex_mismatch: float = 0.003
    deceased_head: float = 0.01
    moved_family: float = 0.015

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 0.5:
                raise ValueError(f"{f.name} must be between 0 and 0.5, got {value}")

    @classmethod
    def none(cls) -> DefectRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def count(rate: float, base: int) -> int:
    return int(round(rate * base))


# ---------------------------------------------------------------------------------------------
# Malformed NIKs

MALFORMED_KINDS = ("length_15", "length_17", "letters", "serial_0000", "unknown_region")
_LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}


def malform(nik: str, kind: str, rng: np.random.Generator, known_regions: frozenset[str]) -> str:
    if kind == "length_15":
        i = int(rng.integers(6, 16))
        return nik[:i] + nik[i + 1 :]
    if kind == "length_17":
        i = int(rng.integers(6, 17))
        return nik[:i] + str(int(rng.integers(0, 10))) + nik[i:]
    if kind == "letters":
        positions = [i for i, ch in enumerate(nik) if ch in _LOOKALIKE]
        if not positions:
            i = int(rng.integers(0, 16))
            return nik[:i] + "X" + nik[i + 1 :]
        i = positions[int(rng.integers(0, len(positions)))]
        return nik[:i] + _LOOKALIKE[nik[i]] + nik[i + 1 :]
    if kind == "serial_0000":
        return nik[:12] + "0000"
    if kind == "unknown_region":
        for _ in range(50):
            region = nik[:4] + f"{int(rng.integers(30, 100)):02d}"
            if region not in known_regions:
                return region + nik[6:]
        return "351399" + nik[6:]
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------
# Birth date mismatches

BIRTHDATE_KINDS = ("day_month_swapped", "days_off", "placeholder_1_january", "year_off")


def _same_nik_date(a: date, b: date) -> bool:
    return (a.day, a.month, a.year % 100) == (b.day, b.month, b.year % 100)


def shift_birthdate(true: date, rng: np.random.Generator, reference: date) -> tuple[date, str]:
    """A wrongly stated birth date and the kind of error; never equal to `true` as the NIK
    sees it (day, month, two-digit year) and never after the reference date."""
    latest = reference - timedelta(days=1)
    kinds = list(BIRTHDATE_KINDS)
    start = int(rng.integers(0, len(kinds)))
    for kind in kinds[start:] + kinds[:start]:
        if kind == "day_month_swapped":
            if true.day > 12 or true.day == true.month:
                continue
            stated = date(true.year, true.day, true.month)
        elif kind == "days_off":
            offset = int(rng.integers(1, 4)) * (1 if rng.random() < 0.5 else -1)
            stated = true + timedelta(days=offset)
        elif kind == "placeholder_1_january":
            stated = date(true.year, 1, 1)
        else:
            year = true.year + (1 if rng.random() < 0.5 else -1)
            day = min(true.day, 28) if true.month == 2 else true.day
            stated = date(year, true.month, day)
        if stated > latest or _same_nik_date(stated, true):
            continue
        return stated, kind
    return true - timedelta(days=1), "days_off"
