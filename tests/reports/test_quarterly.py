"""The quarterly report to Kemendagri: quarter parsing, the list in force, interventions by
strategy and funding source, budget, results per quarter (scene: tests/reports/conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tepat.core.measures import Units
from tepat.reports.quarterly import Quarter, QuarterError, parse_quarter


@pytest.mark.parametrize("text, expected", [
    ("2024Q1", Quarter(2024, 1)), ("2024q4", Quarter(2024, 4)), (" 2025-Q2 ", Quarter(2025, 2)),
])
def test_a_quarter_is_read_from_year_and_number(text, expected):
    assert parse_quarter(text) == expected


@pytest.mark.parametrize("text", ["", "2024", "2024Q5", "2024Q0", "Q1 2024", "24Q1", "1999Q1",
                                  None])
def test_a_bad_quarter_says_what_is_expected_in_both_languages(text):
    with pytest.raises(QuarterError) as caught:
        parse_quarter(text)
    message = str(caught.value)
    assert "2024Q1" in message or "2000" in message
    assert "/" in message  # Indonesian / English


@given(st.integers(2000, 2100), st.integers(1, 4))
def test_quarters_cover_their_year_without_gaps(year, number):
    q = parse_quarter(f"{year}Q{number}")
    assert q.code == f"{year}Q{number}"
    assert q.start.month == 3 * number - 2 and q.start.day == 1
    if number < 4:
        assert (Quarter(year, number + 1).start - q.end).days == 1
    else:
        assert q.end == date(year, 12, 31)


@pytest.mark.django_db
def test_before_the_decree_no_list_is_in_force(scene):
    from tepat.reports.quarterly import quarterly_pack

    pack = quarterly_pack("2024Q1")  # the SK is dated 22 April 2024
    assert pack.target_list is None
    assert pack.notes
    assert pack.quarter_aid.total.interventions == 1  # Poniti's PBI-JK, 10 February


@pytest.mark.django_db
def test_the_second_quarter_against_an_independent_count(scene):
    from tepat.interventions.models import Intervention
    from tepat.reports.quarterly import quarterly_pack
    from tepat.verification.models import TargetListEntry

    pack = quarterly_pack("2024Q2")
    tl = pack.target_list
    assert tl.sk_number == "SK 400/7/2024" and tl.sk_date == date(2024, 4, 22)
    assert {k.code: k.targets for k in tl.kecamatan} == {
        "35.13.01": Units(1, 2), "35.13.20": Units(3, 7)}
    targets = set(TargetListEntry.objects.values_list("family_id", flat=True))
    rows = list(Intervention.objects.filter(
        status="delivered", delivered_on__gte=date(2024, 4, 1),
        delivered_on__lte=date(2024, 6, 30)).values_list(
        "family_id", "programme__strategy", "programme__funding", "amount",
        "family__member_count"))
    for table_rows, index in ((pack.quarter_aid.by_strategy, 1),
                              (pack.quarter_aid.by_funding, 2)):
        for r in table_rows:
            mine = [row for row in rows if row[index] == r.code]
            families = {row[0]: row[4] for row in mine}
            assert r.interventions == len(mine), r.code
            assert r.amount == sum(int(row[3]) for row in mine), r.code
            assert r.reached == Units(len(families), sum(families.values())), r.code
            assert r.reached_targets == len(set(families) & targets), r.code
    beban = next(r for r in pack.quarter_aid.by_strategy if r.code == "BEBAN")
    assert (beban.interventions, beban.amount, beban.reached_targets) == (4, 10_000_000, 2)
    year = pack.year_aid.total
    assert year.interventions == 6 and year.amount == 30_504_000


@pytest.mark.django_db
def test_results_per_quarter_count_served_families_and_met_needs(scene):
    from tepat.reports.quarterly import quarterly_pack

    q1, q2 = quarterly_pack("2024Q2").results
    assert q1.quarter == "2024Q1" and q2.quarter == "2024Q2"
    assert q1.served == Units(1, 2)  # Poniti (PBI-JK in February)
    assert q1.without_intervention == Units(3, 7)
    assert q2.served == Units(3, 7)  # + Sutrisno, Misnati
    assert q2.served_in_quarter == Units(2, 5)
    assert q2.without_intervention == Units(1, 2)  # Siti Aminah
    assert (q1.needs_met, q2.needs_met) == (0, 1)  # Sutrisno's RTLH, met on 5 May


@pytest.mark.django_db
def test_the_budget_sets_the_pagu_against_what_was_delivered(scene, users):
    from decimal import Decimal

    from tepat.interventions.models import Programme
    from tepat.reports.quarterly import quarterly_pack

    Programme.objects.filter(name="Bedah Rumah").update(budget=Decimal(200_000_000))
    rows = {b.programme: b for b in quarterly_pack("2024Q2").budget}
    rtlh = rows["Bedah Rumah"]
    assert (rtlh.budget, rtlh.delivered_year, rtlh.delivered_quarter) == (
        200_000_000, 20_000_000, 20_000_000)
    assert rtlh.realisation_pct == pytest.approx(10.0)
    assert rows["PKH Kabupaten"].realisation_pct is None  # no pagu recorded


@pytest.mark.django_db
def test_the_quarterly_report_names_no_family(scene, registry):
    import dataclasses

    from tepat.reports.quarterly import quarterly_pack

    pack = quarterly_pack("2024Q2")
    text = repr(dataclasses.asdict(pack))
    for family in registry.all_families:
        assert family.kepala_keluarga not in text and family.no_kk not in text
    assert "ekspor daftar sasaran" in pack.attachment_note
