"""The convergence page (konvergensi, issue 4 §4): the ranking, programme targeting, graduation,
and the flagged families, by name only for roles that may see the registry by name, in the
user's own area.

The `gesek` target list: Sutrisno, Misnati (Malesanwetan), Siti Aminah (Gunungbekel) in Kec.
Tegalsiwalan; Poniti (Ngadisari) in Kec. Sukapura. `delivered` gives Sutrisno RTLH and PKH,
Misnati PKH twice (APBN and APBD kabupaten: double aid), Poniti PBI-JK, Siti Aminah nothing,
and PKH to Abdul Rahman, who is not on the list.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, leaked_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(gesek, users, registry):
    from tepat.gesek import services as g
    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme

    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    g.reassign(entries["Siti Aminah"], gesek.member, actor=users.admin)
    g.record_need(entries["Siti Aminah"], "PKH", actor=users.pejabat)
    g.record_visit(entries["Siti Aminah"], actor=users.pejabat, visited_on=date(2024, 5, 2))
    pkh_plus = save_programme(ProgrammeData("PKH Plus", gesek.agencies.dinsos, "PKH",
                                            "APBD_KAB", Decimal(1_000_000), 2024),
                              actor=users.admin)
    pkh = gesek.programmes["PKH"]
    abdul = next(f for f in registry.all_families if f.kepala_keluarga == "Abdul Rahman")
    for programme, family in ((gesek.programmes["RTLH"], entries["Sutrisno"].family),
                              (pkh, entries["Sutrisno"].family), (pkh, entries["Misnati"].family),
                              (pkh_plus, entries["Misnati"].family),
                              (gesek.programmes["PBI_JK"], entries["Poniti"].family),
                              (pkh, abdul)):
        add_intervention(programme, family, actor=users.admin, delivered_on=date(2024, 6, 1))
    return gesek


def _html(client, **params) -> str:
    response = client.get(reverse("convergence"), params)
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "no-store"
    return response.content.decode()


def _row(html: str, name: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?" + re.escape(name) + r".*?</tr>", html, re.S)
    assert match, name
    return match.group(0)


def test_the_regency_page_ranks_kecamatan_lowest_coverage_first(client_for, delivered):
    html = _html(client_for("admin"))
    assert "Daftar sasaran 2024" in html
    assert html.index(">Tegalsiwalan<") < html.index(">Sukapura<")  # 66.67 % before 100 %
    tegalsiwalan = _row(html, ">Tegalsiwalan<")
    assert "Drs. Hariyanto" in tegalsiwalan  # the team's coordinator
    assert re.search(r">3<.*>7<.*>66,67<", tegalsiwalan, re.S)  # 3 keluarga, 7 jiwa, 2 of 3
    assert "75,00%" in html  # 3 of 4 target families served


def test_the_programme_table_shows_targeting_errors_cgh_and_budget(client_for, delivered):
    html = _html(client_for("admin"))
    pkh = _row(html, "PKH Kabupaten")
    assert "33,33" in pkh  # inclusion: Abdul Rahman of 3 beneficiaries
    assert "100,00" in pkh  # exclusion: Siti Aminah needs PKH and did not get it
    assert "1,17" in pkh  # CGH (2/3) / (4/7)
    assert "9.000.000" in pkh and "66,67" in pkh  # Rp 6 of 9 million to targets


def test_aid_received_is_shown_apart_from_planned_aid_and_failed_payments(
        client_for, delivered, users):
    """Siti Aminah (2 jiwa) has nothing delivered: a failed payment of PKH and a planned PBI-JK
    are shown apart; only the 3 families served count as having received aid."""
    from tepat.interventions.models import Intervention, InterventionStatus
    from tepat.interventions.services import add_intervention

    siti = next(e for e in delivered.target_list.entries.all()
                if e.kepala_keluarga == "Siti Aminah").family
    add_intervention(delivered.programmes["PKH"], siti, actor=users.admin,
                     delivered_on=date(2024, 7, 1), amount=Decimal(750_000),
                     status=InterventionStatus.PLANNED)
    Intervention.objects.filter(family=siti).update(status=InterventionStatus.FAILED)
    add_intervention(delivered.programmes["PBI_JK"], siti, actor=users.admin,
                     delivered_on=date(2024, 8, 1), status=InterventionStatus.PLANNED)
    html = _html(client_for("admin"))

    assert re.search(r'data-aid="received">3<', html)
    assert re.search(r'data-aid="planned">1</td><td class="num">2</td><td class="num">504.000<',
                     html)
    assert re.search(r'data-aid="failed">0<', html)  # planned for her: she is counted there
    assert "75,00%" in html  # still 3 of 4 target families served
    pkh = _row(html, "PKH Kabupaten")
    assert "750.000" in pkh  # the failed payment, apart


def test_the_graduation_box_projects_the_count(client_for, delivered):
    html = _html(client_for("admin"))
    box = html[html.index("Graduasi dan proyeksi kemiskinan ekstrem"):]
    assert re.search(r"Proyeksi keluarga miskin ekstrem.*?<strong[^>]*>4</strong>", box, re.S)


def test_flagged_families_are_listed_by_name_with_the_kk_masked(client_for, delivered,
                                                                 registry):
    client = client_for("admin")
    html = _html(client)
    listed = html[html.index('id="ditandai"'):]
    assert "Siti Aminah" in listed and "Misnati" not in listed
    assert "****" in listed and not FULL_NUMBER.search(listed)
    double = _html(client, daftar="ganda")
    listed = double[double.index('id="ditandai"'):]
    assert "Misnati" in listed and "Siti Aminah" not in listed
    assert "PKH Kabupaten (Dinsos, APBN)" in listed
    assert "PKH Plus (Dinsos, APBD kabupaten)" in listed
    assert not leaked_numbers(html + double, registry.numbers)


def test_pimpinan_sees_counts_but_no_names(client_for, delivered):
    html = _html(client_for("pimpinan"))
    assert "Tanpa intervensi: 1 keluarga (2 jiwa)" in html
    assert "Bantuan ganda: 1 keluarga (2 jiwa)" in html
    for name in ("Siti Aminah", "Misnati", "Sutrisno", "Poniti"):
        assert name not in html


def test_an_operator_kecamatan_sees_only_its_own_kecamatan(client_for, delivered):
    own = _html(client_for("operator_kecamatan"))
    assert ">Malesanwetan<" in own and ">Gunungbekel<" in own  # desa ranking
    assert "Sukapura" not in own and "Poniti" not in own
    assert "Lilik Suryani" in own  # the pendamping table
    other = _html(client_for("operator_other_kecamatan"))
    assert ">Ngadisari<" in other
    for name in ("Tegalsiwalan", "Malesanwetan", "Siti Aminah", "Misnati"):
        assert name not in other
    response = client_for("operator_other_kecamatan").get(reverse("convergence"),
                                                          {"kecamatan": "35.13.20"})
    assert response.status_code == 404


def test_the_admin_opens_one_kecamatan(client_for, delivered):
    html = _html(client_for("admin"), kecamatan="35.13.20")
    assert "Per pejabat pendamping" in html and "Lilik Suryani" in html
    assert "Poniti" not in html
    assert client_for("admin").get(reverse("convergence"),
                                   {"kecamatan": "35.13.99"}).status_code == 404


def test_who_may_open_the_page(client_for, delivered, client):
    url = reverse("convergence")
    for persona, status in (("opd", 200), ("pejabat", 200), ("pimpinan", 200),
                            ("operator_desa", 403), ("no_area", 403)):
        assert client_for(persona).get(url).status_code == status, persona
    assert client.get(url).status_code == 302  # to the login page


def test_the_flagged_list_is_paged(client_for, gesek, monkeypatch):
    from tepat.web.views import convergence

    monkeypatch.setattr(convergence, "PAGE_SIZE", 1)
    html = _html(client_for("admin"))  # nothing delivered: all 4 families are flagged
    assert "Halaman 1 dari 4" in html
    assert "Halaman 2 dari 4" in _html(client_for("admin"), page=2)


def test_without_a_target_list_the_page_says_so(client_for, registry):
    html = _html(client_for("admin"))
    assert "Belum ada daftar sasaran yang ditetapkan" in html


def test_the_page_reads_in_a_bounded_number_of_queries(client_for, delivered,
                                                       django_assert_max_num_queries):
    client = client_for("admin")
    with django_assert_max_num_queries(26):  # + planned and failed aid; + the change stamp (2)
        _html(client)
    with django_assert_max_num_queries(12):  # the report kept: the stamp, the page's own reads
        _html(client)
