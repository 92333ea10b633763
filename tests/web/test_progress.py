"""The progress pages (progres verval, issue 3 §4): figures in both units, the kecamatan ranking,
the drill-down to desa, the schedule, the Excel export, and who sees which area.

The campaign (P3KE desil 1 of the registry fixture) as the `progressed` fixture leaves it:
Malesanwetan 2/2 keluarga verified (one MAMPU = removed), Gunungbekel 0/1 (a draft only),
Ngadisari 0/1; one usulan baru in Malesanwetan.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, leaked_numbers

TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
MID_CAMPAIGN = date(2024, 3, 23)  # day 22 of 45: 48.9 % expected


@pytest.fixture
def progressed(campaign, registry, users, verification_of):
    from tepat.verification import services as s

    def pk(family):
        return verification_of(family).pk

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    s.save_verification(pk(sutrisno), s.Findings(outcome="MAMPU", reason="ASN"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.save_verification(pk(misnati), s.Findings(outcome="LAYAK"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.save_verification(pk(registry.families[GUNUNGBEKEL][0]), s.Findings(outcome="PINDAH"),
                        actor=users.operator_desa_sibling, expected_version=0)
    s.propose_family(campaign, MALESANWETAN, s.NewFamily(
        kepala_keluarga="Wagiman", members=[{"nama": "Wagiman", "nik": "", "hubungan": "1",
                                             "jenis_kelamin": "1",
                                             "tanggal_lahir": "1970-01-01"}]),
        actor=users.operator_desa, submit=True)
    return campaign


@pytest.fixture
def on_day(monkeypatch):
    """Fix the pages' today."""
    from tepat.web.views import progress

    def fix(day: date) -> None:
        monkeypatch.setattr(progress, "_today", lambda: day)

    fix(MID_CAMPAIGN)
    return fix


def _html(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _row(html: str, name: str) -> str:
    """The table row (<tr …>…</tr>) whose header cell holds `name`."""
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?" + re.escape(name) + r".*?</tr>", html, re.S)
    assert match, name
    return match.group(0)


def test_the_regency_page_shows_totals_in_both_units(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"))
    assert "Pemutakhiran P3KE 2024" in html
    assert "Kabupaten Probolinggo" in html
    totals = _row(html, "Sasaran awal (baseline)")
    assert re.search(r">4<.*>9<", totals, re.S)  # 4 keluarga, 9 jiwa
    assert re.search(r">1<.*>3<", _row(html, "Dikeluarkan dari daftar"), re.S)
    assert "(keluarga)" in html and "(jiwa)" in html
    assert "50,00%" in html  # progress: 2 of 4 keluarga
    assert "sementara" in html
    assert re.search(r">1<.*>1<", _row(html, "Usulan baru (dihitung terpisah)"), re.S)


def test_the_ranking_puts_the_highest_reduction_first(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"))
    ranking = html[html.index("Peringkat kecamatan"):html.index("Progres paling lambat")]
    assert ranking.index("Tegalsiwalan") < ranking.index("Sukapura")
    assert "33,33" in _row(ranking, "Tegalsiwalan")  # 1 of 3 keluarga removed
    assert f'href="?kecamatan={TEGALSIWALAN}"' in ranking


def test_days_left_to_the_closing_and_the_finalization(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"))
    assert re.search(r'<strong class="big">23</strong>\s*hari lagi sampai tanggal tutup', html)
    assert "30 hari lagi sampai finalisasi" in html
    on_day(date(2024, 4, 20))
    assert "Tanggal tutup sudah lewat" in _html(client_for("admin"), reverse("progress"))


def test_desa_behind_schedule_are_highlighted_and_the_rule_is_said(client_for, progressed,
                                                                    on_day):
    html = _html(client_for("admin"), reverse("progress"), kecamatan=TEGALSIWALAN)
    assert 'class="not-started"' in _row(html, "Gunungbekel")
    assert "belum mulai" in _row(html, "Gunungbekel")
    assert "class=" not in _row(html, "Malesanwetan").split(">")[0]  # on schedule
    assert "hari berjalan ÷ lama kampanye × 100" in html


def test_a_kecamatan_below_the_expected_progress_is_marked_behind(client_for, progressed,
                                                                   on_day):
    on_day(date(2024, 4, 5))  # 77.8 % expected, Tegalsiwalan at 66.7 %
    html = _html(client_for("admin"), reverse("progress"))
    ranking = html[html.index("Peringkat kecamatan"):html.index("Progres paling lambat")]
    assert 'class="behind"' in _row(ranking, "Tegalsiwalan")
    on_day(date(2024, 3, 10))  # 20 % expected
    html = _html(client_for("admin"), reverse("progress"))
    ranking = html[html.index("Peringkat kecamatan"):html.index("Progres paling lambat")]
    assert 'class="behind"' not in _row(ranking, "Tegalsiwalan")


def test_the_drill_down_shows_the_desa_of_one_kecamatan(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"), kecamatan=TEGALSIWALAN)
    assert "Kecamatan Tegalsiwalan" in html
    assert "Malesanwetan" in html and "Gunungbekel" in html and "Ngadisari" not in html
    row = _row(html, "Malesanwetan")
    assert ">2<" in row and ">5<" in row and "50,00" in row and "60,00" in row
    assert "Seluruh kabupaten" in html


def test_the_daily_chart_is_an_inline_svg(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"))
    chart = html[html.index('<figure class="progress-chart">'):]
    assert "<svg" in chart and 'class="line-progress"' in chart
    assert not re.search(r'points="[^"]*\d,\d+,', chart)  # coordinates are not localized


def test_the_page_links_the_excel_export(client_for, progressed, on_day):
    html = _html(client_for("admin"), reverse("progress"))
    assert f'href="{reverse("progress_xlsx", args=[progressed.pk])}"' in html
    assert "Unduh Excel" in html


def test_the_excel_export_opens_and_has_the_sheets(client_for, progressed, on_day):
    import openpyxl

    response = client_for("admin").get(reverse("progress_xlsx", args=[progressed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Ringkasan", "Kecamatan", "Desa", "Harian"]


# --- scope (DESIGN.md §5) -----------------------------------------------------------------


def test_an_operator_kecamatan_sees_its_kecamatan_and_its_desa(client_for, progressed, on_day):
    html = _html(client_for("operator_kecamatan"), reverse("progress"))
    assert "Malesanwetan" in html and "Gunungbekel" in html
    assert "Sukapura" not in html and "Ngadisari" not in html
    assert "Peringkat kecamatan" not in html


def test_an_operator_kecamatan_gets_404_on_another_kecamatan(client_for, progressed):
    client = client_for("operator_kecamatan")
    assert client.get(reverse("progress"), {"kecamatan": SUKAPURA}).status_code == 404
    other = client_for("operator_other_kecamatan")
    assert other.get(reverse("progress"), {"kecamatan": TEGALSIWALAN}).status_code == 404


def test_a_kabupaten_user_gets_404_on_a_code_that_is_no_kecamatan(client_for, progressed):
    client = client_for("admin")
    for code in ("35.99.01", MALESANWETAN, "x"):
        assert client.get(reverse("progress"), {"kecamatan": code}).status_code == 404, code


def test_an_operator_desa_sees_its_desa_only(client_for, progressed, on_day):
    client = client_for("operator_desa")
    html = _html(client, reverse("progress"))
    assert "Desa Malesanwetan" in html
    assert "Gunungbekel" not in html and "Sukapura" not in html
    assert re.search(r">2<.*>5<", _row(html, "Sasaran awal (baseline)"), re.S)
    assert client.get(reverse("progress"), {"kecamatan": SUKAPURA}).status_code == 404
    assert _html(client, reverse("progress"), kecamatan=TEGALSIWALAN).count("Gunungbekel") == 0


def test_an_operator_desa_downloads_its_desa_only(client_for, progressed, on_day):
    import openpyxl

    response = client_for("operator_desa").get(reverse("progress_xlsx", args=[progressed.pk]))
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Ringkasan", "Desa"]
    codes = [r[0] for r in book["Desa"].iter_rows(min_row=7, values_only=True) if r[0]]
    assert codes == [MALESANWETAN]


@pytest.mark.parametrize("persona,status", [
    ("admin", 200), ("operator_kecamatan", 200), ("operator_desa", 200), ("opd", 200),
    ("pejabat", 200), ("pimpinan", 200), ("no_area", 403),
])
def test_who_may_open_the_progress_pages(client_for, progressed, persona, status):
    client = client_for(persona)
    assert client.get(reverse("progress")).status_code == status
    assert client.get(reverse("progress_campaign", args=[progressed.pk])).status_code == status
    assert client.get(reverse("progress_xlsx", args=[progressed.pk])).status_code == status


def test_anonymous_visitors_go_to_the_login_page(client, progressed):
    for url in (reverse("progress"), reverse("progress_xlsx", args=[progressed.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("login"))


def test_the_pages_show_no_personal_numbers(client_for, progressed, registry, on_day):
    for persona in ("admin", "operator_kecamatan", "operator_desa", "pimpinan"):
        html = _html(client_for(persona), reverse("progress"))
        assert not leaked_numbers(html, registry.numbers) and not FULL_NUMBER.findall(html)
        assert "Sutrisno" not in html and "Wagiman" not in html


def test_aggregates_may_stay_in_the_browser_cache_only(client_for, progressed):
    response = client_for("admin").get(reverse("progress"))
    assert "private" in response["Cache-Control"]


# --- campaigns ----------------------------------------------------------------------------


def test_without_an_open_campaign_the_page_says_so(client_for, registry):
    html = _html(client_for("admin"), reverse("progress"))
    assert "Belum ada kampanye verifikasi yang dibuka" in html


def test_a_draft_or_unknown_campaign_is_404(client_for, registry, users):
    from tepat.verification.campaigns import CampaignPlan, create_campaign

    draft = create_campaign(CampaignPlan(
        name="Draf", period="2025", source="p3ke", opens_on=date(2025, 1, 1),
        closes_on=date(2025, 2, 1), finalize_by=date(2025, 2, 10)), actor=users.admin)
    client = client_for("admin")
    for pk in (draft.pk, 999_999):
        assert client.get(reverse("progress_campaign", args=[pk])).status_code == 404
        assert client.get(reverse("progress_xlsx", args=[pk])).status_code == 404


def test_the_campaign_picker_goes_to_the_chosen_campaign(client_for, progressed):
    response = client_for("admin").get(reverse("progress"), {"kampanye": progressed.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("progress_campaign", args=[progressed.pk])


def test_the_pages_need_a_fixed_number_of_queries(client_for, progressed, on_day,
                                                  django_assert_max_num_queries):
    client = client_for("admin")
    client.get(reverse("progress"))  # sessions, caches
    with django_assert_max_num_queries(14):
        client.get(reverse("progress"))
    with django_assert_max_num_queries(14):
        client.get(reverse("progress"), {"kecamatan": TEGALSIWALAN})


def test_a_write_shows_on_the_next_request(client_for, progressed, registry, users, on_day):
    from tepat.verification import services as s
    from tepat.verification.models import Verification

    client = client_for("admin")
    assert "2 / 4 keluarga" in _html(client, reverse("progress"))
    poniti = Verification.objects.get(campaign=progressed, family=registry.families[NGADISARI][0])
    s.save_verification(poniti.pk, s.Findings(outcome="LAYAK"), actor=users.admin,
                        expected_version=0, submit=True)
    assert "3 / 4 keluarga" in _html(client, reverse("progress"))
