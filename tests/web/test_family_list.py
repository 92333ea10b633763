"""The family list: scoped to the area, filtered, searched without NIK/KK in any URL, paged."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from web_helpers import heads

MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"
TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
LIST = reverse("families")


def test_the_desa_operator_sees_only_their_desa(client_for, registry):
    response = client_for("operator_desa").get(LIST)
    assert heads(response) == {f.kepala_keluarga for f in registry.families[MALESANWETAN]}


def test_the_kecamatan_operator_sees_every_desa_of_their_kecamatan(client_for, registry):
    response = client_for("operator_kecamatan").get(LIST)
    expected = registry.families[MALESANWETAN] + registry.families[GUNUNGBEKEL]
    assert heads(response) == {f.kepala_keluarga for f in expected}


def test_the_admin_sees_the_whole_kabupaten(client_for, registry):
    response = client_for("admin").get(LIST)
    assert response.context["page"].paginator.count == len(registry.all_families)


def test_filters_narrow_the_list(client_for, registry):
    client = client_for("admin")
    by_desa = client.get(LIST, {"desa": GUNUNGBEKEL})
    assert heads(by_desa) == {f.kepala_keluarga for f in registry.families[GUNUNGBEKEL]}
    by_desil = client.get(LIST, {"kecamatan": TEGALSIWALAN, "desil": "1"})
    assert heads(by_desil) == {"Sutrisno", "Misnati", "Siti Aminah"}
    by_source = client.get(LIST, {"sumber": "dtsen"})
    assert heads(by_source) == {"Mukarromah"}


def test_a_kecamatan_outside_the_area_is_an_error_not_a_leak(client_for, registry):
    response = client_for("operator_kecamatan").get(LIST, {"kecamatan": SUKAPURA})
    assert response.status_code == 200
    assert heads(response) == set()
    assert "Pilihan filter tidak berlaku untuk wilayah Anda." in response.content.decode()


def test_a_desa_outside_the_chosen_kecamatan_is_refused(client_for, registry):
    response = client_for("admin").get(LIST, {"kecamatan": SUKAPURA, "desa": MALESANWETAN})
    assert heads(response) == set()


def test_the_desa_filter_offers_only_desa_of_the_area(client_for, registry):
    form = client_for("operator_kecamatan").get(LIST).context["form"]
    codes = {code for code, _label in form.fields["desa"].choices if code}
    assert codes and all(code.startswith(TEGALSIWALAN + ".") for code in codes)


def test_the_list_shows_kk_masked_and_flags_with_their_meaning(client_for, registry):
    html = client_for("operator_desa").get(LIST).content.decode()
    misnati = next(f for f in registry.families[MALESANWETAN] if f.kepala_keluarga == "Misnati")
    assert misnati.no_kk_masked in html
    assert misnati.no_kk not in html
    assert 'title="No. KK yang sama tercatat pada lebih dari satu keluarga">KK_DUPLICATE' in html


def test_the_list_is_not_cached(client_for, registry):
    response = client_for("operator_desa").get(LIST)
    assert response["Cache-Control"] == "no-store"


# --- search -----------------------------------------------------------------------------------


def _search(client, term: str, url: str = LIST):
    return client.post(url, {"q": term}, follow=True)


def _urls(response) -> list[str]:
    """Every URL the browser saw: the POST target and each redirect."""
    return [response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]] + [
        url for url, _status in response.redirect_chain
    ]


def test_search_by_head_name(client_for, registry):
    response = _search(client_for("admin"), "sutris")
    assert heads(response) == {"Sutrisno"}


def test_search_by_a_members_nik_finds_the_family_and_never_puts_it_in_a_url(
    client_for, registry
):
    member = next(p for p in registry.persons if p.hubungan == "3")  # a child, not the head
    response = _search(client_for("admin"), member.nik)
    assert heads(response) == {member.family.kepala_keluarga}
    for url in _urls(response):
        assert member.nik not in url
        assert member.nik[-8:] not in url
    assert member.nik not in response.content.decode()
    assert response.context["search_label"] == member.nik_masked


def test_search_by_kk_accepts_spaces_and_dots(client_for, registry):
    family = registry.families[GUNUNGBEKEL][1]
    spaced = f"{family.no_kk[:4]} {family.no_kk[4:8]}.{family.no_kk[8:12]}-{family.no_kk[12:]}"
    response = _search(client_for("operator_kecamatan"), spaced)
    assert heads(response) == {family.kepala_keluarga}
    assert all(family.no_kk not in url for url in _urls(response))


def test_search_by_nik_stays_inside_the_area(client_for, registry):
    outside = registry.families["35.13.01.2001"][0]
    response = _search(client_for("operator_desa"), outside.nik)
    assert heads(response) == set()


def test_a_partial_number_finds_nothing(client_for, registry):
    family = registry.families[MALESANWETAN][0]
    response = _search(client_for("admin"), family.nik[:10])
    assert heads(response) == set()
    assert "NIK/No. KK harus 16 angka" in response.content.decode()


def test_search_keeps_the_filters(client_for, registry):
    response = _search(client_for("admin"), "a", url=f"{LIST}?desa={GUNUNGBEKEL}&page=2")
    final_url = response.redirect_chain[-1][0]
    assert f"desa={GUNUNGBEKEL}" in final_url and "cari=" in final_url
    assert "page=" not in final_url
    assert heads(response) == {f.kepala_keluarga for f in registry.families[GUNUNGBEKEL]}


def test_an_unknown_search_token_is_ignored_with_a_message(client_for, registry):
    response = client_for("operator_desa").get(LIST, {"cari": "nope"})
    assert "Pencarian sudah kedaluwarsa" in response.content.decode()
    assert len(heads(response)) == len(registry.families[MALESANWETAN])


def test_an_empty_search_clears_it(client_for, registry):
    response = client_for("admin").post(LIST, {"q": "  "})
    assert response.status_code == 302
    assert response["Location"] == LIST


# --- paging and queries -----------------------------------------------------------------------


def test_the_list_pages_by_fifty(client_for, registry, more_families):
    more_families(GUNUNGBEKEL, 60)
    client = client_for("operator_kecamatan")
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 50
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == len(registry.families[MALESANWETAN]) + 62 - 50


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST, params).status_code == 200
    return len(captured)


def test_the_list_needs_the_same_few_queries_for_8_or_128_families(
    client_for, registry, more_families, django_assert_max_num_queries
):
    client = client_for("admin")
    few = _queries(client)
    more_families(MALESANWETAN, 120)
    # session, user, area, campaign, target lists (filter choices), count, page keys, rows…
    with django_assert_max_num_queries(9):
        client.get(LIST)
    assert _queries(client) == few
    assert _queries(client, page=3) == few
