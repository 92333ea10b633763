"""Metric maps (issue 5 §3): the four metrics per kecamatan and desa, checked by hand on the
fixture, the SVG they draw, and the map with its switcher on the progress page.

The `campaign` fixture has 4 keluarga of P3KE desil 1: Sutrisno (3 jiwa) and Misnati (2) in
Malesanwetan, Siti Aminah (2) in Gunungbekel, all Tegalsiwalan; Poniti (2) in Ngadisari,
Sukapura. `verified` below submits Sutrisno MAMPU (removed) and Misnati LAYAK.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from tepat.web.metric_maps import METRICS, metric_map, metric_values, shapes

TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"


@pytest.fixture
def verified(campaign, registry, users, verification_of):
    from tepat.verification import services as s

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    for family, outcome in ((sutrisno, "MAMPU"), (misnati, "LAYAK")):
        s.save_verification(verification_of(family).pk,
                            s.Findings(outcome=outcome, reason="ASN"),
                            actor=users.operator_desa, expected_version=0, submit=True)
    return campaign


def test_the_metric_codes_and_labels_are_the_agreed_ones():
    assert {code: str(label) for code, label in METRICS.items()} == {
        "progress": "Progres verifikasi (% keluarga)",
        "reduction": "Penurunan data (% keluarga)",
        "targets_per_1000": "Keluarga sasaran per 1.000 jiwa",
        "coverage": "Cakupan intervensi (% keluarga sasaran)",
    }


def test_progress_and_reduction_per_kecamatan_by_hand(verified):
    progress = metric_values("progress", "kecamatan", campaign=verified)
    reduction = metric_values("reduction", "kecamatan", campaign=verified)
    assert len(progress) == 24  # every kecamatan of the packaged boundaries
    assert progress[TEGALSIWALAN] == pytest.approx(200 / 3)  # 2 of 3 keluarga verified
    assert progress[SUKAPURA] == 0.0  # Poniti not verified yet
    assert reduction[TEGALSIWALAN] == pytest.approx(100 / 3)  # Sutrisno removed
    assert progress["35.13.05"] is None  # Leces: nobody in the campaign


def test_the_desa_of_one_kecamatan(verified):
    values = metric_values("progress", "desa", campaign=verified, kecamatan=TEGALSIWALAN)
    assert set(values) == {s.code for s in shapes("desa", TEGALSIWALAN)}
    assert all(code.startswith(TEGALSIWALAN + ".") for code in values)
    assert values[MALESANWETAN] == 100.0 and values[GUNUNGBEKEL] == 0.0


def test_the_current_campaign_is_the_default(verified):
    assert metric_values("progress", "kecamatan")[TEGALSIWALAN] == pytest.approx(200 / 3)


def test_targets_per_1000_jiwa_of_the_lists_registry_by_hand(target_list):
    values = metric_values("targets_per_1000", "kecamatan", target_list=target_list)
    # Tegalsiwalan: 3 target keluarga; P3KE jiwa 3+2+4 (Malesanwetan) + 2+3 (Gunungbekel) = 14
    assert values[TEGALSIWALAN] == pytest.approx(3 / 14 * 1000)
    # Sukapura: Poniti; P3KE jiwa 2 + 1 = 3 (the DTSEN family is another source)
    assert values[SUKAPURA] == pytest.approx(1 / 3 * 1000)


def test_coverage_by_hand(gesek, registry, users):
    from tepat.interventions.services import add_intervention

    add_intervention(gesek.programmes["PKH"], registry.families[MALESANWETAN][0],
                     actor=users.admin, delivered_on=date(2024, 5, 2))
    values = metric_values("coverage", "kecamatan")
    assert values[TEGALSIWALAN] == pytest.approx(100 / 3)  # Sutrisno, of 3
    assert values[SUKAPURA] == 0.0


def test_unknown_metric_or_level_is_refused(verified):
    with pytest.raises(ValueError):
        metric_values("poverty", "kecamatan")
    with pytest.raises(ValueError):
        metric_values("progress", "rt")


def test_the_svg_is_self_contained_and_labelled(verified):
    found = metric_map("progress", campaign=verified)
    svg = found.svg
    assert svg.count("<path") == 24
    assert "<title>Progres verifikasi (% keluarga) per kecamatan</title>" in svg
    assert "<desc>" in svg and found.note in svg
    assert "<title>Tegalsiwalan: 67 % keluarga</title>" in svg
    assert "<script" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "href" not in svg  # no links unless asked
    assert found.unit == "% keluarga" and found.level == "kecamatan"
    assert found.names[TEGALSIWALAN] == "Tegalsiwalan"


def test_the_targets_note_says_which_population(target_list):
    found = metric_map("targets_per_1000", target_list=target_list)
    assert "desil 1–4" in found.note


def test_a_suppressed_map_hides_small_areas(verified):
    found = metric_map("progress", campaign=verified, suppress=True)
    # 3 and 1 keluarga in scope: both below 5
    assert {TEGALSIWALAN, SUKAPURA} <= found.suppressed
    assert found.values[TEGALSIWALAN] is None
    assert "url(#map-hatch)" in found.svg
    assert "Tegalsiwalan: disembunyikan" in found.svg
    assert "% keluarga</title>" not in found.svg  # no area shows a value


# --- on the progress page -------------------------------------------------------------------


def _html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_regency_page_has_a_kecamatan_map_with_a_metric_switcher(client_for, verified):
    html = _html(client_for("pimpinan"), reverse("progress"))
    assert 'data-metric="progress" aria-current="true"' in html
    for code in METRICS:
        assert f'href="?peta={code}#peta"' in html
    assert html.count("<path") >= 24
    assert "<title>Tegalsiwalan: 67 % keluarga</title>" in html
    assert 'href="?kecamatan=35.13.20&amp;peta=progress"' in html  # drill down from the map


def test_the_switcher_changes_the_metric(client_for, verified):
    html = _html(client_for("admin"), reverse("progress"), peta="reduction")
    assert "Peta: Penurunan data (% keluarga)" in html
    assert "<title>Tegalsiwalan: 33 % keluarga</title>" in html
    html = _html(client_for("admin"), reverse("progress"), peta="nonsense")
    assert "Peta: Progres verifikasi (% keluarga)" in html


def test_an_operator_kecamatan_sees_the_desa_of_their_kecamatan(client_for, verified):
    html = _html(client_for("operator_kecamatan"), reverse("progress"))
    codes = set(re.findall(r'data-code="([0-9.]+)"', html))
    assert MALESANWETAN in codes and GUNUNGBEKEL in codes
    assert all(code.startswith(TEGALSIWALAN + ".") for code in codes)
    assert "<title>Malesanwetan: 100 % keluarga</title>" in html
    switch = _html(client_for("operator_kecamatan"), reverse("progress"), peta="reduction")
    assert "Malesanwetan: 50 % keluarga" in switch


def test_a_drilled_kecamatan_keeps_its_place_in_the_switcher(client_for, verified):
    html = _html(client_for("admin"), reverse("progress"), kecamatan=TEGALSIWALAN)
    assert 'href="?kecamatan=35.13.20&amp;peta=coverage#peta"' in html


def test_an_operator_desa_has_no_map(client_for, verified):
    html = _html(client_for("operator_desa"), reverse("progress"))
    assert 'class="card metric-map"' not in html
