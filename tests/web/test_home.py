"""Each role's first page (issue 19 §3): what the user must do next, counts that are links,
every count within the user's area (or the official's own families)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from web_helpers import leaked_numbers

pytestmark = pytest.mark.django_db

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
HOME = "/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def page(client_for, persona: str):
    response = client_for(persona).get(reverse("home"))
    assert response.status_code == 200
    return response


@pytest.fixture
def submit(campaign, users):
    """Record a family's outcome as its desa would (sent to the kecamatan unless submit=False)."""
    from tepat.verification import services
    from tepat.verification.models import Verification

    def run(family, outcome="LAYAK", submit=True, **details):
        v = Verification.objects.get(campaign=campaign, family=family)
        actor = users.operator_desa if v.desa_id == MALESANWETAN else users.admin
        return services.save_verification(
            v.pk, services.Findings(outcome=outcome, **details), actor=actor,
            expected_version=v.version, submit=submit)

    return run


def test_home_is_the_root_and_the_dashboard_moved_to_its_own_address():
    assert reverse("home") == HOME and reverse("dashboard") == "/dasbor/"


def test_the_admin_kabupaten_keeps_the_regency_dashboard_as_first_page(client_for, registry):
    response = page(client_for, "admin")
    assert response.templates[0].name == "web/dashboard.html"


def test_a_user_without_an_area_is_told_to_ask_the_admin(client_for, registry):
    assert client_for("no_area").get(HOME).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client, registry):
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- desa -----------------------------------------------------------------------------------


def test_the_desa_page_counts_its_own_work_as_links(client_for, registry, campaign, submit,
                                                    users):
    from tepat.verification import services

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    sent = submit(sutrisno)
    submit(misnati, "MAMPU", submit=False, reason="ASN")  # a draft
    services.review(campaign, [sent.pk], actor=users.operator_kecamatan, approve=False,
                    reason="Foto rumah tidak jelas")
    submit(registry.families[GUNUNGBEKEL][0])  # another desa: never counted here

    response = page(client_for, "operator_desa")
    work = response.context["work"]
    assert (work.not_verified, work.drafts, work.returned) == (0, 1, 1)
    assert not work.has_berita_acara and not work.batch_sent
    html = response.content.decode()
    assert 'data-role-page="desa"' in html
    assert f'href="{reverse("worklist")}?status=dikembalikan"' in html
    assert f'href="{reverse("worklist")}?status=draf"' in html
    assert f'href="{reverse("verify_musdes")}"' in html
    assert "Foto rumah tidak jelas" in html  # the kecamatan's reason
    assert reverse("verify_family", args=[sent.pk]) in html
    assert "Berita acara musdes belum diunggah" in html
    assert not leaked_numbers(html, registry.numbers)


def test_the_desa_page_shows_the_deadline_and_the_days_left(client_for, registry, campaign,
                                                            monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2024, 4, 5))
    response = page(client_for, "operator_desa")
    assert response.context["deadline"]["days_left"] == 10  # closes 15 April 2024
    assert "10 hari lagi" in response.content.decode()


def test_the_desa_page_counts_usulan_drafts_and_the_berita_acara(client_for, registry, campaign,
                                                                 users, settings, tmp_path):
    from tepat.verification import services
    from tepat.verification.models import Proposal

    settings.MEDIA_ROOT = tmp_path
    Proposal.objects.create(campaign=campaign, desa_id=MALESANWETAN, kecamatan_id="35.13.20",
                            kepala_keluarga="Usulan Uji", created_by=users.operator_desa)
    services.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa,
                           held_on=date(2024, 3, 10), attendance=30,
                           berita_acara=SimpleUploadedFile("ba.pdf", PDF, "application/pdf"))
    work = page(client_for, "operator_desa").context["work"]
    assert work.proposal_drafts == 1 and work.has_berita_acara
    assert page(client_for, "operator_desa_sibling").context["work"].proposal_drafts == 0


def test_without_a_campaign_the_desa_page_says_so(client_for, registry):
    html = page(client_for, "operator_desa").content.decode()
    assert "Belum ada kampanye verifikasi" in html


# --- kecamatan -------------------------------------------------------------------------------


def test_the_kecamatan_page_lists_waiting_batches_oldest_first(client_for, registry, campaign,
                                                               submit, users):
    from tepat.verification import services

    submit(registry.families[GUNUNGBEKEL][0])  # Gunungbekel sends first
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    submit(sutrisno)
    back = submit(misnati, "MAMPU", reason="ASN")
    services.review(campaign, [back.pk], actor=users.operator_kecamatan, approve=False,
                    reason="Bukti ASN tidak ada")
    submit(registry.families[NGADISARI][0])  # Sukapura: another kecamatan

    response = page(client_for, "operator_kecamatan")
    work = response.context["work"]
    assert [w.desa for w in work.waiting] == [GUNUNGBEKEL, MALESANWETAN]
    assert [w.families for w in work.waiting] == [1, 1]
    assert [(r.desa, r.count) for r in work.returned] == [(MALESANWETAN, 1)]
    html = response.content.decode()
    assert 'data-role-page="kecamatan"' in html
    assert reverse("review_desa", args=[GUNUNGBEKEL]) in html
    assert f'{reverse("review_desa", args=[MALESANWETAN])}?status=RETURNED' in html
    assert reverse("review_desa", args=[NGADISARI]) not in html
    other = page(client_for, "operator_other_kecamatan").context["work"]
    assert [w.desa for w in other.waiting] == [NGADISARI] and other.returned == []


def test_the_kecamatan_page_names_desa_behind_schedule(client_for, registry, campaign, submit,
                                                       monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2024, 4, 1))
    submit(registry.families[MALESANWETAN][0])
    submit(registry.families[MALESANWETAN][1])  # Malesanwetan done; Gunungbekel not started
    work = page(client_for, "operator_kecamatan").context["work"]
    assert [row.code for row in work.behind] == [GUNUNGBEKEL]


# --- pejabat ---------------------------------------------------------------------------------


@pytest.fixture
def assigned(gesek, users):
    """Sutrisno and Siti Aminah to the `pejabat` persona's official, Misnati to another."""
    from tepat.gesek.services import reassign

    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    for head in ("Sutrisno", "Siti Aminah"):
        reassign(entries[head], gesek.member, actor=users.admin, why="uji")
    reassign(entries["Misnati"], gesek.junior, actor=users.admin, why="uji")
    return entries


def test_the_pejabat_page_lists_only_their_families_with_address_and_map_link(
        client_for, assigned, users):
    from tepat.gesek import services

    services.record_visit(assigned["Siti Aminah"], actor=users.pejabat,
                          visited_on=date(2024, 5, 2), latitude=Decimal("-7.812345"),
                          longitude=Decimal("113.401234"))
    services.record_need(assigned["Sutrisno"], "RTLH", actor=users.pejabat)

    response = page(client_for, "pejabat")
    rows = {r.head: r for r in response.context["rows"]}
    assert set(rows) == {"Sutrisno", "Siti Aminah"}  # never Misnati (another official's)
    assert list(rows)[0] == "Sutrisno"  # not visited first
    assert response.context["counts"] == {"families": 2, "not_visited": 1, "open_needs": 1}
    sutrisno, siti = rows["Sutrisno"], rows["Siti Aminah"]
    assert sutrisno.rt_rw.startswith("RT ") and "RW 01" in sutrisno.rt_rw
    assert sutrisno.desa == "Malesanwetan" and siti.desa == "Gunungbekel"
    assert not sutrisno.has_gps and sutrisno.open_needs == 1
    assert siti.geo_uri == "geo:-7.812345,113.401234?q=-7.812345,113.401234"
    html = response.content.decode()
    assert 'data-role-page="pejabat"' in html
    assert 'href="geo:-7.812345,113.401234?q=-7.812345,113.401234"' in html
    assert "-7.812345,113.401234" in html  # the coordinates shown, never localized
    assert "Belum ada titik GPS" in html
    assert reverse("gesek_family", args=[assigned["Sutrisno"].pk]) in html
    assert "Misnati" not in html


def test_the_pejabat_page_falls_back_to_the_verification_gps(client_for, assigned, campaign,
                                                             submit):
    submit(assigned["Sutrisno"].family, latitude=Decimal("-7.800001"),
           longitude=Decimal("113.400002"))
    rows = {r.head: r for r in page(client_for, "pejabat").context["rows"]}
    assert rows["Sutrisno"].coordinates == "-7.800001,113.400002"
    assert rows["Sutrisno"].review == "SUBMITTED"


def test_a_pejabat_without_an_official_record_is_told_so(client_for, registry):
    html = page(client_for, "pejabat").content.decode()
    assert "belum terhubung dengan data pejabat" in html


# --- agency ----------------------------------------------------------------------------------


def test_the_agency_page_warns_when_spent_exceeds_the_budget(client_for, gesek, registry,
                                                             users):
    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme

    users.opd.agency = "perkim"
    users.opd.save()
    rtlh = gesek.programmes["RTLH"]
    rtlh = save_programme(ProgrammeData(rtlh.name, gesek.agencies.perkim, "RTLH", "APBD_KAB",
                                        Decimal("20000000"), 2024, capacity=10,
                                        budget=Decimal("30000000")),
                          actor=users.admin, programme=rtlh)
    for family in registry.families[MALESANWETAN][:2]:
        add_intervention(rtlh, family, actor=users.admin, delivered_on=date(2024, 6, 1))
    add_intervention(rtlh, registry.families[NGADISARI][0], actor=users.admin,
                     delivered_on=date(2024, 6, 1), status="planned")  # not spent

    response = page(client_for, "opd")
    money = {p.name: p for p in response.context["programmes"]}
    assert set(money) == {"Bedah Rumah"}  # only Perkim's own programmes
    assert money["Bedah Rumah"].spent == Decimal("40000000") and money["Bedah Rumah"].over_budget
    html = response.content.decode()
    assert 'data-role-page="agency"' in html and 'data-warning="over-budget"' in html
    assert "Melebihi pagu" in html
    assert reverse("programme_detail", args=[rtlh.pk]) in html


def test_the_agency_page_lists_needs_referred_to_it_and_not_met(client_for, assigned, users):
    from tepat.gesek import services

    users.opd.agency = "perkim"
    users.opd.save()
    services.record_need(assigned["Sutrisno"], "RTLH", actor=users.pejabat)  # → Perkim
    services.record_need(assigned["Sutrisno"], "PKH", actor=users.pejabat)  # → Dinsos
    needs = page(client_for, "opd").context["needs"]
    assert needs.total == 1 and needs.by_kind == [("RTLH", 1)]
    assert [n.entry.kepala_keluarga for n in needs.rows] == ["Sutrisno"]


def test_the_agency_page_counts_upload_rows_waiting_for_a_match(client_for, gesek, users):
    from tepat.interventions.models import BeneficiaryUpload, UnmatchedRow

    users.opd.agency = "dinsos"
    users.opd.save()
    pkh = gesek.programmes["PKH"]
    upload = BeneficiaryUpload.objects.create(programme=pkh, file_name="pkh.xlsx",
                                              file_sha256="x", rows=3, uploaded_by=users.admin)
    for n, state in ((2, "open"), (3, "open"), (4, "rejected")):
        UnmatchedRow.objects.create(upload=upload, row_number=n, reason="uji", state=state)
    response = page(client_for, "opd")
    assert [(u.pk, u.open_rows) for u in response.context["uploads"]] == [(upload.pk, 2)]
    assert response.context["waiting_rows"] == 2
    assert reverse("upload_detail", args=[upload.pk]) in response.content.decode()


def test_an_agency_operator_without_an_agency_is_told_so(client_for, gesek):
    assert "belum terhubung dengan perangkat daerah" in page(client_for, "opd").content.decode()


# --- leadership -------------------------------------------------------------------------------


def test_the_leadership_page_shows_the_headline_and_campaign_figures(client_for, registry,
                                                                     campaign, submit):
    from tepat.indicators.services import load_packaged

    load_packaged()
    submit(registry.families[MALESANWETAN][0])
    submit(registry.families[MALESANWETAN][1], "MAMPU", reason="ASN")
    response = page(client_for, "pimpinan")
    figures = response.context["figures"]
    assert figures.in_scope.keluarga == 4 and figures.verified.keluarga == 2
    assert figures.removed.keluarga == 1
    html = response.content.decode()
    assert 'data-role-page="leadership"' in html and "<script" not in html
    assert response.context["p0"] is not None
    assert reverse("progress") in html and reverse("indicators") in html
    for family in registry.all_families:  # aggregates only: never a name
        assert family.kepala_keluarga not in html


# --- every role page is light and lands after login -----------------------------------------


@pytest.mark.parametrize("persona", ["operator_desa", "operator_kecamatan", "pejabat", "opd",
                                     "pimpinan"])
def test_role_pages_load_no_script_and_no_plotly(client_for, assigned, campaign, persona):
    html = page(client_for, persona).content.decode()
    assert "<script" not in html and "plotly" not in html.lower()


@pytest.mark.parametrize(("username", "role", "area", "agency", "marker"), [
    ("desa.malesanwetan", "operator_desa", MALESANWETAN, "", "desa"),
    ("kec.tegalsiwalan", "operator_kecamatan", "35.13.20", "", "kecamatan"),
    ("pejabat", "pejabat", "35.13.20", "", "pejabat"),
    ("opd.dinsos", "opd", "35.13", "Dinas Sosial", "agency"),
    ("pimpinan", "pimpinan", "35.13", "", "leadership"),
])
def test_the_demo_users_land_on_their_page_after_login(gesek, campaign, username, role, area,
                                                       agency, marker):
    from tepat.accounts.models import User
    from tepat.web.management.commands.demo import demo_users

    known = [(u, str(r), a, g) for u, r, a, g in demo_users("35.13")]
    assert (username, role, area, agency) in known
    User.objects.filter(username=username).delete()
    user = User.objects.create_user(username, password="demo-sandi-2026!", role=role,
                                    area_id=area, agency=agency)
    if role == "pejabat":
        gesek.member.user = user
        gesek.member.save()
    client = Client()
    response = client.post(reverse("login"), {"username": username,
                                              "password": "demo-sandi-2026!"})
    assert response.status_code == 302 and response["Location"] == HOME
    assert f'data-role-page="{marker}"' in client.get(HOME).content.decode()


@pytest.mark.parametrize(("persona", "english"), [
    ("operator_desa", "Families without an outcome"),
    ("operator_kecamatan", "Village batches waiting for review"),
    ("pejabat", "Families (not visited first)"),
    ("opd", "Spent against budget"),
    ("pimpinan", "Data verification and validation"),
])
def test_role_pages_speak_english_when_asked(client_for, assigned, campaign, users, persona,
                                             english):
    users.opd.agency = "dinsos"
    users.opd.save()
    client = client_for(persona)
    client.post(reverse("set_language"), {"language": "en", "next": HOME})
    html = client.get(HOME).content.decode()
    assert english in html and ">Home<" in html


# Queries of each role page on the small scene (session, user and the page's own reads):
# grouped counts, no query per row. A new per-row query fails here.
MAX_QUERIES = {"operator_desa": 10, "operator_kecamatan": 11, "pejabat": 13, "opd": 9,
               "pimpinan": 7}


@pytest.mark.parametrize("persona", sorted(MAX_QUERIES))
def test_role_pages_read_a_fixed_number_of_queries(client_for, assigned, campaign, users,
                                                   persona, more_families, submit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users.opd.agency = "perkim"
    users.opd.save()
    more_families(MALESANWETAN, 12)  # registry rows the pages must not read one by one
    submit(assigned["Sutrisno"].family)
    client = client_for(persona)
    client.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    assert len(queries) <= MAX_QUERIES[persona], [q["sql"][:120] for q in queries]


def test_the_pejabat_page_reads_no_query_per_family(client_for, assigned, gesek, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tepat.gesek import services

    def count() -> int:
        client = client_for("pejabat")
        client.get(HOME)
        with CaptureQueriesContext(connection) as queries:
            client.get(HOME)
        return len(queries)

    two = count()
    services.reassign(assigned["Misnati"], gesek.member, actor=users.admin, why="uji")
    for head in ("Misnati", "Sutrisno"):
        services.record_visit(assigned[head], actor=users.pejabat, visited_on=date(2024, 5, 3))
        services.record_need(assigned[head], "RTLH", actor=users.pejabat)
    assert len(page(client_for, "pejabat").context["rows"]) == 3
    assert count() == two
