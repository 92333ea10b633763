"""Offline forms (ODK Collect / KoboCollect) for the desa: download the XLSForm, upload the CSV.

The form holds names and masked KK of the desa's families: only a verifier of that desa (the
desa operator, or the admin kabupaten choosing a desa) may download it. A desa outside the
user's area answers 404 before any role check, like a desa that does not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tepat.accounts import roles
from tepat.audit.services import log_access
from tepat.regions.models import Level, Region
from tepat.verification import odk
from tepat.verification.errors import RuleError
from tepat.verification.models import Campaign, CampaignStat
from tepat.verification.selectors import current_campaign
from tepat.verification.services import in_area
from tepat.web.access import no_store, role_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas CSV dari ODK Central / KoboToolbox"),
                           help_text=gettext_lazy("Unduh kiriman sebagai CSV (nilai XML, bukan "
                                                  "label); foto tidak perlu diunggah."))
    submit = forms.BooleanField(label=gettext_lazy("Kirim hasil yang lengkap ke kecamatan"),
                                required=False,
                                help_text=gettext_lazy("Tanpa centang, hasil disimpan sebagai "
                                                       "draf dan bisa diperiksa dulu di web."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > odk.MAX_FILE_BYTES:
            raise forms.ValidationError(_("Berkas lebih dari 10 MB."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_(
                "Berkas %(name)s bukan CSV: unggah berkas .csv (ekspor CSV dari ODK/Kobo)."
            ) % {"name": upload.name})
        return upload


def _user_desa(user) -> str | None:
    """The desa of a desa-level user (their area), else None."""
    area = user.area_id or ""
    return area if area.count(".") == 3 else None


def _desa_in_area(user, code: str) -> Region:
    """The desa if it exists and lies in the user's area; else 404 (never says which)."""
    desa = Region.objects.filter(code=code, level=Level.DESA).first()
    if desa is None or not in_area(user, code):
        raise Http404(_("Desa tidak ditemukan."))
    return desa


def _open_campaign() -> Campaign | None:
    campaign = current_campaign()
    return campaign if campaign is not None and campaign.is_open else None


def _campaign_desa(user, campaign: Campaign | None) -> list[tuple[str, str]]:
    """Desa of the campaign in the user's area, for the admin's choice."""
    if campaign is None:
        return []
    rows = (CampaignStat.objects.for_user(user).filter(campaign=campaign)
            .values_list("desa_id", "desa__name").distinct().order_by("desa_id"))
    return list(rows)


@login_required
@no_store
@require_GET
def odk_form(request: HttpRequest) -> HttpResponse:
    """The XLSForm of a desa for the current campaign, as a download."""
    code = request.GET.get("desa") or _user_desa(request.user)
    if not code:
        if not roles.can_verify(request.user):
            raise PermissionDenied(_("Peran Anda tidak mengizinkan membuka halaman ini."))
        return redirect("odk_import")
    desa = _desa_in_area(request.user, code.strip())
    if not roles.can_verify(request.user):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan membuka halaman ini."))
    campaign = _open_campaign()
    try:
        if campaign is None:
            raise RuleError(_("Belum ada kampanye verval yang dibuka."))
        data = odk.build_xlsform(campaign, desa.code)
    except RuleError as error:
        return _import_page(request, campaign, UploadForm(), form_error=str(error), status=409)
    # The form carries the desa's family names and addresses (KK masked): a personal-data
    # export, logged with who, what and why (the why is the form's only use).
    log_access(actor=request.user, action="export", obj=desa, purpose_code="verifikasi_lapangan",
               purpose=f"Formulir ODK/KoboCollect verval luring, kampanye {campaign.pk}")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{odk.xlsform_filename(campaign, desa.code)}"')
    return response


def _import_page(request: HttpRequest, campaign: Campaign | None, form: UploadForm, *,
                 report: odk.ImportReport | None = None, form_error: str = "",
                 status: int = 200) -> HttpResponse:
    own_desa = _user_desa(request.user)
    return render(request, "web/odk_import.html", {
        "nav": "worklist",
        "campaign": campaign,
        "form": form,
        "report": report,
        "error_texts": report.error_texts() if report else [],
        "form_error": form_error,
        "own_desa": own_desa,
        "desa_choices": [] if own_desa else _campaign_desa(request.user, campaign),
    }, status=status)


@role_required(roles.can_verify)
@no_store
@require_http_methods(["GET", "POST"])
def odk_import(request: HttpRequest) -> HttpResponse:
    """Instructions, the form download, and the upload of the submissions with its report."""
    campaign = _open_campaign()
    if request.method != "POST":
        return _import_page(request, campaign, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if campaign is None or not form.is_valid():
        return _import_page(request, campaign, form, status=400)
    try:
        report = odk.import_submissions(campaign, form.cleaned_data["file"], actor=request.user,
                                        submit=form.cleaned_data["submit"])
    except RuleError as error:
        return _import_page(request, campaign, form, form_error=str(error), status=400)
    return _import_page(request, campaign, UploadForm(), report=report,
                        status=400 if report.rejected else 200)


urlpatterns = [
    path("verval/formulir-odk/", odk_form, name="odk_form"),
    path("verval/impor-odk/", odk_import, name="odk_import"),
]
