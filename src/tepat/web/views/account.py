"""Login in two steps, two-factor enrolment, re-authentication, the account page and the
password change, and the admin's user pages (role/area, deactivation, MFA reset, password
reset). Issue 6 §3, issue 16 §7.

The login: the password (Django's LoginView and django-axes, unchanged) → when the user's role
requires two-factor or the user has an authenticator, the session only remembers a *pending*
login (user id, backend, time; the session key is rotated) → the code step (or, for a required
role without an authenticator, enrolment) → `login()`, which rotates the session key again.
Until then the session is anonymous: nothing else opens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import mfa, roles, services, sessions
from tepat.accounts.decorators import recent_auth_required
from tepat.accounts.forms import (
    CodeForm,
    LoginForm,
    OwnPasswordForm,
    PasswordResetForm,
    ReasonForm,
    ReauthForm,
    RoleForm,
)
from tepat.accounts.models import RecoveryCode, TOTPDevice, User
from tepat.verification.errors import RuleError
from tepat.web.access import no_store, role_required
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


# --- the admin's user pages --------------------------------------------------------------------

manage_users = role_required(roles.can_manage_users)


def _user_or_404(pk: int) -> User:
    user = User.objects.select_related("area").filter(pk=pk).first()
    if user is None:
        raise Http404(_("Pengguna tidak ditemukan."))
    return user


@login_required
@require_GET
@manage_users
def user_list(request: HttpRequest) -> HttpResponse:
    people = User.objects.select_related("area").order_by("-is_active", "role", "username")
    enrolled = set(TOTPDevice.objects.filter(confirmed_at__isnull=False)
                   .values_list("user_id", flat=True))
    return render(request, "web/account_users.html", {
        "nav": "users", "people": [(u, u.pk in enrolled, mfa.mfa_required(u)) for u in people],
    })


def _user_page(request: HttpRequest, person: User, *, role_form: RoleForm | None = None,
               reason_form: ReasonForm | None = None, reset_form: ReasonForm | None = None,
               password_form: PasswordResetForm | None = None,
               status: int = 200) -> HttpResponse:
    return render(request, "web/account_user.html", {
        "nav": "users", "person": person,
        "role_form": role_form or RoleForm(initial={"peran": person.role,
                                                    "wilayah": person.area_id}),
        "reason_form": reason_form or ReasonForm(prefix="nonaktif"),
        "reset_form": reset_form or ReasonForm(prefix="reset"),
        "password_form": password_form or PasswordResetForm(prefix="sandi"),
        "has_mfa": mfa.has_mfa(person), "mfa_required": mfa.mfa_required(person),
        "is_self": person.pk == request.user.pk,
    }, status=status)


@login_required
@no_store
@require_http_methods(["GET", "POST"])
@manage_users
@recent_auth_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A user, and the form to change their role and area (asks for the password again)."""
    person = _user_or_404(pk)
    if request.method != "POST":
        return _user_page(request, person)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(request.user, person, form.cleaned_data["peran"],
                                 form.cleaned_data["wilayah"])
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Peran dan wilayah %(user)s disimpan.")
                             % {"user": person.username})
            return redirect("user_detail", pk=person.pk)
    return _user_page(request, person, role_form=form, status=400)


def _with_reason(request: HttpRequest, pk: int, *, prefix: str, form_key: str,
                 act: Callable[[User, str], str]) -> HttpResponse:
    """An admin action on a user that needs a written reason: `act(person, reason)` returns the
    success message; a refusal shows the user page again with the form's problems."""
    person = _user_or_404(pk)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            message = act(person, form.cleaned_data["alasan"])
        except RuleError as error:
            add_problems(form, error, request)
        else:
            messages.success(request, message)
            return redirect("user_detail", pk=person.pk)
    return _user_page(request, person, status=400, **{form_key: form})


@login_required
@require_POST
@manage_users
@recent_auth_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def deactivate(person: User, reason: str) -> str:
        ended = services.deactivate_user(request.user, person, reason)
        return _("Akun %(user)s dinonaktifkan; %(sessions)s sesi diakhiri.") % {
            "user": person.username, "sessions": ended}

    return _with_reason(request, pk, prefix="nonaktif", form_key="reason_form", act=deactivate)


@login_required
@require_POST
@manage_users
@recent_auth_required
def user_mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    def reset(person: User, reason: str) -> str:
        services.reset_mfa(request.user, person, reason)
        return _("Autentikator %(user)s dihapus; ia mendaftar lagi saat masuk berikutnya.") % {
            "user": person.username}

    return _with_reason(request, pk, prefix="reset", form_key="reset_form", act=reset)


@login_required
@no_store
@require_POST
@manage_users
@recent_auth_required
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The admin gives a user a temporary password; the page that follows shows it once."""
    person = _user_or_404(pk)
    form = PasswordResetForm(request.POST, prefix="sandi")
    if form.is_valid():
        try:
            temporary = services.reset_password(request.user, person, form.cleaned_data["alasan"],
                                                form.cleaned_data["kata_sandi"])
        except RuleError as error:
            add_problems(form, error, request)
        else:
            return render(request, "web/account_password_reset.html", {
                "nav": "users", "person": person, "temporary": temporary,
                "generated": not form.cleaned_data["kata_sandi"],
            })
    return _user_page(request, person, password_form=form, status=400)


urlpatterns = [
    path("masuk/kode/", login_code, name="login_code"),
    path("akun/", account, name="account"),
    path("akun/konfirmasi/", reauth, name="reauth"),
    path("akun/kata-sandi/", password_change, name="password_change"),
    path("akun/mfa/daftar/", mfa_enrol, name="mfa_enrol"),
    path("akun/mfa/kode-cadangan/", mfa_recovery_codes, name="mfa_recovery_codes"),
    path("akun/mfa/matikan/", mfa_disable, name="mfa_disable"),
    path("pengguna/", user_list, name="user_list"),
    path("pengguna/<int:pk>/", user_detail, name="user_detail"),
    path("pengguna/<int:pk>/nonaktifkan/", user_deactivate, name="user_deactivate"),
    path("pengguna/<int:pk>/reset-mfa/", user_mfa_reset, name="user_mfa_reset"),
    path("pengguna/<int:pk>/reset-kata-sandi/", user_password_reset, name="user_password_reset"),
]
