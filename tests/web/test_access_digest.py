"""The daily access log page (issue 16 §6): the admin kabupaten sees reveals and exports per
user for a day, unusual users highlighted; every other role gets 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_log_helpers import DAY, add_events, add_limit_hit, local, make_busy_day

URL = reverse("access_digest")


@pytest.fixture
def busy_day(users):
    return make_busy_day(users)


def _day(day) -> str:
    return f"{URL}?hari={day:%Y-%m-%d}"


def test_the_admin_sees_the_day_with_the_unusual_user_highlighted(client_for, busy_day):
    response = client_for("admin").get(_day(DAY))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    unusual_rows = [row for row in html.split("<tr")[1:] if 'class="unusual"' in row]
    assert len(unusual_rows) == 2
    assert "operator.desa</a>" in unusual_rows[0] and "tidak biasa" in unusual_rows[0]
    assert "<strong>12</strong>" in unusual_rows[0]
    assert "operator.kecamatan</a>" in unusual_rows[1]
    assert "Verifikasi lapangan (10); Lainnya (2)" in html
    assert "Pengguna tidak biasa: 2." in html
    admin_row = next(row for row in html.split("<tr")[1:] if ">admin</a>" in row)
    assert 'class="unusual"' not in admin_row and "5,0" in admin_row  # the 30-day mean


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa", "opd", "pejabat",
                                     "pimpinan", "no_area"])
def test_every_other_role_gets_403(client_for, busy_day, persona):
    assert client_for(persona).get(_day(DAY)).status_code == 403


def test_an_anonymous_visitor_goes_to_the_login_page(client, busy_day):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_wrong_or_future_date_shows_today(client_for, users):
    client = client_for("admin")
    wrong = client.get(f"{URL}?hari=kemarin")
    assert wrong.status_code == 200 and wrong.context["day"] == timezone.localdate()
    assert "Ditampilkan hari ini." in wrong.content.decode()
    future = client.get(_day(timezone.localdate() + timedelta(days=3)))
    assert future.context["day"] == timezone.localdate() and future.context["next"] is None


def test_the_page_is_linked_from_the_user_list(client_for, users):
    assert URL in client_for("admin").get(reverse("user_list")).content.decode()


def test_the_page_takes_as_many_queries_for_one_user_as_for_four(client_for, users):
    client = client_for("admin")
    add_events(users.admin, "reveal", 3, local(DAY))
    client.get(_day(DAY))  # the session's first touches
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(_day(DAY)).context["rows"]) == 1
    for persona in ("operator_desa", "operator_kecamatan", "operator_desa_sibling"):
        add_events(getattr(users, persona), "export", 2, local(DAY))
        add_limit_hit(getattr(users, persona), local(DAY))
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(_day(DAY)).context["rows"]) == 4
    assert len(one) == len(four)


def test_the_page_is_in_english_too(client_for, busy_day, settings):
    client = client_for("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(_day(DAY)).content.decode()
    assert "Daily access log" in html and "unusual" in html and "Field verification (10)" in html
