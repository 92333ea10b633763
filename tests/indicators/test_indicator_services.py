"""Loading, importing and saving indicator values: idempotent, all-or-nothing, audited."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from indicator_helpers import GOOD_ROW, HEADER

from tepat.audit.models import AuditEvent
from tepat.indicators import selectors, services
from tepat.indicators.models import Observation, Target
from tepat.verification.errors import RuleError


def test_loading_the_packaged_series_twice_adds_nothing(loaded):
    assert loaded.added == 52 and loaded.targets_added == 6
    events = AuditEvent.objects.filter(action="indicators.packaged.loaded").count()
    again = services.load_packaged()
    assert (again.added, again.changed, again.targets_added) == (0, 0, 0)
    assert again.unchanged == 52
    assert Observation.objects.count() == 52 and Target.objects.count() == 6
    assert AuditEvent.objects.filter(action="indicators.packaged.loaded").count() == events == 1


def test_the_headline_has_the_articles_numbers_and_the_latest_p0(loaded):
    head = selectors.headline(as_of=2026)
    assert head.extreme.latest.value == pytest.approx(2.28)
    assert head.extreme.step.old == pytest.approx(3.18)
    assert head.extreme.step.change.pp == pytest.approx(-0.90)
    assert "unverified" in head.extreme.latest.flags
    assert head.p0.latest.year == 2024 and head.p0.latest.value == pytest.approx(16.45)
    assert head.p0.step.from_year == 2023
    assert {g.target.year for g in head.extreme.gaps} == {2024, 2026}
    assert all(g.met is False for g in head.extreme.gaps)


def test_the_overview_flags_the_2024_poor_persons_conflict(loaded):
    series = {s.indicator: s for s in selectors.overview(as_of=2026)}
    persons = series["poor_persons"]
    [text] = persons.conflicts
    assert "197.110" in text and "191.110" in text
    point_2024 = [p for p in persons.points if p.year == 2024][0]
    assert "conflict" in point_2024.flags
    p1_2025 = [p for p in series["p1_poverty_gap_index"].points if p.year == 2025][0]
    assert set(p1_2025.flags) == {"unverified", "year_inferred"}


def test_comparison_series_are_jawa_timur_and_indonesia(loaded):
    regions = {s.region_code: s for s in selectors.comparison("p0_percent_poor")}
    assert set(regions) == {"35", "ID"}
    assert [p.value for p in regions["ID"].points] == [9.54, 9.36, 9.03, 8.47]


def test_importing_a_file_adds_its_rows_once(db, users, write_csv):
    path = write_csv([GOOD_ROW])
    report = services.import_observations(users.admin, path)
    assert report.ok and report.added == 1
    saved = Observation.objects.get()
    assert float(saved.value) == pytest.approx(15.98) and saved.month == 3
    assert saved.line == "national" and saved.created_by == users.admin
    again = services.import_observations(users.admin, path)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 1)
    assert AuditEvent.objects.filter(action="indicators.imported").count() == 1


def test_importing_an_xlsx_reads_the_same_columns(db, users, tmp_path):
    import xlsxwriter

    path = tmp_path / "nilai.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [*GOOD_ROW[:5], 15.98, *GOOD_ROW[6:]])
    book.close()
    report = services.import_observations(users.admin, path)
    assert report.ok, [str(p) for p in report.problems]
    assert float(Observation.objects.get().value) == pytest.approx(15.98)


@pytest.mark.parametrize(("change", "row", "column", "says"), [
    ({"header": [h if h != "value" else "nilai_persen" for h in HEADER]}, 1, "value",
     "kolom value tidak ada"),
    ({"value": "17,1x"}, 3, "value", "bukan angka"),
    ({"indicator": "p9_unknown"}, 3, "indicator", "indikator tidak dikenal"),
    ({"year": ""}, 3, "year", "tahun harus empat angka"),
])
def test_a_bad_file_names_row_and_column_and_writes_nothing(db, users, write_csv, change, row,
                                                            column, says):
    header = change.pop("header", HEADER)
    bad = list(GOOD_ROW)
    for name, value in change.items():
        bad[HEADER.index(name)] = value
    second = [*GOOD_ROW[:2], "2024", *GOOD_ROW[3:]]
    path = write_csv([second, bad], header=header)
    report = services.import_observations(users.admin, path)
    assert not report.ok
    [problem] = report.problems
    assert (problem.row, problem.column) == (row, column)
    assert says in problem.message_id
    assert f"baris {row}" in problem.message_id and f"row {row}" in problem.message_en
    assert "nilai.csv" in problem.message_id
    assert Observation.objects.count() == 0
    assert not AuditEvent.objects.filter(action="indicators.imported").exists()


def test_only_the_admin_kabupaten_writes_indicators(db, users, write_csv):
    with pytest.raises(RuleError):
        services.import_observations(users.pimpinan, write_csv([GOOD_ROW]))
    with pytest.raises(RuleError):
        services.save_target(users.operator_kecamatan, {})
    assert Observation.objects.count() == 0


def test_a_value_on_the_wrong_poverty_line_is_refused(db, users):
    data = {"region_code": "35.13", "region_name": "Kabupaten Probolinggo",
            "indicator": "extreme_poverty_percent", "year": 2025, "month": 3, "value": "1.5",
            "unit": "percent", "line": "national", "source": "BPS", "url": "",
            "source_kind": "BPS publication", "flags": "", "note": ""}
    with pytest.raises(RuleError) as refused:
        services.save_observation(users.admin, data)
    assert refused.value.problems[0][0] == "line"
    data["line"] = ""  # default by year: 2025 is on USD 2.15 (2017 PPP)
    saved = services.save_observation(users.admin, data)
    assert saved.line == "extreme_215_2017ppp"
    event = AuditEvent.objects.get(action="indicators.observation.saved")
    assert event.object_id == str(saved.pk) and event.actor == users.admin


def test_computed_fgt_rows_are_kept_out_of_the_official_series(loaded, users):
    from tepat.core.indicators import Household, fgt_by_region

    results = fgt_by_region([Household("35.13.20", 400_000), Household("35.13.20", 900_000)],
                            514_274)
    report = services.save_fgt(users.admin, results, year=2030, source="uji.csv",
                               region_names={"35.13.20": "Tegalsiwalan"})
    assert report.added == 4
    again = services.save_fgt(users.admin, results, year=2030, source="uji.csv",
                              region_names={"35.13.20": "Tegalsiwalan"})
    assert again.added == 0 and again.unchanged == 4
    table = selectors.fgt_table()
    assert table.year == 2030 and table.rows[0].p0 == pytest.approx(50.0)
    assert all(2030 not in [p.year for p in s.points] for s in selectors.overview())


def test_the_show_command_prints_json_with_changes_and_gaps(loaded):
    out = StringIO()
    call_command("indicators", "show", "--format", "json", "--as-of", "2026", stdout=out)
    series = {s["indicator"]: s for s in json.loads(out.getvalue())}
    p0 = series["p0_percent_poor"]
    step = [st for st in p0["segments"][0]["steps"] if st["to_year"] == 2023][0]
    assert step["change"] == pytest.approx(0.07) and step["change_unit"] == "pp"
    assert step["relative_pct"] == pytest.approx(0.4089, abs=1e-3)
    assert step["label"] == "+0.07 pp (+0.41% relatif)"
    gap = [g for g in p0["gaps"] if g["target_year"] == 2024][0]
    assert gap["gap"] == pytest.approx(0.45) and gap["met"] is False
    extreme = series["extreme_poverty_percent"]
    assert extreme["segments"][0]["line"] == "extreme_190_2011ppp"
    assert extreme["segments"][0]["steps"][0]["label"] == "-0.90 pp (-28.30% relatif)"


def test_the_fgt_command_reads_a_household_file_and_saves_when_asked(regions, users, tmp_path):
    path = tmp_path / "rumah_tangga.csv"
    path.write_text("kode_desa,pengeluaran_per_kapita,bobot,jumlah_art\n"
                    "35.13.20.2001,50,2,3\n35.13.20.2002,120,1,4\n35.13.01.2001,80,1,1\n")
    out = StringIO()
    call_command("indicators", "fgt", str(path), "--line", "100", "--format", "json",
                 "--year", "2024", "--save", "--user", users.admin.username, stdout=out)
    text = out.getvalue()
    results = json.loads(text[:text.rindex("]") + 1])
    by = {r["region"]: r for r in results}
    assert by["35.13.20"]["p0"] == pytest.approx(60.0)
    assert by["35.13.20"]["p1"] == pytest.approx(30.0)
    assert by["35.13.01"]["p2"] == pytest.approx(4.0)
    assert by["35.13"]["persons"] == pytest.approx(11)
    saved = Observation.objects.filter(region_code="35.13.20", indicator="p0_percent_poor").get()
    assert saved.flag_list == ["computed"] and "rumah_tangga.csv" in saved.source


def test_the_fgt_command_names_the_bad_cell(db, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "rt.csv"
    path.write_text("region,consumption\n35.13.20,100\n35.13.20,abc\n")
    with pytest.raises(CommandError, match="baris 3 kolom consumption"):
        call_command("indicators", "fgt", str(path), "--line", "100", stdout=StringIO())


def test_the_demo_loads_series_and_synthetic_fgt_per_kecamatan(regions, users):
    from tepat.indicators import demo

    demo.build(users.admin, households=3_000, echo=lambda _text: None)
    table = selectors.fgt_table()
    assert len(table.rows) == 24 and table.synthetic
    assert Target.objects.count() == 6
    demo.build(users.admin, households=3_000, echo=lambda _text: None)
    assert Observation.objects.filter(flags__contains="computed").count() == 24 * 4
