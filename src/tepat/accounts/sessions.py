"""What a session knows about its login, and ending every session of a user.

Stamps kept in the session (seconds since the epoch):
- LOGIN_AT: the login; the absolute timeout (SESSION_COOKIE_AGE, env SESSION_MAX_SECONDS)
  counts from here.
- SEEN_AT: the last request; the idle timeout (SESSION_IDLE_SECONDS) counts from here.
- AUTH_AT: the last time the user proved who they are (login or re-authentication);
  `recent_auth_required` compares it with its max_age.
- MFA_OK: the second factor was checked in this session; MFA_ENROLLED: the user had an
  authenticator when the session began (so the guard needs no query per request).

The stamps are set on Django's `user_logged_in` signal, so that every way of logging in
(the two-step login, and the test client's `force_login`) starts a fresh, recent session.
"""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

LOGIN_AT = "tepat.login_at"
SEEN_AT = "tepat.seen_at"
AUTH_AT = "tepat.auth_at"
MFA_OK = "tepat.mfa_ok"
MFA_ENROLLED = "tepat.mfa_enrolled"
PENDING = "tepat.pending_login"  # password right, second factor not yet: {user, backend, at}
VERIFIED_ATTR = "_tepat_mfa_verified"  # set on the request by the code step before login()


def now() -> float:
    return time.time()


def mark_authenticated(session: Any) -> None:
    """The user just proved who they are again (password, and code if enrolled)."""
    session[AUTH_AT] = now()


def auth_age(session: Any) -> float | None:
    stamp = session.get(AUTH_AT)
    return None if stamp is None else now() - stamp


@receiver(user_logged_in, dispatch_uid="tepat.accounts.sessions.logged_in")
def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from tepat.accounts.mfa import has_mfa
    from tepat.accounts.models import UserSession

    session = getattr(request, "session", None)
    if session is None:
        return
    stamp = now()
    session[LOGIN_AT] = stamp
    session[SEEN_AT] = stamp
    session[AUTH_AT] = stamp
    session[MFA_OK] = bool(getattr(request, VERIFIED_ATTR, False))
    session[MFA_ENROLLED] = session[MFA_OK] or has_mfa(user)
    session.pop(PENDING, None)
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(session_key=session.session_key,
                                         defaults={"user": user})
    # Index rows of sessions past the absolute timeout can only point at dead sessions.
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=cutoff).delete()


@receiver(user_logged_out, dispatch_uid="tepat.accounts.sessions.logged_out")
def _on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from tepat.accounts.models import UserSession

    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def end_sessions(user: Any, *, keep: str | None = None) -> int:
    """Delete every stored session of `user` but the one whose key is `keep` (call inside the
    service's transaction, after raising `user.session_epoch` or changing the password, which
    also stops any session the index missed). Returns how many sessions were ended."""
    from tepat.accounts.models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    keys = list(others.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    others.delete()
    return len(keys)


def keep_after_password_change(request: Any, user: Any) -> None:
    """Keep this session signed in after the user changed their password: Django's
    update_session_auth_hash (which rotates the session key), and the index follows the key."""
    from tepat.accounts.models import UserSession

    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    UserSession.objects.filter(session_key=old_key).update(
        session_key=request.session.session_key)
