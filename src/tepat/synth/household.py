"""Who lives in each synthetic family (KK): relationships, sexes, ages and marital status.

Vectorised: every step is a handful of numpy calls over all families or all members. Household
types (shares shift with the desil: poorer families have more lone elderly and more children):

- LONE_ELDER: a widow or widower 60+ living alone (Cerai mati), mostly women;
- NUCLEAR: husband (head), wife, unmarried children; sometimes an elderly parent or a relative;
- SINGLE_PARENT: a widowed or divorced parent, mostly a mother, with children;
- THREE_GEN: an older head (and spouse), a married child with husband or wife (Menantu),
  grandchildren (Cucu) and sometimes younger unmarried children;
- OLD_COUPLE: husband and wife, children moved out;
- SINGLE_ADULT: a young unmarried or divorced adult alone.

Ages are consistent: a child's mother is 18–44 years older; with no mother in the family, the
father is at least 22 years older; a married child's own children likewise; parents of the head
are 20–34 years older than the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_YEAR = 365.2425

LONE_ELDER, NUCLEAR, SINGLE_PARENT, THREE_GEN, OLD_COUPLE, SINGLE_ADULT = range(6)

# hubungan dengan kepala keluarga (tepat.core.codes.HUBUNGAN)
KEPALA, PASANGAN, ANAK, MENANTU, CUCU, ORANG_TUA, FAMILI, LAINNYA = range(1, 9)
# status kawin (tepat.core.codes.STATUS_KAWIN)
BELUM_KAWIN, KAWIN, CERAI_HIDUP, CERAI_MATI = range(1, 5)

# Household type shares for the poorest (national desil 1) and richest (desil 10) families.
_TYPE_SHARES_POOR = np.array([0.11, 0.50, 0.09, 0.13, 0.13, 0.04])
_TYPE_SHARES_RICH = np.array([0.05, 0.56, 0.05, 0.07, 0.21, 0.06])


@dataclass
class Members:
    """One entry per person, sorted by family then by KK order (head, spouse, children, ...)."""

    family: np.ndarray  # index of the family
    hubungan: np.ndarray  # 1..8
    female: np.ndarray  # bool
    age: np.ndarray  # age in years (float) at the reference date
    kawin: np.ndarray  # 1..4
    in_law: (
        np.ndarray
    )  # bool: married into the family (spouse, menantu): NIK more often from elsewhere

    def __len__(self) -> int:
        return len(self.family)


def _beta(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    return rng.beta(a, b, n)


def _pick(rng: np.random.Generator, n: int, probabilities: np.ndarray) -> np.ndarray:
    """n draws from one categorical distribution per row (probabilities: n x k)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    return (rng.random(n)[:, None] > cumulative).sum(axis=1)


def _children(
    rng: np.random.Generator,
    family: np.ndarray,
    mother_age: np.ndarray,
    planned: np.ndarray,
    eldest_gap: np.ndarray,
    leave_home: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Children of one mother per family: (family index, age) of each child that exists.

    The eldest is born when the mother is `eldest_gap` years old, the next ones 2-7 years apart.
    Children not yet born (negative age) or born when the mother was over 44 are dropped, and,
    if `leave_home`, adult children mostly have a family card of their own.
    """
    has = planned > 0
    family, mother_age, planned, eldest_gap = (
        family[has],
        mother_age[has],
        planned[has],
        eldest_gap[has],
    )
    fam = np.repeat(family, planned)
    if len(fam) == 0:
        return fam, np.zeros(0)
    starts = np.cumsum(planned) - planned
    order = np.arange(len(fam)) - np.repeat(starts, planned)  # 0 for the eldest
    gaps = 2.0 + 5.0 * rng.beta(2.0, 2.5, len(fam))
    gaps[order == 0] = 0.0
    # cumulative gap within each family
    cum = np.cumsum(gaps)
    cum -= np.repeat(cum[starts], planned)
    m_age = np.repeat(mother_age, planned)
    age = m_age - np.repeat(eldest_gap, planned) - cum - rng.random(len(fam)) * 0.5
    keep = (age >= 0.02) & (m_age - age <= 44.0)
    if leave_home:
        u = rng.random(len(fam))
        stay = np.where(age > 38, 0.0, np.where(age > 30, 0.15, np.where(age > 24, 0.5, 1.0)))
        keep &= u < stay
    return fam[keep], age[keep]


def compose(rng: np.random.Generator, desil_national: np.ndarray) -> Members:
    """The members of each family; `desil_national` (1..10) per family steers the type mix."""
    n = len(desil_national)
    fam = np.arange(n)
    rich = ((desil_national - 1) / 9.0)[:, None]
    shares = _TYPE_SHARES_POOR * (1 - rich) + _TYPE_SHARES_RICH * rich
    htype = _pick(rng, n, shares)
    poor = 1.0 - rich[:, 0]

    # --- head: sex, age, spouse
    head_age = np.select(
        [
            htype == LONE_ELDER,
            htype == NUCLEAR,
            htype == SINGLE_PARENT,
            htype == THREE_GEN,
            htype == OLD_COUPLE,
        ],
        [
            60 + 32 * _beta(rng, 1.4, 2.6, n),
            20 + 44 * _beta(rng, 2.0, 2.6, n),
            24 + 42 * _beta(rng, 2.0, 2.0, n),
            48 + 34 * _beta(rng, 2.0, 2.5, n),
            50 + 38 * _beta(rng, 2.0, 2.5, n),
        ],
        20 + 32 * _beta(rng, 1.5, 3.0, n),
    )
    u = rng.random(n)
    has_spouse = (htype == NUCLEAR) | (htype == OLD_COUPLE) | ((htype == THREE_GEN) & (u < 0.65))
    u2 = rng.random(n)
    head_female = np.select(
        [htype == LONE_ELDER, htype == SINGLE_PARENT, htype == SINGLE_ADULT],
        [u2 < 0.68, u2 < 0.72, u2 < 0.30],
        (~has_spouse) & (u2 < 0.70),
    )
    u3 = rng.random(n)
    head_kawin = np.select(
        [has_spouse, htype == LONE_ELDER, htype == SINGLE_ADULT],
        [
            KAWIN,
            np.where(u3 < 0.88, CERAI_MATI, np.where(u3 < 0.98, CERAI_HIDUP, BELUM_KAWIN)),
            np.where((u3 < 0.65) & (head_age < 40), BELUM_KAWIN, CERAI_HIDUP),
        ],
        np.where(u3 < np.where(head_age > 50, 0.8, 0.5), CERAI_MATI, CERAI_HIDUP),
    )

    # --- spouse (the wife: a married head is a man)
    diff = np.clip(rng.normal(4.0, 3.5, n), -6.0, 15.0)
    wife_age = np.maximum(head_age - diff, 17.0 + rng.random(n))
    wife_age = np.where(
        htype == THREE_GEN, np.maximum(wife_age, 43.0 + 3 * rng.random(n)), wife_age
    )
    wife_age = np.minimum(wife_age, 94.0)
    mother_age = np.where(has_spouse, wife_age, np.where(head_female, head_age, head_age - 4.0))

    # --- married child, menantu and grandchildren (THREE_GEN)
    three = fam[htype == THREE_GEN]
    m_age3 = mother_age[three]
    gap3 = 18.0 + np.minimum(10.0, m_age3 - 38.0) * rng.beta(1.6, 2.4, len(three))
    married_age = m_age3 - gap3
    married_female = rng.random(len(three)) < 0.55  # uxorilocal: the son-in-law moves in
    d_in_law = np.clip(rng.normal(4.0, 3.0, len(three)), -3.0, 12.0)
    menantu_age = np.where(
        married_female,
        married_age + d_in_law,
        np.maximum(married_age - d_in_law, 18.0 + rng.random(len(three))),
    )
    grand_mother_age = np.where(married_female, married_age, menantu_age)
    n_grand = 1 + rng.poisson(0.5 + 0.5 * poor[three])
    g_fam, g_age = _children(
        rng,
        three,
        grand_mother_age,
        n_grand,
        18.0 + 9.0 * rng.beta(1.6, 2.4, len(three)),
        leave_home=False,
    )

    # --- unmarried children
    lam = 0.2 + 1.45 * poor
    planned = np.select(
        [htype == NUCLEAR, htype == SINGLE_PARENT, htype == THREE_GEN],
        [1 + rng.poisson(lam), 1 + rng.poisson(lam * 0.8), rng.poisson(0.6, n)],
        0,
    )
    eldest_gap = 18.0 + 9.0 * rng.beta(1.6, 2.4, n)
    # In a THREE_GEN family the unmarried children are younger than the married one.
    eldest_gap[three] = gap3 + 2.0 + 3.0 * rng.random(len(three))
    c_fam, c_age = _children(rng, fam, mother_age, planned, eldest_gap, leave_home=True)

    # --- parents of the head (NUCLEAR and SINGLE_PARENT families only)
    takes_elder = ((htype == NUCLEAR) | (htype == SINGLE_PARENT)) & (
        rng.random(n) < 0.06 + 0.05 * poor
    )
    two_elders = takes_elder & (rng.random(n) < 0.22)
    e_first = fam[takes_elder]
    first_age = head_age[e_first] + 20.0 + 14.0 * rng.beta(2.0, 2.0, len(e_first))
    first_female = np.where(two_elders[e_first], False, rng.random(len(e_first)) < 0.78)
    e_second = fam[two_elders]
    second_age = np.maximum(
        head_age[e_second] + 20.0 + rng.random(len(e_second)),
        first_age[two_elders[e_first]] - np.clip(rng.normal(4, 3, len(e_second)), 0, 10),
    )
    elder_fam = np.concatenate([e_first, e_second])
    elder_age = np.concatenate([first_age, second_age])
    elder_female = np.concatenate([first_female, np.ones(len(e_second), bool)])
    keep_elder = elder_age <= 97.0
    elder_fam, elder_age = elder_fam[keep_elder], elder_age[keep_elder]
    elder_female = elder_female[keep_elder]
    # a couple of which one partner was dropped becomes a widowed parent
    pair_count = np.bincount(elder_fam, minlength=n)[elder_fam]
    elder_kawin = np.where(pair_count == 2, KAWIN, CERAI_MATI)

    # --- other relatives (nephew, niece, sibling) and, rarely, someone unrelated
    takes_other = (htype != LONE_ELDER) & (rng.random(n) < 0.035)
    o_fam = fam[takes_other]
    o_age = 5.0 + 40.0 * rng.beta(1.3, 2.0, len(o_fam))
    o_female = rng.random(len(o_fam)) < 0.5
    o_hub = np.where(rng.random(len(o_fam)) < 0.9, FAMILI, LAINNYA)
    o_kawin = np.where(
        o_age < 25, BELUM_KAWIN, np.where(rng.random(len(o_fam)) < 0.6, BELUM_KAWIN, CERAI_HIDUP)
    )

    # --- assemble
    spouse_fam = fam[has_spouse]
    blocks = [
        # family, hubungan, female, age, kawin, in_law
        (fam, np.full(n, KEPALA), head_female, head_age, head_kawin, np.zeros(n, bool)),
        (
            spouse_fam,
            np.full(len(spouse_fam), PASANGAN),
            np.ones(len(spouse_fam), bool),
            wife_age[spouse_fam],
            np.full(len(spouse_fam), KAWIN),
            np.ones(len(spouse_fam), bool),
        ),
        (
            c_fam,
            np.full(len(c_fam), ANAK),
            rng.random(len(c_fam)) < 0.49,
            c_age,
            np.full(len(c_fam), BELUM_KAWIN),
            np.zeros(len(c_fam), bool),
        ),
        (
            three,
            np.full(len(three), ANAK),
            married_female,
            married_age,
            np.full(len(three), KAWIN),
            np.zeros(len(three), bool),
        ),
        (
            three,
            np.full(len(three), MENANTU),
            ~married_female,
            menantu_age,
            np.full(len(three), KAWIN),
            np.ones(len(three), bool),
        ),
        (
            g_fam,
            np.full(len(g_fam), CUCU),
            rng.random(len(g_fam)) < 0.49,
            g_age,
            np.full(len(g_fam), BELUM_KAWIN),
            np.zeros(len(g_fam), bool),
        ),
        (
            elder_fam,
            np.full(len(elder_fam), ORANG_TUA),
            elder_female,
            elder_age,
            elder_kawin,
            np.zeros(len(elder_fam), bool),
        ),
        (o_fam, o_hub, o_female, o_age, o_kawin, np.zeros(len(o_fam), bool)),
    ]
    family = np.concatenate([b[0] for b in blocks])
    hubungan = np.concatenate([b[1] for b in blocks]).astype(np.int8)
    female = np.concatenate([b[2] for b in blocks]).astype(bool)
    age = np.concatenate([b[3] for b in blocks])
    kawin = np.concatenate([b[4] for b in blocks]).astype(np.int8)
    in_law = np.concatenate([b[5] for b in blocks]).astype(bool)
    # KK order: by family, then head, spouse, children (eldest first), menantu, cucu, parents.
    order = np.lexsort((-age, hubungan, family))
    return Members(
        family[order], hubungan[order], female[order], age[order], kawin[order], in_law[order]
    )
