"""The Gesek Ekstrem pages: the admin's coverage, officials, teams and assignment; the official's
own families, their visits and needs. Who may open what, and that every write is audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from web_helpers import leaked_numbers

pytestmark = pytest.mark.django_db

TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"


def entry_of(gesek, head: str):
    return gesek.target_list.entries.get(kepala_keluarga=head)


@pytest.fixture
def assigned(gesek, users):
    """Sutrisno and Siti Aminah to the `pejabat` persona's official, Misnati to another."""
    from tepat.gesek.services import reassign

    for head in ("Sutrisno", "Siti Aminah"):
        reassign(entry_of(gesek, head), gesek.member, actor=users.admin, why="uji")
    reassign(entry_of(gesek, "Misnati"), gesek.junior, actor=users.admin, why="uji")
    return gesek


ADMIN_PAGES = [
    ("gesek_home", []),
    ("gesek_officials", []),
    ("gesek_officials_import", []),
    ("gesek_team", [TEGALSIWALAN]),
    ("gesek_assign", []),
    ("gesek_assign_kecamatan", [TEGALSIWALAN]),
]


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES[1:])  # the home: leadership reads it
@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 200), ("operator_desa", 403), ("pimpinan", 403), ("opd", 403),
    ("operator_kecamatan", 403),
])
def test_admin_pages_open_only_for_the_admin_kabupaten(assigned, client_for, name, args,
                                                       persona, status):
    response = client_for(persona).get(reverse(name, args=args))
    assert response.status_code == status


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES[1:])
def test_an_official_cannot_open_the_admin_pages(assigned, client_for, name, args):
    assert client_for("pejabat").get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 200), ("pimpinan", 200), ("operator_desa", 403), ("opd", 403),
    ("operator_kecamatan", 403),
])
def test_the_coverage_home_opens_for_the_admin_and_leadership(assigned, client_for, persona,
                                                               status):
    assert client_for(persona).get(reverse("gesek_home")).status_code == status


def test_leadership_reads_the_coverage_without_the_admin_actions(assigned, client_for):
    response = client_for("pimpinan").get(reverse("gesek_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tegalsiwalan" in html
    assert reverse("gesek_assign") not in html and reverse("gesek_officials_import") not in html


def test_a_pejabat_without_an_official_record_is_refused(registry, client_for):
    assert client_for("pejabat").get(reverse("gesek_home")).status_code == 403


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(reverse("gesek_home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_official_sees_only_their_own_families_kk_masked(assigned, client_for, registry):
    response = client_for("pejabat").get(reverse("gesek_home"))
    html = response.content.decode()
    assert response.status_code == 200 and "Keluarga dampingan saya" in html
    assert {a.entry.kepala_keluarga for a in response.context["page"]} == {
        "Sutrisno", "Siti Aminah"}
    assert "Misnati" not in html
    assert not leaked_numbers(html, registry.numbers)
    assert response["Cache-Control"] == "no-store"


def test_the_family_page_opens_for_its_official_and_the_admin_only(assigned, client_for,
                                                                   registry):
    mine, other = entry_of(assigned, "Sutrisno"), entry_of(assigned, "Misnati")
    pejabat = client_for("pejabat")
    response = pejabat.get(reverse("gesek_family", args=[mine.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Anggota 2 Sutrisno" in html
    assert not leaked_numbers(html, registry.numbers)
    assert pejabat.get(reverse("gesek_family", args=[other.pk])).status_code == 404
    assert client_for("admin").get(reverse("gesek_family", args=[other.pk])).status_code == 200
    assert client_for("operator_desa").get(
        reverse("gesek_family", args=[mine.pk])).status_code == 403


def test_the_coverage_flags_kecamatan_without_a_team(assigned, client_for):
    response = client_for("admin").get(reverse("gesek_home"))
    rows = {r.kecamatan.code: r for r in response.context["rows"]}
    assert len(rows) == 24
    tegalsiwalan = rows[TEGALSIWALAN]
    assert (tegalsiwalan.team_size, tegalsiwalan.coordinator.name) == (3, "Drs. Hariyanto")
    assert (tegalsiwalan.targets, tegalsiwalan.assigned, tegalsiwalan.unassigned) == (3, 3, 0)
    assert rows[SUKAPURA].targets == 1 and rows[SUKAPURA].unassigned == 1
    assert len(response.context["without_team"]) == 22
    assert "Belum terbagi habis: 22 dari 24 kecamatan" in response.content.decode()


def test_a_manual_reassignment_is_audited_with_its_reason(assigned, client_for):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Assignment

    entry = entry_of(assigned, "Misnati")
    url = reverse("gesek_assign_kecamatan", args=[TEGALSIWALAN])
    response = client_for("admin").post(url, {
        "entry": entry.pk, "official": assigned.member.pk, "why": "rumahnya dekat kantor",
        "back": "status=belum&next=https://evil.example"})
    assert response.status_code == 302 and response["Location"] == url + "?status=belum"
    assert Assignment.objects.get(entry=entry).official == assigned.member
    event = AuditEvent.objects.filter(action="gesek.assignment.changed").latest("pk")
    assert event.data["why"] == "rumahnya dekat kantor" and event.data["entry"] == entry.pk


def test_a_reassignment_without_a_reason_or_outside_the_team_changes_nothing(
        assigned, client_for):
    from tepat.gesek.models import Assignment

    entry = entry_of(assigned, "Misnati")
    admin = client_for("admin")
    url = reverse("gesek_assign_kecamatan", args=[TEGALSIWALAN])
    admin.post(url, {"entry": entry.pk, "official": assigned.member.pk, "why": ""})
    admin.post(url, {"entry": entry.pk, "official": assigned.sukapura.pk, "why": "x"})
    assert Assignment.objects.get(entry=entry).official == assigned.junior
    other = entry_of(assigned, "Poniti")  # Sukapura: not this kecamatan's page
    response = admin.post(url, {"entry": other.pk, "official": assigned.member.pk, "why": "x"})
    assert response.status_code == 404


def test_the_official_records_a_visit_with_gps_and_photo(assigned, client_for, settings,
                                                         tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tepat.gesek.models import Visit

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (1600, 1200), (120, 90, 60)).save(picture, "JPEG")
    entry = entry_of(assigned, "Sutrisno")
    client = client_for("pejabat")
    response = client.post(reverse("gesek_visit", args=[entry.pk]), {
        "visited_on": "2024-05-02", "notes": "Atap bocor", "latitude": "-7.812345",
        "longitude": "113.201234",
        "photo": SimpleUploadedFile("rumah.jpg", picture.getvalue(), "image/jpeg")})
    assert response.status_code == 302
    visit = Visit.objects.get(entry=entry)
    assert (visit.official, visit.notes, str(visit.latitude)) == (
        assigned.member, "Atap bocor", "-7.812345")
    photo = client.get(reverse("gesek_visit_photo", args=[visit.pk]))
    assert photo.status_code == 200 and photo["Cache-Control"] == "no-store"
    other = client_for("admin")  # the admin may see it; another official may not
    assert other.get(reverse("gesek_visit_photo", args=[visit.pk])).status_code == 200


def test_a_visit_in_the_future_is_refused_next_to_its_field(assigned, client_for):
    from tepat.gesek.models import Visit

    entry = entry_of(assigned, "Sutrisno")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = client_for("pejabat").post(reverse("gesek_visit", args=[entry.pk]),
                                          {"visited_on": tomorrow})
    assert response.status_code == 200
    assert "tidak boleh di masa depan" in response.content.decode()
    assert not Visit.objects.exists()


def test_another_officials_family_cannot_be_written(assigned, client_for):
    from tepat.gesek.models import Need, Visit

    other = entry_of(assigned, "Misnati")
    client = client_for("pejabat")
    assert client.post(reverse("gesek_visit", args=[other.pk]),
                       {"visited_on": "2024-05-02"}).status_code == 404
    assert client.post(reverse("gesek_need", args=[other.pk]),
                       {"kind": "RTLH"}).status_code == 404
    assert not Visit.objects.exists() and not Need.objects.exists()


def test_a_need_is_referred_to_the_agency_of_the_programme_that_meets_it(assigned, client_for):
    from tepat.gesek.models import Need

    entry = entry_of(assigned, "Sutrisno")
    client = client_for("pejabat")
    response = client.post(reverse("gesek_need", args=[entry.pk]),
                           {"kind": "RTLH", "note": "Dinding bambu"}, follow=True)
    need = Need.objects.get(entry=entry)
    assert (need.status, need.referred_to) == ("referred", assigned.agencies.perkim)
    html = response.content.decode()
    assert "dirujuk ke Perkim" in html and "Dirujuk" in html
    page = client.get(reverse("gesek_family", args=[entry.pk]))
    assert '<optgroup label="Mengurangi kantong kemiskinan">' in page.content.decode()


def test_an_unknown_need_kind_is_refused(assigned, client_for):
    entry = entry_of(assigned, "Sutrisno")
    response = client_for("pejabat").post(reverse("gesek_need", args=[entry.pk]),
                                          {"kind": "EMAS"})
    assert response.status_code == 200 and response.context["need_form"].errors


def test_the_admin_sets_a_team_and_it_is_audited(gesek, client_for):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import TeamMember

    response = client_for("admin").post(reverse("gesek_team", args=["35.13.05"]), {
        "coordinator": gesek.sukapura.pk, "members": [gesek.junior.pk, gesek.sukapura.pk]})
    assert response.status_code == 302
    team = dict(TeamMember.objects.filter(kecamatan_id="35.13.05")
                .values_list("official__name", "role"))
    assert team == {"Ir. Bambang": "coordinator", "Agus Salim": "member"}
    assert AuditEvent.objects.filter(action="gesek.team.set", area_code="35.13.05").exists()


def test_a_team_page_of_an_unknown_kecamatan_is_404(gesek, client_for):
    assert client_for("admin").get(reverse("gesek_team", args=["35.13.99"])).status_code == 404


def test_the_admin_imports_officials_from_the_upload_page(regions, users, client_for,
                                                         tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.gesek.importing import ensure_agencies
    from tepat.gesek.models import Official

    ensure_agencies()
    header = "Nama;NIP;Jabatan;Eselon;Instansi;Lokasi kantor\n"
    good = header + "Drs. Hariyanto;197001011990031001;Kepala Dinas;II;Dinsos;35.13.20.2001\n"
    bad = header + "Lilik;12345;Kepala Bidang;III;Perkim;35.13.20.2002\n"
    client = client_for("admin")
    url = reverse("gesek_officials_import")
    response = client.post(url, {"file": SimpleUploadedFile("salah.csv", bad.encode())})
    assert response.status_code == 200
    assert "Berkas salah.csv baris 2 kolom NIP" in response.content.decode()
    assert not Official.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("pejabat.csv", good.encode())},
                           follow=True)
    assert Official.objects.get().name == "Drs. Hariyanto"
    assert "1 pejabat baru" in response.content.decode()


def test_the_auto_assignment_is_previewed_then_confirmed(gesek, client_for):
    pytest.importorskip("tepat.gesek.assigning")
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Assignment

    client = client_for("admin")
    options = {"keep_manual": "on", "quota_II": 15, "quota_III": 40, "quota_IV": 80}
    preview = client.post(reverse("gesek_assign"), {**options, "action": "preview"})
    assert preview.status_code == 200 and preview.context["report"].dry_run
    assert preview.context["report"].data["families"] == 4
    assert not Assignment.objects.exists()
    assert "Konfirmasi dan simpan penugasan" in preview.content.decode()
    done = client.post(reverse("gesek_assign"), {**options, "action": "confirm"}, follow=True)
    assert Assignment.objects.count() == 4
    assert "4 dari 4 keluarga ditugaskan" in done.content.decode()
    assert AuditEvent.objects.filter(action="gesek.assignment.auto").count() == 1


def test_a_negative_quota_is_refused_before_any_solving(gesek, client_for):
    response = client_for("admin").post(reverse("gesek_assign"), {
        "keep_manual": "on", "quota_II": -1, "quota_III": 40, "quota_IV": 80,
        "action": "preview"})
    assert response.status_code == 200 and response.context["report"] is None
    assert response.context["form"].errors["quota_II"]


def test_the_officials_list_shows_teams_and_loads(assigned, client_for):
    response = client_for("admin").get(reverse("gesek_officials"))
    loads = {o.name: o.load for o in response.context["page"]}
    assert loads == {"Drs. Hariyanto": 0, "Lilik Suryani": 2, "Agus Salim": 1, "Ir. Bambang": 0}


@pytest.mark.parametrize(("persona", "name"), [
    ("admin", "gesek_home"), ("admin", "gesek_officials"), ("admin", "gesek_assign"),
    ("pejabat", "gesek_home"),
])
def test_list_pages_take_a_fixed_number_of_queries(assigned, client_for,
                                                   django_assert_max_num_queries, persona,
                                                   name):
    client = client_for(persona)
    with django_assert_max_num_queries(16):
        assert client.get(reverse(name)).status_code == 200


def test_a_team_without_a_coordinator_is_not_saved(gesek, client_for):
    from tepat.gesek.models import TeamMember

    response = client_for("admin").post(reverse("gesek_team", args=[TEGALSIWALAN]), {})
    assert response.status_code == 200 and response.context["form"].errors["coordinator"]
    assert TeamMember.objects.filter(kecamatan_id=TEGALSIWALAN).count() == 3


def test_the_admin_enters_one_official_by_hand_and_a_bad_nip_is_explained(gesek, client_for):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Official

    client = client_for("admin")
    form = {"nip": "19750505 200003 1 005", "name": "Hj. Siti Romlah, S.Sos.",
            "position": "Sekretaris Dinas Sosial", "eselon": "III",
            "agency": gesek.agencies.dinsos.pk, "base_code": "35.13.20.2001", "active": "on"}
    response = client.post(reverse("gesek_official_new"), {**form, "nip": "1975050520000"})
    assert response.status_code == 200
    assert "NIP harus 18 angka" in response.content.decode()
    assert client.post(reverse("gesek_official_new"), form).status_code == 302
    official = Official.objects.get(nip="197505052000031005")
    assert official.eselon == "III" and official.base_id == "35.13.20.2001"
    assert AuditEvent.objects.filter(action="gesek.official.saved",
                                     object_id=str(official.pk)).exists()
    assert client_for("pimpinan").get(reverse("gesek_official_new")).status_code == 403


def test_an_official_is_corrected_by_the_admin_only(gesek, client_for):
    from tepat.gesek.models import Official

    url = reverse("gesek_official_edit", args=[gesek.junior.pk])
    assert client_for("pimpinan").get(url).status_code == 403
    assert client_for("opd").get(url).status_code == 403
    client = client_for("admin")
    assert gesek.junior.nip in client.get(url).content.decode()
    response = client.post(url, {
        "nip": gesek.junior.nip, "name": gesek.junior.name, "position": "Kepala Seksi",
        "eselon": "IV", "agency": gesek.agencies.dinkes.pk, "base_code": "35.13.20.2002"})
    assert response.status_code == 302
    assert Official.objects.get(pk=gesek.junior.pk).base_id == "35.13.20.2002"
    assert not Official.objects.get(pk=gesek.junior.pk).active  # unticked: deactivated
    assert client.get(reverse("gesek_official_edit", args=[999_999])).status_code == 404


def test_fully_assigned_is_said_only_when_every_target_family_has_an_official(rf, users):
    """Issue 19 §8: every kecamatan had a team, 641 families had no official, and the page said
    "Terbagi habis"."""
    from django.template.loader import render_to_string

    request = rf.get(reverse("gesek_home"))
    request.user = users.admin
    context = {"rows": [], "without_team": [], "read_only": False, "target_list": None,
               "totals": {"unassigned": 641, "targets": 700, "visited": 0}}
    html = render_to_string("web/gesek_home.html", context, request=request)
    assert "Belum terbagi habis: 641 keluarga sasaran belum punya pendamping." in html
    assert f'href="{reverse("gesek_assign")}"' in html and "Terbagi habis</strong>" not in html
    context["totals"] = {"unassigned": 0, "targets": 700, "visited": 0}
    html = render_to_string("web/gesek_home.html", context, request=request)
    assert 'data-coverage="complete"' in html and "Belum terbagi habis" not in html
