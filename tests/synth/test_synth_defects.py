"""Injected defects: rates, truth rows that point at real records, and what each defect looks like.

NIKs are checked with tepat.core.identity (check_nik / nik_problems_expr).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import polars as pl
import pytest

from tepat.core.identity import check_kk, check_nik, kk_problems_expr, nik_problems_expr
from tepat.core.regions import national_table, normalize_code
from tepat.synth import DEFECTS, DefectRates, SynthData, generate
from tepat.synth.defects import MALFORMED_KINDS

REFERENCE = date(2024, 3, 1)
PERSON_DEFECTS = [
    "NIK_IN_TWO_FAMILIES",
    "MALFORMED_NIK",
    "NIK_BIRTHDATE_MISMATCH",
    "NIK_SEX_MISMATCH",
]
RATE_OF = {
    "DUPLICATE_FAMILY": "duplicate_family",
    "NIK_IN_TWO_FAMILIES": "nik_in_two_families",
    "MALFORMED_NIK": "malformed_nik",
    "NIK_BIRTHDATE_MISMATCH": "nik_birthdate_mismatch",
    "NIK_SEX_MISMATCH": "nik_sex_mismatch",
    "DECEASED_HEAD": "deceased_head",
    "MOVED_FAMILY": "moved_family",
}


def _cols(data: SynthData) -> dict[str, str]:
    """Header names of the columns the checks need, per source."""
    f, p = data.family_layout, data.person_layout
    return {
        "fid": f.id_column.header,
        "pid": p.id_column.header,
        "pfid": p.columns[0].header,
        "kk": f.column("no_kk").header,
        "head_nik": f.column("nik").header,
        "sex": p.column("jenis_kelamin").header,
    }


def _persons_with_sex_code(data: SynthData) -> pl.DataFrame:
    sex = data.persons["jenis_kelamin"]
    if data.source == "p3ke":
        sex = sex.replace_strict({"Laki-laki": "1", "Perempuan": "2"})
    return data.persons.with_columns(sex.alias("_sex"))


def _copies(data: SynthData) -> list[str]:
    return data.truth.filter(pl.col("defect") == "DUPLICATE_FAMILY")["source_family_id"].to_list()


def _genuine_counts(data: SynthData) -> tuple[int, int]:
    c = _cols(data)
    copies = _copies(data)
    persons = data.persons.filter(~pl.col(c["pfid"]).is_in(copies)).height
    return data.households, persons


def test_each_defect_at_its_rate(data):
    families, persons = _genuine_counts(data)
    assert families == data.families.height - len(_copies(data))
    rates = data.rates.as_dict()
    for defect in DEFECTS:
        base = persons if defect in PERSON_DEFECTS else families
        expected = round(rates[RATE_OF[defect]] * base)
        got = data.summary["defects"][defect]
        assert abs(got - expected) <= 1, (defect, got, expected)
        assert got > 0, defect


def test_rates_zero_give_no_defects_and_unique_numbers():
    data = generate(1_500, seed=99, defects=DefectRates.none())
    assert data.truth.height == 0
    assert all(n == 0 for n in data.summary["defects"].values())
    assert data.persons["nik"].is_unique().all()
    assert data.families["no_kk"].is_unique().all()
    problems = (
        _persons_with_sex_code(data)
        .select(nik_problems_expr("nik", "tanggal_lahir", "_sex", today=REFERENCE).list.len().sum())
        .item()
    )
    assert problems == 0


@pytest.mark.parametrize("rate_name", [f.name for f in fields(DefectRates)])
def test_one_rate_gives_one_defect_class(rate_name):
    rates = DefectRates(**{**DefectRates.none().as_dict(), rate_name: 0.02})
    data = generate(600, seed=5, defects=rates)
    present = {d for d, n in data.summary["defects"].items() if n}
    assert present == {next(d for d, r in RATE_OF.items() if r == rate_name)}


def test_truth_rows_point_to_existing_records(data):
    c = _cols(data)
    fam_ids = set(data.families[c["fid"]])
    family_of = dict(data.persons.select(c["pid"], c["pfid"]).iter_rows())
    truth = data.truth
    assert truth.columns == [
        "defect",
        "source_family_id",
        "source_person_id",
        "related_family_id",
        "detail",
    ]
    assert set(truth["defect"]) <= set(DEFECTS)
    for row in truth.iter_rows(named=True):
        assert row["source_family_id"] in fam_ids
        if row["source_person_id"] is not None:
            assert family_of[row["source_person_id"]] == row["source_family_id"]
        if row["related_family_id"] is not None:
            assert row["related_family_id"] in fam_ids
            assert row["related_family_id"] != row["source_family_id"]
        if row["defect"] in PERSON_DEFECTS:
            assert row["source_person_id"] is not None
        if row["defect"] in ("DUPLICATE_FAMILY", "NIK_IN_TWO_FAMILIES"):
            assert row["related_family_id"] is not None
    # No person carries two person-level defects.
    persons = truth.filter(pl.col("defect").is_in(PERSON_DEFECTS))["source_person_id"]
    assert persons.is_unique().all()


def test_duplicate_family_copies(data):
    c = _cols(data)
    dups = data.truth.filter(pl.col("defect") == "DUPLICATE_FAMILY")
    families = data.families
    persons = data.persons
    for copy_id, orig_id, detail in dups.select(
        "source_family_id", "related_family_id", "detail"
    ).iter_rows():
        copy_f = families.filter(pl.col(c["fid"]) == copy_id)
        orig_f = families.filter(pl.col(c["fid"]) == orig_id)
        assert copy_f[c["kk"]].item() == orig_f[c["kk"]].item()
        assert copy_f[c["head_nik"]].item() == orig_f[c["head_nik"]].item()
        copy_p = persons.filter(pl.col(c["pfid"]) == copy_id)
        orig_p = persons.filter(pl.col(c["pfid"]) == orig_id)
        assert copy_p["nik"].to_list() == orig_p["nik"].to_list()
        assert set(copy_p[c["pid"]]).isdisjoint(orig_p[c["pid"]])
        typos = sum(a != b for a, b in zip(copy_p["nama"], orig_p["nama"], strict=True))
        assert typos >= 1
        assert detail == f"copy_of={orig_id}; name_typos={typos}"
        # a typo is small: same number of words, or one word split/joined
        for a, b in zip(copy_p["nama"], orig_p["nama"], strict=True):
            assert abs(len(a) - len(b)) <= 6


def test_nik_in_two_families(data):
    c = _cols(data)
    rows = data.truth.filter(pl.col("defect") == "NIK_IN_TWO_FAMILIES")
    nik_of = dict(data.persons.select(c["pid"], "nik").iter_rows())
    persons = data.persons
    for pid, fam_b, fam_a, detail in rows.select(
        "source_person_id", "source_family_id", "related_family_id", "detail"
    ).iter_rows():
        owner = detail.removeprefix("nik_owner=")
        assert nik_of[pid] == nik_of[owner]
        owner_row = persons.filter(pl.col(c["pid"]) == owner)
        assert owner_row[c["pfid"]].item() == fam_a != fam_b
        # exactly these two records carry the NIK
        assert (persons["nik"] == nik_of[pid]).sum() == 2


def test_malformed_niks_say_what_is_wrong(data):
    rows = data.truth.filter(pl.col("defect") == "MALFORMED_NIK")
    c = _cols(data)
    nik_of = dict(data.persons.select(c["pid"], "nik").iter_rows())
    expected_code = {
        "length_15": "NIK_LENGTH",
        "length_17": "NIK_LENGTH",
        "letters": "NIK_NOT_DIGITS",
        "serial_0000": "NIK_SERIAL_ZERO",
        "unknown_region": "NIK_REGION_UNKNOWN",
    }
    kinds = set()
    for pid, detail in rows.select("source_person_id", "detail").iter_rows():
        kind = detail.split(";")[0].removeprefix("kind=")
        kinds.add(kind)
        codes = [p.code for p in check_nik(nik_of[pid], today=REFERENCE)]
        assert expected_code[kind] in codes, (kind, codes)
        if kind == "unknown_region":
            region = detail.split("region=")[1]
            assert region not in national_table()
            assert normalize_code(nik_of[pid][:6]) == region
    assert len(kinds) >= 3
    assert kinds <= set(MALFORMED_KINDS)


def test_birthdate_and_sex_mismatches(data):
    c = _cols(data)
    persons = _persons_with_sex_code(data).with_columns(
        nik_problems_expr("nik", "tanggal_lahir", "_sex", today=REFERENCE).alias("_problems")
    )
    problems = dict(persons.select(c["pid"], "_problems").iter_rows())
    for defect, code in (
        ("NIK_BIRTHDATE_MISMATCH", "NIK_BIRTHDATE_MISMATCH"),
        ("NIK_SEX_MISMATCH", "NIK_SEX_MISMATCH"),
    ):
        rows = data.truth.filter(pl.col("defect") == defect)
        assert rows.height > 0
        for pid in rows["source_person_id"]:
            assert problems[pid] == [code], (defect, problems[pid])
    stated = data.truth.filter(pl.col("defect") == "NIK_BIRTHDATE_MISMATCH")
    birth_of = dict(persons.select(c["pid"], "tanggal_lahir").iter_rows())
    for pid, detail in stated.select("source_person_id", "detail").iter_rows():
        parts = dict(part.split("=") for part in detail.split("; "))
        assert birth_of[pid].isoformat() == parts["stated"]
        assert parts["stated"] != parts["nik_date"]


def test_field_truth_defects_leave_the_file_untouched(data):
    c = _cols(data)
    heads = data.persons.filter(
        pl.col("hubungan_dengan_kepala_keluarga").is_in(["Kepala keluarga", "1"])
    )
    head_of = dict(heads.select(c["pfid"], c["pid"]).iter_rows())
    deceased = data.truth.filter(pl.col("defect") == "DECEASED_HEAD")
    for fid, pid, detail in deceased.select(
        "source_family_id", "source_person_id", "detail"
    ).iter_rows():
        assert head_of[fid] == pid
        died = date.fromisoformat(detail.split(";")[0].removeprefix("died="))
        assert died < REFERENCE
    moved = data.truth.filter(pl.col("defect") == "MOVED_FAMILY")
    table = national_table()
    for (detail,) in moved.select("detail").iter_rows():
        parts = dict(part.split("=") for part in detail.split("; "))
        assert parts["scope"] in ("kabupaten", "provinsi", "luar_provinsi", "tidak_diketahui")
        if parts["scope"] != "tidak_diketahui":
            assert parts["destination"] in table
        if parts["scope"] == "kabupaten":
            assert parts["destination"].startswith("35.13.")
    family_defects = data.truth.filter(
        pl.col("defect").is_in(["DUPLICATE_FAMILY", "DECEASED_HEAD", "MOVED_FAMILY"])
    )
    ids = pl.concat(
        [family_defects["source_family_id"], family_defects["related_family_id"].drop_nulls()]
    )
    assert ids.is_unique().all()


def test_niks_of_everybody_else_are_valid(data):
    """Persons without a person-level defect have a valid NIK that agrees with their record."""
    c = _cols(data)
    flagged = data.truth.filter(pl.col("defect").is_in(PERSON_DEFECTS))["source_person_id"]
    clean = _persons_with_sex_code(data).filter(~pl.col(c["pid"]).is_in(flagged.to_list()))
    result = clean.select(
        nik_problems_expr("nik", "tanggal_lahir", "_sex", today=REFERENCE).alias("p")
    )["p"]
    assert result.list.len().sum() == 0
    # the scalar twin on a sample
    for nik, born, sex in (
        clean.sample(300, seed=1).select("nik", "tanggal_lahir", "_sex").iter_rows()
    ):
        assert check_nik(nik, birth_date=born, sex=sex, today=REFERENCE) == []
    # unique, except the duplicate copies (same NIKs as their original)
    genuine = clean.filter(~pl.col(c["pfid"]).is_in(_copies(data)))
    assert genuine["nik"].is_unique().all()


def test_nik_region_is_the_kecamatan_or_elsewhere_in_jawa_timur(data):
    c = _cols(data)
    flagged = data.truth.filter(pl.col("defect").is_in(PERSON_DEFECTS))["source_person_id"]
    code_col = data.family_layout.column("kode_kemdagri").header
    persons = data.persons.filter(~pl.col(c["pid"]).is_in(flagged.to_list())).join(
        data.families.select(c["fid"], code_col), left_on=c["pfid"], right_on=c["fid"]
    )
    home = persons[code_col].str.replace_all(".", "", literal=True).str.slice(0, 6)
    same = (persons["nik"].str.slice(0, 6) == home).mean()
    assert 0.93 < same < 0.995
    assert persons["nik"].str.starts_with("35").all()


def test_kk_numbers_are_valid(data):
    c = _cols(data)
    f = data.families
    assert f.select(kk_problems_expr(c["kk"], today=REFERENCE).list.len().sum()).item() == 0
    for kk in f[c["kk"]].head(50):
        assert check_kk(kk, today=REFERENCE) == []
    issue_year = 2000 + f[c["kk"]].str.slice(10, 2).cast(pl.Int32)
    assert issue_year.min() >= 2005 and issue_year.max() <= 2024
    genuine = f.filter(~pl.col(c["fid"]).is_in(_copies(data)))
    assert genuine[c["kk"]].is_unique().all()
    assert set(f[c["kk"]]).isdisjoint(set(data.persons["nik"]))
