"""The family page's timeline and the comparison of two editions (issue 17 §5)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from web_helpers import leaked_numbers

from history_helpers import sutrisno_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(registry, users, gesek, campaign):
    return sutrisno_history(registry, users, gesek, campaign)


def _url(story, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("family_detail", args=[story.family.pk]) + (f"?{query}" if query else "")


def test_the_family_page_shows_the_timeline(client_for, story):
    html = client_for("operator_desa").get(_url(story)).content.decode()
    for text in ("Riwayat keluarga", "Edisi P3KE 2024-03", "Baru", "Tetap", "Berubah",
                 "Verifikasi: Pemutakhiran P3KE 2024", "Masih layak (tetap sasaran)",
                 "Masuk daftar sasaran: Daftar sasaran 2024", "SK Bupati SK 400/7/2024",
                 "Pendamping Gesek: Lilik Suryani", "Bantuan: Bedah Rumah", "Tersalurkan",
                 "Desil: 1 → 2", "Anggota masuk: Rahmat Hidayat"):
        assert text in html, text


def test_the_last_two_editions_are_compared_by_default(client_for, story):
    response = client_for("operator_desa").get(_url(story))
    comparison = response.context["comparison"]
    assert comparison.before.batch == story.batches[1].pk
    assert comparison.after.batch == story.batches[2].pk


def test_two_chosen_editions_show_fields_members_and_flags(client_for, story, registry):
    first, _second, third = story.batches
    response = client_for("operator_desa").get(_url(story, dari=first.pk, ke=third.pk))
    html = response.content.decode()
    assert "Anggota keluar" in html and story.removed.nama in html
    assert 'title="NIK_NUMERIC"' in html  # the flag raised, as a badge
    labels = [label for label, _before, _after in response.context["comparison"].fields]
    assert "desil" in labels and "NIK" in labels
    assert not leaked_numbers(html, registry.numbers | {story.new_nik, story.newcomer.nik})


def test_an_edition_of_another_family_is_refused_in_the_form(client_for, story, registry):
    other = registry.dtsen_batch.pk  # not an edition of this family
    response = client_for("operator_desa").get(_url(story, dari=other, ke=story.batches[2].pk))
    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert "Pilih dua edisi dari daftar." in response.content.decode()


def test_the_timeline_is_scoped_like_the_family_page(client_for, story):
    assert client_for("operator_other_kecamatan").get(_url(story)).status_code == 404
    assert client_for("pimpinan").get(_url(story)).status_code in (403, 404)


def test_the_family_page_takes_a_bounded_number_of_queries(client_for, story,
                                                          django_assert_max_num_queries):
    client = client_for("admin")
    client.get(_url(story))  # session, user
    # session, user, family, the page's members and regions, and 7 for the timeline
    with django_assert_max_num_queries(12):
        client.get(_url(story))
