"""Onboarding (issue 19 §2): the admin creates one account or many from a list (check, preview,
confirm), prints the activation sheet of each kecamatan and re-issues codes (reactivation sits
next to deactivation in `users_admin`); a new user activates their account with the code from
the sheet.

The activation page is public; its code goes in a form (never in a URL), and wrong codes count
against the sign-in throttle (django-axes, per user name and address, as at the login). A role
that requires two-factor goes from the activation straight into the enrolment, and its first
session opens only after it (the pending login of the two-step login).
"""

from __future__ import annotations

import io
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import mfa, onboarding, roles, sessions
from tepat.accounts.decorators import recent_auth_required
from tepat.accounts.models import User
from tepat.core.spreadsheet import workbook
from tepat.lib.errors import RuleError
from tepat.web.access import no_store, role_required
from tepat.web.forms import add_problems
from tepat.web.forms_users import (
    ActivationForm,
    NewUserForm,
    SheetForm,
    UserListForm,
)

manage_users = role_required(roles.can_manage_users)
SESSION_KEY = "tepat_user_imports"  # token -> {"name", "sha256"}
STAGED_HOURS = 24
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- the printed sheet ---------------------------------------------------------------------------


def _sheet(request: HttpRequest, issued: list[onboarding.Issued], *, title: str) -> HttpResponse:
    """The activation sheet: shown once, right after the codes were made (they are stored
    hashed), never cached."""
    return render(request, "web/activation_sheet.html", {
        "nav": "users", "groups": onboarding.group_by_kecamatan(issued), "count": len(issued),
        "title": title,
        "activation_url": request.build_absolute_uri(reverse("activate")),
    })


# --- one user ------------------------------------------------------------------------------------


@login_required
@no_store
@require_http_methods(["GET", "POST"])
@manage_users
@recent_auth_required
def user_new(request: HttpRequest) -> HttpResponse:
    """Create one account; the answer is its activation sheet."""
    regency = onboarding.regency_of(request.user)
    form = NewUserForm(request.POST if request.method == "POST" else None, regency=regency)
    if form.is_bound and form.is_valid() and form.spec is not None:
        try:
            issued = onboarding.create_user(request.user, form.spec)
        except RuleError as error:
            add_problems(form, error)
        else:
            return _sheet(request, [issued], title=_("Akun %(user)s dibuat") % {
                "user": issued.username})
    return render(request, "web/users_new.html", {"nav": "users", "form": form},
                  status=400 if form.is_bound else 200)


# --- many users from a list ----------------------------------------------------------------------


def _staging() -> Path:
    folder = Path(settings.IMPORT_DIR) / "pengguna"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    limit = time.time() - STAGED_HOURS * 3600
    for item in folder.iterdir():
        if item.stat().st_mtime < limit:
            shutil.rmtree(item, ignore_errors=True)
    return folder


def _stage(request: HttpRequest, upload: Any, report: onboarding.UserImport) -> str:
    token = secrets.token_urlsafe(16)
    target = _staging() / token
    target.mkdir(mode=0o700)
    upload.seek(0)
    with (target / ("berkas" + Path(upload.name).suffix.lower()[:8])).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    staged = dict(request.session.get(SESSION_KEY, {}))
    for old in list(staged)[:-4]:  # a session keeps its last few previews
        shutil.rmtree(_staging() / old, ignore_errors=True)
        staged.pop(old)
    staged[token] = {"name": upload.name, "sha256": report.sha256}
    request.session[SESSION_KEY] = staged
    return token


def _staged(request: HttpRequest, token: str) -> tuple[Path | None, dict[str, str]]:
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if not meta or not token.replace("-", "").replace("_", "").isalnum():
        return None, {}
    files = list((_staging() / token).glob("berkas*")) if (_staging() / token).is_dir() else []
    return (files[0] if files else None), meta


def _unstage(request: HttpRequest, token: str) -> None:
    shutil.rmtree(_staging() / token, ignore_errors=True)
    staged = dict(request.session.get(SESSION_KEY, {}))
    staged.pop(token, None)
    request.session[SESSION_KEY] = staged


@login_required
@no_store
@require_http_methods(["GET", "POST"])
@manage_users
def users_import(request: HttpRequest) -> HttpResponse:
    """The upload form; a posted file answers with its check and preview (nothing written)."""
    posted = request.method == "POST"
    form = UserListForm(request.POST if posted else None, request.FILES if posted else None)
    report = token = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        report = onboarding.check_file(upload, actor=request.user, file_name=upload.name)
        if report.ok and report.new:
            token = _stage(request, upload, report)
    return render(request, "web/users_import.html", {
        "nav": "users", "form": form, "report": report, "token": token,
        "columns": onboarding.COLUMNS,
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@no_store
@require_POST
@manage_users
@recent_auth_required
def users_import_confirm(request: HttpRequest) -> HttpResponse:
    """Create the accounts of the previewed list (its token names it in this session only);
    the answer is the activation sheets."""
    token = request.POST.get("token", "")
    staged, meta = _staged(request, token)
    if staged is None:
        messages.error(request, _("Pratinjau ini tidak ada lagi. Unggah berkasnya lagi."))
        return redirect("users_import")
    try:
        report = onboarding.import_users(staged, actor=request.user, file_name=meta["name"])
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("users_import")
    _unstage(request, token)
    if not report.ok:
        return render(request, "web/users_import.html", {
            "nav": "users", "form": UserListForm(), "report": report, "token": None,
            "columns": onboarding.COLUMNS})
    if not report.issued:
        messages.info(request, _("Tidak ada akun baru: semua %(n)s akun di berkas ini sudah "
                                 "ada.") % {"n": len(report.existing)})
        return redirect("user_list")
    return _sheet(request, report.issued, title=_("%(n)s akun dibuat dari %(file)s") % {
        "n": len(report.issued), "file": report.file})


@login_required
@require_GET
@manage_users
def users_import_template(request: HttpRequest) -> HttpResponse:
    """An example list: the headers, one example row per role."""
    out = io.BytesIO()
    book = workbook(out)
    sheet = book.add_worksheet("Pengguna")
    sheet.write_row(0, 0, [c.header for c in onboarding.COLUMNS])
    examples = [
        ("desa.malesanwetan", "Siti Rahayu", "operator_desa", "35.13.20.2001", "0812-3456-7890",
         "", ""),
        ("kec.tegalsiwalan", "Agus Salim", "operator_kecamatan", "35.13.20", "",
         "agus@contoh.go.id", ""),
        ("dinsos.operator", "Dewi Lestari", "opd", "35.13", "081234567891", "", "Dinas Sosial"),
    ]
    for row, values in enumerate(examples, start=1):
        sheet.write_row(row, 0, values)
    sheet.set_column(0, 6, 22)
    book.close()
    response = HttpResponse(out.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = 'attachment; filename="contoh-daftar-pengguna.xlsx"'
    return response


# --- codes issued again --------------------------------------------------------------------------


@login_required
@no_store
@require_http_methods(["GET", "POST"])
@manage_users
@recent_auth_required
def activation_sheet(request: HttpRequest) -> HttpResponse:
    """New codes for every account of a kecamatan (or of the regency itself) that is not active
    yet, on one printed sheet: the old codes stop working."""
    regency = onboarding.regency_of(request.user)
    form = SheetForm(request.POST if request.method == "POST" else None, regency=regency)
    if form.is_bound and form.is_valid():
        area = form.cleaned_data["wilayah"]
        people = _not_activated(area, regency)
        if not people:
            messages.info(request, _("Tidak ada akun yang menunggu aktivasi di wilayah ini."))
            return redirect("activation_sheet")
        issued = onboarding.reissue_activation_codes(request.user, people)
        return _sheet(request, issued, title=_("Kode aktivasi baru"))
    waiting = onboarding.pending_activation(regency)
    return render(request, "web/activation_sheet_form.html", {
        "nav": "users", "form": form, "waiting": waiting,
    })


def _not_activated(area: Any, regency: Any) -> list[User]:
    if area is not None:
        return onboarding.pending_activation(area)
    return [u for u in onboarding.pending_activation(regency)
            if u.area is None or u.area.level == "kabupaten"]


@login_required
@no_store
@require_POST
@manage_users
@recent_auth_required
def user_reissue_code(request: HttpRequest, pk: int) -> HttpResponse:
    person = User.objects.select_related("area").filter(pk=pk).first()
    if person is None:
        raise Http404(_("Pengguna tidak ditemukan."))
    issued = onboarding.reissue_activation_codes(request.user, [person])
    if not issued:
        messages.error(request, _("Akun ini sudah aktif atau nonaktif: tidak ada kode baru."))
        return redirect("user_detail", pk=person.pk)
    return _sheet(request, issued, title=_("Kode aktivasi baru untuk %(user)s") % {
        "user": person.username})


# --- the activation (public) ---------------------------------------------------------------------


def _locked(request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def _lockout(request: HttpRequest) -> HttpResponse:
    return render(request, "web/lockout.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": timedelta(hours=settings.AXES_COOLOFF_TIME),
    }, status=429)


def _after_activation(request: HttpRequest, user: User) -> HttpResponse:
    """A role with two-factor: the pending login of the two-step login, then enrolment (no
    session is usable before it). Others: signed in."""
    if mfa.mfa_required(user):
        session = request.session
        session.cycle_key()
        session[sessions.PENDING] = {"user": user.pk, "backend": MODEL_BACKEND,
                                     "at": sessions.now(),
                                     "next": resolve_url(settings.LOGIN_REDIRECT_URL)}
        messages.success(request, _("Kata sandi disimpan. Peran Anda wajib memakai "
                                    "autentikasi dua langkah: daftarkan aplikasi autentikator "
                                    "sekarang."))
        return redirect("mfa_enrol")
    auth_login(request, user, backend=MODEL_BACKEND)
    messages.success(request, _("Akun Anda aktif. Selamat datang di Tepat."))
    return redirect(settings.LOGIN_REDIRECT_URL)


@no_store
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """The user name and the code from the sheet, and a new password."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = ActivationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        username = form.cleaned_data["username"].strip().lower()
        if _locked(request, username):
            return _lockout(request)
        found = onboarding.find_activation(username, form.cleaned_data["kode"])
        if found is None:
            user_login_failed.send(sender=__name__, credentials={"username": username},
                                   request=request)
            if getattr(request, "axes_locked_out", False):
                return _lockout(request)
            form.add_error("kode", _("Nama pengguna atau kode aktivasi salah, atau kodenya sudah "
                                     "dipakai atau kedaluwarsa. Periksa lembar aktivasi Anda."))
        else:
            try:
                user = onboarding.activate_account(found, form.cleaned_data["new_password1"])
            except RuleError as error:
                add_problems(form, error)
            else:
                return _after_activation(request, user)
    return render(request, "web/activate.html", {"form": form},
                  status=400 if form.is_bound else 200)


urlpatterns = [
    path("aktivasi/", activate, name="activate"),
    path("pengguna/baru/", user_new, name="user_new"),
    path("pengguna/impor/", users_import, name="users_import"),
    path("pengguna/impor/konfirmasi/", users_import_confirm, name="users_import_confirm"),
    path("pengguna/impor/contoh.xlsx", users_import_template, name="users_import_template"),
    path("pengguna/lembar-aktivasi/", activation_sheet, name="activation_sheet"),
    path("pengguna/<int:pk>/kode-aktivasi/", user_reissue_code, name="user_reissue_code"),
]
