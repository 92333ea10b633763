"""Bahasa Indonesia first: the language is Indonesian unless the user chose another one.

Django's LocaleMiddleware follows the browser's Accept-Language, and many phones in Indonesia are
set to English; the users asked for Indonesian by default, with an explicit switch (the
language cookie written by Django's `set_language` view).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _


class ChosenLanguageMiddleware(LocaleMiddleware):
    """LocaleMiddleware without Accept-Language: the language cookie, else LANGUAGE_CODE."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


# --- sessions and two-factor authentication (issue 6 §3) ---------------------------------------

# Pages a logged-in user who still owes the second factor may open.
_MFA_EXEMPT = frozenset({"mfa_enrol", "logout", "set_language", "login"})
# Pages a user who must change their password (after an admin's reset) may open.
_PASSWORD_EXEMPT = _MFA_EXEMPT | {"password_change", "login_code", "reauth", "plotly_js"}
_SEEN_RESOLUTION = 60  # seconds: the last-seen stamp is written at most once a minute


class SessionSecurityMiddleware:
    """Idle and absolute session timeouts, the two-factor guard, and the two-step login.

    - A session idle for SESSION_IDLE_SECONDS, or older than SESSION_COOKIE_AGE
      (SESSION_MAX_SECONDS), is logged out and sent to the login page with a message saying why.
    - A user whose role requires two-factor (TEPAT_MFA_REQUIRED_ROLES), or who has an
      authenticator, and whose session did not pass the code step, is sent to enrolment
      (no authenticator yet: nothing else opens until enrolled) or logged out to the login.
    - A user whose password an admin reset (`must_change_password`) is sent to the password
      change until they chose a new one.
    - The URL named "login" is answered by the two-step login view
      (`tepat.web.views.account.TwoStepLoginView`) whatever web/urls.py points it at.
    Must come after the authentication and message middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponse],
                     view_args: tuple, view_kwargs: dict) -> HttpResponse | None:
        match = request.resolver_match
        url_name = match.url_name if match is not None else None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and url_name != "logout":
            refused = self._check_session(request, user, url_name)
            if refused is not None:
                return refused
        return None

    def _check_session(self, request: HttpRequest, user: Any,
                       url_name: str | None) -> HttpResponse | None:
        from tepat.accounts import sessions

        session = request.session
        now = sessions.now()
        login_at = session.get(sessions.LOGIN_AT)
        seen_at = session.get(sessions.SEEN_AT)
        if login_at is None:  # a session from before these stamps: start counting now
            session[sessions.LOGIN_AT] = login_at = now
            session[sessions.AUTH_AT] = now
        if now - login_at > settings.SESSION_COOKIE_AGE:
            hours = settings.SESSION_COOKIE_AGE / 3600
            return self._end(request, _(
                "Sesi Anda berakhir karena sudah %(hours)s jam sejak masuk. Silakan masuk lagi."
            ) % {"hours": f"{hours:g}"})
        if seen_at is not None and now - seen_at > settings.SESSION_IDLE_SECONDS:
            minutes = settings.SESSION_IDLE_SECONDS / 60
            return self._end(request, _(
                "Sesi Anda berakhir karena tidak ada aktivitas selama %(minutes)s menit. "
                "Silakan masuk lagi."
            ) % {"minutes": f"{minutes:g}"})
        if seen_at is None or now - seen_at >= _SEEN_RESOLUTION:
            session[sessions.SEEN_AT] = now
        return (self._second_factor(request, user, url_name)
                or self._new_password(request, user, url_name))

    def _second_factor(self, request: HttpRequest, user: Any,
                       url_name: str | None) -> HttpResponse | None:
        from tepat.accounts import sessions
        from tepat.accounts.mfa import has_mfa, mfa_required

        session = request.session
        if session.get(sessions.MFA_OK) or url_name in _MFA_EXEMPT:
            return None
        enrolled = session.get(sessions.MFA_ENROLLED)
        if not enrolled and not mfa_required(user):
            return None
        if enrolled or has_mfa(user):
            return self._end(request, _(
                "Masuk lagi dengan kata sandi dan kode dari aplikasi autentikator."))
        messages.warning(request, _(
            "Peran Anda wajib memakai autentikasi dua langkah. Daftarkan aplikasi "
            "autentikator dulu; halaman lain terbuka setelah itu."))
        return redirect("mfa_enrol")

    @staticmethod
    def _new_password(request: HttpRequest, user: Any,
                      url_name: str | None) -> HttpResponse | None:
        """After an admin's reset, nothing but the password change opens (and logout)."""
        if not getattr(user, "must_change_password", False) or url_name in _PASSWORD_EXEMPT:
            return None
        messages.warning(request, _(
            "Admin kabupaten mereset kata sandi Anda. Pilih kata sandi baru dulu; halaman lain "
            "terbuka setelah itu."))
        return redirect("password_change")

    @staticmethod
    def _end(request: HttpRequest, message: str) -> HttpResponse:
        from tepat.accounts.decorators import return_path

        path = return_path(request)
        logout(request)
        messages.warning(request, message)
        return redirect_to_login(path)
