"""Progress and list shrink (issue 3 §4): figures per area against hand counts, the schedule
rule, and the command line and Excel outputs.

The `progressed` campaign (P3KE desil 1 of the registry fixture, 4 keluarga / 9 jiwa):

    Kec. Tegalsiwalan  Desa Malesanwetan  Sutrisno (3 jiwa)  MAMPU, submitted and approved
                                          Misnati  (2 jiwa)  LAYAK, submitted
                                          + usulan baru Wagiman (1 jiwa), submitted
                       Desa Gunungbekel   Siti Aminah (2)    PINDAH, only a draft (pending)
    Kec. Sukapura      Desa Ngadisari     Poniti (2)         nothing yet
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command

TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
# The campaign fixture opens on 2024-03-01 and closes on 2024-04-15 (45 days).
MID_CAMPAIGN = date(2024, 3, 23)  # 22 of 45 days: 48.9 % expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def progressed(campaign, registry, users, verification_of):
    from tepat.verification import services as s

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    siti = registry.families[GUNUNGBEKEL][0]
    v = s.save_verification(verification_of(sutrisno).pk, s.Findings(outcome="MAMPU",
                            reason="ASN"), actor=users.operator_desa, expected_version=0,
                            submit=True)
    s.save_verification(verification_of(misnati).pk, s.Findings(outcome="LAYAK"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.save_verification(verification_of(siti).pk, s.Findings(outcome="PINDAH"),
                        actor=users.operator_desa_sibling, expected_version=0)
    s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    s.propose_family(campaign, MALESANWETAN, s.NewFamily(
        kepala_keluarga="Wagiman", members=[{"nama": "Wagiman", "nik": "", "hubungan": "1",
                                             "jenis_kelamin": "1",
                                             "tanggal_lahir": "1970-01-01"}]),
        actor=users.operator_desa, submit=True)
    campaign.refresh_from_db()
    return campaign


def _rows(campaign, level, **kwargs):
    from tepat.verification import reporting

    return {row.code: row for row in reporting.area_rows(campaign, level, **kwargs)}


def test_kecamatan_figures_match_the_hand_counts_in_both_units(progressed):
    rows = _rows(progressed, "kecamatan", today=MID_CAMPAIGN)
    assert set(rows) == {TEGALSIWALAN, SUKAPURA}
    teg = rows[TEGALSIWALAN]
    assert (teg.name, teg.level, teg.parent_code) == ("Tegalsiwalan", "kecamatan", "35.13")
    f = teg.figures.as_dict()
    assert (f["in_scope_keluarga"], f["in_scope_jiwa"]) == (3, 7)
    assert (f["verified_keluarga"], f["verified_jiwa"]) == (2, 5)
    assert (f["approved_keluarga"], f["approved_jiwa"]) == (1, 3)
    assert (f["submitted_keluarga"], f["submitted_jiwa"]) == (1, 2)
    assert (f["pending_keluarga"], f["pending_jiwa"]) == (1, 2)  # the draft is still pending
    assert (f["removed_keluarga"], f["removed_jiwa"]) == (1, 3)
    assert (f["still_target_keluarga"], f["still_target_jiwa"]) == (1, 2)
    assert f["outcome_pindah_keluarga"] == 0  # drafts are not counted as outcomes
    assert f["progress_pct_keluarga"] == pytest.approx(200 / 3)
    assert f["progress_pct_jiwa"] == pytest.approx(500 / 7)
    assert f["reduction_pct_keluarga"] == pytest.approx(100 / 3)
    assert f["reduction_pct_jiwa"] == pytest.approx(300 / 7)
    assert f["provisional"] is True
    sukapura = rows[SUKAPURA].figures
    assert (sukapura.in_scope.keluarga, sukapura.pending.jiwa) == (1, 2)
    assert sukapura.progress_pct_keluarga == 0


def test_desa_figures_count_proposals_apart_from_the_baseline(progressed):
    rows = _rows(progressed, "desa", today=MID_CAMPAIGN)
    assert set(rows) == {MALESANWETAN, GUNUNGBEKEL, NGADISARI}
    desa = rows[MALESANWETAN]
    assert (desa.name, desa.parent_code, desa.parent_name) == (
        "Malesanwetan", TEGALSIWALAN, "Tegalsiwalan")
    f = desa.figures
    assert (f.in_scope.keluarga, f.in_scope.jiwa) == (2, 5)  # Wagiman is not in the baseline
    assert (f.proposed.keluarga, f.proposed.jiwa) == (1, 1)
    assert (f.removed.keluarga, f.removed.jiwa) == (1, 3)
    assert f.reduction_pct_keluarga == 50.0 and f.reduction_pct_jiwa == 60.0
    assert f.progress_pct_keluarga == 100.0 and not f.provisional
    assert f.by_outcome["MAMPU"].jiwa == 3 and f.by_outcome["LAYAK"].jiwa == 2


def test_the_kabupaten_row_sums_the_whole_campaign(progressed):
    (row,) = _rows(progressed, "kabupaten", today=MID_CAMPAIGN).values()
    assert (row.code, row.level) == ("35.13", "kabupaten")
    assert "Probolinggo" in row.name
    assert (row.figures.in_scope.keluarga, row.figures.in_scope.jiwa) == (4, 9)
    assert row.figures.progress_pct_keluarga == 50.0
    assert row.figures.reduction_pct_jiwa == pytest.approx(100 / 3)


def test_an_area_filter_keeps_to_that_area(progressed):
    rows = _rows(progressed, "desa", area_code=TEGALSIWALAN, today=MID_CAMPAIGN)
    assert set(rows) == {MALESANWETAN, GUNUNGBEKEL}
    assert set(_rows(progressed, "desa", area_code=NGADISARI)) == {NGADISARI}


def test_the_ranking_puts_the_highest_reduction_first_and_the_slowest_progress_first(
        progressed):
    from tepat.verification import reporting

    rows = list(_rows(progressed, "kecamatan", today=MID_CAMPAIGN).values())
    assert [r.code for r in reporting.ranked_by_reduction(rows)] == [TEGALSIWALAN, SUKAPURA]
    assert [r.code for r in reporting.ranked_by_slowest(rows)] == [SUKAPURA, TEGALSIWALAN]


# --- the schedule -------------------------------------------------------------------------


def test_days_left_and_the_expected_linear_progress(campaign):
    from tepat.verification.reporting import schedule_of

    s = schedule_of(campaign, MID_CAMPAIGN)
    assert (s.days_total, s.days_elapsed, s.days_left, s.days_to_finalize) == (45, 22, 23, 30)
    assert s.expected_pct == pytest.approx(22 / 45 * 100)
    assert schedule_of(campaign, date(2024, 2, 1)).expected_pct == 0
    late = schedule_of(campaign, date(2024, 5, 1))
    assert late.expected_pct == 100 and late.days_left == -16


def test_a_desa_below_the_linear_schedule_is_behind(progressed):
    desa = _rows(progressed, "desa", today=MID_CAMPAIGN)  # 48.9 % expected
    assert not desa[MALESANWETAN].behind  # 100 %
    assert desa[GUNUNGBEKEL].behind and desa[GUNUNGBEKEL].not_started  # a draft only: 0 %
    kecamatan = _rows(progressed, "kecamatan", today=MID_CAMPAIGN)
    assert not kecamatan[TEGALSIWALAN].behind  # 66.7 % > 48.9 %
    later = _rows(progressed, "kecamatan", today=date(2024, 4, 5))  # 35/45 = 77.8 % expected
    assert later[TEGALSIWALAN].behind


def test_nothing_is_behind_on_the_opening_day_or_before(progressed):
    for today in (date(2024, 3, 1), date(2024, 2, 20)):
        desa = _rows(progressed, "desa", today=today)
        assert not any(row.behind for row in desa.values()), today
        assert desa[NGADISARI].not_started  # but it has not started


def test_behind_schedule_lists_the_late_and_the_not_started_slowest_first(progressed):
    from tepat.verification import reporting

    rows = reporting.area_rows(progressed, "desa", today=MID_CAMPAIGN)
    assert {r.code for r in reporting.behind_schedule(rows)} == {GUNUNGBEKEL, NGADISARI}


def test_the_daily_series_follows_the_writes(progressed):
    from tepat.verification import reporting

    days = reporting.daily(progressed)
    assert days[-1].verified.keluarga == 2 and days[-1].in_scope.jiwa == 9
    assert days[-1].progress_pct_keluarga == 50.0
    assert reporting.daily(progressed, SUKAPURA)[-1].verified.keluarga == 0
    with pytest.raises(ValueError):
        reporting.daily(progressed, MALESANWETAN)


# --- the command line ---------------------------------------------------------------------


def _command(campaign, *args: str) -> str:
    out = io.StringIO()
    call_command("campaign", "progress", str(campaign.pk), *args, stdout=out)
    return out.getvalue()


COUNTS = ("in_scope", "pending", "verified", "submitted", "approved", "still_target", "removed",
          "proposed", "proposed_approved", "outcome_layak", "outcome_layak_berubah",
          "outcome_mampu", "outcome_pindah", "outcome_meninggal", "outcome_tidak_ditemukan",
          "outcome_ganda", "progress_pct", "reduction_pct")


@pytest.mark.parametrize("level", ["kabupaten", "kecamatan", "desa"])
def test_json_has_every_field_in_both_units_with_snake_case_names(progressed, level):
    data = json.loads(_command(progressed, "--by", level, "--format", "json"))
    assert data["level"] == level
    assert data["campaign"]["id"] == progressed.pk
    assert data["campaign"]["closes_on"] == "2024-04-15"
    assert "days_left" in data["campaign"] and "behind_schedule_rule" in data["campaign"]
    assert data["rows"] and all(row["level"] == level for row in data["rows"])
    for row in data["rows"]:
        assert {"area_code", "area_name", "level", "provisional"} <= set(row)
        for name in COUNTS:
            assert f"{name}_keluarga" in row and f"{name}_jiwa" in row, name
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in row), list(row)


def test_json_values_are_the_figures(progressed):
    data = json.loads(_command(progressed, "--by", "kecamatan", "--format", "json"))
    teg = next(row for row in data["rows"] if row["area_code"] == TEGALSIWALAN)
    assert teg["area_name"] == "Tegalsiwalan"
    assert (teg["removed_keluarga"], teg["removed_jiwa"]) == (1, 3)
    assert teg["reduction_pct_jiwa"] == pytest.approx(300 / 7)
    assert teg["proposed_keluarga"] == 1 and teg["in_scope_keluarga"] == 3


def test_the_table_names_the_unit_of_every_column(progressed):
    text = _command(progressed, "--by", "desa", "--format", "table")
    header = next(line for line in text.splitlines() if line.startswith("area_code"))
    assert header.count("keluarga") == header.count("jiwa") >= 8
    line = next(line for line in text.splitlines() if line.startswith(GUNUNGBEKEL))
    assert "Gunungbekel" in line and "not_started" in line
    malesanwetan = next(line for line in text.splitlines() if line.startswith(MALESANWETAN))
    assert "50.00" in malesanwetan and "60.00" in malesanwetan


def test_the_table_marks_a_provisional_reduction(progressed):
    text = _command(progressed, "--by", "kecamatan", "--format", "table")
    line = next(line for line in text.splitlines() if line.startswith(TEGALSIWALAN))
    assert "33.33*" in line and "42.86*" in line
    assert "provisional" in text


def test_the_current_campaign_is_used_without_an_id(progressed):
    out = io.StringIO()
    call_command("campaign", "progress", "--by", "kecamatan", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["campaign"]["id"] == progressed.pk


# --- Excel --------------------------------------------------------------------------------


def _workbook(content: bytes):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(content), read_only=True)


def test_the_excel_export_has_a_sheet_per_level_with_units_and_sementara(progressed):
    from tepat.verification.reporting import excel_report

    book = _workbook(excel_report(progressed, "35.13", today=MID_CAMPAIGN))
    assert book.sheetnames == ["Ringkasan", "Kecamatan", "Desa", "Harian"]
    kecamatan = [list(r) for r in book["Kecamatan"].iter_rows(values_only=True)]
    assert "SEMENTARA" in kecamatan[1][0]
    labels, units, fields = kecamatan[3], kecamatan[4], kecamatan[5]
    col = fields.index("removed_jiwa")
    assert units[col] == "jiwa" and units[fields.index("removed_keluarga")] == "keluarga"
    assert units[fields.index("reduction_pct_keluarga")] == "% keluarga"
    assert "sementara" in labels[fields.index("reduction_pct_keluarga")]
    teg = next(r for r in kecamatan[6:] if r[0] == TEGALSIWALAN)
    assert teg[1] == "Tegalsiwalan" and teg[col] == 3
    desa = [r for r in book["Desa"].iter_rows(min_row=7, values_only=True) if r[0]]
    assert {r[0] for r in desa} == {MALESANWETAN, GUNUNGBEKEL, NGADISARI}
    daily = list(book["Harian"].iter_rows(min_row=7, values_only=True))
    assert daily and daily[-1][3] == 2  # verified_keluarga on the last day


def test_a_desa_workbook_holds_its_desa_only(progressed):
    from tepat.verification.reporting import excel_report

    book = _workbook(excel_report(progressed, MALESANWETAN, today=MID_CAMPAIGN))
    assert book.sheetnames == ["Ringkasan", "Desa"]
    desa = [r for r in book["Desa"].iter_rows(min_row=7, values_only=True) if r[0]]
    assert [r[0] for r in desa] == [MALESANWETAN]


def test_a_write_shows_in_the_next_export(progressed, registry, users, verification_of):
    from tepat.verification import services as s
    from tepat.verification.reporting import excel_report

    def removed_in_ngadisari() -> int:
        book = _workbook(excel_report(progressed, "35.13", today=MID_CAMPAIGN))
        rows = list(book["Desa"].iter_rows(min_row=6, values_only=True))
        col = rows[0].index("removed_keluarga")
        return next(r for r in rows[1:] if r[0] == NGADISARI)[col]

    assert removed_in_ngadisari() == 0
    s.save_verification(verification_of(registry.families[NGADISARI][0]).pk,
                        s.Findings(outcome="MENINGGAL"), actor=users.admin,
                        expected_version=0, submit=True)
    assert removed_in_ngadisari() == 1
