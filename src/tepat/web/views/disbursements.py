"""An agency's disbursement file (who was actually paid) for one programme (issue 17 §6):
upload → preview → confirm.

The upload is read, matched and planned without writing (`disbursement.preview_disbursements`);
the file waits in a private staging folder, named by a random token that only this session
knows (never a path or a name from the request). Confirming imports that very file
(`import_disbursements` checks its SHA-256) and removes it. Rows that match no family in the
user's area wait for review on the upload's page (`upload_detail`), as beneficiary-list rows do.
Access as for the beneficiary list: the admin kabupaten, or an OPD operator of the programme's
agency; another agency's programme answers 403.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tepat.interventions import disbursement
from tepat.interventions.beneficiary_file import UploadRejected
from tepat.interventions.models import Programme
from tepat.pipeline.disbursement import DISBURSEMENT_LAYOUT, FAILED, PAID
from tepat.verification.errors import RuleError
from tepat.web.access import no_store
from tepat.web.forms import add_problems
from tepat.web.forms_programmes import DisbursementForm
from tepat.web.views.programmes import get_programme_for_user, programme_required

SESSION_KEY = "tepat_disbursements"  # token -> {"programme", "sha256", "name", "file"}
STAGED_HOURS = 24  # a preview nobody confirmed is removed after this


def _staging() -> Path:
    folder = Path(settings.IMPORT_DIR) / "penyaluran"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _sweep(folder: Path) -> None:
    """Previews left unconfirmed for a day are removed."""
    limit = time.time() - STAGED_HOURS * 3600
    for item in folder.iterdir():
        if item.stat().st_mtime < limit:
            shutil.rmtree(item, ignore_errors=True)


def _stage(request: HttpRequest, programme: Programme, upload: Any,
           plan: disbursement.DisbursementPlan) -> str:
    folder = _staging()
    _sweep(folder)
    token = secrets.token_urlsafe(16)
    (folder / token).mkdir(mode=0o700)
    target = folder / token / "berkas"
    upload.seek(0)
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    staged = dict(request.session.get(SESSION_KEY, {}))
    for old in list(staged)[:-4]:  # a session keeps its last few previews
        shutil.rmtree(folder / old, ignore_errors=True)
        staged.pop(old)
    staged[token] = {"programme": programme.pk, "sha256": plan.sha256, "name": upload.name}
    request.session[SESSION_KEY] = staged
    return token


@programme_required
@no_store
@require_http_methods(["GET", "POST"])
def disbursement_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The upload form; a posted file answers with its preview (nothing written yet)."""
    programme = get_programme_for_user(request.user, pk)
    posted = request.method == "POST"
    form = DisbursementForm(request.POST if posted else None, request.FILES if posted else None)
    rejected: UploadRejected | None = None
    plan = token = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["berkas"]
        try:
            plan = disbursement.preview_disbursements(programme, upload, actor=request.user,
                                                      file_name=upload.name)
        except UploadRejected as error:
            rejected = error
        except RuleError as error:
            add_problems(form, error)
        else:
            token = _stage(request, programme, upload, plan)
    return render(request, "web/disbursement_upload.html", {
        "nav": "programmes", "programme": programme, "form": form, "rejected": rejected,
        "plan": plan, "token": token, "counts": plan.counts if plan else None,
        "problems": plan.problems[:disbursement.EXAMPLES] if plan else [],
        "columns": DISBURSEMENT_LAYOUT.columns,
    }, status=422 if rejected else 200)


@programme_required
@no_store
@require_POST
def disbursement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the previewed file (the token names it in this session only)."""
    programme = get_programme_for_user(request.user, pk)
    token = request.POST.get("token", "")
    staged = dict(request.session.get(SESSION_KEY, {}))
    entry = staged.get(token) if isinstance(token, str) else None
    if entry is None or entry.get("programme") != programme.pk:
        messages.error(request, _("Pratinjau sudah kedaluwarsa; unggah berkasnya lagi."))
        return redirect("disbursement_upload", pk=programme.pk)
    folder = _staging() / token
    try:
        plan = disbursement.import_disbursements(
            programme, folder / "berkas", actor=request.user, file_name=entry["name"],
            sha256=entry["sha256"])
    except RuleError as error:  # UploadRejected too: the file was checked at the preview
        messages.error(request, str(error))
        return redirect("disbursement_upload", pk=programme.pk)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        staged.pop(token, None)
        request.session[SESSION_KEY] = staged
    if plan.upload is None:
        messages.info(request, _("Tidak ada yang baru: semua pembayaran dalam berkas ini sudah "
                                 "tercatat atau sudah menunggu keputusan."))
        return redirect("programme_detail", pk=programme.pk)
    counts = plan.counts
    messages.success(request, _(
        "%(rows)s baris dibaca: %(recorded)s pembayaran dicatat (%(paid)s dibayar, %(failed)s "
        "gagal), %(waiting)s menunggu keputusan Anda, %(refused)s ditolak.") % {
        "rows": plan.rows, "paid": plan.recorded(PAID), "failed": plan.recorded(FAILED),
        "recorded": plan.recorded(PAID) + plan.recorded(FAILED),
        "waiting": counts[disbursement.WAITING],
        "refused": len(plan.problems)})
    return redirect("upload_detail", pk=plan.upload.pk)


urlpatterns = [
    path("program/<int:pk>/penyaluran/", disbursement_upload, name="disbursement_upload"),
    path("program/<int:pk>/penyaluran/simpan/", disbursement_confirm,
         name="disbursement_confirm"),
]
