"""The dashboard: families (keluarga) and persons (jiwa) of the user's area from DesaStat, with a
source selector, a table, a Plotly chart (nonce'd script, plotly.js served locally) and a map."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tepat.registry.models import DesaStat

DASHBOARD = reverse("dashboard")
MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"


REGION_PATH = re.compile(r'<path d="[^"]+" fill="#\w{6}" fill-rule="evenodd" data-code="([^"]+)"')


def _paths(html: str) -> list[str]:
    """data-code of every region drawn in the map."""
    return REGION_PATH.findall(html)


def test_the_admin_sees_kecamatan_rows_with_both_units(client_for, registry):
    response = client_for("admin").get(DASHBOARD, {"sumber": "p3ke"})
    summary = response.context["summary"]
    assert len(summary.units) == 24  # every kecamatan of Kab. Probolinggo, zeros included
    assert (summary.families, summary.persons) == (7, 17)
    tegalsiwalan = next(u for u in summary.units if u.code == "35.13.20")
    assert (tegalsiwalan.families, tegalsiwalan.persons) == (5, 14)
    html = response.content.decode()
    assert '<span class="stat-unit">keluarga</span>' in html
    assert '<span class="stat-unit">jiwa</span>' in html
    assert "(keluarga)" in html and "(jiwa)" in html


def test_the_kecamatan_operator_sees_their_desa(client_for, registry):
    summary = client_for("operator_kecamatan").get(DASHBOARD, {"sumber": "p3ke"}).context["summary"]
    assert summary.unit_level == "desa"
    assert all(u.code.startswith("35.13.20.") for u in summary.units)
    by_code = {u.code: (u.families, u.persons) for u in summary.units}
    assert by_code[MALESANWETAN] == (3, 9) and by_code[GUNUNGBEKEL] == (2, 5)


def test_the_desa_operator_sees_only_their_desa(client_for, registry):
    summary = client_for("operator_desa").get(DASHBOARD, {"sumber": "p3ke"}).context["summary"]
    assert [(u.code, u.families) for u in summary.units] == [(MALESANWETAN, 3)]


def test_counts_by_desil(client_for, registry):
    summary = client_for("admin").get(DASHBOARD, {"sumber": "p3ke"}).context["summary"]
    assert [(d.desil, d.families) for d in summary.desils] == [(1, 4), (2, 1), (3, 1), (4, 1)]


def test_the_source_selector_lists_the_sources_present(client_for, registry):
    response = client_for("admin").get(DASHBOARD)
    html = response.content.decode()
    assert '<select name="sumber"' in html
    assert response.context["summary"].sources == ["dtsen", "p3ke"]
    assert response.context["summary"].source == "dtsen"  # the current national source first
    assert response.context["summary"].families == 1
    assert client_for("admin").get(DASHBOARD, {"sumber": "p3ke"}).context["summary"].families == 7


def test_one_source_needs_no_selector(client_for, registry):
    html = client_for("operator_desa_sibling").get(DASHBOARD).content.decode()
    assert '<select name="sumber"' not in html
    assert "Sumber data: <strong>P3KE</strong>" in html


def test_an_area_without_data_says_so(client_for, registry):
    DesaStat.objects.all().delete()
    html = client_for("operator_desa").get(DASHBOARD).content.decode()
    assert "Belum ada data keluarga untuk wilayah Anda." in html


def test_the_map_draws_the_24_kecamatan_linked_to_the_list(client_for, registry):
    html = client_for("admin").get(DASHBOARD, {"sumber": "p3ke"}).content.decode()
    codes = _paths(html)
    assert len(codes) == 24 and len(set(codes)) == 24
    assert '<a href="/keluarga/?kecamatan=35.13.20&amp;sumber=p3ke">' in html
    assert "<title>Tegalsiwalan: 5 keluarga</title>" in html


def test_leadership_sees_the_map_without_links_to_by_name_lists(client_for, registry):
    html = client_for("pimpinan").get(DASHBOARD, {"sumber": "p3ke"}).content.decode()
    assert len(_paths(html)) == 24
    assert 'href="/keluarga/' not in html


def test_the_kecamatan_operator_gets_a_map_of_their_desa(client_for, registry):
    html = client_for("operator_kecamatan").get(DASHBOARD, {"sumber": "p3ke"}).content.decode()
    codes = _paths(html)
    assert codes and all(code.startswith("35.13.20.") for code in codes)
    assert f'<a href="/keluarga/?desa={MALESANWETAN}&amp;sumber=p3ke">' in html


def test_the_desa_operator_gets_no_map(client_for, registry):
    html = client_for("operator_desa").get(DASHBOARD).content.decode()
    assert 'class="map"' not in html


def test_a_kabupaten_without_packaged_boundaries_gets_table_and_chart_without_map(
    client_for, registry, more_families, users
):
    from tepat.regions.services import load_kabupaten

    load_kabupaten("35.14")  # Kabupaten Pasuruan: the package has boundaries of Probolinggo only
    more_families("35.14.01.2001", 3)
    users.admin.area_id = "35.14"
    users.admin.save(update_fields=["area"])
    response = client_for("admin").get(DASHBOARD)
    html = response.content.decode()
    assert response.context["summary"].families == 3
    assert "Purwodadi" in html and 'class="plotly-graph-div"' in html
    assert 'class="map"' not in html


def test_the_chart_is_plotly_with_a_nonce_matching_the_csp_header(client_for, registry):
    response = client_for("admin").get(DASHBOARD, {"sumber": "p3ke"})
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert 'class="plotly-graph-div"' in html
    assert f'<script nonce="{nonce}">' in html
    assert re.search(rf'<script src="/aset/plotly-[0-9.]+\.min\.js" nonce="{nonce}">', html)
    assert "cdn" not in html.lower()


def test_the_dashboard_needs_the_same_few_queries_for_any_number_of_families(
    client_for, registry, more_families, django_assert_max_num_queries
):
    client = client_for("admin")
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    more_families(GUNUNGBEKEL, 80)
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as many:
        client.get(DASHBOARD)
    assert len(many) == len(few)


@pytest.mark.parametrize("persona", ["admin", "operator_kecamatan", "operator_desa", "pimpinan"])
def test_the_dashboard_never_reads_the_family_table(client_for, registry, persona):
    with CaptureQueriesContext(connection) as captured:
        client_for(persona).get(DASHBOARD)
    assert not [q for q in captured if "registry_family" in q["sql"]]


def test_the_dashboard_counts_a_linked_person_once_and_says_so(client_for, registry):
    from tepat.linkage.models import ClusterMember
    from tepat.registry.stats import refresh_desa_stats

    client = client_for("admin")
    assert "dihitung sekali per orang" not in client.get(DASHBOARD).content.decode()
    for p in registry.persons[:2]:  # Sutrisno and his wife: one person, by the linkage
        ClusterMember.objects.create(person=p, source=p.source, record_id=p.source_person_id,
                                     cluster=1, kecamatan_id=p.kecamatan_id, desa_id=p.desa_id)
    refresh_desa_stats()
    page = client.get(DASHBOARD + "?sumber=p3ke").content.decode()
    assert "Jiwa dihitung sekali per orang" in page
    assert DesaStat.objects.filter(source="p3ke").aggregate(n=Sum("persons"))["n"] == 17 - 1


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa"])
def test_below_the_regency_the_chart_is_inline_svg_without_plotly(client_for, registry, persona):
    html = client_for(persona).get(DASHBOARD, {"sumber": "p3ke"}).content.decode()
    assert 'class="bar-chart"' in html and "Desil 1" in html
    assert "plotly" not in html.lower()
