"""The cohort page of two target lists (issue 17 §5): counts per kecamatan of the user's area,
a download of the same table, and who may open it."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from history_helpers import three_lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(registry, users):
    return three_lists(registry, users)


def _url(lists, name="cohort", *args) -> str:
    return reverse(name, args=args) + f"?dari={lists.earlier.pk}&ke={lists.later.pk}"


def _total(response):
    return response.context["result"].table.total


def test_the_admin_sees_the_regency_per_kecamatan(client_for, lists):
    response = client_for("admin").get(_url(lists))
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.kecamatan for row in result.table.rows] == ["35.13.01", "35.13.20"]
    html = response.content.decode()
    for text in ("Kohort daftar sasaran", "Graduasi (sudah mampu)", "Pindah domisili",
                 "Kembali miskin (re-entry)", "Sukapura", "Tegalsiwalan", "Jumlah"):
        assert text in html, text


def test_the_page_defaults_to_the_latest_list_and_its_previous(client_for, lists):
    result = client_for("pimpinan").get(reverse("cohort")).context["result"]
    assert (result.earlier, result.later) == (lists.earlier, lists.later)


def test_a_kecamatan_user_sees_only_their_kecamatan(client_for, lists):
    response = client_for("operator_kecamatan").get(_url(lists))
    result = response.context["result"]
    assert [row.kecamatan for row in result.table.rows] == ["35.13.20"]
    assert (_total(response).earlier.keluarga, _total(response).earlier.jiwa) == (3, 7)
    assert "Sukapura" not in response.content.decode()
    other = client_for("operator_other_kecamatan").get(_url(lists))
    assert _total(other).earlier.keluarga == 1 and _total(other).joined["kembali"].keluarga == 0


@pytest.mark.parametrize("persona", ["operator_desa", "no_area"])
def test_a_desa_operator_may_not_open_it(client_for, lists, persona):
    assert client_for(persona).get(_url(lists)).status_code == 403
    assert client_for(persona).get(_url(lists, "cohort_export", "csv")).status_code == 403


def test_lists_in_the_wrong_order_are_refused_with_a_message(client_for, lists):
    url = reverse("cohort") + f"?dari={lists.later.pk}&ke={lists.earlier.pk}"
    response = client_for("admin").get(url)
    assert response.context["result"] is None
    assert "Daftar awal harus ditetapkan sebelum daftar berikutnya." in response.content.decode()


def test_the_csv_download_is_the_table_with_units(client_for, lists):
    response = client_for("operator_kecamatan").get(_url(lists, "cohort_export", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert "Daftar awal (keluarga)" in rows[0] and "Daftar awal (jiwa)" in rows[0]
    assert [r[1] for r in rows[1:]] == ["Tegalsiwalan", "Jumlah"]
    assert rows[-1][2:4] == ["3", "7"]


def test_the_xlsx_download_holds_numbers_not_formulas(client_for, lists):
    response = client_for("admin").get(_url(lists, "cohort_export", "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values[-1][1] == "Jumlah" and values[-1][2:4] == [4, 9]
    assert not any(isinstance(v, str) and v.startswith("=") for row in values for v in row)


def test_the_page_takes_a_bounded_number_of_queries(client_for, lists,
                                                    django_assert_max_num_queries):
    client = client_for("admin")
    client.get(_url(lists))
    # session, user, the lists, outcomes, per list the groups and the single families,
    # re-entries, kecamatan names, the area: none grows with the lists' size
    with django_assert_max_num_queries(12):
        client.get(_url(lists))
