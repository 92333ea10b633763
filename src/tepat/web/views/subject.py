"""The data subject report (issue 6 §2, UU 27/2022): the admin kabupaten types a NIK and the
purpose, and gets a PDF of everything Tepat holds about that person and every processing event.

The NIK travels only in the POST body: never in the URL, the query string, the file name or a
log (`sensitive_post_parameters` keeps it out of error reports too). Every other role gets 403,
an anonymous visitor the login page; the admin is asked for the password again first, as for
every export of personal data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from tepat.accounts.decorators import recent_auth_required
from tepat.audit.subject_report import (
    SUBJECT_PURPOSE,
    SubjectReportError,
    checked_nik,
    may_request,
    subject_report,
)
from tepat.web.access import no_store, role_required
from tepat.web.forms import PurposeForm

subject_required = role_required(may_request)


class SubjectReportForm(PurposeForm):
    field_order = ["nik", "jenis_tujuan", "tujuan"]
    nik = forms.CharField(
        label="NIK", max_length=40, strip=True,
        help_text=_("16 angka NIK subjek data, dari KTP atau KK yang ditunjukkan pemohon."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric",
                                      "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, initial={"jenis_tujuan": SUBJECT_PURPOSE}, **kwargs)
        self.fields["tujuan"].help_text = _(
            "Wajib diisi, mis. nomor dan tanggal surat permohonan subjek data; "
            "tercatat di log akses bersama nama Anda.")

    def clean_nik(self) -> str:
        try:
            return checked_nik(self.cleaned_data["nik"])
        except SubjectReportError as error:
            raise forms.ValidationError(error.message) from error


@subject_required
@recent_auth_required  # personal data leaves the system: ask for the password again
@no_store
@sensitive_post_parameters("nik")
@require_http_methods(["GET", "POST"])
def subject_report_view(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the PDF as an attachment, logged in the access log."""
    if request.GET:  # nothing travels in the query string (a NIK there would be echoed)
        return redirect("subject_report")
    form = SubjectReportForm(request.POST if request.method == "POST" else None)
    if not form.is_bound or not form.is_valid():
        return render(request, "web/subject_report_form.html", {"nav": "subject_report",
                                                                "form": form})
    try:
        purpose = form.purpose()
        content = subject_report(request.user, form.cleaned_data["nik"], purpose.text,
                                 purpose.code)
    except SubjectReportError as error:
        form.add_error(error.field, error.message)
        return render(request, "web/subject_report_form.html", {"nav": "subject_report",
                                                                "form": form})
    response = HttpResponse(content, content_type="application/pdf")
    name = f"laporan-subjek-data-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("data-subjek/", subject_report_view, name="subject_report"),
]
