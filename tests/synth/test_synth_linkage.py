"""The linked data set (tepat.synth.linkage): one population in five sources, every record in the
truth once, variants at their rates and as described, look-alikes as distinct people."""

from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher

import polars as pl
import pytest

from tepat.synth import LinkageRates, generate_linked, write_linked
from tepat.synth.defects import count
from tepat.synth.linkage import POPULATION_LOOKALIKES, TRUTH_SCHEMA
from tepat.synth.variants import EXACT, KINDS, VariantRates

HOUSEHOLDS = 6_000
SEED = 20240301
RATES = LinkageRates(agency_rows=2_000)
PERSON_ID = {
    "dtsen": "id_individu_dtsen",
    "p3ke": "id_individu",
    "p3ke2": "id_individu",
    "dtks": "id_art_dtks",
    "bantuan": "No",
}


@pytest.fixture(scope="module")
def linked():
    return generate_linked(HOUSEHOLDS, SEED, RATES)


def persons_of(data, source: str) -> pl.DataFrame:
    return {
        "dtsen": data.dtsen.persons,
        "p3ke": data.p3ke_persons,
        "p3ke2": data.p3ke2_persons,
        "dtks": data.dtks_persons,
        "bantuan": data.bantuan,
    }[source]


def with_truth(data, source: str) -> pl.DataFrame:
    """The source's person records with their entity and variant."""
    truth = data.truth.filter(pl.col("source") == source).drop("source")
    return persons_of(data, source).join(
        truth, left_on=PERSON_ID[source], right_on="record_id", how="left", maintain_order="left"
    )


def true_values(data) -> pl.DataFrame:
    """nama, nik, tanggal_lahir, jenis_kelamin of each entity as its DTSEN record has them (when
    that record is exact, or a look-alike, which is exact too)."""
    true = with_truth(data, "dtsen").filter(
        pl.col("variant").is_in([EXACT, *POPULATION_LOOKALIKES]))
    return true.select(
        "entity",
        pl.col("nama").alias("true_nama"),
        pl.col("nik").alias("true_nik"),
        pl.col("tanggal_lahir").alias("true_lahir"),
        pl.col("jenis_kelamin").alias("true_sex"),
    )


def p3ke_against_truth(data) -> pl.DataFrame:
    return with_truth(data, "p3ke").join(true_values(data), on="entity", how="inner")


# ---------------------------------------------------------------------------------------------
# Determinism and coverage of the truth


def test_the_same_seed_gives_the_same_frames():
    first = generate_linked(400, 9, LinkageRates(agency_rows=300))
    second = generate_linked(400, 9, LinkageRates(agency_rows=300))
    for name in ("p3ke_persons", "p3ke2_persons", "p3ke2_families", "dtks_persons", "bantuan",
                 "truth"):
        assert getattr(first, name).equals(getattr(second, name)), name
    assert first.dtsen.persons.equals(second.dtsen.persons)
    other = generate_linked(400, 10, LinkageRates(agency_rows=300))
    assert not other.truth.equals(first.truth)


@pytest.mark.parametrize("source", list(PERSON_ID))
def test_the_truth_holds_every_record_of_every_file_exactly_once(linked, source):
    truth = linked.truth.filter(pl.col("source") == source)
    ids = persons_of(linked, source)[PERSON_ID[source]]
    assert truth.height == ids.len() > 0
    assert truth["record_id"].n_unique() == truth.height
    assert set(truth["record_id"]) == set(ids.cast(pl.String))
    assert truth.select(pl.col("entity").is_null().sum()).item() == 0


def test_the_truth_has_the_documented_columns(linked):
    assert linked.truth.schema == pl.Schema(TRUTH_SCHEMA)
    assert linked.truth["entity"].str.contains(r"^E\d{8}$").all()


def test_p3ke_holds_about_forty_percent_of_the_dtsen_people_from_the_poorer_families(linked):
    dtsen = linked.dtsen.persons.height
    p3ke = linked.p3ke_persons.height
    assert 0.33 < p3ke / dtsen < 0.47
    assert set(linked.p3ke_families["desil_kesejahteraan"]) <= {"1", "2", "3", "4"}


# ---------------------------------------------------------------------------------------------
# Entities


def test_each_person_appears_once_in_a_p3ke_edition_and_every_p3ke_person_is_in_dtsen(linked):
    dtsen_entities = set(linked.truth.filter(pl.col("source") == "dtsen")["entity"])
    p3ke = linked.truth.filter(pl.col("source") == "p3ke")
    assert p3ke["entity"].n_unique() == p3ke.height
    assert set(p3ke["entity"]) <= dtsen_entities
    p3ke2 = linked.truth.filter(pl.col("source") == "p3ke2")
    assert p3ke2["entity"].n_unique() == p3ke2.height


def test_a_duplicated_dtsen_family_copy_holds_the_same_entities_as_the_original(linked):
    dtsen = linked.truth.filter(pl.col("source") == "dtsen")
    copies = dtsen.filter(pl.col("variant") == "duplicate_family")
    originals = dtsen.filter(pl.col("variant") != "duplicate_family")
    assert copies.height > 0
    assert set(copies["entity"]) <= set(originals["entity"])
    assert originals["entity"].n_unique() == originals.height


def test_a_person_carrying_another_persons_nik_is_not_that_person(linked):
    dtsen = with_truth(linked, "dtsen")
    carriers = dtsen.filter(pl.col("variant") == "lookalike_borrowed_nik")
    assert carriers.height > 0
    owners = dtsen.filter(
        pl.col("nik").is_in(carriers["nik"].implode())
        & (pl.col("variant") != "lookalike_borrowed_nik")
        & (pl.col("variant") != "duplicate_family")
    )
    pairs = carriers.join(owners, on="nik", suffix="_owner")
    assert pairs.height == carriers.height
    assert (pairs["entity"] != pairs["entity_owner"]).all()


def test_the_second_edition_reissues_some_persons_under_new_ids(linked):
    p3ke = with_truth(linked, "p3ke")
    p3ke2 = with_truth(linked, "p3ke2")
    reissued = p3ke2.filter(pl.col("change") == "reissued")
    n = p3ke.height
    assert reissued.height == count(RATES.edition.reissued, n)
    assert not reissued["id_individu"].is_in(p3ke["id_individu"].implode()).any()
    assert reissued["entity"].is_in(p3ke["entity"].implode()).all()
    kept = p3ke2.filter(pl.col("change") == "kept").join(
        p3ke.select("id_individu", "entity"), on="id_individu", suffix="_ed1")
    assert (kept["entity"] == kept["entity_ed1"]).all()


def test_the_second_edition_loses_some_persons_and_gains_new_births(linked):
    p3ke = set(linked.truth.filter(pl.col("source") == "p3ke")["entity"])
    p3ke2 = with_truth(linked, "p3ke2")
    dtsen = set(linked.truth.filter(pl.col("source") == "dtsen")["entity"])
    gone = p3ke - set(p3ke2["entity"])
    assert len(gone) == count(RATES.edition.gone, len(p3ke))
    births = p3ke2.filter(pl.col("change") == "new_birth")
    assert births.height > 0
    assert not births["entity"].is_in(list(dtsen | p3ke)).any()
    assert (births["tanggal_lahir"] > linked.reference_date).all()


def test_a_new_kk_changes_the_number_not_the_family_id(linked):
    ed1 = linked.p3ke_families.select("id_keluarga_p3ke", "no_kk")
    ed2 = linked.p3ke2_families.select("id_keluarga_p3ke", "no_kk")
    both = ed1.join(ed2, on="id_keluarga_p3ke", suffix="_2")
    changed = both.filter(pl.col("no_kk") != pl.col("no_kk_2"))
    assert changed.height == count(RATES.edition.new_kk_families, ed1.height)
    moved_ids = with_truth(linked, "p3ke2").filter(pl.col("change") == "new_kk")
    assert moved_ids["id_keluarga_p3ke"].is_in(changed["id_keluarga_p3ke"].implode()).all()


def test_agency_rows_are_registry_people_except_the_outsiders(linked):
    bantuan = with_truth(linked, "bantuan")
    dtsen = set(linked.truth.filter(pl.col("source") == "dtsen")["entity"])
    outsiders = bantuan.filter(pl.col("variant") == "not_in_registry")
    assert bantuan.height == RATES.agency_rows
    assert outsiders.height == count(RATES.agency_outsiders, RATES.agency_rows)
    assert not outsiders["entity"].is_in(list(dtsen)).any()
    assert not outsiders["NIK"].is_in(linked.dtsen.persons["nik"].implode()).any()
    insiders = bantuan.filter(pl.col("variant") != "not_in_registry")
    assert insiders["entity"].is_in(list(dtsen)).all()
    assert bantuan["entity"].n_unique() == bantuan.height


def test_dtks_is_a_sample_of_dtsen_under_its_own_ids(linked):
    dtks = linked.truth.filter(pl.col("source") == "dtks")
    dtsen = linked.truth.filter(pl.col("source") == "dtsen")
    assert 0.4 * dtsen.height < dtks.height < 0.8 * dtsen.height
    assert set(dtks["entity"]) <= set(dtsen["entity"])
    assert not linked.dtks_persons["id_art_dtks"].is_in(
        linked.dtsen.persons["id_individu_dtsen"].implode()).any()


# ---------------------------------------------------------------------------------------------
# Variants


def test_every_p3ke_variant_kind_appears_at_its_rate(linked):
    variants = with_truth(linked, "p3ke")["variant"].value_counts()
    found = dict(variants.iter_rows())
    n = linked.p3ke_persons.height
    rates = RATES.p3ke
    for kind in KINDS:
        wanted = count(getattr(rates, kind), n)
        if kind in ("name_muhammad", "name_siti", "name_bin_binti"):  # limited by eligibility
            assert 0.5 * wanted <= found.get(kind, 0) <= wanted, kind
        else:
            assert found.get(kind, 0) == wanted, kind
    exact = found[EXACT] / n
    assert 0.80 <= exact <= 0.88


def test_the_agency_variants_appear_at_their_rates_among_registry_people(linked):
    bantuan = with_truth(linked, "bantuan")
    insiders = bantuan.height - count(RATES.agency_outsiders, RATES.agency_rows)
    found = dict(bantuan["variant"].value_counts().iter_rows())
    for kind in ("name_typo", "nik_excel", "nik_missing", "birth_missing", "birth_year_off"):
        assert found.get(kind, 0) == count(getattr(RATES.agency, kind), insiders), kind
    excel = bantuan.filter(pl.col("variant") == "nik_excel")
    assert excel["NIK"].str.contains(r"^\d\.\d{5}E\+15$").all()


def test_most_records_are_exact_copies_of_the_person(linked):
    exact = p3ke_against_truth(linked).filter(pl.col("variant") == EXACT)
    assert exact.height > 0
    assert (exact["nama"] == exact["true_nama"]).all()
    assert (exact["nik"] == exact["true_nik"]).all()
    assert (exact["tanggal_lahir"] == exact["true_lahir"]).all()


def of_kind(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    found = frame.filter(pl.col("variant") == kind)
    assert found.height > 0, kind
    return found


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("name_old_spelling", pl.col("nama").str.contains("OE|DJ|TJ|NJ|SJ|CH")),
        ("name_muhammad", pl.col("nama").str.contains(r"\b(MOH|MOCH|M|MUH)\.")
         & pl.col("true_nama").str.contains("MUHAMMAD")),
        ("name_siti", pl.col("nama").str.contains(r"\bSITTI\b")),
        ("name_title", pl.col("nama").str.contains(r"^(H|HJ)\. |, (S\.PD|IR)\.$")),
        ("name_word_order", pl.col("nama").str.split(" ").list.sort()
         == pl.col("true_nama").str.split(" ").list.sort()),
        ("name_bin_binti", pl.col("nama").str.contains(r" BINT?I? \S+$")),
        ("name_typo", pl.struct("nama", "true_nama").map_elements(
            lambda r: SequenceMatcher(None, r["nama"], r["true_nama"]).ratio() >= 0.6,
            return_dtype=pl.Boolean)),
        ("nik_missing", pl.col("nik").is_null()),
        ("nik_excel", pl.col("nik").str.contains(r"^\d\.\d{5}E\+15$")),
        ("nik_digit_off", pl.col("nik").str.len_chars() == 16),
        ("nik_transposed", pl.col("nik").str.split("").list.sort()
         == pl.col("true_nik").str.split("").list.sort()),
        ("birth_day_month_swapped",
         (pl.col("tanggal_lahir").dt.day() == pl.col("true_lahir").dt.month())
         & (pl.col("tanggal_lahir").dt.month() == pl.col("true_lahir").dt.day())),
        ("birth_year_off", (pl.col("tanggal_lahir").dt.year()
                            - pl.col("true_lahir").dt.year()).abs() == 1),
        ("birth_placeholder", pl.col("tanggal_lahir").dt.strftime("%m-%d").is_in(
            ["01-01", "12-31"]) & (pl.col("tanggal_lahir").dt.year()
                                   == pl.col("true_lahir").dt.year())),
        ("birth_missing", pl.col("tanggal_lahir").is_null()),
        ("sex_missing", pl.col("jenis_kelamin").is_null()),
        ("moved", pl.col("hubungan_dengan_kepala_keluarga") == "Famili lain"),
    ],
)
def test_a_variant_changes_the_record_as_documented(linked, kind, check):
    records = of_kind(p3ke_against_truth(linked), kind)
    assert records.select(check.all()).item(), records.filter(~check).head(3)
    value = {"name": "nama", "nik": "nik", "birt": "tanggal_lahir"}.get(kind[:4])
    if value and kind not in ("nik_missing", "birth_missing"):
        true = {"nama": "true_nama", "nik": "true_nik", "tanggal_lahir": "true_lahir"}[value]
        assert (records[value] != records[true]).all()


def test_a_moved_person_is_under_another_kk_than_in_dtsen(linked):
    p3ke = with_truth(linked, "p3ke")
    kk = p3ke.join(linked.p3ke_families.select("id_keluarga_p3ke", "no_kk"),
                   on="id_keluarga_p3ke")
    dtsen = with_truth(linked, "dtsen").filter(pl.col("variant") == EXACT).join(
        linked.dtsen.families.select("id_keluarga_dtsen", "no_kk"), on="id_keluarga_dtsen")
    moved = kk.filter(pl.col("variant") == "moved").join(
        dtsen.select("entity", "no_kk"), on="entity", suffix="_dtsen")
    assert moved.height > 0
    assert (moved["no_kk"] != moved["no_kk_dtsen"]).all()


def test_rates_out_of_range_are_refused():
    with pytest.raises(ValueError, match="name_typo"):
        VariantRates(name_typo=0.7)


# ---------------------------------------------------------------------------------------------
# Look-alikes


def lookalike_pairs(data, kind: str) -> pl.DataFrame:
    dtsen = with_truth(data, "dtsen").join(
        data.dtsen.families.select("id_keluarga_dtsen", "no_kk", "kode_kemdagri"),
        on="id_keluarga_dtsen")
    return of_kind(dtsen, kind)


def test_twins_share_a_family_and_a_birth_date_and_are_two_people(linked):
    twins = lookalike_pairs(linked, "lookalike_twin")
    groups = twins.group_by("id_keluarga_dtsen").agg(
        pl.col("tanggal_lahir").n_unique().alias("dates"), pl.col("entity").n_unique(),
        pl.col("nik").n_unique(), pl.len())
    assert (groups["len"] % 2 == 0).all()
    pairs = groups.filter(pl.col("len") == 2)
    assert pairs.height > 0
    assert (pairs["dates"] == 1).all()
    assert (pairs["entity"] == 2).all() and (pairs["nik"] == 2).all()


def test_a_father_and_son_of_one_name_are_two_people(linked):
    pairs = lookalike_pairs(linked, "lookalike_father_son")
    groups = pairs.group_by("id_keluarga_dtsen").agg(
        pl.col("nama").n_unique().alias("names"), pl.col("entity").n_unique(),
        pl.col("hubungan_dengan_kepala_keluarga").sort().alias("hubungan"),
        (pl.col("tanggal_lahir").max() - pl.col("tanggal_lahir").min()).dt.total_days()
        .alias("gap"))
    assert groups.height == count(RATES.lookalikes.father_son, HOUSEHOLDS)
    assert (groups["names"] == 1).all() and (groups["entity"] == 2).all()
    assert groups["hubungan"].to_list() == [["1", "3"]] * groups.height
    assert groups["gap"].is_between(20 * 365, 36 * 365).all()


def test_namesakes_of_one_desa_and_birth_year_are_two_people(linked):
    pairs = lookalike_pairs(linked, "lookalike_common_name")
    groups = pairs.group_by("nama", "kode_kemdagri", pl.col("tanggal_lahir").dt.year()).agg(
        pl.col("entity").n_unique(), pl.col("id_keluarga_dtsen").n_unique().alias("families"),
        pl.len())
    assert pairs.height == 2 * count(RATES.lookalikes.common_name, HOUSEHOLDS)
    assert (groups["entity"] == groups["len"]).all()
    assert (groups["families"] == groups["len"]).all()
    assert pairs["nama"].str.contains(r"^(MUHAMMAD|SITI)\b").all()


def test_look_alikes_carry_no_other_variant_in_p3ke(linked):
    p3ke = p3ke_against_truth(linked).filter(pl.col("variant").is_in(list(POPULATION_LOOKALIKES)))
    assert p3ke.height > 0
    assert (p3ke["nama"] == p3ke["true_nama"]).all()
    assert (p3ke["nik"] == p3ke["true_nik"]).all()


# ---------------------------------------------------------------------------------------------
# Files


@pytest.fixture(scope="module")
def written(linked, tmp_path_factory):
    out = tmp_path_factory.mktemp("linked")
    return {p.name: p for p in write_linked(linked, out, "csv")}


@pytest.mark.parametrize("edition", ["p3ke", "p3ke2"])
def test_the_p3ke_files_pass_the_products_validation(linked, written, edition):
    from tepat.pipeline import validate_files

    validated = validate_files(written[f"{edition}_keluarga.csv"],
                               written[f"{edition}_individu.csv"], "p3ke",
                               today=date(2025, 1, 1))
    assert validated.ok, validated.errors[:5]
    assert validated.persons.height == persons_of(linked, edition).height
    flags = set(validated.flag_counts["individu"])
    implied = {"NIK_EMPTY", "NIK_NUMBER_MANGLED", "NIK_BIRTHDATE_MISMATCH", "NIK_DATE_INVALID",
               "NIK_REGION_UNKNOWN", "NIK_SEX_MISMATCH", "NIK_SERIAL_ZERO", "NIK_DUPLICATE",
               "BIRTHDATE_MISSING"}
    assert flags <= implied, flags - implied


def test_the_truth_file_reads_back_as_the_truth_frame(linked, written):
    read = pl.read_csv(written["truth_linkage.csv"], schema=TRUTH_SCHEMA)
    assert read.equals(linked.truth)


@pytest.mark.django_db
def test_the_beneficiary_upload_reads_every_row_of_the_agency_list(linked, tmp_path, regions):
    from tepat.interventions.matching import read_beneficiaries

    path = write_linked(linked, tmp_path, "xlsx")[8]
    assert path.name == "bantuan.xlsx"
    rows, _notes = read_beneficiaries(path)
    assert len(rows) == RATES.agency_rows
    by_row = {r.row - 1: r for r in rows}  # the spreadsheet row is No + 1
    excel = linked.bantuan.filter(pl.col("NIK").str.contains("E\\+"))
    assert excel.height > 0
    assert by_row[int(excel["No"][0])].nama == excel["Nama"][0]
