"""Login in two steps, two-factor enrolment, re-authentication, the account page and the
password change (issue 6 §3, issue 16 §7). The admin's user pages are in `users_admin`.

The login: the password (Django's LoginView and django-axes, unchanged) → when the user's role
requires two-factor or the user has an authenticator, the session only remembers a *pending*
login (user id, backend, time; the session key is rotated) → the code step (or, for a required
role without an authenticator, enrolment) → `login()`, which rotates the session key again.
Until then the session is anonymous: nothing else opens.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import mfa, services, sessions
from tepat.accounts.decorators import recent_auth_required
from tepat.accounts.forms import (
    CodeForm,
    LoginForm,
    OwnPasswordForm,
    ReauthForm,
)
from tepat.accounts.models import RecoveryCode, TOTPDevice, User
from tepat.verification.errors import RuleError
from tepat.web.access import no_store
from tepat.web.forms import add_problems

# --- the two-step login ------------------------------------------------------------------------


class TwoStepLoginView(LoginView):
    """Django's LoginView; a user who owes a second factor is not logged in yet."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    http_method_names = ["get", "post", "options"]  # not Django's put(), which is post()

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not (mfa.mfa_required(user) or mfa.has_mfa(user)):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()  # no fixation of the pending state either
        session[sessions.PENDING] = {
            "user": user.pk, "backend": user.backend, "at": sessions.now(),
            "next": self.get_success_url(),
        }
        return redirect("login_code" if mfa.has_mfa(user) else "mfa_enrol")


def _pending(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    """The user who gave the right password and owes the second factor, if not too late."""
    pending = request.session.get(sessions.PENDING)
    if not pending:
        return None, {}
    if sessions.now() - pending["at"] > settings.TEPAT_MFA_PENDING_SECONDS:
        del request.session[sessions.PENDING]
        messages.warning(request, _("Waktu untuk memasukkan kode sudah habis. Silakan masuk lagi."))
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _finish_login(request: HttpRequest, user: User, pending: dict[str, Any]) -> None:
    setattr(request, sessions.VERIFIED_ATTR, True)
    auth_login(request, user, backend=pending["backend"])  # rotates the session key


def _lockout(request: HttpRequest) -> HttpResponse:
    request.session.pop(sessions.PENDING, None)
    return render(request, "web/lockout.html", {
        "failure_limit": settings.TEPAT_MFA_FAILURE_LIMIT,
        "cooloff_timedelta": timedelta(seconds=settings.TEPAT_MFA_LOCK_SECONDS),
    }, status=429)


def _code_problem(result: services.CodeCheck) -> str:
    if result.unreadable:
        return _("Kode autentikator Anda tidak bisa diperiksa karena kunci dua langkah di server "
                 "berubah. Masuk dengan kode cadangan, atau minta admin kabupaten mereset "
                 "autentikasi dua langkah Anda.")
    if result.replayed:
        return _("Kode ini sudah dipakai. Tunggu kode berikutnya di aplikasi autentikator.")
    return _("Kode salah. Periksa jam di ponsel Anda, lalu ketik kode yang sedang tampil.")


def _recovery_warning(request: HttpRequest, result: services.CodeCheck) -> None:
    if result.used_recovery_code:
        messages.warning(request, _(
            "Anda masuk dengan kode cadangan. Sisa kode cadangan: %(left)s. Buat kode baru di "
            "halaman Akun.") % {"left": result.recovery_codes_left})


@no_store
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a TOTP code (or a recovery code) after the right password."""
    user, pending = _pending(request)
    if user is None:
        return redirect("login")
    if not mfa.has_mfa(user):
        return redirect("mfa_enrol")
    if services.mfa_locked_until(user) is not None:
        return _lockout(request)
    form = CodeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        result = services.verify_second_factor(user, form.cleaned_data["kode"])
        if result.ok:
            _finish_login(request, user, pending)
            _recovery_warning(request, result)
            return redirect(pending["next"])
        if result.locked:
            return _lockout(request)
        form.add_error("kode", _code_problem(result))
    return render(request, "web/login_code.html", {"form": form, "pending_user": user})


# --- enrolment ---------------------------------------------------------------------------------


@no_store
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: during a pending login (a role that requires it) or from the
    account page. The QR code and the secret are shown until one right code confirms them;
    then the recovery codes are shown once."""
    pending: dict[str, Any] = {}
    if request.user.is_authenticated:
        user = request.user
    else:
        user, pending = _pending(request)
        if user is None:
            return redirect("login")
    if mfa.has_mfa(user):
        return redirect("account" if request.user.is_authenticated else "login_code")
    form = CodeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            codes = services.confirm_enrolment(user, form.cleaned_data["kode"])
        except RuleError as error:
            add_problems(form, error)
        else:
            if pending:
                _finish_login(request, user, pending)
                next_url = pending["next"]
            else:
                request.session[sessions.MFA_OK] = True
                request.session[sessions.MFA_ENROLLED] = True
                sessions.mark_authenticated(request.session)
                next_url = reverse("account")
            return render(request, "web/mfa_codes.html", {"codes": codes, "next": next_url,
                                                          "first": True})
    secret = services.pending_secret(user) or services.start_enrolment(user)
    return render(request, "web/mfa_enrol.html", {
        "form": form, "secret": mfa.grouped(secret), "required": mfa.mfa_required(user),
        "qr": mfa.qr_svg(mfa.provisioning_uri(secret, user.username)),
        "issuer": settings.TEPAT_MFA_ISSUER, "nav": "account",
    })


# --- re-authentication -------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """Prove it is still you: the password, and the code if you have an authenticator."""
    user = request.user
    needs_code = mfa.has_mfa(user)
    form = ReauthForm(request.POST or None, needs_code=needs_code)
    next_url = _safe_next(request)
    if form.is_bound and form.is_valid():
        # Through authenticate(): django-axes counts and locks wrong passwords here too.
        checked = authenticate(request, username=user.get_username(),
                               password=form.cleaned_data["password"])
        if checked is None or checked.pk != user.pk:
            if getattr(request, "axes_locked_out", False):
                return _lockout(request)
            form.add_error("password", _("Kata sandi salah."))
        elif needs_code:
            result = services.verify_second_factor(user, form.cleaned_data["kode"])
            if result.locked:
                return _lockout(request)
            if not result.ok:
                form.add_error("kode", _code_problem(result))
            else:
                _recovery_warning(request, result)
        if not form.errors:
            sessions.mark_authenticated(request.session)
            return redirect(next_url)
    return render(request, "web/account_reauth.html", {
        "form": form, "next": next_url, "nav": "account",
        "minutes": settings.SESSION_REAUTH_SECONDS // 60,
    })


# --- the user's own account ----------------------------------------------------------------------


@login_required
@no_store
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    return render(request, "web/account.html", {
        "nav": "account", "device": device, "required": mfa.mfa_required(user),
        "codes_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "max_hours": settings.SESSION_COOKIE_AGE // 3600,
    })


@login_required
@no_store
@require_POST
@recent_auth_required
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.regenerate_recovery_codes(request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("account")
    return render(request, "web/mfa_codes.html", {"codes": codes, "next": reverse("account")})


@login_required
@require_POST
@recent_auth_required
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        services.disable_mfa(request.user)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        request.session[sessions.MFA_ENROLLED] = False
        request.session[sessions.MFA_OK] = False
        messages.success(request, _("Autentikasi dua langkah dimatikan."))
    return redirect("account")


@login_required
@no_store
@require_http_methods(["GET", "POST"])
@recent_auth_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one, and a recent re-authentication (with the
    code when enrolled). This session stays signed in; every other session of the user ends.
    After an admin's reset, nothing else opens until this is done (SessionSecurityMiddleware)."""
    user = request.user
    forced = user.must_change_password
    form = OwnPasswordForm(user, request.POST or None, request=request)
    valid = form.is_bound and form.is_valid()
    if getattr(request, "axes_locked_out", False):  # wrong current passwords, as at the login
        return _lockout(request)
    if valid:
        try:
            changed = services.change_password(user, form.cleaned_data["new_password1"],
                                               keep_session=request.session.session_key)
        except RuleError as error:
            add_problems(form, error)
        else:
            sessions.keep_after_password_change(request, changed)
            messages.success(request, _("Kata sandi Anda diganti. Sesi Anda di perangkat lain "
                                        "diakhiri."))
            return redirect(settings.LOGIN_REDIRECT_URL if forced else "account")
    return render(request, "web/account_password.html", {
        "form": form, "nav": "account", "forced": forced,
    })


urlpatterns = [
    path("masuk/kode/", login_code, name="login_code"),
    path("akun/", account, name="account"),
    path("akun/konfirmasi/", reauth, name="reauth"),
    path("akun/kata-sandi/", password_change, name="password_change"),
    path("akun/mfa/daftar/", mfa_enrol, name="mfa_enrol"),
    path("akun/mfa/kode-cadangan/", mfa_recovery_codes, name="mfa_recovery_codes"),
    path("akun/mfa/matikan/", mfa_disable, name="mfa_disable"),
]
