"""Names: rich lists, diversity, realistic shapes, typos."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tepat.synth import generate
from tepat.synth.names import (
    ARABIC_FEMALE_LAST,
    MADURESE_FEMALE,
    MADURESE_MALE,
    build_names,
    given_names,
    typo,
)


def test_at_least_1500_given_names():
    assert len(given_names()) >= 1_500


def test_lists_carry_the_regional_flavour():
    words = given_names()
    for name in (
        "SUTRISNO",
        "SUPARMAN",
        "SITI",
        "MARSUKI",
        "SUMARLIK",
        "BUSIRI",
        "JUMA'ATI",
        "HOLIS",
        "MAIMUNAH",
        "SAHRAWI",
        "MISNAWATI",
        "SUNAIYAH",
        "MUHAMMAD",
        "FATIMAH",
        "RIZKY",
        "PRATAMA",
        "LESTARI",
    ):
        assert name in words, name
    assert any("'" in w for w in MADURESE_MALE + MADURESE_FEMALE)
    assert "HASANAH" in ARABIC_FEMALE_LAST


def test_distinct_full_names_in_20k_persons(p3ke_20k):
    names = p3ke_20k.persons["nama"].head(20_000)
    assert names.n_unique() >= 5_000


def test_name_shapes(p3ke_20k):
    p = p3ke_20k.persons
    assert (p["nama"] == p["nama"].str.to_uppercase()).all()
    assert not p["nama"].str.contains(r"^(PAK|BU|BIN|BINTI) | BIN | BINTI |  ").any()
    assert not p["nama"].str.contains(r"^\s|\s$").any()
    words = p["nama"].str.split(" ").list.len()
    born = p["tanggal_lahir"].dt.year()
    one_word_old = (words.filter(born < 1960) == 1).mean()
    one_word_young = (words.filter(born >= 2005) == 1).mean()
    assert one_word_old > 0.6
    assert one_word_young < 0.25
    assert words.max() <= 4  # three words, a fourth only when a pool entry has two


def test_madurese_names_more_common_in_the_east(p3ke_20k):
    madurese = set(MADURESE_MALE + MADURESE_FEMALE) - set(
        ["HASANAH", "FATIMAH", "HALIMAH", "JAMILAH", "LATIFAH", "ZAINAB"]
    )
    people = p3ke_20k.persons.join(
        p3ke_20k.families.select("id_keluarga_p3ke", "kecamatan"), on="id_keluarga_p3ke"
    ).with_columns(
        pl.col("nama")
        .str.split(" ")
        .list.eval(pl.element().is_in(list(madurese)))
        .list.any()
        .alias("md")
    )
    share = dict(people.group_by("kecamatan").agg(pl.col("md").mean()).iter_rows())
    assert share["PAKUNIRAN"] > 2 * share["SUKAPURA"]


def test_builder_is_vectorised_and_deterministic():
    def names(seed: int) -> list[str]:
        rng = np.random.Generator(np.random.PCG64(seed))
        n = 1_000
        return build_names(
            rng, rng.random(n) < 0.5, rng.integers(1930, 2024, n), rng.random(n) < 0.5
        ).to_list()

    assert names(1) == names(1)
    assert names(1) != names(2)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(given_names())), st.integers(0, 2**32 - 1))
def test_typo_is_small_and_different(name, seed):
    rng = np.random.Generator(np.random.PCG64(seed))
    out = typo(name, rng)
    assert out != name
    assert out.strip() == out and "  " not in out
    assert abs(len(out) - len(name)) <= 6


def test_duplicate_names_are_typed_again(p3ke):
    assert p3ke.summary["defects"]["DUPLICATE_FAMILY"] > 0


def test_small_generation_has_names_for_everyone():
    data = generate(50, seed=1)
    assert data.persons["nama"].null_count() == 0
    assert (data.persons["nama"].str.len_chars() >= 2).all()
