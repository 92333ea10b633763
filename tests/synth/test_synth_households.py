"""Households are consistent: head fields, relationships, ages, marital status, school and work."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tepat.core.layout import AGE_BANDS
from tepat.synth import SynthData

REFERENCE = date(2024, 3, 1)
STATED_VALUE_DEFECTS = ["NIK_BIRTHDATE_MISMATCH", "NIK_SEX_MISMATCH"]


def _age(column: str = "tanggal_lahir") -> pl.Expr:
    b = pl.col(column)
    before = (b.dt.month() > REFERENCE.month) | (
        (b.dt.month() == REFERENCE.month) & (b.dt.day() > REFERENCE.day)
    )
    return REFERENCE.year - b.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def _normalised_persons(data: SynthData) -> pl.DataFrame:
    """Persons with codes (not labels), an integer age and a 'family' column, for both sources."""
    p = data.persons
    if data.source == "p3ke":
        from tepat.core.codes import CODE_LISTS

        def code(col: str, list_name: str) -> pl.Expr:
            mapping = {label: c for c, label in CODE_LISTS[list_name].choices}
            return pl.col(col).replace_strict(mapping)

        p = p.select(
            pl.col("id_keluarga_p3ke").alias("family"),
            pl.col("id_individu").alias("person"),
            "nama",
            "nik",
            "tanggal_lahir",
            code("hubungan_dengan_kepala_keluarga", "hubungan_dengan_kepala_keluarga").alias("hub"),
            code("jenis_kelamin", "jenis_kelamin").alias("sex"),
            code("status_kawin", "status_kawin").alias("kawin"),
            code("pekerjaan", "pekerjaan").alias("kerja"),
            code("pendidikan", "pendidikan").alias("didik"),
        )
    else:
        p = p.select(
            pl.col("id_keluarga_dtsen").alias("family"),
            pl.col("id_individu_dtsen").alias("person"),
            "nama",
            "nik",
            "tanggal_lahir",
            pl.col("hubungan_dengan_kepala_keluarga").alias("hub"),
            pl.col("jenis_kelamin").alias("sex"),
            pl.col("status_perkawinan").alias("kawin"),
            pl.lit(None, pl.String).alias("kerja"),
            pl.col("ijazah_tertinggi").alias("didik"),
        )
    return p.with_columns(_age().alias("age"))


def _clean(data: SynthData) -> pl.DataFrame:
    """Persons whose stated birth date and sex were not altered by a defect."""
    flagged = data.truth.filter(pl.col("defect").is_in(STATED_VALUE_DEFECTS))["source_person_id"]
    return _normalised_persons(data).filter(~pl.col("person").is_in(flagged.to_list()))


def test_one_head_per_family(data):
    p = _normalised_persons(data)
    heads = p.filter(pl.col("hub") == "1").group_by("family").len()
    assert heads.height == data.families.height
    assert (heads["len"] == 1).all()
    # the head comes first in each family, as in a KK
    first = p.group_by("family", maintain_order=True).first()
    assert (first["hub"] == "1").all()


def test_family_head_fields_equal_the_head_person(data):
    f, p = data.families, data.persons
    if data.source == "p3ke":
        pairs = [
            ("kepala_keluarga", "nama"),
            ("nik", "nik"),
            ("jenis_kelamin", "jenis_kelamin"),
            ("tanggal_lahir", "tanggal_lahir"),
            ("pekerjaan", "pekerjaan"),
            ("pendidikan", "pendidikan"),
        ]
        fid, hub, head = "id_keluarga_p3ke", "hubungan_dengan_kepala_keluarga", "Kepala keluarga"
    else:
        pairs = [
            ("nama_kepala_keluarga", "nama"),
            ("nik_kepala_keluarga", "nik"),
            ("jenis_kelamin_kepala_keluarga", "jenis_kelamin"),
            ("tanggal_lahir_kepala_keluarga", "tanggal_lahir"),
        ]
        fid, hub, head = "id_keluarga_dtsen", "hubungan_dengan_kepala_keluarga", "1"
    heads = p.filter(pl.col(hub) == head).select(
        pl.col(fid), *(pl.col(pc).alias(f"head_{pc}") for _, pc in pairs)
    )
    joined = f.join(heads, on=fid, how="left")
    assert joined.height == f.height
    for fc, pc in pairs:
        assert (joined[fc] == joined[f"head_{pc}"]).all(), fc


def test_spouse_is_of_the_opposite_sex_and_married(data):
    p = _clean(data)
    heads = p.filter(pl.col("hub") == "1").select(
        "family", pl.col("sex").alias("head_sex"), pl.col("kawin").alias("head_kawin")
    )
    spouses = p.filter(pl.col("hub") == "2").join(heads, on="family")
    assert spouses.height > 0
    assert (spouses["sex"] != spouses["head_sex"]).all()
    assert (spouses["kawin"] == "2").all()
    assert (spouses["head_kawin"] == "2").all()
    assert (p.filter(pl.col("hub") == "2").group_by("family").len()["len"] == 1).all()
    assert (spouses["age"] >= 16).all()


def test_children_are_16_to_45_years_younger_than_their_mother(data):
    p = _clean(data)
    mothers = p.filter(pl.col("hub").is_in(["1", "2"]) & (pl.col("sex") == "2")).select(
        "family", pl.col("tanggal_lahir").alias("mother_born")
    )
    heads = p.filter(pl.col("hub") == "1").select(
        "family", pl.col("tanggal_lahir").alias("head_born")
    )
    children = (
        p.filter(pl.col("hub") == "3")
        .join(mothers, on="family", how="left")
        .join(heads, on="family")
    )
    with_mother = children.filter(pl.col("mother_born").is_not_null())
    gap = (pl.col("tanggal_lahir") - pl.col("mother_born")).dt.total_days() / 365.2425
    gaps = with_mother.select(gap.alias("gap"))["gap"]
    assert gaps.min() >= 16 and gaps.max() <= 45
    without = children.filter(pl.col("mother_born").is_null())
    head_gap = (pl.col("tanggal_lahir") - pl.col("head_born")).dt.total_days() / 365.2425
    assert without.select(head_gap.min()).item() >= 16


def test_grandchildren_parents_and_relatives(data):
    p = _clean(data)
    heads = p.filter(pl.col("hub") == "1").select("family", pl.col("age").alias("head_age"))
    joined = p.join(heads, on="family")
    cucu = joined.filter(pl.col("hub") == "5")
    assert cucu.height > 0
    assert ((cucu["head_age"] - cucu["age"]) >= 26).all()
    orang_tua = joined.filter(pl.col("hub") == "6")
    assert orang_tua.height > 0
    assert ((orang_tua["age"] - orang_tua["head_age"]) >= 19).all()
    # a Menantu lives with a married child of the head
    menantu = joined.filter(pl.col("hub") == "4")
    everybody = _normalised_persons(data)
    married_children = everybody.filter((pl.col("hub") == "3") & (pl.col("kawin") == "2"))
    assert set(menantu["family"]) <= set(married_children["family"])
    assert (menantu["kawin"] == "2").all()


def test_marital_status_is_plausible(data):
    p = _clean(data)
    assert (p.filter(pl.col("age") < 16)["kawin"] == "1").all()
    sizes = p.group_by("family").len()
    alone = p.filter(pl.col("hub") == "1").join(sizes, on="family").filter(pl.col("len") == 1)
    old_alone = alone.filter(pl.col("age") >= 60)
    assert old_alone.height > 0
    # lone elderly are mostly widows
    assert (old_alone["kawin"] == "4").mean() > 0.75
    assert (old_alone["sex"] == "2").mean() > 0.55


def test_ages_and_female_headed_share(data):
    p = _clean(data)
    assert p["age"].min() >= 0 and p["age"].max() <= 100
    heads = p.filter(pl.col("hub") == "1")
    assert heads["age"].min() >= 17
    female_heads = (heads["sex"] == "2").mean()
    assert 0.10 < female_heads < 0.22


def test_age_band_flags_follow_the_birth_date(p3ke):
    p = p3ke.persons.with_columns(_age().alias("age"))
    flags = [name for name, _, _ in AGE_BANDS]
    ya = p.select(pl.sum_horizontal(pl.col(f) == "Ya" for f in flags).alias("n"))["n"]
    assert (ya == 1).all()
    for name, lo, hi in AGE_BANDS:
        expected = (p["age"] >= lo) & (p["age"] <= hi)
        assert ((p[name] == "Ya") == expected).all(), name


def test_school_and_work_fit_the_age(data):
    p = _clean(data)
    young = p.filter(pl.col("age") < 7)
    assert (young["didik"] == "1").all()
    assert p.filter(pl.col("age") < 20)["didik"].cast(pl.Int32).max() <= 5
    if data.source == "p3ke":
        children = p.filter(pl.col("age") < 15)
        assert set(children["kerja"]) <= {"01", "03"}
        teens = p.filter(pl.col("age") < 19)
        assert not set(teens["kerja"]) & {"11", "12", "13", "10"}
        pupils = p.filter((pl.col("age") >= 7) & (pl.col("age") < 13))
        assert (pupils["kerja"] == "03").mean() > 0.9


def test_dtsen_job_status_only_for_workers(dtsen):
    p = dtsen.persons.with_columns(_age().alias("age"))
    assert (
        p.filter(pl.col("age") < 15)["status_pekerjaan"].null_count()
        == p.filter(pl.col("age") < 15).height
    )
    working = p["status_pekerjaan"].drop_nulls()
    assert set(working) <= {str(i) for i in range(1, 9)}
    assert 0.3 < p.filter(pl.col("age") >= 19)["status_pekerjaan"].is_not_null().mean() < 0.95
    assert set(p["jenis_disabilitas"]) <= {str(i) for i in range(6)}
    assert (p["jenis_disabilitas"] != "0").mean() < 0.08


@pytest.mark.parametrize("column", ["tanggal_lahir"])
def test_birth_dates_are_before_the_reference_date(data, column):
    assert data.persons[column].max() < REFERENCE
    assert data.persons[column].min() > date(1920, 1, 1)
