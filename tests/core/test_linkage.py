"""Record preparation for person linkage: names, NIK parts, placeholder dates.

Hand-written Indonesian examples for every rule, and Hypothesis properties that keep each scalar
function and its Polars twin in agreement.

Run: uv run pytest tests/core/test_linkage.py -p no:django -q
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tepat.core.linkage import (
    PLACEHOLDER_DATES,
    digit_differences,
    is_placeholder_date,
    is_placeholder_date_expr,
    is_transposition,
    name_phonetic,
    name_phonetic_expr,
    name_phonetic_last,
    name_phonetic_last_expr,
    nik_birth_part_expr,
    nik_region_expr,
    nik_serial_expr,
    normalise_name,
    normalise_name_expr,
    records_from_tables,
    sorted_tokens,
    sorted_tokens_expr,
    split_patronym,
    split_patronym_expr,
)

# ---------------------------------------------------------------------------------------------
# One person, two spellings: the normalised names are equal

SAME_PERSON = [
    ("MOCH. SOLEH", "MUHAMMAD SOLEH"),
    ("MOH. SOLEH", "Muhammad Soleh"),
    ("M. SOLEH", "MUHAMAD SOLEH"),
    ("MOCHAMAD ROFIQ", "MUHAMMAD ROFIQ"),
    ("MUH. IQBAL", "MOHAMMAD IQBAL"),
    ("MHD. YUSUF", "MD. YUSUF"),
    ("Mochammad Hasan", "MUCHAMAD HASAN"),
    ("SITTI AMINAH", "SITI AMINAH"),
    ("ST. AMINAH", "SITI AMINAH"),
    ("Hj. Sitti Aminah", "SITI AMINAH"),
    ("H. ABDUL ROCHIM, S.PD.", "ABDUL ROKHIM"),
    ("ABD. ROHMAN", "ABDUL ROHMAN"),
    ("ABDOEL KADIR", "ABDUL KADIR"),
    ("NOER HASANAH", "NUR HASANAH"),
    ("NOOR HAYATI", "NUR HAYATI"),
    ("SOEKARNO", "SUKARNO"),
    ("SOEHARTO", "SUHARTO"),
    ("DJOKO SANTOSO", "JOKO SANTOSO"),
    ("DJUMIATI", "JUMIATI"),
    ("TJAHJO KUMOLO", "CAHYO KUMOLO"),
    ("TJITRO", "CITRO"),
    ("NJOMAN SUDIRA", "NYOMAN SUDIRA"),
    ("SJAMSUL ARIFIN", "SYAMSUL ARIFIN"),
    ("HASJIM", "HASYIM"),
    ("ACHMAD FAUZI", "AKHMAD FAUZI"),
    ("CHOIRUL ANAM", "KHOIRUL ANAM"),
    ("ROCHMAT", "ROKHMAT"),
    ("WIDJAJA", "WIJAYA"),
    ("SOEJONO", "SUYONO"),
    ("SOEDJATMIKO", "SUJATMIKO"),
    ("ABDULLAH", "ABDULAH"),
    ("HASANNUDIN", "HASANUDIN"),
    ("Drs. SUPARMAN", "SUPARMAN"),
    ("Dra. Sri Wahyuni, M.Pd.", "SRI WAHYUNI"),
    ("Ir. H. BAMBANG SUTRISNO", "BAMBANG SUTRISNO"),
    ("K.H. MUHAMMAD HASYIM", "MUHAMMAD HASYIM"),
    ("KH. Ma'ruf Amin", "MARUF AMIN"),
    ("Ustadz Abdul Somad", "ABDUL SOMAD"),
    ("ALM. SUMARNO", "SUMARNO"),
    ("Almh. Painem", "PAINEM"),
    ("NY. SUMIATI", "SUMIATI"),
    ("Tn. Hadi Santoso", "HADI SANTOSO"),
    ("HAJJAH MAIMUNAH", "MAIMUNAH"),
    ("HAJI SAHRI", "SAHRI"),
    ("Dr. Siti Fadilah, S.H.", "SITI FADILAH"),
    ("EKO PRASETYO, S.KOM.", "EKO PRASETYO"),
    ("RINA, S.Sos.", "RINA"),
    ("AHMAD DAHLAN S.Pd.I", "AHMAD DAHLAN"),
    ("DEWI LESTARI SE", "DEWI LESTARI"),
    ("BUDI SANTOSO, S.T.", "BUDI SANTOSO"),
    ("FITRI A.Md.", "FITRI"),
    ("YUNUS, S.Ag.", "YUNUS"),
    ("Lilis Suryani, M.Si.", "LILIS SURYANI"),
    ("H.ABDUL ROHIM", "ABDUL ROHIM"),
    ("siti   aminah ", "SITI AMINAH"),
    ("Séptiani Dwi", "SEPTIANI DWI"),
    ("SITI-AMINAH", "SITI AMINAH"),
    ("SA'DIYAH", "SADIYAH"),
    ("SITI AMINAH BINTI SAMSUL", "SITI AMINAH"),
    ("AHMAD BIN ABDULLAH", "AHMAD"),
]


@pytest.mark.parametrize(("first", "second"), SAME_PERSON)
def test_two_spellings_of_one_name_normalise_alike(first: str, second: str) -> None:
    assert normalise_name(first) == normalise_name(second)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MOCH. SOLEH", "MUHAMMAD SOLEH"),
        ("Hj. Sitti Aminah", "SITI AMINAH"),
        ("H. ABDUL ROCHIM, S.PD.", "ABDUL ROKHIM"),
        ("TJAHJO KUMOLO", "CAHYO KUMOLO"),
        ("NJOMAN", "NYOMAN"),
        ("ST. NURHAYATI", "SITI NURHAYATI"),
        ("M. NUR", "MUHAMMAD NUR"),
        ("Séverine", "SEVERINE"),
        ("H. M. SOLEH", "MUHAMMAD SOLEH"),
    ],
)
def test_a_name_is_written_in_one_spelling(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


# Different people keep different names (or a rule would merge people it must not).
DIFFERENT_PEOPLE = [
    ("SITI AMINAH", "SITI AMINATUN"),
    ("ABDUL ROHMAN", "ABDULLAH ROHMAN"),
    ("NUR HASANAH", "NURUL HASANAH"),
    ("RAJA", "RAYA"),  # modern J is not an old Y
    ("ANJAR", "ANYAR"),  # medial NJ of a modern name stays
    ("SANJAYA", "SANYAYA"),
    ("NOER JANNAH", "NUR YANAH"),  # the old OE of one word does not make JANNAH old
    ("SOLEH M", "SOLEH MUHAMMAD"),  # an M that is not the first word is not Muhammad
    ("HARYONO", "HARIYONO"),
    ("SRI WAHYUNI", "SRI WAHYUNINGSIH"),
    ("SUTRISNO", "SUTRISNA"),
    ("BIN SALIM", "SALIM"),  # BIN as the first word is a name, not a patronym
]


@pytest.mark.parametrize(("first", "second"), DIFFERENT_PEOPLE)
def test_names_of_different_people_stay_different(first: str, second: str) -> None:
    assert normalise_name(first) != normalise_name(second)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SITI AMINAH BINTI SAMSUL", ("SITI AMINAH", "SAMSUL")),
        ("SITI AMINAH", ("SITI AMINAH", None)),
        ("Ahmad bin H. Abdullah", ("AHMAD", "ABDULAH")),
        ("ST. AMINAH BINTI MOCH. SOLEH", ("SITI AMINAH", "MUHAMMAD SOLEH")),
        ("AHMAD BIN", ("AHMAD", None)),
        ("AHMAD BIN SALIM BIN UMAR", ("AHMAD", "SALIM BIN UMAR")),
        ("BINTI MASRUROH", ("BINTI MASRUROH", None)),
        ("AHMAD BINTORO", ("AHMAD BINTORO", None)),
        ("H.", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_the_patronym_is_kept_apart(raw: str | None, expected: tuple) -> None:
    assert split_patronym(raw) == expected


def test_st_is_siti_first_and_the_degree_elsewhere() -> None:
    assert normalise_name("ST. ROMLAH") == "SITI ROMLAH"
    assert normalise_name("AGUS ST") == "AGUS"
    assert normalise_name("HJ. ST. ROMLAH") == "SITI ROMLAH"


def test_a_name_of_titles_only_is_missing() -> None:
    assert normalise_name("H. Drs.") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("AMINAH SITI", "AMINAH SITI"), ("SITI AMINAH", "AMINAH SITI"), ("SOLEH", "SOLEH"),
     ("RIZKY MUHAMMAD PRATAMA", "MUHAMMAD PRATAMA RIZKY"), (None, None)],
)  # fmt: skip
def test_sorted_tokens_ignore_word_order(name: str | None, expected: str | None) -> None:
    assert sorted_tokens(name) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [("MUHAMAD", "MUHAMMAD"), ("SUPRIADI", "SUPRIYADI"), ("JUMIATI", "DJUMIATI"),
     ("AHMAD", "ACHMAD"), ("FATIMAH", "FATIMA"), ("ZAINAL", "ZAENAL"), ("ROHIM", "ROKHIM"),
     ("SYAMSUL", "SAMSUL"), ("UMAR", "OMAR"), ("EFENDI", "EVENDI"), ("KHOIRUL", "HOIRUL")],
)  # fmt: skip
def test_two_spellings_share_a_phonetic_key(first: str, second: str) -> None:
    assert name_phonetic(normalise_name(first)) == name_phonetic(normalise_name(second))


@pytest.mark.parametrize(
    ("first", "second"),
    [("SUPRIADI", "SUPRIYANTO"), ("AMINAH", "MAIMUNAH"), ("BUDI", "SUDI"), ("SITI", "SRI")],
)
def test_different_names_get_different_phonetic_keys(first: str, second: str) -> None:
    assert name_phonetic(first) != name_phonetic(second)


def test_the_phonetic_keys_are_of_the_first_and_the_last_word() -> None:
    assert name_phonetic("MUHAMMAD SUPRIYADI") == "MHMT"
    assert name_phonetic_last("MUHAMMAD SUPRIYADI") == "SPRT"
    assert name_phonetic_last("SOLEH") == name_phonetic("SOLEH") == "SL"
    assert name_phonetic(None) is None and name_phonetic_last("") is None


# ---------------------------------------------------------------------------------------------
# NIK parts and differences

WOMAN_1985 = "3513204703850001"


def test_a_nik_splits_into_region_birth_part_and_serial() -> None:
    frame = pl.DataFrame({"nik": [WOMAN_1985, "35132047038500", None, "351320470385000X"]})
    parts = frame.select(
        region=nik_region_expr(pl.col("nik")),
        birth=nik_birth_part_expr(pl.col("nik")),
        serial=nik_serial_expr(pl.col("nik")),
    )
    assert parts.row(0) == ("351320", "470385", "0001")
    assert parts.slice(1).null_count().row(0) == (3, 3, 3)


@pytest.mark.parametrize(
    ("a", "b", "positions"),
    [(WOMAN_1985, WOMAN_1985, []), (WOMAN_1985, "3513204703850002", [15]),
     (WOMAN_1985, "3513200703850001", [6]), (WOMAN_1985, "3531204703850001", [2, 3]),
     ("351320", "35132047", [6, 7])],
)  # fmt: skip
def test_digit_differences_name_the_positions(a: str, b: str, positions: list[int]) -> None:
    assert digit_differences(a, b) == positions


@pytest.mark.parametrize(
    ("b", "expected"),
    [("3531204703850001", True), ("3513204703850010", True), (WOMAN_1985, False),
     ("3513204703850002", False), ("3531204703850010", False), ("5313204703850001", True),
     ("3513204703850011", False), ("351320470385001", False)],
)  # fmt: skip
def test_a_transposition_is_one_swap_of_neighbours(b: str, expected: bool) -> None:
    assert is_transposition(WOMAN_1985, b) is expected


# ---------------------------------------------------------------------------------------------
# Placeholder birth dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(1960, 1, 1), True), (date(1975, 12, 31), True), (date(1900, 1, 1), True),
     (date(1970, 1, 1), True), (date(1960, 1, 2), False), (date(1985, 7, 1), False),
     (date(1980, 12, 30), False), (None, False)],
)  # fmt: skip
def test_placeholder_dates(day: date | None, expected: bool) -> None:
    assert is_placeholder_date(day) is expected


@given(st.lists(st.none() | st.dates() | st.sampled_from(PLACEHOLDER_DATES), max_size=30))
def test_scalar_and_vectorised_placeholder_checks_agree(days: list[date | None]) -> None:
    frame = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    vectorised = frame.select(is_placeholder_date_expr(pl.col("day"))).to_series().to_list()
    assert vectorised == [is_placeholder_date(day) for day in days]


# ---------------------------------------------------------------------------------------------
# The twins agree (Hypothesis)

NAME_WORDS = [
    "SITI", "Sitti", "ST.", "M.", "MOCH.", "Moh", "MUHAMMAD", "ABD.", "ABDUL", "NOER", "NUR",
    "H.", "HJ.", "Hajjah", "Drs.", "S.Pd.I", "S.PD", "S.T.", "ST", "K.H.", "Alm.", "NY.",
    "BIN", "BINTI", "AMINAH", "SOLEH", "SOEKARNO", "DJOKO", "TJAHJO", "NJOMAN", "SJAMSUL",
    "ACHMAD", "ANJAR", "RAJA", "HASANNUDIN", "Ma'ruf", "Séverine", "JANNAH", "WIDJAJA", "M",
    "SE", "SH", "SPD", "A.Md.", "M.Si", "Ir.", "DR.", "USTADZ", "TN.", "SOEJONO", "NN", "DJ",
]  # fmt: skip
SEPARATORS = [" ", " ", ". ", ", ", "-", "'", ".", "  ", "\u00a0", "/"]

written_names = st.lists(
    st.tuples(st.sampled_from(NAME_WORDS), st.sampled_from(SEPARATORS)), max_size=6
).map(lambda words: "".join(word + separator for word, separator in words))
name_texts = st.one_of(
    written_names,
    st.text(alphabet="ABDEHIJKLMNOSTUYC .,'-", max_size=30),
    st.text(max_size=20),
    st.none(),
)
AGREEMENT = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _column(texts: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"raw": texts}, schema={"raw": pl.String})


@AGREEMENT
@given(st.lists(name_texts, min_size=1, max_size=25))
def test_scalar_and_vectorised_names_agree(texts: list[str | None]) -> None:
    frame = _column(texts).select(
        name=normalise_name_expr(pl.col("raw")), parts=split_patronym_expr(pl.col("raw"))
    )
    assert frame["name"].to_list() == [normalise_name(text) for text in texts]
    parts = [(p["name"], p["patronym"]) for p in frame["parts"].to_list()]
    assert parts == [split_patronym(text) for text in texts]


@AGREEMENT
@given(st.lists(name_texts, min_size=1, max_size=25))
def test_scalar_and_vectorised_word_keys_agree(texts: list[str | None]) -> None:
    names = [normalise_name(text) for text in texts]
    frame = pl.DataFrame({"name": names}, schema={"name": pl.String}).select(
        sorted=sorted_tokens_expr(pl.col("name")),
        first=name_phonetic_expr(pl.col("name")),
        last=name_phonetic_last_expr(pl.col("name")),
    )
    assert frame["sorted"].to_list() == [sorted_tokens(name) for name in names]
    assert frame["first"].to_list() == [name_phonetic(name) for name in names]
    assert frame["last"].to_list() == [name_phonetic_last(name) for name in names]


@settings(max_examples=500)
@given(name_texts)
def test_a_normalised_name_has_only_capitals_and_single_spaces(text: str | None) -> None:
    name = normalise_name(text)
    assert name is None or (name.replace(" ", "").isalpha() and name.isascii())
    assert name is None or (name == name.strip() and "  " not in name and name.isupper())


def test_records_of_a_file_read_mangled_numbers_as_missing():
    """A NIK or KK the validator flagged as mangled matches nothing by accident: the import's
    known/new split and the engine read a file as the registry holds it (issue 18)."""
    families = pl.DataFrame({
        "source_family_id": ["F1", "F2"], "no_kk": ["3513200101010001", "3.51E+15"],
        "desa_code": ["35.13.20.2001", "35.13.21.2002"], "flags": ["", "KK_NUMBER_MANGLED"]})
    persons = pl.DataFrame({
        "source_person_id": ["P1", "P2", "P3"], "source_family_id": ["F1", "F1", "F2"],
        "nik": ["3513200101800001", "3.51E+15", "3513204101850002"],
        "nama": ["SITI", "AMINAH", "SOLEH"], "tanggal_lahir": ["1980-01-01", None, "1985-01-01"],
        "jenis_kelamin": ["P", "P", "L"], "flags": [None, "NIK_NUMBER_MANGLED", ""]})
    records = records_from_tables(families, persons, "p3ke")
    assert records.get_column("nik").to_list() == ["3513200101800001", None, "3513204101850002"]
    assert records.get_column("no_kk").to_list() == ["3513200101010001", "3513200101010001", None]
    assert records.get_column("kecamatan").to_list() == ["35.13.20", "35.13.20", "35.13.21"]
    assert records.get_column("hubungan").to_list() == [None, None, None]  # the layout lacks it
    assert records.schema["tanggal_lahir"] == pl.Date
    assert records.get_column("record_id").to_list() == ["P1", "P2", "P3"]
