"""List tools of the family list (issue 19 §6): sort by column, filters by flag, outcome,
target list, desil, kecamatan → desa and import, numbered pages with a jump, the export of the
filtered list with a purpose, and the import result's flag counts linking to the families."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, heads, leaked_numbers

pytestmark = pytest.mark.django_db

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
LIST, EXPORT = reverse("families"), reverse("family_export")
WHY = {"jenis_tujuan": "pemeriksaan", "tujuan": "Rapat koordinasi TKPK"}


def _order(response) -> list[str]:
    return [f.kepala_keluarga for f in response.context["page"].object_list]


# --- sorting --------------------------------------------------------------------------------


def test_the_list_sorts_by_a_column_both_ways(client_for, registry):
    client = client_for("operator_kecamatan")
    names = sorted(f.kepala_keluarga for d in (MALESANWETAN, GUNUNGBEKEL)
                   for f in registry.families[d])
    assert _order(client.get(LIST, {"urut": "nama"})) == names
    assert _order(client.get(LIST, {"urut": "-nama"})) == names[::-1]


def test_equal_values_keep_a_stable_order_by_id(client_for, registry):
    by_desil = client_for("admin").get(LIST, {"urut": "desil"})
    rows = [(f.desil, f.kepala_keluarga, f.pk) for f in by_desil.context["page"].object_list]
    assert rows == sorted(rows)


def test_the_sorted_column_says_so_to_screen_readers_and_keeps_the_filters(client_for,
                                                                           registry):
    html = client_for("admin").get(LIST, {"desil": "1", "urut": "nama", "page": "1"}
                                   ).content.decode()
    assert 'aria-sort="ascending"><a class="sort" href="?desil=1&amp;urut=-nama">' in html
    assert 'href="?desil=1&amp;urut=desil"' in html  # another column: ascending, page dropped
    assert html.count("aria-sort=") == 1


@pytest.mark.parametrize("value", ["kepala_keluarga", "-nik", "nama;drop", "x" * 500, "--nama"])
def test_an_unknown_sort_key_gives_the_default_order(client_for, registry, value):
    client = client_for("operator_desa")
    default = _order(client.get(LIST))
    response = client.get(LIST, {"urut": value})
    assert response.status_code == 200
    assert _order(response) == default


# --- filters ---------------------------------------------------------------------------------


def test_the_flag_filter_finds_families_flagged_themselves_or_through_a_member(client_for,
                                                                                registry):
    client = client_for("admin")
    assert heads(client.get(LIST, {"catatan": "KK_DUPLICATE"})) == {"Misnati"}
    # the third member of every family of 3 or more carries NIK_DUPLICATE (tests/conftest.py)
    assert heads(client.get(LIST, {"catatan": "NIK_DUPLICATE"})) == {
        "Sutrisno", "Abdul Rahman", "Hasan Basri"}


def test_the_flag_filter_matches_whole_codes_only(client_for, registry):
    from tepat.registry.models import Family

    sutrisno = registry.families[MALESANWETAN][0]
    Family.objects.for_area(MALESANWETAN).filter(pk=sutrisno.pk).update(
        flags="KK_DUPLICATE_X,NIK_LENGTH")
    client = client_for("admin")
    assert heads(client.get(LIST, {"catatan": "KK_DUPLICATE"})) == {"Misnati"}
    assert "Sutrisno" in heads(client.get(LIST, {"catatan": "NIK_LENGTH"}))


def test_the_flag_filter_offers_each_flag_by_its_text(client_for, registry):
    form = client_for("admin").get(LIST).context["form"]
    labels = dict(form.fields["catatan"].choices)
    assert labels["KK_DUPLICATE"] == "No. KK yang sama tercatat pada lebih dari satu keluarga"


def test_the_outcome_filter_reads_the_current_campaign(client_for, registry, campaign,
                                                       verification_of):
    from tepat.verification.models import Verification

    misnati = registry.families[MALESANWETAN][1]
    Verification.objects.for_area(MALESANWETAN).filter(pk=verification_of(misnati).pk).update(
        outcome="PINDAH")
    client = client_for("admin")
    assert heads(client.get(LIST, {"hasil": "PINDAH"})) == {"Misnati"}
    assert heads(client.get(LIST, {"hasil": "BELUM"})) == {"Sutrisno", "Siti Aminah", "Poniti"}


def test_without_a_campaign_there_is_no_outcome_filter(client_for, registry):
    response = client_for("admin").get(LIST, {"hasil": "PINDAH"})
    assert not response.context["form"].show_hasil
    assert heads(response) == set()  # a tampered value: an error, no rows


def test_the_target_list_filter(client_for, registry, target_list):
    response = client_for("operator_kecamatan").get(LIST, {"daftar": target_list.pk})
    assert heads(response) == {"Sutrisno", "Misnati", "Siti Aminah"}  # Poniti: not the area
    assert heads(client_for("admin").get(LIST, {"daftar": 99999})) == set()


def test_the_import_filter_lists_the_families_that_edition_carried(client_for, registry):
    from tepat.registry.models import FamilyEdition

    carried = registry.families[GUNUNGBEKEL]
    FamilyEdition.objects.bulk_create(
        FamilyEdition(batch=registry.batch, family=f, change="added", row_hash="h")
        for f in carried)
    response = client_for("admin").get(LIST, {"impor": registry.batch.pk})
    assert heads(response) == {f.kepala_keluarga for f in carried}
    assert f"impor #{registry.batch.pk}" in response.content.decode()
    assert heads(client_for("admin").get(LIST, {"impor": 99999})) == set()
    assert heads(client_for("admin").get(LIST, {"impor": "abc"})) == set()


def test_a_desa_operator_has_no_kecamatan_filter_and_cannot_filter_into_another_desa(
    client_for, registry
):
    client = client_for("operator_desa")
    form = client.get(LIST).context["form"]
    assert not form.show_kecamatan and not form.show_desa
    for params in ({"desa": GUNUNGBEKEL}, {"kecamatan": SUKAPURA}, {"desa": NGADISARI},
                   {"desa": GUNUNGBEKEL, "catatan": "NIK_DUPLICATE"}):
        response = client.get(LIST, params)
        assert response.status_code == 200
        assert heads(response) == set(), params


def test_the_desa_list_follows_the_chosen_kecamatan(client_for, registry):
    form = client_for("admin").get(LIST, {"kecamatan": SUKAPURA}).context["form"]
    codes = {code for code, _label in form.fields["desa"].choices if code}
    assert codes and all(code.startswith(SUKAPURA + ".") for code in codes)


def test_two_desa_of_one_name_are_told_apart_by_their_kecamatan(client_for, registry):
    from tepat.regions.models import Region

    Region.objects.filter(code__in=[MALESANWETAN, NGADISARI]).update(name="Sumberan")
    labels = dict(client_for("admin").get(LIST).context["form"].fields["desa"].choices)
    assert labels[MALESANWETAN] == "Sumberan (Kec. Tegalsiwalan)"
    assert labels[NGADISARI] == "Sumberan (Kec. Sukapura)"
    assert labels[GUNUNGBEKEL] == "Gunungbekel"


# --- pages -----------------------------------------------------------------------------------


def test_numbered_pages_with_gaps_and_a_jump_that_keeps_the_filters(client_for, registry,
                                                                    more_families, monkeypatch):
    monkeypatch.setattr("tepat.web.views.families.PAGE_SIZE", 10)
    more_families(GUNUNGBEKEL, 100)  # 108 families: 11 pages of 10
    response = client_for("admin").get(LIST, {"desil": "1", "urut": "nama", "page": 6})
    assert response.context["page"].paginator.num_pages == 3  # 25 + 3 of desil 1: page 3
    response = client_for("admin").get(LIST, {"urut": "nama", "page": 6})
    html = response.content.decode()
    assert response.context["page"].paginator.num_pages == 11
    assert 'aria-current="page" class="current">6</a>' in html
    assert 'href="?urut=nama&amp;page=1">1</a>' in html
    assert 'href="?urut=nama&amp;page=11">11</a>' in html
    assert 'href="?urut=nama&amp;page=2">2</a>' not in html  # 1 … 4 5 [6] 7 8 … 11
    assert 'href="?urut=nama&amp;page=4">4</a>' in html
    assert html.count("…</span>") == 2
    jump = html.split('class="page-jump"')[1]
    assert '<input type="hidden" name="urut" value="nama">' in jump
    assert 'name="page" min="1" max="11" value="6"' in jump


@pytest.mark.parametrize("page", ["abc", "-1", "0", str(10**9), "1e3", ""])
def test_a_hostile_page_number_answers_cleanly(client_for, registry, more_families, page):
    more_families(GUNUNGBEKEL, 60)
    response = client_for("admin").get(LIST, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number in (1, 2)


# --- export ----------------------------------------------------------------------------------


def _sheet(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
                .iter_rows(values_only=True))


def test_the_export_asks_a_purpose_first(client_for, registry):
    from tepat.audit.models import AccessEvent

    client = client_for("operator_kecamatan")
    response = client.get(EXPORT, {"desil": "1"})
    assert response.status_code == 200
    assert response.context["count"] == 3
    refused = client.post(EXPORT + "?desil=1", {**WHY, "tujuan": "x"})
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")
    assert not AccessEvent.objects.exists()


def test_the_export_writes_the_filtered_sorted_list_masked_and_logs_it(client_for, registry,
                                                                       users):
    from tepat.audit.models import AccessEvent, AuditEvent

    client = client_for("operator_kecamatan")
    response = client.post(EXPORT + "?desil=1&urut=-nama", {**WHY, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="keluarga-35.13.20')
    rows = _sheet(response.content)
    assert rows[0][:6] == ("No.", "Kecamatan", "Desa/kelurahan", "Kepala keluarga",
                           "NIK kepala keluarga", "No. KK")
    assert [row[3] for row in rows[1:]] == ["Sutrisno", "Siti Aminah", "Misnati"]
    misnati = registry.families[MALESANWETAN][1]
    assert (misnati.nik_masked, misnati.no_kk_masked) == rows[3][4:6]
    assert "No. KK yang sama tercatat pada lebih dari satu keluarga" in rows[3][9]
    text = " ".join(str(cell) for row in rows for cell in row)
    assert not leaked_numbers(text, registry.numbers) and not FULL_NUMBER.findall(text)
    access = AccessEvent.objects.get()
    assert (access.actor, access.action, access.object_id, access.purpose_code) == (
        users.operator_kecamatan, "export", TEGALSIWALAN, "pemeriksaan")
    event = AuditEvent.objects.get(action="registry.family_list.exported")
    assert event.data == {"filters": {"desil": "1"}, "rows": 3, "format": "xlsx",
                          "nik_kk": "masked", "purpose_code": "pemeriksaan"}


def test_the_csv_export_and_a_search_that_is_never_logged_in_full(client_for, registry):
    from tepat.audit.models import AuditEvent

    client = client_for("admin")
    nik = registry.families[GUNUNGBEKEL][0].nik
    found = client.post(LIST, {"q": nik})["Location"]  # /keluarga/?cari=<token>
    response = client.post(EXPORT + found.split(LIST)[1], {**WHY, "format": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line[3] for line in lines[1:]] == ["Siti Aminah"]
    event = AuditEvent.objects.get(action="registry.family_list.exported")
    assert event.data["rows"] == 1 and nik not in str(event.data)
    assert event.data["filters"]["cari"].count("*") >= 6


def test_a_reveal_role_may_ask_for_full_numbers_within_the_reveal_limit(client_for, registry,
                                                                        settings):
    from tepat.audit.models import AccessEvent, AuditEvent

    client = client_for("operator_desa")
    response = client.post(EXPORT, {**WHY, "format": "xlsx", "nomor_lengkap": "on"})
    sutrisno = registry.families[MALESANWETAN][0]
    rows = _sheet(response.content)
    assert (sutrisno.nik, sutrisno.no_kk) in {row[4:6] for row in rows}
    assert sorted(AccessEvent.objects.values_list("action", flat=True)) == ["export", "reveal"]
    assert AuditEvent.objects.get(action="registry.family_list.exported").data["nik_kk"] == "full"
    settings.TEPAT_REVEAL_LIMIT_PER_HOUR = 1
    over = client.post(EXPORT, {**WHY, "format": "xlsx", "nomor_lengkap": "on"})
    assert over.status_code == 429 and "Batas membuka NIK/KK" in over.content.decode()
    assert AccessEvent.objects.filter(action="export").count() == 1


def test_a_role_that_may_not_reveal_gets_masked_numbers_whatever_it_asks(client_for, registry):
    response = client_for("opd").post(EXPORT, {**WHY, "format": "xlsx", "nomor_lengkap": "on"})
    text = " ".join(str(cell) for row in _sheet(response.content) for cell in row)
    assert not leaked_numbers(text, registry.numbers)


def test_leadership_cannot_export_the_list(client_for, registry):
    from tepat.audit.models import AccessEvent

    client = client_for("pimpinan")
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, {**WHY, "format": "xlsx"}).status_code == 403
    assert not AccessEvent.objects.exists()


def test_an_export_with_a_filter_outside_the_area_is_empty(client_for, registry):
    response = client_for("operator_desa").post(EXPORT + f"?desa={NGADISARI}",
                                                {**WHY, "format": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == 1  # the header only


# --- the import result ------------------------------------------------------------------------


def test_the_import_result_links_each_flag_count_to_the_flagged_families(client_for, registry):
    from tepat.registry.models import BatchStatus, FamilyEdition, SourceBatch

    batch = registry.batch
    SourceBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, flag_counts={"keluarga": {"KK_DUPLICATE": 1},
                                              "individu": {"NIK_DUPLICATE": 3}})
    FamilyEdition.objects.bulk_create(
        FamilyEdition(batch=batch, family=f, change="added", row_hash="h")
        for f in registry.all_families if f.source == "p3ke")
    client = client_for("admin")
    html = client.get(reverse("import_detail", args=[batch.pk])).content.decode()
    link = f'{LIST}?catatan=KK_DUPLICATE&amp;impor={batch.pk}'
    assert f'<a href="{link}"><span class="badge' in html
    assert "No. KK yang sama tercatat pada lebih dari satu keluarga</span></a>" in html
    assert ">KK_DUPLICATE<" not in html
    flagged = client.get(LIST, {"catatan": "NIK_DUPLICATE", "impor": batch.pk})
    assert heads(flagged) == {"Sutrisno", "Abdul Rahman", "Hasan Basri"}


# --- the target list ----------------------------------------------------------------------------


def test_a_target_list_sorts_by_column_and_its_export_follows(client_for, registry,
                                                              target_list):
    from openpyxl import load_workbook

    url = reverse("target_list_detail", args=[target_list.pk])
    client = client_for("admin")
    response = client.get(url, {"urut": "-nama"})
    names = [e.kepala_keluarga for e in response.context["page"].object_list]
    assert names == ["Sutrisno", "Siti Aminah", "Poniti", "Misnati"]
    assert 'aria-sort="descending"' in response.content.decode()
    assert client.get(url, {"urut": "no_kk"}).status_code == 200  # not a key: default order
    export = client.post(reverse("target_list_export", args=[target_list.pk]) + "?urut=-nama",
                         {**WHY, "jenis_tujuan": "pemeriksaan"})
    rows = list(load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == names
