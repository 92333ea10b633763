"""A synthetic P3KE export (tepat.synth) validates without errors, and its injected NIK defects
show up as flags on the right persons."""

from __future__ import annotations

import polars as pl
import pytest

synth = pytest.importorskip("tepat.synth")

from tepat.pipeline import validate_files  # noqa: E402


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    data = synth.generate(3000, seed=11)
    out = tmp_path_factory.mktemp("synth")
    family_path, person_path, *_ = synth.write(data, out, "csv")
    validated = validate_files(family_path, person_path, "p3ke", today=data.reference_date)
    return data, validated


def persons_with(data, validated, defect: str) -> pl.DataFrame:
    ids = data.truth.filter(pl.col("defect") == defect).get_column("source_person_id")
    return validated.persons.filter(pl.col("source_person_id").is_in(ids.implode()))


def test_a_synthetic_export_has_no_errors(synthetic):
    data, validated = synthetic
    assert validated.ok, validated.errors[:5]
    assert validated.families.height == data.families.height
    assert validated.persons.height == data.persons.height


def test_malformed_niks_are_flagged(synthetic):
    data, validated = synthetic
    found = persons_with(data, validated, "MALFORMED_NIK")
    assert found.height == data.truth.filter(pl.col("defect") == "MALFORMED_NIK").height > 0
    nik_flags = found.get_column("flags").str.contains(
        "NIK_(LENGTH|NOT_DIGITS|REGION_UNKNOWN|SERIAL_ZERO|DATE_INVALID)"
    )
    assert nik_flags.all()


@pytest.mark.parametrize(
    ("defect", "flag"),
    [
        ("NIK_SEX_MISMATCH", "NIK_SEX_MISMATCH"),
        ("NIK_BIRTHDATE_MISMATCH", "NIK_BIRTHDATE_MISMATCH"),
        ("NIK_IN_TWO_FAMILIES", "NIK_DUPLICATE"),
    ],
)
def test_injected_nik_defects_show_up_as_flags(synthetic, defect, flag):
    data, validated = synthetic
    found = persons_with(data, validated, defect)
    assert found.height > 0
    assert found.get_column("flags").str.split(",").list.contains(flag).all()


def nik_owners(data) -> pl.Series:
    """The persons whose NIK was borrowed by a person of another family."""
    borrowed = data.truth.filter(pl.col("defect") == "NIK_IN_TWO_FAMILIES")
    return borrowed.get_column("detail").str.extract(r"nik_owner=([^;\s]+)", 1)


def test_the_owner_of_a_borrowed_nik_is_flagged_too(synthetic):
    data, validated = synthetic
    owners = validated.persons.filter(pl.col("source_person_id").is_in(nik_owners(data).implode()))
    assert owners.height == nik_owners(data).len() > 0
    assert owners.get_column("flags").str.contains("NIK_DUPLICATE").all()


def test_duplicated_families_share_their_kk(synthetic):
    data, validated = synthetic
    copies = data.truth.filter(pl.col("defect") == "DUPLICATE_FAMILY")
    flagged = validated.families.filter(
        pl.col("source_family_id").is_in(copies.get_column("source_family_id").implode())
    )
    assert flagged.height == copies.height > 0
    assert flagged.get_column("flags").str.contains("KK_DUPLICATE").all()


def test_genuine_clean_persons_carry_no_nik_flag(synthetic):
    data, validated = synthetic
    defective = pl.concat([data.truth.get_column("source_person_id"), nik_owners(data)])
    defective = defective.drop_nulls()
    copied = data.truth.filter(pl.col("defect") == "DUPLICATE_FAMILY")
    families = pl.concat(
        [copied.get_column("source_family_id"), copied.get_column("related_family_id")]
    ).drop_nulls()
    clean = validated.persons.filter(
        ~pl.col("source_person_id").is_in(defective.implode())
        & ~pl.col("source_family_id").is_in(families.implode())
    )
    assert not clean.get_column("flags").str.contains("NIK_").any()


def test_a_synthetic_xlsx_export_gives_the_same_frames_as_its_csv(tmp_path):
    data = synth.generate(300, seed=5)
    csv_paths = synth.write(data, tmp_path / "csv", "csv")
    xlsx_paths = synth.write(data, tmp_path / "xlsx", "xlsx", xlsx_engine="xlsxwriter")
    from_csv = validate_files(csv_paths[0], csv_paths[1], "p3ke", today=data.reference_date)
    from_xlsx = validate_files(xlsx_paths[0], xlsx_paths[1], "p3ke", today=data.reference_date)
    assert from_xlsx.ok and from_csv.ok
    assert from_xlsx.families.equals(from_csv.families)
    assert from_xlsx.persons.equals(from_csv.persons)
