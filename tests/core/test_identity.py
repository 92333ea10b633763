"""NIK and KK checks: hand-written examples for every problem, and properties (Hypothesis).

Run: uv run pytest tests/core/test_identity.py -p no:django -q
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tepat.core.identity import (
    PROBLEMS,
    RECODED_PROVINCES,
    KkParts,
    NikParts,
    check_kk,
    check_nik,
    describe,
    kk_problems_expr,
    make_kk,
    make_nik,
    mask,
    nik_problems_expr,
    normalize_number,
    normalize_number_expr,
    parse_kk,
    parse_nik,
    resolve_year,
)
from tepat.core.regions import national_table

TODAY = date(2025, 6, 30)
TABLE = national_table()
TEGALSIWALAN = "351320"  # Kecamatan Tegalsiwalan, Kabupaten Probolinggo (35.13.20)
SENTANI = "910301"  # Kecamatan Sentani, Kabupaten Jayapura, still in Papua (91.03.01)
OLD_MERAUKE = "910101"  # Merauke was 91.01 until 2022; it is now 93.01 (Papua Selatan)
WOMAN_1985 = "3513204703850001"  # a woman born 1985-03-07 in Tegalsiwalan, serial 0001
MAN_1985 = "3513200703850002"  # a man born 1985-03-07 in Tegalsiwalan, serial 0002
KK_2015 = "3513200703150003"  # a KK issued 2015-03-07 in Tegalsiwalan, serial 0003

NIK_DATE_CODES = {
    "NIK_DATE_INVALID",
    "NIK_DATE_FUTURE",
    "NIK_BIRTHDATE_MISMATCH",
    "NIK_SEX_MISMATCH",
}


def nik_codes(raw: object, **kwargs: object) -> list[str]:
    return [problem.code for problem in check_nik(raw, today=TODAY, **kwargs)]  # type: ignore[arg-type]


def kk_codes(raw: object) -> list[str]:
    return [problem.code for problem in check_kk(raw, today=TODAY)]


def with_digits(number: str, start: int, digits: str) -> str:
    return number[:start] + digits + number[start + len(digits) :]


# ---------------------------------------------------------------------------------------------
# Building and parsing


def test_a_woman_has_forty_added_to_the_day() -> None:
    assert make_nik(TEGALSIWALAN, date(1985, 3, 7), "2", 1) == WOMAN_1985


def test_a_man_keeps_the_day_as_it_is() -> None:
    assert make_nik(TEGALSIWALAN, date(1985, 3, 7), "1", 2) == MAN_1985


def test_a_nik_parses_back_into_region_birth_date_sex_and_serial() -> None:
    parts = parse_nik(WOMAN_1985, today=TODAY)
    assert parts == NikParts(TEGALSIWALAN, date(1985, 3, 7), "2", "0001")


def test_a_kk_carries_its_issue_date_without_forty_added() -> None:
    assert make_kk(TEGALSIWALAN, date(2015, 3, 7), 3) == KK_2015
    assert parse_kk(KK_2015, today=TODAY) == KkParts(TEGALSIWALAN, date(2015, 3, 7), "0003")


def test_a_nik_that_is_not_a_real_date_does_not_parse() -> None:
    assert parse_nik(with_digits(WOMAN_1985, 6, "310285"), today=TODAY) is None


def test_the_century_is_the_latest_one_not_after_today() -> None:
    assert resolve_year(25, 2025) == 2025
    assert resolve_year(26, 2025) == 1926
    assert resolve_year(85, 2025) == 1985
    assert parse_nik(with_digits(MAN_1985, 6, "010126"), today=TODAY).birth_date.year == 1926


def test_make_nik_refuses_a_region_that_is_not_six_digits() -> None:
    with pytest.raises(ValueError):
        make_nik("35.13.20", date(1985, 3, 7), "1", 1)


def test_make_nik_refuses_a_sex_that_is_not_a_code() -> None:
    with pytest.raises(ValueError):
        make_nik(TEGALSIWALAN, date(1985, 3, 7), "P", 1)


def test_make_nik_refuses_a_serial_beyond_four_digits() -> None:
    with pytest.raises(ValueError):
        make_nik(TEGALSIWALAN, date(1985, 3, 7), "1", 10_000)


# ---------------------------------------------------------------------------------------------
# Normalisation and masking


@pytest.mark.parametrize(
    "raw",
    [
        "3513 2047 0385 0001",
        "3513.2047.0385.0001",
        "351320-470385-0001",
        "'3513204703850001",
        " 3513204703850001\u00a0",
        "3513204703850001.0",
        3513204703850001,
        3513204703850001.0,
    ],
)
def test_normalize_keeps_only_the_digits(raw: object) -> None:
    assert normalize_number(raw) == WOMAN_1985


def test_normalize_does_not_expand_scientific_notation() -> None:
    assert normalize_number("3.51320e+15") == "3.51320e+15"
    assert normalize_number("3,51320E+15") == "3,51320E+15"


@pytest.mark.parametrize("raw", [None, "", "   ", math.nan, "nan", "-", "'"])
def test_normalize_gives_none_for_an_empty_value(raw: object) -> None:
    assert normalize_number(raw) is None


def test_mask_shows_only_the_first_and_last_four_digits() -> None:
    assert mask(WOMAN_1985) == "3513********0001"


def test_mask_of_nothing_is_a_dash_and_of_a_short_value_only_stars() -> None:
    assert mask(None) == "—"
    assert mask("") == "—"
    assert mask("35132047") == "****"


# ---------------------------------------------------------------------------------------------
# One example per NIK problem


def test_a_valid_nik_has_no_problems() -> None:
    assert check_nik(WOMAN_1985, birth_date=date(1985, 3, 7), sex="2", today=TODAY) == []


@pytest.mark.parametrize("raw", [None, "", " ", math.nan])
def test_an_empty_nik_is_reported_as_empty(raw: object) -> None:
    assert nik_codes(raw) == ["NIK_EMPTY"]


def test_a_nik_excel_turned_into_scientific_notation_is_reported_as_mangled() -> None:
    assert nik_codes("3.51320E+15") == ["NIK_NUMBER_MANGLED"]
    assert nik_codes(3.5132047038500012e16) == ["NIK_NUMBER_MANGLED"]  # str() gives '...e+16'


def test_a_letter_o_instead_of_a_zero_is_reported_as_not_digits() -> None:
    [problem] = check_nik("351320470385000O", today=TODAY)
    assert problem.code == "NIK_NOT_DIGITS"
    assert "'O'" in problem.message_id


def test_a_nik_with_fifteen_digits_says_how_many_it_has() -> None:
    [problem] = check_nik(WOMAN_1985[:15], today=TODAY)
    assert problem.code == "NIK_LENGTH"
    assert problem.message_id == "NIK harus 16 angka (tertulis 15 angka)"
    assert problem.message_en == "The NIK must have 16 digits (found 15)"


def test_a_structural_failure_is_the_only_problem_reported() -> None:
    assert nik_codes("0000000000000", birth_date=date(1985, 3, 7), sex="1") == ["NIK_LENGTH"]


def test_an_unknown_province_is_a_region_error() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 0, "99")) == ["NIK_REGION_UNKNOWN"]


def test_an_unknown_kecamatan_in_a_known_province_is_a_region_error() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 0, "351399")) == ["NIK_REGION_UNKNOWN"]


def test_a_papua_code_from_before_the_2022_split_cannot_be_checked() -> None:
    [problem] = check_nik(with_digits(WOMAN_1985, 0, OLD_MERAUKE), today=TODAY)
    assert (problem.code, problem.severity) == ("NIK_REGION_UNCHECKABLE", "warning")
    assert "tidak dapat diperiksa" in problem.message_id


def test_a_papua_code_that_still_exists_is_checked_normally() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 0, SENTANI)) == []


def test_the_recoded_provinces_include_papua_and_papua_barat() -> None:
    assert {"91", "92"} <= RECODED_PROVINCES


def test_february_the_thirtieth_is_an_invalid_date() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 6, "700285")) == ["NIK_DATE_INVALID"]


def test_a_day_between_thirty_one_and_forty_one_is_an_invalid_date() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 6, "350385")) == ["NIK_DATE_INVALID"]


def test_a_birth_date_after_today_is_reported() -> None:
    assert nik_codes(make_nik(TEGALSIWALAN, date(2025, 7, 1), "1", 1)) == ["NIK_DATE_FUTURE"]


def test_a_zero_serial_is_reported() -> None:
    assert nik_codes(with_digits(WOMAN_1985, 12, "0000")) == ["NIK_SERIAL_ZERO"]


def test_a_stated_birth_date_that_differs_is_reported() -> None:
    [problem] = check_nik(WOMAN_1985, birth_date=date(1985, 3, 8), today=TODAY)
    assert problem.code == "NIK_BIRTHDATE_MISMATCH"
    assert "07-03-1985" in problem.message_id and "08-03-1985" in problem.message_id


def test_only_day_month_and_the_last_two_year_digits_are_compared() -> None:
    centenarian = make_nik(TEGALSIWALAN, date(1925, 3, 7), "1", 1)  # its '25' reads as 2025
    assert nik_codes(centenarian, birth_date=date(1925, 3, 7)) == []


def test_a_stated_sex_that_differs_is_reported() -> None:
    [problem] = check_nik(WOMAN_1985, sex="1", today=TODAY)
    assert problem.code == "NIK_SEX_MISMATCH"
    assert "Perempuan" in problem.message_id and "Laki-laki" in problem.message_id


def test_a_stated_sex_label_instead_of_a_code_is_refused() -> None:
    with pytest.raises(ValueError):
        check_nik(WOMAN_1985, sex="P", today=TODAY)


def test_every_problem_after_the_structure_is_reported_in_digit_order() -> None:
    nik = with_digits(with_digits(WOMAN_1985, 0, "99"), 12, "0000")
    codes = nik_codes(nik, birth_date=date(1990, 1, 1), sex="1")
    assert codes == [
        "NIK_REGION_UNKNOWN",
        "NIK_SERIAL_ZERO",
        "NIK_BIRTHDATE_MISMATCH",
        "NIK_SEX_MISMATCH",
    ]


# ---------------------------------------------------------------------------------------------
# One example per KK problem


def test_a_valid_kk_has_no_problems() -> None:
    assert check_kk(KK_2015, today=TODAY) == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "KK_EMPTY"),
        ("3,51320E+15", "KK_NUMBER_MANGLED"),
        ("35132OO703150003", "KK_NOT_DIGITS"),
        (KK_2015 + "1", "KK_LENGTH"),
        (with_digits(KK_2015, 0, "99"), "KK_REGION_UNKNOWN"),
        (with_digits(KK_2015, 0, OLD_MERAUKE), "KK_REGION_UNCHECKABLE"),
        (with_digits(KK_2015, 6, "470315"), "KK_DATE_INVALID"),  # no +40 on a KK
        (make_kk(TEGALSIWALAN, date(2025, 12, 1), 3), "KK_DATE_FUTURE"),
        (with_digits(KK_2015, 12, "0000"), "KK_SERIAL_ZERO"),
    ],
)
def test_each_kk_problem_is_reported_by_its_own_code(raw: object, code: str) -> None:
    assert kk_codes(raw) == [code]


# ---------------------------------------------------------------------------------------------
# The catalogue of problems


def test_every_problem_has_a_severity_and_indonesian_and_english_text() -> None:
    for code, (severity, message_id, message_en) in PROBLEMS.items():
        assert severity in ("error", "warning"), code
        assert message_id and message_en and message_id != message_en, code


def test_the_nik_and_kk_share_the_structural_and_region_codes() -> None:
    shared = ["EMPTY", "NUMBER_MANGLED", "NOT_DIGITS", "LENGTH", "REGION_UNKNOWN"]
    shared += ["REGION_UNCHECKABLE", "DATE_INVALID", "DATE_FUTURE", "SERIAL_ZERO"]
    assert {f"{prefix}_{code}" for prefix in ("NIK", "KK") for code in shared} <= set(PROBLEMS)
    assert {"NIK_BIRTHDATE_MISMATCH", "NIK_SEX_MISMATCH"} <= set(PROBLEMS)


def test_describe_leaves_out_the_value_details() -> None:
    assert describe("NIK_LENGTH").message_id == "NIK harus 16 angka"
    assert "{" not in describe("NIK_SEX_MISMATCH").message_en


@pytest.mark.parametrize(
    "nik",
    [
        with_digits(with_digits(WOMAN_1985, 0, OLD_MERAUKE), 12, "0000"),
        with_digits(WOMAN_1985, 0, "99"),
        with_digits(WOMAN_1985, 6, "700285"),
        make_nik(TEGALSIWALAN, date(2025, 7, 1), "2", 1),
        "3513204703850001" + "9",
        "3513204703850O01",
    ],
)
def test_no_message_repeats_the_full_number(nik: str) -> None:
    for problem in check_nik(nik, birth_date=date(1990, 1, 1), sex="1", today=TODAY):
        assert nik not in problem.message_id and nik not in problem.message_en
        assert nik[:16] not in problem.message_id.replace("-", "").replace(".", "")


# ---------------------------------------------------------------------------------------------
# The vectorised twin, by example


def test_the_vectorised_check_gives_a_list_of_codes_per_row() -> None:
    frame = pl.DataFrame(
        {
            "nik": [WOMAN_1985, " '3.51320e+15", None, with_digits(MAN_1985, 12, "0000")],
            "birth": [date(1985, 3, 7), None, None, date(1985, 3, 7)],
            "sex": ["2", None, "1", "2"],
        }
    )
    codes = frame.select(
        nik_problems_expr(
            normalize_number_expr(pl.col("nik")), pl.col("birth"), pl.col("sex"), today=TODAY
        )
    ).to_series()
    assert codes.dtype == pl.List(pl.String)
    assert codes.to_list() == [
        [],
        ["NIK_NUMBER_MANGLED"],
        ["NIK_EMPTY"],
        ["NIK_SERIAL_ZERO", "NIK_SEX_MISMATCH"],
    ]


EDGE_CASES = [
    with_digits(MAN_1985, 6, "290200"),  # 29 Feb 2000: a leap day (divisible by 400)
    with_digits(MAN_1985, 6, "690296"),  # a woman born on 29 Feb 1996
    with_digits(MAN_1985, 6, "290297"),  # 1997 has no 29 February
    with_digits(MAN_1985, 6, "310485"),  # April has 30 days
    with_digits(MAN_1985, 6, "000185"),  # day 00
    with_digits(MAN_1985, 6, "400185"),  # day 40: neither a man's nor a woman's day
    with_digits(MAN_1985, 6, "720185"),  # day 72 = 32 for a woman
    with_digits(MAN_1985, 6, "010085"),  # month 00
    with_digits(MAN_1985, 6, "011385"),  # month 13
    with_digits(MAN_1985, 6, "300625"),  # today
    with_digits(MAN_1985, 6, "010725"),  # tomorrow
    with_digits(MAN_1985, 6, "010726"),  # 1926, not 2026
    with_digits(MAN_1985, 6, "070325"),  # 7 March 2025, stated as 1925 below: the same digits
    with_digits(WOMAN_1985, 0, OLD_MERAUKE),
    with_digits(WOMAN_1985, 0, "930101"),  # a new Papua province: its codes are all current
    with_digits(WOMAN_1985, 0, "990000"),
    with_digits(WOMAN_1985, 12, "0000"),
    "3.51320E+15",
    "351320470385000١",  # an Arabic-Indic digit is not a digit here
    "",
    None,
]


@pytest.mark.parametrize("raw", EDGE_CASES)
@pytest.mark.parametrize("sex", [None, "1", "2"])
@pytest.mark.parametrize("birth_date", [date(2000, 2, 29), date(1925, 3, 7)])
def test_scalar_and_vectorised_agree_on_the_edge_cases(
    raw: str | None, sex: str | None, birth_date: date
) -> None:
    frame = pl.DataFrame({"nik": [raw], "birth": [birth_date], "sex": [sex]})
    frame = frame.with_columns(pl.col("nik", "sex").cast(pl.String))
    [vectorised] = frame.select(
        nik_problems_expr(
            normalize_number_expr(pl.col("nik")), pl.col("birth"), pl.col("sex"), today=TODAY
        )
    ).to_series()
    [kk_vectorised] = frame.select(
        kk_problems_expr(normalize_number_expr("nik"), today=TODAY)
    ).to_series()
    scalar = nik_codes(raw, birth_date=birth_date, sex=sex)
    assert scalar == vectorised.to_list()
    assert kk_codes(raw) == kk_vectorised.to_list()


# ---------------------------------------------------------------------------------------------
# Properties

kecamatan_codes = st.sampled_from(sorted(TABLE.kecamatan_digits))
# Dates whose two year digits read back to the same year on TODAY, and not in the future.
birth_dates = st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["1", "2"])
serials = st.integers(min_value=1, max_value=9999)


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, date, str]:
    birth_date, sex = draw(birth_dates), draw(sexes)
    return make_nik(draw(kecamatan_codes), birth_date, sex, draw(serials)), birth_date, sex


@st.composite
def one_digit_changed(
    draw: st.DrawFn, number: str, positions: range = range(16)
) -> tuple[str, int]:
    position = draw(st.sampled_from(positions))
    digit = draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    return with_digits(number, position, digit), position


@settings(max_examples=1000)
@given(valid_niks())
def test_every_nik_built_from_a_real_kecamatan_and_date_is_valid(
    case: tuple[str, date, str],
) -> None:
    nik, birth_date, sex = case
    assert check_nik(nik, birth_date=birth_date, sex=sex, today=TODAY) == []
    parts = parse_nik(nik, today=TODAY)
    assert parts is not None and (parts.birth_date, parts.sex) == (birth_date, sex)


@settings(max_examples=1000)
@given(kecamatan_codes, st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY), serials)
def test_every_kk_built_from_a_real_kecamatan_and_date_is_valid(
    region6: str, issue_date: date, serial: int
) -> None:
    assert check_kk(make_kk(region6, issue_date, serial), today=TODAY) == []


def _region_change_is_explained(corrupted: str, codes: list[str]) -> bool:
    """Another existing kecamatan, or a re-coded province that honestly cannot be checked."""
    region6, province = corrupted[:6], corrupted[:2]
    if region6 in TABLE.kecamatan_digits:
        return codes == []
    if province in TABLE.province_digits and province in RECODED_PROVINCES:
        return codes == ["NIK_REGION_UNCHECKABLE"]
    return False


@settings(max_examples=1000)
@given(st.data(), valid_niks())
def test_a_one_digit_typo_is_caught_or_explained(
    data: st.DataObject, case: tuple[str, date, str]
) -> None:
    """With the record's own birth date and sex stated, every typo is either an error on the part
    it touched, or leaves a number that is valid for a reason we can name."""
    nik, birth_date, sex = case
    corrupted, position = data.draw(one_digit_changed(nik))
    problems = check_nik(corrupted, birth_date=birth_date, sex=sex, today=TODAY)
    codes = [problem.code for problem in problems]
    errors = {problem.code for problem in problems if problem.is_error}
    parts = parse_nik(corrupted, today=TODAY)
    if position < 6:  # the region: unknown, or another real kecamatan
        assert codes == ["NIK_REGION_UNKNOWN"] or _region_change_is_explained(corrupted, codes)
    elif position < 12:  # the date: with the stated date and sex, always caught
        assert errors and errors <= NIK_DATE_CODES
        if parts is None:
            assert "NIK_DATE_INVALID" in errors
        else:
            assert (parts.birth_date != birth_date) == ("NIK_BIRTHDATE_MISMATCH" in errors)
            assert (parts.sex != sex) == ("NIK_SEX_MISMATCH" in errors)
    elif corrupted[12:] == "0000":  # the serial: only a zero serial is wrong
        assert codes == ["NIK_SERIAL_ZERO"]
    else:
        assert codes == [] and parts is not None
        assert parts.serial != nik[12:] and parts.region6 == nik[:6]


@settings(max_examples=1000)
@given(st.data(), valid_niks())
def test_a_date_typo_without_a_stated_date_is_caught_or_reads_as_another_real_date(
    data: st.DataObject, case: tuple[str, date, str]
) -> None:
    nik, birth_date, sex = case
    corrupted, _ = data.draw(one_digit_changed(nik, range(6, 12)))
    codes = nik_codes(corrupted)
    parts = parse_nik(corrupted, today=TODAY)
    if codes:
        assert set(codes) <= {"NIK_DATE_INVALID", "NIK_DATE_FUTURE"}
    else:
        assert parts is not None and (parts.birth_date, parts.sex) != (birth_date, sex)


# --- scalar and vectorised agree ---------------------------------------------------------------

separators = st.sampled_from([" ", ".", "-", "'", "\u00a0", "\u2013", ".0", "e+15", ",", "O"])


@st.composite
def messy(draw: st.DrawFn, number: str) -> str:
    """The number with spreadsheet debris put in at random places."""
    chars = list(number)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        chars.insert(draw(st.integers(min_value=0, max_value=len(chars))), draw(separators))
    return "".join(chars)


@st.composite
def corrupted_niks(draw: st.DrawFn) -> str:
    nik, _, _ = draw(valid_niks())
    return draw(one_digit_changed(nik))[0]


provinces = st.sampled_from(sorted(TABLE.province_digits | {"00", "99"}))
random_numbers = st.builds(
    lambda province, rest: province + rest, provinces, st.from_regex(r"[0-9]{14}", fullmatch=True)
)
raw_numbers = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.text(alphabet="0123456789 .-'eE+,", max_size=20),
    st.from_regex(r"[0-9]{0,20}", fullmatch=True),
    st.from_regex(r"[1-9][.,][0-9]{1,6}[eE][+]?1[4-6]", fullmatch=True),
    random_numbers,
    valid_niks().map(lambda case: case[0]),
    corrupted_niks(),
    valid_niks().flatmap(lambda case: messy(case[0])),
)
stated_dates = st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
stated_sexes = st.sampled_from([None, "1", "2"])


def _a_century_apart(day: date) -> list[date]:
    """The same DD-MM-YY a century earlier or later (only the last two year digits count)."""
    days = [day]
    for years in (-100, 100):
        with suppress(ValueError):  # 29 February of a year that is not a leap year
            days.append(day.replace(year=day.year + years))
    return days


@st.composite
def rows_with_their_own_stated_values(draw: st.DrawFn) -> tuple[str, date | None, str | None]:
    """A valid NIK with its own birth date and sex, perhaps a century off, or not stated."""
    nik, birth_date, sex = draw(valid_niks())
    stated_date = draw(st.sampled_from([None, *_a_century_apart(birth_date)]))
    return nik, stated_date, draw(st.sampled_from([None, sex]))


nik_rows = st.one_of(
    st.tuples(raw_numbers, stated_dates, stated_sexes), rows_with_their_own_stated_values()
)
todays = st.just(TODAY) | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
AGREEMENT = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@AGREEMENT
@given(st.lists(nik_rows, min_size=1, max_size=25), todays)
def test_scalar_and_vectorised_nik_checks_agree(
    rows: list[tuple[str | None, date | None, str | None]], today: date
) -> None:
    frame = pl.DataFrame(
        rows, schema={"nik": pl.String, "birth": pl.Date, "sex": pl.String}, orient="row"
    )
    nik = normalize_number_expr(pl.col("nik"))
    vectorised = frame.select(
        stated=nik_problems_expr(nik, pl.col("birth"), pl.col("sex"), today=today),
        bare=nik_problems_expr(nik, today=today),
    )
    for (raw, birth_date, sex), stated, bare in zip(rows, *vectorised.get_columns(), strict=True):
        scalar = check_nik(raw, birth_date=birth_date, sex=sex, today=today)
        assert [p.code for p in scalar] == stated.to_list(), raw
        assert [p.code for p in check_nik(raw, today=today)] == bare.to_list(), raw


@AGREEMENT
@given(st.lists(raw_numbers, min_size=1, max_size=25), todays)
def test_scalar_and_vectorised_kk_checks_agree(rows: list[str | None], today: date) -> None:
    frame = pl.DataFrame({"kk": rows}, schema={"kk": pl.String})
    vectorised = frame.select(kk_problems_expr(normalize_number_expr(pl.col("kk")), today=today))
    for raw, codes in zip(rows, vectorised.to_series(), strict=True):
        assert [p.code for p in check_kk(raw, today=today)] == codes.to_list(), raw


@AGREEMENT
@given(st.lists(raw_numbers, min_size=1, max_size=25))
def test_scalar_and_vectorised_normalisation_agree(rows: list[str | None]) -> None:
    frame = pl.DataFrame({"raw": rows}, schema={"raw": pl.String})
    vectorised = frame.select(normalize_number_expr(pl.col("raw"))).to_series().to_list()
    assert [normalize_number(raw) for raw in rows] == vectorised


@settings(max_examples=1000)
@given(raw_numbers)
def test_normalising_twice_changes_nothing(raw: str | None) -> None:
    once = normalize_number(raw)
    assert normalize_number(once) == once


@settings(max_examples=1000)
@given(st.text(alphabet="0123456789", min_size=9, max_size=30))
def test_a_masked_number_never_shows_more_than_eight_digits(number: str) -> None:
    masked = mask(number)
    assert sum(char.isdigit() for char in masked) == 8 and len(masked) == len(number)
