"""The admin kabupaten's campaign pages, and the target lists with their diff and exports
(issue 3 §1, §3)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, leaked_numbers

WHY = {"jenis_tujuan": "penyaluran_bantuan"}  # the purpose from the list (issue 16 §6)

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"

pytestmark = pytest.mark.django_db

PLAN = {
    "name": "Pemutakhiran P3KE 2024", "period": "2024", "source": "p3ke", "desil": ["1"],
    "opens_on": "2024-03-01", "closes_on": "2024-04-15", "finalize_by": "2024-04-22",
}


def _submit(campaign, family, actor, outcome="LAYAK", **details):
    from tepat.verification import services
    from tepat.verification.models import Verification

    v = Verification.objects.get(campaign=campaign, family=family)
    return services.save_verification(v.pk, services.Findings(outcome=outcome, **details),
                                      actor=actor, expected_version=v.version, submit=True)


@pytest.fixture
def lists(campaign, registry, users):
    """The 2023 list (every desil-1 family) and the 2024 list of the finalized campaign:
    Sutrisno changed (one member fewer), Misnati moved away, Siti Aminah became ASN, Poniti
    never verified (carried over), Wagiman proposed and approved."""
    from tepat.verification import campaigns, services

    earlier = campaigns.register_list(
        campaigns.scope_families(campaign, users.admin),
        campaigns.Decree("Daftar sasaran 2023", 2023, "SK 400/1/2023", date(2023, 5, 2)),
        actor=users.admin)
    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    siti = registry.families[GUNUNGBEKEL][0]
    member = sutrisno.members.exclude(hubungan="1").first()
    _submit(campaign, sutrisno, users.operator_desa, corrections=[
        {"op": "remove", "person": member.pk, "why": "meninggal"}])
    _submit(campaign, misnati, users.operator_desa, "PINDAH", destination="Surabaya")
    _submit(campaign, siti, users.admin, "MAMPU", reason="ASN")
    proposal = services.propose_family(campaign, MALESANWETAN, services.NewFamily(
        kepala_keluarga="Wagiman", members=[{"nama": "Wagiman", "nik": "", "hubungan": "1",
                                             "jenis_kelamin": "1",
                                             "tanggal_lahir": "1970-01-01"}]),
        actor=users.operator_desa, submit=True)
    services.review_desa(campaign, MALESANWETAN, actor=users.operator_kecamatan, approve=True)
    services.review_desa(campaign, GUNUNGBEKEL, actor=users.operator_kecamatan, approve=True)
    services.review_proposal(proposal.pk, actor=users.operator_kecamatan, approve=True)
    campaigns.close_campaign(campaign, actor=users.admin)
    new = campaigns.finalize_campaign(campaign, campaigns.Decree(
        "Daftar sasaran 2024", 2024, "SK 400/7/2024", date(2024, 4, 22), previous=earlier),
        actor=users.admin)
    return earlier, new


def _detail(pk: int) -> str:
    return reverse("campaign_detail", args=[pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa", "opd", "pejabat",
                                     "pimpinan", "no_area"])
def test_only_the_admin_kabupaten_manages_campaigns(client_for, campaign, persona):
    client = client_for(persona)
    for url in (reverse("campaign_list"), reverse("campaign_new"), _detail(campaign.pk)):
        assert client.get(url).status_code == 403, url
    for name in ("campaign_close", "campaign_finalize"):
        assert client.post(reverse(name, args=[campaign.pk])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.state == "open"


@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 200), ("operator_kecamatan", 200), ("operator_desa", 200), ("opd", 200),
    ("pejabat", 200), ("pimpinan", 403), ("no_area", 403),
])
def test_target_lists_are_for_the_roles_allowed_bnba(client_for, lists, persona, status):
    _earlier, new = lists
    client = client_for(persona)
    for url in (reverse("target_lists"), reverse("target_list_detail", args=[new.pk]),
                reverse("target_list_diff", args=[new.pk])):
        assert client.get(url).status_code == status, url


# --- campaign life --------------------------------------------------------------------------


def test_create_open_close_finalize_through_the_pages(client_for, registry, users):
    from tepat.verification.models import Campaign, TargetList

    client = client_for("admin")
    response = client.post(reverse("campaign_new"), {
        **PLAN, "kecamatan": ["35.13.20", "35.13.01"]})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(campaign.pk)
    assert (campaign.state, campaign.desil, campaign.kecamatan_scope) == (
        "draft", "1", "35.13.01,35.13.20")

    page = client.get(_detail(campaign.pk))
    assert page.context["preview"] == {"keluarga": 4, "jiwa": 9}
    assert "Akan dibekukan: 4 keluarga, 9 jiwa." in page.content.decode()

    response = client.post(reverse("campaign_open", args=[campaign.pk]),
                           {"expected_keluarga": 4}, follow=True)
    assert "Baseline dibekukan: 4 keluarga, 9 jiwa." in " ".join(_messages(response))
    campaign.refresh_from_db()
    assert (campaign.state, campaign.baseline_keluarga, campaign.baseline_jiwa) == ("open", 4, 9)

    response = client.post(reverse("campaign_close", args=[campaign.pk]), follow=True)
    assert "Centang konfirmasi dulu" in " ".join(_messages(response))  # not by a stray POST
    campaign.refresh_from_db()
    assert campaign.state == "open"
    client.post(reverse("campaign_close", args=[campaign.pk]), {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.state == "closed"

    response = client.post(reverse("campaign_finalize", args=[campaign.pk]), {
        "name": "Daftar sasaran 2024", "year": 2024, "sk_number": "SK 400/7/2024",
        "sk_date": "2024-04-22"})
    target_list = TargetList.objects.get()
    assert response["Location"] == reverse("target_list_detail", args=[target_list.pk])
    campaign.refresh_from_db()
    assert campaign.state == "finalized"
    assert (target_list.sk_number, target_list.keluarga, target_list.jiwa) == (
        "SK 400/7/2024", 4, 9)  # nothing verified: everyone carried over


def test_a_campaign_with_wrong_dates_is_refused_on_the_form(client_for, registry):
    from tepat.verification.models import Campaign

    response = client_for("admin").post(reverse("campaign_new"), {
        **PLAN, "closes_on": "2024-02-01"})
    assert response.status_code == 200
    assert "Tanggal tutup harus sesudah tanggal buka." in response.content.decode()
    assert not Campaign.objects.exists()


def test_opening_after_the_registry_moved_asks_to_check_again(client_for, registry, users,
                                                              more_families):
    from tepat.verification.campaigns import CampaignPlan, create_campaign

    campaign = create_campaign(CampaignPlan(
        name="P3KE", period="2024", source="p3ke", desil="1", opens_on=date(2024, 3, 1),
        closes_on=date(2024, 4, 1), finalize_by=date(2024, 5, 1)), actor=users.admin)
    more_families(MALESANWETAN, 1)  # desil 1: one more family in scope since the page opened
    response = client_for("admin").post(reverse("campaign_open", args=[campaign.pk]),
                                        {"expected_keluarga": 4}, follow=True)
    assert "Cakupan berubah sejak halaman dibuka: sekarang 5 keluarga." in " ".join(
        _messages(response))
    campaign.refresh_from_db()
    assert campaign.state == "draft"


def test_finalizing_is_refused_while_something_waits_for_the_kecamatan(client_for, campaign,
                                                                       registry, users):
    from tepat.verification.campaigns import close_campaign
    from tepat.verification.models import TargetList

    _submit(campaign, registry.families[MALESANWETAN][0], users.operator_desa)
    close_campaign(campaign, actor=users.admin)
    client = client_for("admin")
    page = client.get(_detail(campaign.pk)).content.decode()
    assert "Masih menunggu keputusan kecamatan: 1 verifikasi dan 0 usulan baru." in page
    response = client.post(reverse("campaign_finalize", args=[campaign.pk]), {
        "name": "Daftar sasaran 2024", "year": 2024, "sk_number": "SK 1/2024",
        "sk_date": "2024-04-22"})
    assert response.status_code == 200
    assert "Masih ada 1 verifikasi/usulan yang menunggu keputusan kecamatan" in " ".join(
        _messages(response))
    assert "SK 1/2024" in response.content.decode()  # the form keeps what was typed
    campaign.refresh_from_db()
    assert campaign.state == "closed" and not TargetList.objects.exists()


def test_finalizing_needs_the_sk_number(client_for, campaign, users):
    from tepat.verification.campaigns import close_campaign

    close_campaign(campaign, actor=users.admin)
    response = client_for("admin").post(reverse("campaign_finalize", args=[campaign.pk]), {
        "name": "Daftar sasaran 2024", "year": 2024, "sk_number": "", "sk_date": "2024-04-22"})
    assert response.status_code == 200
    assert response.context["finalize_form"].errors["sk_number"]
    campaign.refresh_from_db()
    assert campaign.state == "closed"


def test_closing_twice_is_a_message_not_a_traceback(client_for, campaign, users):
    client = client_for("admin")
    client.post(reverse("campaign_close", args=[campaign.pk]), {"confirm": "1"})
    response = client.post(reverse("campaign_close", args=[campaign.pk]), {"confirm": "1"},
                           follow=True)
    assert response.status_code == 200
    assert "berstatus Ditutup" in " ".join(_messages(response))


def test_the_admin_decides_a_change_request_after_finalization(client_for, campaign, lists,
                                                               registry, users):
    from tepat.verification.campaigns import request_change
    from tepat.verification.models import Verification

    v = Verification.objects.get(campaign=campaign, family=registry.families[MALESANWETAN][0])
    change = request_change(v, actor=users.operator_desa, outcome="MENINGGAL",
                            why="Kepala keluarga meninggal 2 Mei")
    client = client_for("admin")
    page = client.get(_detail(campaign.pk)).content.decode()
    assert "Kepala keluarga meninggal 2 Mei" in page and "Meninggal / keluarga bubar" in page
    response = client.post(reverse("change_decide", args=[campaign.pk, change.pk]),
                           {"decision": "approve"}, follow=True)
    assert "Permintaan perubahan disetujui" in " ".join(_messages(response))
    v.refresh_from_db()
    change.refresh_from_db()
    assert (v.outcome, change.state) == ("MENINGGAL", "approved")


# --- target lists -------------------------------------------------------------------------------


def test_the_lists_coexist_with_their_decrees(client_for, lists):
    response = client_for("admin").get(reverse("target_lists"))
    html = response.content.decode()
    assert "SK 400/1/2023" in html and "SK 400/7/2024" in html
    earlier, new = (tl for tl in response.context["lists"][::-1])
    assert (earlier.keluarga, earlier.jiwa) == (4, 9)
    assert (new.keluarga, new.jiwa) == (3, 2 + 2 + 1)


def test_a_list_shows_only_the_entries_of_the_users_area(client_for, lists, registry):
    _earlier, new = lists
    url = reverse("target_list_detail", args=[new.pk])
    names = {e.kepala_keluarga for e in client_for("operator_kecamatan").get(url)
             .context["page"].object_list}
    assert names == {"Sutrisno", "Wagiman"}
    other = client_for("operator_other_kecamatan").get(url)
    assert {e.kepala_keluarga for e in other.context["page"].object_list} == {"Poniti"}
    admin = client_for("admin").get(url, {"kecamatan": "35.13.01"})
    assert {e.kepala_keluarga for e in admin.context["page"].object_list} == {"Poniti"}
    html = client_for("admin").get(url).content.decode()
    assert registry.families[MALESANWETAN][0].no_kk_masked in html
    assert not leaked_numbers(html, registry.numbers) and not FULL_NUMBER.findall(html)


def test_the_diff_says_what_was_added_removed_and_changed(client_for, lists, registry):
    _earlier, new = lists
    response = client_for("admin").get(reverse("target_list_diff", args=[new.pk]))
    rows = {(row.kepala_keluarga, row.change): row for row, *_ in response.context["rows"]}
    assert set(rows) == {("Wagiman", "added"), ("Misnati", "removed"),
                         ("Siti Aminah", "removed"), ("Sutrisno", "changed")}
    assert rows[("Misnati", "removed")].reason.startswith("Pindah")
    counts = response.context["counts"]
    assert counts["added"] == {"keluarga": 1, "jiwa": 1}
    assert counts["removed"] == {"keluarga": 2, "jiwa": 4}
    assert counts["changed"] == {"keluarga": 1, "jiwa": -1}
    assert response.context["old_totals"] == {"k": 4, "j": 9}
    html = response.content.decode()
    assert "Sudah mampu / tidak memenuhi kriteria (ASN)" in html
    assert not leaked_numbers(html, registry.numbers) and not FULL_NUMBER.findall(html)


def test_the_diff_filters_by_kind_and_by_area(client_for, lists):
    _earlier, new = lists
    url = reverse("target_list_diff", args=[new.pk])
    removed = client_for("admin").get(url, {"jenis": "removed"}).context["rows"]
    assert {row.kepala_keluarga for row, *_ in removed} == {"Misnati", "Siti Aminah"}
    desa = client_for("operator_desa").get(url).context["rows"]
    assert {row.kepala_keluarga for row, *_ in desa} == {"Wagiman", "Misnati", "Sutrisno"}
    assert client_for("operator_other_kecamatan").get(url).context["rows"] == []


def test_the_diff_against_a_chosen_list(client_for, lists):
    earlier, new = lists
    response = client_for("admin").get(reverse("target_list_diff", args=[earlier.pk]),
                                       {"dengan": new.pk})
    rows = {(row.kepala_keluarga, row.change) for row, *_ in response.context["rows"]}
    assert ("Wagiman", "removed") in rows and ("Misnati", "added") in rows


def test_a_list_without_a_previous_one_asks_for_a_comparison(client_for, lists):
    earlier, _new = lists
    response = client_for("admin").get(reverse("target_list_diff", args=[earlier.pk]))
    assert "Pilih daftar pembanding" in response.content.decode()


# --- exports ------------------------------------------------------------------------------------


def _sheet(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def _numbers_in(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(cell) for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_list_export_is_masked_scoped_and_logged(client_for, lists, registry, users):
    from tepat.audit.models import AccessEvent

    _earlier, new = lists
    response = client_for("operator_kecamatan").post(
        reverse("target_list_export", args=[new.pk]), {**WHY, "tujuan": "Rapat TKPK April"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _sheet(response.content)
    assert rows[0][:5] == ("No.", "Kecamatan", "Desa/kelurahan", "Kepala keluarga",
                           "No. KK (disamarkan)")
    assert {row[3] for row in rows[1:]} == {"Sutrisno", "Wagiman"}  # Tegalsiwalan only
    sutrisno = registry.families[MALESANWETAN][0]
    assert sutrisno.no_kk_masked in {row[4] for row in rows}
    text = _numbers_in(response.content)
    assert not leaked_numbers(text, registry.numbers) and not FULL_NUMBER.findall(text)
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.object_id, event.purpose) == (
        users.operator_kecamatan, "export", str(new.pk), "Rapat TKPK April")


def test_an_export_needs_a_purpose(client_for, lists):
    from tepat.audit.models import AccessEvent

    _earlier, new = lists
    url = reverse("target_list_export", args=[new.pk])
    response = client_for("admin").post(url, {**WHY, "tujuan": ""})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["tujuan"]
    assert client_for("admin").get(url).status_code == 200  # the purpose form
    assert not AccessEvent.objects.exists()


def test_pimpinan_may_not_export_bnba(client_for, lists):
    from tepat.audit.models import AccessEvent

    _earlier, new = lists
    client = client_for("pimpinan")
    for name in ("target_list_export", "target_list_diff_export"):
        assert client.post(reverse(name, args=[new.pk]), {**WHY, "tujuan": "Laporan bupati"}
                           ).status_code == 403
    assert not AccessEvent.objects.exists()


def test_the_diff_export_lists_the_changes_masked_and_logged(client_for, lists, registry,
                                                             users):
    from tepat.audit.models import AccessEvent

    _earlier, new = lists
    url = reverse("target_list_diff_export", args=[new.pk]) + "?jenis=removed"
    response = client_for("admin").post(url, {**WHY, "tujuan": "Bahan rapat finalisasi"})
    rows = _sheet(response.content)
    assert rows[0][0] == "Perubahan"
    assert {(row[0], row[3]) for row in rows[1:]} == {("Keluar dari daftar", "Misnati"),
                                                      ("Keluar dari daftar", "Siti Aminah")}
    assert any(str(row[7]).startswith("Pindah") for row in rows[1:])
    text = _numbers_in(response.content)
    assert not leaked_numbers(text, registry.numbers) and not FULL_NUMBER.findall(text)
    assert AccessEvent.objects.get().purpose == "Bahan rapat finalisasi"


def test_the_list_and_diff_pages_cost_a_fixed_number_of_queries(client_for, lists,
                                                                django_assert_max_num_queries):
    _earlier, new = lists
    client = client_for("admin")
    with django_assert_max_num_queries(9):
        client.get(reverse("target_list_detail", args=[new.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("target_list_diff", args=[new.pk]))


def test_anonymous_visitors_are_sent_to_the_login_page(client, lists):
    _earlier, new = lists
    for method, url in (
        ("get", reverse("review")), ("get", reverse("campaign_list")),
        ("get", _detail(new.campaign_id)), ("post", reverse("campaign_close", args=[1])),
        ("get", reverse("target_lists")), ("get", reverse("target_list_detail", args=[new.pk])),
        ("post", reverse("target_list_export", args=[new.pk])),
        ("post", reverse("target_list_diff_export", args=[new.pk])),
    ):
        response = getattr(client, method)(url, {**WHY, "tujuan": "tanpa login"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url
