"""The admin kabupaten's user pages: the list, a user's role and area, deactivation and
reactivation (issue 19 §2), two-factor reset, password reset (issue 6 §3, issue 16 §7). New
users, lists of users and activation codes are in `users_onboarding`."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import mfa, roles, services
from tepat.accounts.decorators import recent_auth_required
from tepat.accounts.forms import PasswordResetForm, ReasonForm, RoleForm
from tepat.accounts.models import TOTPDevice, User
from tepat.verification.errors import RuleError
from tepat.web.access import no_store, role_required
from tepat.web.forms import add_problems

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
               reactivate_form: ReasonForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "web/account_user.html", {
        "nav": "users", "person": person,
        "role_form": role_form or RoleForm(initial={"peran": person.role,
                                                    "wilayah": person.area_id}),
        "reason_form": reason_form or ReasonForm(prefix="nonaktif"),
        "reset_form": reset_form or ReasonForm(prefix="reset"),
        "password_form": password_form or PasswordResetForm(prefix="sandi"),
        "reactivate_form": reactivate_form or ReasonForm(prefix="aktif"),
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
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Reactivation, next to deactivation (issue 19 §2): a reason, audited."""

    def reactivate(person: User, reason: str) -> str:
        services.reactivate_user(request.user, person, reason)
        return _("Akun %(user)s aktif kembali.") % {"user": person.username}

    return _with_reason(request, pk, prefix="aktif", form_key="reactivate_form", act=reactivate)


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
    path("pengguna/", user_list, name="user_list"),
    path("pengguna/<int:pk>/", user_detail, name="user_detail"),
    path("pengguna/<int:pk>/nonaktifkan/", user_deactivate, name="user_deactivate"),
    path("pengguna/<int:pk>/aktifkan/", user_reactivate, name="user_reactivate"),
    path("pengguna/<int:pk>/reset-mfa/", user_mfa_reset, name="user_mfa_reset"),
    path("pengguna/<int:pk>/reset-kata-sandi/", user_password_reset, name="user_password_reset"),
]
