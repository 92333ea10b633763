"""The synthetic consumption survey: reproducible, realistic P0, weights that add up."""

import pytest

from tepat.core.indicators import Household, fgt_by_region
from tepat.synth import consumption
from tepat.synth.geography import desa_table


def test_the_same_seed_gives_the_same_households_and_another_seed_others():
    a = consumption.households(2_000, 7)
    assert a.equals(consumption.households(2_000, 7))
    assert not a.equals(consumption.households(2_000, 8))
    assert a.columns == list(consumption.COLUMNS)


def test_p0_at_the_2023_line_is_close_to_seventeen_percent():
    frame = consumption.households(20_000, 1)
    [total] = [r for r in fgt_by_region((Household(*row) for row in frame.iter_rows()),
                                        consumption.POVERTY_LINE_2023, total="35.13")
               if r.region == "35.13"]
    assert 15.5 < total.p0 < 18.5


def test_weighted_persons_add_up_to_the_synthetic_population():
    frame = consumption.households(10_000, 3)
    persons = (frame["weight"] * frame["size"]).sum()
    population = float(desa_table().persons.sum())
    assert persons == pytest.approx(population, rel=0.05)
    assert frame["region"].n_unique() == 24


def test_poorer_kecamatan_are_poorer():
    frame = consumption.households(20_000, 5)
    by = {r.region: r.p0 for r in fgt_by_region(
        (Household(*row) for row in frame.iter_rows()), consumption.POVERTY_LINE_2023)}
    assert by["35.13.02"] > by["35.13.14"]  # Sumber (highland) vs Kraksaan (the seat)
