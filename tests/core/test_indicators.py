"""The indicator core: FGT by region against hand-computed examples, one value per year from
several sources, segments per poverty line, changes in pp and relative %, gaps to targets."""

import pytest

from tepat.core import indicators as ind
from tepat.core.indicators import Household, Observation, Target


def obs(year, value, *, indicator="p0_percent_poor", line=None, kind="news citing BPS",
        source="Berita", region="35.13", flags=(), month=None):
    line = line or ind.default_line(indicator, year)
    return Observation(region, "Kabupaten Probolinggo", indicator, year, month, value,
                       ind.INDICATORS[indicator].unit, line, source, "", kind, tuple(flags))


# --- FGT ---------------------------------------------------------------------------------------

def test_fgt_of_four_persons_matches_the_textbook():
    rows = [Household("35.13.01", y) for y in (50, 80, 100, 150)]
    [r] = ind.fgt_by_region(rows, 100)
    assert r.p0 == pytest.approx(50.0)
    assert r.p1 == pytest.approx((0.5 + 0.2) / 4 * 100)  # 17.5
    assert r.p2 == pytest.approx((0.25 + 0.04) / 4 * 100)  # 7.25
    assert r.persons == 4 and r.poor_persons == pytest.approx(2)
    # P1 × z × N: the two poor persons lack 50 + 20 = 70 a month
    assert r.transfer_month == pytest.approx(70)
    assert r.transfer_year == pytest.approx(840)


def test_fgt_counts_persons_by_weight_times_household_size():
    # 2 × 3 = 6 persons at 50 (gap 0.5), 1 × 4 = 4 persons at 120 (not poor): N = 10
    rows = [("35.13.20", 50, 2, 3), ("35.13.20", 120, 1, 4)]
    [r] = ind.fgt_by_region(rows, 100)
    assert r.persons == 10 and r.households == 2
    assert r.p0 == pytest.approx(60.0)
    assert r.p1 == pytest.approx(30.0)
    assert r.p2 == pytest.approx(15.0)
    assert r.poor_persons == pytest.approx(6)
    assert r.transfer_month == pytest.approx(6 * 50)  # exactly what the poor lack


def test_fgt_by_region_keeps_regions_apart_and_adds_a_total():
    rows = [Household("35.13.02", 50), Household("35.13.02", 150),
            Household("35.13.01", 100), Household("35.13.01", 200)]
    by = {r.region: r for r in ind.fgt_by_region(rows, 100, total="35.13")}
    assert by["35.13.01"].p0 == 0.0  # y = z is not poor (strictly below the line)
    assert by["35.13.02"].p0 == pytest.approx(50.0)
    assert by["35.13"].p0 == pytest.approx(25.0)
    assert by["35.13"].p1 == pytest.approx(0.5 / 4 * 100)


# --- choosing among sources --------------------------------------------------------------------

def test_conflicting_sources_keep_the_preferred_one_and_record_the_conflict():
    aggregator = obs(2024, 197110, indicator="poor_persons", kind="data aggregator citing BPS",
                     source="Databoks")
    news = obs(2024, 191110, indicator="poor_persons", kind="news citing BPS (mirror)",
               source="KOMPAS.com")
    [kept], conflicts = ind.choose([aggregator, news])
    assert kept.value == 191110 and kept.source == "KOMPAS.com"
    assert ind.CONFLICT in kept.flags
    assert len(conflicts) == 1
    assert "197.110" in conflicts[0] and "191.110" in conflicts[0]


def test_a_bps_document_beats_news_and_aggregators_and_third_parties():
    rows = [obs(2019, 17.70, kind="third-party dataset", source="C"),
            obs(2019, 17.80, kind="data aggregator citing BPS", source="D"),
            obs(2019, 17.90, kind="news citing BPS", source="A"),
            obs(2019, 17.76, kind="BPS publication (third-party copy)", source="B")]
    [kept], conflicts = ind.choose(rows)
    assert kept.source == "B"
    assert len(conflicts) == 1


def test_sources_that_agree_are_no_conflict():
    [kept], conflicts = ind.choose([obs(2012, 22.22, source="A", month=3),
                                    obs(2012, 22.22, source="B")])
    assert conflicts == [] and ind.CONFLICT not in kept.flags
    assert kept.source == "A"  # the one that states its reference month


# --- series ------------------------------------------------------------------------------------

def test_steps_are_in_percentage_points_and_relative_percent_as_in_the_article():
    [p0] = ind.build_series([obs(2022, 17.12), obs(2023, 17.19)], [], "35.13", as_of=2024)
    [step] = p0.segments[0].steps
    assert (step.from_year, step.to_year) == (2022, 2023)
    assert step.change.pp == pytest.approx(0.07)
    assert step.change.relative_pct == pytest.approx(0.409, abs=1e-3)
    # not the article's "+0.7%": 0.07 percentage points, 0.41 % relative
    assert step.change.label() == "+0.07 pp (+0.41% relatif)"
    extreme = [obs(2022, 3.18, indicator="extreme_poverty_percent"),
               obs(2023, 2.28, indicator="extreme_poverty_percent")]
    [series] = ind.build_series(extreme, [], "35.13", as_of=2024)
    [step] = series.segments[0].steps
    assert step.change.pp == pytest.approx(-0.90)
    assert step.change.relative_pct == pytest.approx(-28.30, abs=0.01)


def test_series_on_different_poverty_lines_are_never_joined():
    rows = [obs(2023, 2.28, indicator="extreme_poverty_percent"),
            obs(2024, 0.83, indicator="extreme_poverty_percent"),
            obs(2025, 3.90, indicator="extreme_poverty_percent")]
    [series] = ind.build_series(rows, [], "35.13", as_of=2025)
    assert [s.line for s in series.segments] == [ind.EXTREME_2011, ind.EXTREME_2017]
    assert [p.year for p in series.segments[0].points] == [2023, 2024]
    assert [p.year for p in series.segments[1].points] == [2025]
    assert series.segments[1].steps == ()  # no change computed from 0.83 to 3.90
    assert series.step_to(2025, ind.EXTREME_2017) is None


def test_extreme_indicators_default_their_line_by_year():
    assert ind.default_line("extreme_poverty_percent", 2024) == ind.EXTREME_2011
    assert ind.default_line("extreme_poverty_percent", 2025) == ind.EXTREME_2017
    assert ind.default_line("p0_percent_poor", 2025) == ind.NATIONAL


def test_gaps_compare_the_target_year_value_or_else_the_latest():
    targets = [Target("35.13", "p0_percent_poor", 2024, 16.00, "<=", "daerah", "RPD"),
               Target("ID", "p0_percent_poor", 2029, 5.0, "<", "nasional", "Inpres 8/2025"),
               Target("35.79", "p0_percent_poor", 2024, 3.0, "<=", "daerah", "other")]
    rows = [obs(2023, 17.19), obs(2024, 16.45), obs(2025, 15.90)]
    [series] = ind.build_series(rows, targets, "35.13", as_of=2026)
    by_year = {g.target.year: g for g in series.gaps}
    assert set(by_year) == {2024, 2029}  # another region's local target does not apply
    assert by_year[2024].latest.year == 2024
    assert by_year[2024].gap_pp == pytest.approx(0.45)
    assert by_year[2024].met is False and by_year[2024].years_left == -2
    assert by_year[2029].latest.year == 2025
    assert by_year[2029].gap_pp == pytest.approx(10.90)
    assert by_year[2029].years_left == 3


def test_a_target_at_its_bound_is_met_with_less_or_equal_but_not_with_less():
    at = Target("ID", "extreme_poverty_percent", 2026, 0.0, "<=", "nasional", "x")
    below = Target("ID", "p0_percent_poor", 2029, 5.0, "<", "nasional", "x")
    assert at.satisfied_by(0.0) and not at.satisfied_by(0.01)
    assert not below.satisfied_by(5.0) and below.satisfied_by(4.99)


def test_a_series_has_one_entry_per_indicator_in_code_order():
    rows = [obs(2023, 205020, indicator="poor_persons"), obs(2023, 17.19),
            obs(2023, 2.28, indicator="extreme_poverty_percent")]
    series = ind.build_series(rows, [], "35.13", as_of=2024)
    assert [s.indicator for s in series] == ["p0_percent_poor", "poor_persons",
                                             "extreme_poverty_percent"]
    assert series[1].unit == "jiwa"


# --- numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "decimals", "sign", "text"), [
    (17.19, 2, False, "17,19"), (205020, 0, False, "205.020"), (0.0700000001, 2, True, "+0,07"),
    (-0.9, 2, True, "\u22120,90"), (-28.3018, 1, True, "\u221228,3"), (0.0, 2, True, "±0,00"),
])
def test_numbers_are_written_the_indonesian_way(value, decimals, sign, text):
    assert ind.format_number(value, decimals, sign=sign) == text


def test_relative_changes_get_two_decimals_when_small_and_one_when_large():
    assert ind.relative_decimals(0.41) == 2
    assert ind.relative_decimals(-28.3) == 1
