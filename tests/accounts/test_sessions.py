"""Sessions: a new key at login, idle and absolute timeouts, deactivation ends every session."""

from __future__ import annotations

import pytest
from account_helpers import is_logged_in, password_step
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tepat.accounts import services, sessions
from tepat.accounts.models import User, UserSession
from tepat.audit.models import AuditEvent
from tepat.verification.errors import RuleError


def _age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


def test_logging_in_gives_a_new_session_key(users):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    password_step(client, "operator.desa")
    after = client.session.session_key
    assert before and after and before != after
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(user=users.operator_desa, session_key=after).exists()


def test_an_idle_session_ends_with_a_message_on_the_login_page(users, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    client = Client()
    client.force_login(users.operator_desa)
    _age(client, sessions.SEEN_AT, 31 * 60)
    response = client.get(reverse("families"), follow=True)
    first = response.redirect_chain[0][0]
    assert first.startswith(reverse("login")) and "next=" in first
    assert "tidak ada aktivitas selama 30 menit" in response.content.decode()
    assert not is_logged_in(client)


def test_activity_within_the_idle_time_keeps_the_session(users):
    client = Client()
    client.force_login(users.operator_desa)
    _age(client, sessions.SEEN_AT, 29 * 60)
    assert client.get(reverse("families")).status_code == 200
    _age(client, sessions.SEEN_AT, 29 * 60)  # counted from the last request, not the login
    assert client.get(reverse("families")).status_code == 200


def test_a_session_ends_after_the_absolute_time_even_when_busy(users, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    client = Client()
    client.force_login(users.operator_desa)
    _age(client, sessions.LOGIN_AT, 12 * 3600 + 1)
    response = client.get(reverse("dashboard"), follow=True)
    assert "sudah 12 jam sejak masuk" in response.content.decode()
    assert not is_logged_in(client)


def test_deactivating_a_user_ends_all_their_sessions_at_once(users):
    phone, office = Client(), Client()
    password_step(phone, "operator.desa")
    office.force_login(users.operator_desa)
    assert is_logged_in(phone) and is_logged_in(office)
    keys = {phone.session.session_key, office.session.session_key}
    bystander = Client()
    bystander.force_login(users.operator_desa_sibling)

    ended = services.deactivate_user(users.admin, users.operator_desa, "Pindah tugas")

    assert ended == 2
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not is_logged_in(phone) and not is_logged_in(office)
    assert is_logged_in(bystander)
    users.operator_desa.refresh_from_db()
    assert users.operator_desa.is_active is False
    event = AuditEvent.objects.get(action="accounts.user.deactivated")
    assert event.actor == users.admin and event.data["reason"] == "Pindah tugas"
    assert event.data["sessions_ended"] == 2
    assert password_step(Client(), "operator.desa").status_code == 200  # cannot log in


def test_a_session_the_index_missed_still_ends(users):
    """Belt and braces: the session epoch in the session hash refuses sessions not indexed."""
    client = Client()
    client.force_login(users.operator_desa)
    UserSession.objects.all().delete()
    services.deactivate_user(users.admin, users.operator_desa, "Pindah tugas")
    User.objects.filter(pk=users.operator_desa.pk).update(is_active=True)  # even if re-enabled
    assert not is_logged_in(client)


def test_only_the_admin_kabupaten_deactivates_and_never_themselves(users):
    with pytest.raises(RuleError):
        services.deactivate_user(users.operator_kecamatan, users.operator_desa, "Pindah tugas")
    with pytest.raises(RuleError):
        services.deactivate_user(users.admin, users.admin, "Pindah tugas")
    with pytest.raises(RuleError):
        services.deactivate_user(users.admin, users.operator_desa, "  ")
    assert User.objects.filter(is_active=False).count() == 0
    assert not AuditEvent.objects.filter(action="accounts.user.deactivated").exists()


def test_logging_out_removes_the_session_from_the_index(users):
    client = Client()
    password_step(client, "operator.desa")
    assert UserSession.objects.filter(user=users.operator_desa).count() == 1
    client.post(reverse("logout"))
    assert UserSession.objects.filter(user=users.operator_desa).count() == 0


def test_index_rows_of_long_dead_sessions_are_cleaned_at_the_next_login(users, settings):
    from datetime import timedelta

    from django.utils import timezone

    old = UserSession.objects.create(user=users.operator_desa, session_key="x" * 32)
    UserSession.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
    password_step(Client(), "operator.desa")
    assert list(UserSession.objects.filter(user=users.operator_desa)
                .values_list("session_key", flat=True)) != ["x" * 32]
    assert not UserSession.objects.filter(pk=old.pk).exists()
