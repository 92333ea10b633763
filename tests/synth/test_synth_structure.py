"""Shape of the synthetic data: layouts, value formats, regions, desil, summary, determinism."""

from __future__ import annotations

import csv
from datetime import date

import polars as pl
import pytest

from tepat.core.codes import CODE_LISTS
from tepat.core.layout import (
    DTSEN_FAMILY,
    DTSEN_PERSON,
    P3KE_FAMILY,
    P3KE_PERSON,
    Kind,
)
from tepat.core.regions import data_path, normalize_code
from tepat.synth import DEFECTS, DefectRates, generate


def _desa_codes() -> set[str]:
    with data_path("wilayah", "probolinggo_desa.csv").open(encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


@pytest.mark.parametrize(
    ("source", "family_layout", "person_layout"),
    [("p3ke", P3KE_FAMILY, P3KE_PERSON), ("dtsen", DTSEN_FAMILY, DTSEN_PERSON)],
)
def test_columns_are_exactly_the_layout_headers(source, family_layout, person_layout, p3ke, dtsen):
    data = p3ke if source == "p3ke" else dtsen
    assert data.families.columns == family_layout.headers
    assert data.persons.columns == person_layout.headers
    assert data.family_layout is family_layout
    assert data.person_layout is person_layout


def test_values_are_strings_and_birth_dates_are_dates(data):
    for frame, layout in ((data.families, data.family_layout), (data.persons, data.person_layout)):
        for column in layout.columns:
            expected = pl.Date if column.kind is Kind.DATE else pl.String
            assert frame.schema[column.header] == expected, column.header


def test_required_columns_and_ids(data):
    for frame, layout in ((data.families, data.family_layout), (data.persons, data.person_layout)):
        for column in layout.columns:
            if column.required:
                assert frame[column.header].null_count() == 0, column.header
        assert frame[layout.id_column.header].is_unique().all()
    ref = data.person_layout.columns[0].header
    assert set(data.persons[ref]) == set(data.families[data.family_layout.id_column.header])


def test_id_patterns(p3ke, dtsen):
    assert p3ke.families["id_keluarga_p3ke"].str.contains(r"^P3513\d{10}$").all()
    assert p3ke.persons["id_individu"].str.contains(r"^I3513\d{10}$").all()
    assert dtsen.families["id_keluarga_dtsen"].str.contains(r"^DTK-3513-\d{8}$").all()
    assert dtsen.persons["id_individu_dtsen"].str.contains(r"^DTI-3513-\d{9}$").all()


def test_coded_columns_hold_labels_in_p3ke_and_codes_in_dtsen(p3ke, dtsen):
    for data, as_label in ((p3ke, True), (dtsen, False)):
        for frame, layout in (
            (data.families, data.family_layout),
            (data.persons, data.person_layout),
        ):
            for column in layout.columns:
                if column.kind is not Kind.CODE:
                    continue
                code_list = CODE_LISTS[column.code_list]
                allowed = {
                    label if as_label and column.code_list != "desil" else code
                    for code, label in code_list.choices
                }
                values = set(frame[column.header].drop_nulls().unique())
                assert values <= allowed, (data.source, column.header, values - allowed)
                assert all(code_list.lookup(v) is not None for v in values)


def test_p3ke_region_columns(p3ke):
    f = p3ke.families
    assert (f["provinsi"] == "JAWA TIMUR").all()
    assert (f["kabupaten_kota"] == "KAB. PROBOLINGGO").all()
    assert f["kode_kemdagri"].str.contains(r"^3513\d{6}$").all()
    assert (f["kecamatan"] == f["kecamatan"].str.to_uppercase()).all()
    assert (f["desa_kelurahan"] == f["desa_kelurahan"].str.to_uppercase()).all()
    desa = _desa_codes()
    assert {normalize_code(c) for c in f["kode_kemdagri"].unique()} <= desa
    assert f["alamat"].str.contains(r"RT[ .]?\d{2,3} ?/?RW[ .]?\d{2,3}$|RT \d+ RW \d+$").all()


def test_dtsen_codes_are_dotted_and_desil_1_to_10(dtsen):
    f = dtsen.families
    assert f["kode_kemdagri"].str.contains(r"^35\.13\.\d{2}\.[12]\d{3}$").all()
    assert set(f["kode_kemdagri"].unique()) <= _desa_codes()
    assert set(f["desil_nasional"].unique()) == {str(d) for d in range(1, 11)}


def test_all_330_desa_appear_at_20k_households(p3ke_20k):
    codes = {normalize_code(c) for c in p3ke_20k.families["kode_kemdagri"].unique()}
    assert codes == _desa_codes()
    assert len(codes) == 330


def test_dtsen_desil_roughly_tenths_and_poor_families_larger(dtsen):
    families = dtsen.families
    shares = families["desil_nasional"].value_counts(normalize=True)
    assert shares["proportion"].min() > 0.06 and shares["proportion"].max() < 0.16
    sizes = (
        dtsen.persons.group_by("id_keluarga_dtsen")
        .len()
        .join(families.select("id_keluarga_dtsen", "desil_nasional"), on="id_keluarga_dtsen")
    )
    mean = dict(sizes.group_by("desil_nasional").agg(pl.col("len").mean()).iter_rows())
    assert mean["1"] > mean["10"] + 0.3
    assert 2.8 <= dtsen.persons.height / families.height <= 3.4


def test_p3ke_desil_1_is_about_a_fifth_and_household_size(p3ke_20k):
    shares = dict(p3ke_20k.families["desil_kesejahteraan"].value_counts(normalize=True).iter_rows())
    assert set(shares) == {"1", "2", "3", "4"}
    assert 0.17 < shares["1"] < 0.23
    assert 3.1 <= p3ke_20k.persons.height / p3ke_20k.families.height <= 3.5


def test_poverty_is_concentrated_in_the_highlands(p3ke_20k):
    """Highland kecamatan hold more of the poorest families than coastal Kraksaan."""
    f = p3ke_20k.families
    d1 = f.group_by("kecamatan").agg((pl.col("desil_kesejahteraan") == "1").mean().alias("d1"))
    d1 = dict(d1.iter_rows())
    assert d1["SUMBER"] > d1["KRAKSAAN"]
    assert d1["TIRIS"] > d1["PAITON"]


def test_housing_and_programmes_follow_desil(p3ke_20k):
    f = p3ke_20k.families

    def share(column: str, value: str, desil: str) -> float:
        sub = f.filter(pl.col("desil_kesejahteraan") == desil)
        return (sub[column] == value).mean()

    assert share("jenis_lantai", "Tanah", "1") > 2 * share("jenis_lantai", "Tanah", "4")
    assert share("jenis_dinding", "Anyaman bambu", "1") > share(
        "jenis_dinding", "Anyaman bambu", "4"
    )
    assert share("bahan_bakar_memasak", "Kayu bakar", "1") > share(
        "bahan_bakar_memasak", "Kayu bakar", "4"
    )
    assert share("memiliki_fasilitas_buang_air_besar", "Tidak ada", "1") > share(
        "memiliki_fasilitas_buang_air_besar", "Tidak ada", "4"
    )
    assert share("penerima_pkh", "Ya", "1") > share("penerima_pkh", "Ya", "4")
    assert share("penerima_bpnt", "Ya", "1") > share("penerima_bpnt", "Ya", "4")


def test_dtsen_power_only_for_metered_electricity(dtsen):
    f = dtsen.families
    metered = f["sumber_penerangan_utama"] == "1"
    assert (f.filter(~metered)["daya_terpasang"] == "0").all()
    assert (f.filter(metered)["daya_terpasang"] != "0").all()


def test_summary_counts_equal_frame_sizes(data):
    s = data.summary
    assert s["families"] == data.families.height
    assert s["persons"] == data.persons.height
    assert s["source"] == data.source
    assert list(s["defects"]) == list(DEFECTS)
    for name, n in s["defects"].items():
        assert n == data.truth.filter(pl.col("defect") == name).height
    assert sum(s["defects"].values()) == data.truth.height
    assert sum(s["desil_families"].values()) == data.families.height
    assert sum(s["desil_persons"].values()) == data.persons.height
    desil_col = data.family_layout.column("desil").header
    counts = dict(data.families[desil_col].value_counts().iter_rows())
    assert counts == s["desil_families"]


def test_same_seed_same_frames_and_different_seed_differs():
    a = generate(400, seed=11)
    b = generate(400, seed=11)
    c = generate(400, seed=12)
    assert a.families.equals(b.families)
    assert a.persons.equals(b.persons)
    assert a.truth.equals(b.truth)
    assert a.summary == b.summary
    assert not a.persons.equals(c.persons)


def test_defect_rates_do_not_change_the_population():
    clean = generate(500, seed=3, defects=DefectRates.none())
    dirty = generate(500, seed=3)
    ids = dirty.truth["source_family_id"].to_list()
    assert (
        clean.families.height + dirty.summary["defects"]["DUPLICATE_FAMILY"]
        == dirty.families.height
    )
    # Same people: same names in the same order once the duplicate copies are left out.
    copies = set(dirty.truth.filter(pl.col("defect") == "DUPLICATE_FAMILY")["source_family_id"])
    assert ids  # defects were injected
    kept = dirty.persons.filter(~pl.col("id_keluarga_p3ke").is_in(list(copies)))
    assert sorted(kept["nama"].to_list()) == sorted(clean.persons["nama"].to_list())


def test_reference_date_moves_the_ages():
    early = generate(200, seed=1, reference_date=date(2022, 1, 1))
    assert early.persons["tanggal_lahir"].max() < date(2022, 1, 1)
    assert early.summary["reference_date"] == "2022-01-01"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"households": 10, "seed": 1, "source": "dtks"}, "source"),
        ({"households": 0, "seed": 1}, "households"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(**kwargs)


def test_defect_rates_are_validated():
    with pytest.raises(ValueError):
        DefectRates(malformed_nik=-0.1)
    with pytest.raises(ValueError):
        DefectRates(moved_family=0.6)
    assert all(v == 0 for v in DefectRates.none().as_dict().values())
