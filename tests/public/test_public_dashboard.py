"""The public dashboard (issue 5 §4): open to anyone, aggregates per kecamatan, counts below 5
hidden along with what would reveal them; the same tables as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from tepat.core.suppression import recoverable
from tepat.web.metric_maps import METRICS
from tepat.web.public_data import public_summary

TEGALSIWALAN, SUKAPURA, LECES = "35.13.20", "35.13.01", "35.13.05"  # see conftest.py


def _get(url: str, **params):
    response = Client().get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _cells(html: str, table: str) -> dict[tuple[str, str], str]:
    """(row code, column key) -> the text of the cell, from the page's table `table`."""
    body = re.search(rf'<table class="public-table" data-table="{table}">(.*?)</table>', html,
                     re.S).group(1)
    found = {}
    for code, row in re.findall(r'<tr data-code="([^"]+)"[^>]*>(.*?)</tr>', body, re.S):
        for key, text in re.findall(r'<td[^>]*data-col="([^"]+)"[^>]*>([^<]*)</td>', row):
            found[(code, key)] = text
    return found


def _csv(slug: str) -> dict[str, dict[str, str]]:
    text = _get(reverse("public_csv", args=[slug])).content.decode()
    return {row["kode_wilayah"]: row for row in csv.DictReader(io.StringIO(text))}


def test_anyone_opens_the_public_page_without_logging_in(public_world):
    response = _get(reverse("public"))
    html = response.content.decode()
    assert "Progres verifikasi dan penurunan data per kecamatan" in html
    assert "Cakupan intervensi keluarga sasaran per kecamatan" in html
    assert '<html lang="id">' in html
    assert 'action="/keluar/"' not in html  # no logged-in navigation
    assert 'href="/masuk/"' in html


def test_the_page_says_its_figures_are_provisional(public_world):
    assert "angka sementara" in _get(reverse("public")).content.decode()


def test_the_page_may_be_cached_but_not_shared_and_the_csv_may_be_shared(public_world):
    page = _get(reverse("public"))
    assert "max-age=300" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert "Cookie" in page["Vary"]
    export = _get(reverse("public_csv", args=["progres"]))
    assert export["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert export["Content-Type"].startswith("text/csv")


def test_an_unknown_table_is_404(public_world):
    assert Client().get(reverse("public_csv", args=["keluarga"])).status_code == 404


def test_a_kecamatan_with_one_family_is_hidden_entirely(public_world):
    html = _get(reverse("public")).content.decode()
    for table in ("progres", "cakupan"):
        cells = _cells(html, table)
        sukapura = {key: text for (code, key), text in cells.items() if code == SUKAPURA}
        assert sukapura and set(sukapura.values()) == {"*"}, (table, sukapura)
        row = _csv(table)[SUKAPURA]
        assert all(row[key] == "" for key in sukapura)
        assert set(row["disembunyikan"].split(";")) == set(sukapura)


def test_hidden_cells_are_absent_from_the_page_and_the_export(public_world):
    summary = public_summary()
    html = _get(reverse("public")).content.decode()
    for table in summary.tables.values():
        cells, exported = _cells(html, table.slug), _csv(table.slug)
        for row in table.rows:
            for key in row.hidden:
                assert cells[(row.code, key)] == "*"
                assert exported[row.code][key] == ""
        assert any(row.hidden for row in table.rows)  # the fixture exercises suppression


def test_no_hidden_count_follows_from_the_shown_totals(public_world):
    """Rebuild the relations the page shows and solve them: nothing hidden is determined."""
    from tepat.core.suppression import grid_relations

    table = public_summary().progress
    codes = [row.code for row in table.body]
    hidden = {(row.code, key) for row in table.rows for key in row.hidden}
    for unit in ("keluarga", "jiwa"):
        columns = [f"{c}_{unit}" for c in ("in_scope", "verified", "pending", "still_target",
                                           "removed", "proposed")]
        splits = {f"in_scope_{unit}": [f"verified_{unit}", f"pending_{unit}"],
                  f"verified_{unit}": [f"still_target_{unit}", f"removed_{unit}"]}
        assert not recoverable(hidden, grid_relations(codes, "total", columns, splits))


def test_every_count_below_five_is_hidden(public_world):
    for table in public_summary().tables.values():
        for row in table.rows:
            for column in table.columns:
                value = row.cells.get(column.key)
                if not column.rate and value is not None:
                    assert value >= 5, (table.slug, row.code, column.key, value)


def test_the_shown_numbers_equal_the_campaign_figures(public_world):
    from tepat.verification import stats

    figures = stats.figures_by(public_world.campaign, "kecamatan")
    table = public_summary().progress
    assert {row.code for row in table.body} == {TEGALSIWALAN, SUKAPURA, LECES}
    shown = 0
    for row in table.body:
        f = figures[row.code]
        for key, value in row.cells.items():
            if value is None:
                continue
            base, unit = key.rsplit("_", 1)
            if base.endswith("_pct"):
                assert value == pytest.approx(getattr(f, key))
            else:
                assert value == getattr(getattr(f, base), unit), (row.code, key)
            shown += 1
    assert shown >= 10
    total = stats.figures(public_world.campaign)
    assert table.total.cells["in_scope_keluarga"] == total.in_scope.keluarga
    assert table.total.cells["removed_jiwa"] == total.removed.jiwa
    assert table.total.cells["reduction_pct_keluarga"] == pytest.approx(
        total.reduction_pct_keluarga)


def test_tegalsiwalan_is_shown_by_hand(public_world):
    row = public_summary().progress.row(TEGALSIWALAN)
    # 23 keluarga in scope; 17 verified (7 MAMPU, 10 LAYAK); 6 pending
    assert row.cells["in_scope_keluarga"] == 23
    assert row.cells["verified_keluarga"] == 17 and row.cells["removed_keluarga"] == 7
    assert row.cells["progress_pct_keluarga"] == pytest.approx(17 / 23 * 100)


def test_the_coverage_table_splits_targets_into_served_and_not(public_world):
    table = public_summary().coverage
    total = table.total.cells
    assert total["targets_keluarga"] == 32
    assert total["served_keluarga"] == 8
    assert total["served_keluarga"] + total["not_served_keluarga"] == total["targets_keluarga"]


def test_the_map_follows_the_metric_and_hides_what_the_tables_hide(public_world):
    for code, label in METRICS.items():
        html = _get(reverse("public"), peta=code).content.decode()
        assert f'<figure class="map-figure" data-metric="{code}">' in html
        assert f"Peta: {label}" in html
        assert "Sukapura: disembunyikan" in html
    html = _get(reverse("public"), peta="progress").content.decode()
    assert "<title>Tegalsiwalan: 74 % keluarga</title>" in html  # 17 / 23


def test_the_public_page_switches_to_english(public_world):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en",
                                                     "next": reverse("public")}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html


def test_without_campaign_or_list_the_page_says_so(db, regions):
    html = _get(reverse("public")).content.decode()
    assert "Belum ada kampanye verifikasi." in html
    assert "Belum ada daftar sasaran yang ditetapkan." in html
    assert Client().get(reverse("public_csv", args=["progres"])).status_code == 404


def test_the_indicators_and_targets_are_shown_with_both_kinds_of_change(public_world):
    from tepat.indicators.services import load_packaged

    load_packaged()
    html = _get(reverse("public")).content.decode()
    assert "Indikator kemiskinan dan target" in html
    assert 'class="indicator-chart"' in html
    # both figures, named, with Indonesian decimals: 2023 → 2024 "−0,74 poin persen (−4,3 %
    # relatif)"
    assert "0,74 poin persen (" in html and "% relatif)" in html
    assert "Target" in html
