"""The programme catalog of the agencies (OPD), a programme's interventions, and the agencies'
beneficiary lists from Excel with the report of their unmatched rows (issue 4 §3, §6).

An OPD operator manages their own agency's programmes (`agency_of(user)`); the admin
kabupaten manages all. Another agency's programme answers 403, a programme that does not exist
404. Interventions are personal data: read through `Intervention.objects.for_user`, NIK and KK
masked; a family is searched by a POST whose term stays in the session (never in a URL, as on
the family list). Writes go through `tepat.interventions.services` and `.matching`.
"""

from __future__ import annotations

import secrets
from math import floor
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.audit.models import AuditEvent
from tepat.core.identity import NUMBER_LENGTH, mask
from tepat.gesek.models import Agency
from tepat.gesek.selectors import agency_of
from tepat.interventions import beneficiary_file, matching
from tepat.interventions.models import (
    RECEIVED,
    BeneficiaryUpload,
    Intervention,
    InterventionStatus,
    Programme,
    UnmatchedRow,
)
from tepat.interventions.services import add_intervention, save_programme
from tepat.linkage import words
from tepat.regions.models import Region
from tepat.registry.models import Family, Person
from tepat.verification.errors import RuleError
from tepat.web.access import no_store, role_required
from tepat.web.forms import SearchForm, add_problems
from tepat.web.forms_programmes import (
    AgencyFilterForm,
    ConfirmForm,
    InterventionForm,
    ProgrammeForm,
    RejectForm,
    UploadForm,
)
from tepat.web.views.families import KEEP_SEARCHES, SEARCHES, identity_number

programme_required = role_required(roles.can_manage_programmes)
FAILED = InterventionStatus.FAILED
PAGE_SIZE = 50
SEARCH_LIMIT = 20

# ---------------------------------------------------------------------------------------------
# Access


def _manages_all(user: Any) -> bool:
    return roles.can_manage_gesek(user)


def _own_agency(user: Any) -> Agency | None:
    """The OPD operator's agency; 403 when their account names none (the admin gets None)."""
    if _manages_all(user):
        return None
    agency = agency_of(user)
    if agency is None:
        raise PermissionDenied(_("Akun Anda belum terhubung dengan perangkat daerah; hubungi "
                                 "admin kabupaten."))
    return agency


def get_programme_for_user(user: Any, pk: int) -> Programme:
    """The programme (else 404) if the user manages its agency (else 403)."""
    programme = Programme.objects.select_related("agency").filter(pk=pk).first()
    if programme is None:
        raise Http404(_("Program tidak ditemukan."))
    if not _manages_all(user) and agency_of(user) != programme.agency:
        raise PermissionDenied(_("Program ini milik perangkat daerah lain."))
    return programme


def get_upload_for_user(user: Any, pk: int) -> BeneficiaryUpload:
    upload = BeneficiaryUpload.objects.select_related("uploaded_by").filter(pk=pk).first()
    if upload is None:
        raise Http404(_("Unggahan tidak ditemukan."))
    upload.programme = get_programme_for_user(user, upload.programme_id)
    return upload


def get_row_for_user(user: Any, pk: int) -> UnmatchedRow:
    row = UnmatchedRow.objects.filter(pk=pk).first()
    if row is None:
        raise Http404(_("Baris tidak ditemukan."))
    row.upload = get_upload_for_user(user, row.upload_id)
    return row


# ---------------------------------------------------------------------------------------------
# The catalog


@role_required(lambda u: roles.can_manage_programmes(u) or roles.can_read_everything(u))
@require_GET
def programmes(request: HttpRequest) -> HttpResponse:
    """The catalog: an agency's own programmes; every agency's for the admin, and read-only
    (counts and amounts, no beneficiary names) for leadership."""
    user = request.user
    read_only = roles.can_read_everything(user)
    rows = Programme.objects.select_related("agency").annotate(
        n_interventions=Count("interventions"), amount=Sum(  # received: delivered only
            "interventions__amount", filter=Q(interventions__status=RECEIVED)))
    filter_form = AgencyFilterForm(request.GET) if _manages_all(user) or read_only else None
    if filter_form is not None:
        if filter_form.is_valid() and filter_form.cleaned_data["instansi"]:
            rows = rows.filter(agency=filter_form.cleaned_data["instansi"])
        agency = None
    else:
        agency = agency_of(user)
        rows = rows.filter(agency=agency) if agency else rows.none()
    return render(request, "web/programme_list.html", {
        "nav": "programmes", "programmes": rows.order_by("agency__name", "-year", "name"),
        "filter_form": filter_form, "agency": agency, "manages_all": _manages_all(user),
        "read_only": read_only,
    })


@programme_required
@require_http_methods(["GET", "POST"])
def programme_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new programme of the user's agency, or one of their programmes corrected."""
    programme = get_programme_for_user(request.user, pk) if pk else None
    if programme is None:
        agency = _own_agency(request.user)
    else:
        agency = None if _manages_all(request.user) else programme.agency
    form = ProgrammeForm(request.POST if request.method == "POST" else None, agency=agency,
                         programme=programme)
    if form.is_bound and form.is_valid():
        try:
            saved = save_programme(form.programme_data(), actor=request.user,
                                   programme=programme)
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Program %(name)s disimpan.") % {"name": saved.name})
            return redirect("programme_detail", pk=saved.pk)
    return render(request, "web/programme_form.html", {"nav": "programmes", "form": form,
                                                       "agency": agency, "programme": programme})


# ---------------------------------------------------------------------------------------------
# A programme's interventions, and adding one by searching a family


def _family_search(user: Any, term: str) -> QuerySet[Family]:
    """Families in the user's area by head's name, or by an exact 16-digit KK or NIK."""
    families = Family.objects.for_user(user)
    number = identity_number(term)
    if number is None:
        return families.filter(kepala_keluarga__icontains=term)
    if len(number) != NUMBER_LENGTH:
        return families.none()
    members = Person.objects.for_user(user).filter(nik=number).values("family_id")
    return families.filter(Q(no_kk=number) | Q(nik=number) | Q(pk__in=members))


def _remember_search(request: HttpRequest, programme: Programme) -> HttpResponseRedirect:
    form = SearchForm(request.POST)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    url = reverse("programme_detail", args=[programme.pk])
    if not term:
        return HttpResponseRedirect(url)
    token = secrets.token_urlsafe(6)
    saved = list(request.session.get(SEARCHES, {}).items())[-(KEEP_SEARCHES - 1):]
    request.session[SEARCHES] = dict([*saved, (token, term)])
    return HttpResponseRedirect(f"{url}?{urlencode({'cari': token})}#tambah")


def _search_label(term: str) -> str:
    number = identity_number(term)
    if number is None:
        return term
    return mask(number) if len(number) == NUMBER_LENGTH else _(
        "%(n)s angka (NIK/No. KK harus 16 angka)") % {"n": len(number)}


def _search_results(request: HttpRequest) -> tuple[str, list[Family] | None]:
    token = request.GET.get("cari")
    if not token:
        return "", None
    term = request.session.get(SEARCHES, {}).get(token)
    if term is None:
        messages.info(request, _("Pencarian sudah kedaluwarsa; silakan cari lagi."))
        return "", None
    found = (_family_search(request.user, term).select_related("desa", "kecamatan")
             .order_by("kepala_keluarga", "pk")[:SEARCH_LIMIT])
    return _search_label(term), list(found)


@programme_required
@no_store
@require_http_methods(["GET", "POST"])
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, pk)
    if request.method == "POST":
        return _remember_search(request, programme)
    interventions = (Intervention.objects.for_user(request.user).filter(programme=programme)
                     .select_related("family", "desa", "person").order_by("-delivered_on", "-pk"))
    received = Q(status=RECEIVED)  # planned aid and failed payments are not aid received
    totals = interventions.aggregate(
        n=Count("pk"), families=Count("family", distinct=True, filter=received),
        amount=Sum("amount", filter=received), failed=Count("pk", filter=Q(status=FAILED)))
    search_label, found = _search_results(request)
    return render(request, "web/programme_detail.html", {
        "nav": "programmes", "programme": programme, "totals": totals,
        "page": Paginator(interventions, PAGE_SIZE).get_page(request.GET.get("page")),
        "uploads": programme.uploads.select_related("uploaded_by")[:10],
        "search_form": SearchForm(), "search_label": search_label, "found": found,
        "add_form": InterventionForm(), "cari": request.GET.get("cari", ""),
    })


@programme_required
@no_store
@require_POST
def intervention_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, pk)
    form = InterventionForm(request.POST)
    back = reverse("programme_detail", args=[programme.pk])
    if request.POST.get("cari"):
        back += "?" + urlencode({"cari": request.POST["cari"]})
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return HttpResponseRedirect(back + "#tambah")
    family = Family.objects.for_user(request.user).filter(pk=form.cleaned_data["family"]).first()
    if family is None:
        raise Http404(_("Keluarga tidak ditemukan."))
    try:
        add_intervention(programme, family, actor=request.user,
                         delivered_on=form.cleaned_data["delivered_on"],
                         amount=form.cleaned_data["amount"], status=form.cleaned_data["status"])
    except RuleError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(back + "#tambah")
    messages.success(request, _("Intervensi untuk keluarga %(head)s dicatat.")
                     % {"head": family.kepala_keluarga or "—"})
    return redirect("programme_detail", pk=programme.pk)


# ---------------------------------------------------------------------------------------------
# Beneficiary lists


@programme_required
@no_store
@require_http_methods(["GET", "POST"])
def programme_upload(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, pk)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    rejected: beneficiary_file.UploadRejected | None = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["berkas"]
        try:
            report = matching.upload_beneficiaries(programme, upload, actor=request.user,
                                                   file_name=upload.name)
        except beneficiary_file.UploadRejected as error:
            rejected = error
        except RuleError as error:
            add_problems(form, error)
        else:
            _report_message(request, report)
            return redirect("upload_detail", pk=report.upload.pk)
    return render(request, "web/programme_upload.html", {
        "nav": "programmes", "programme": programme, "form": form, "rejected": rejected,
        "columns": beneficiary_file.BENEFICIARY_LAYOUT.columns,
    }, status=422 if rejected else 200)


def _report_message(request: HttpRequest, report: matching.UploadReport) -> None:
    messages.success(request, _(
        "%(rows)s baris dibaca: %(matched)s cocok (intervensi dicatat), %(unmatched)s belum "
        "cocok dan menunggu keputusan Anda.") % {
        "rows": report.rows, "matched": report.matched, "unmatched": report.unmatched})
    for note in report.notes:
        messages.info(request, note.message_id)


def _candidates(user: Any, rows: list[UnmatchedRow]) -> None:
    """Each row's stored candidates with their family and person (in the user's area), as
    `row.choices`: one query for the families, one for the persons."""
    family_ids = {c.get("family") for row in rows for c in row.candidates}
    person_ids = {c.get("person") for row in rows for c in row.candidates if c.get("person")}
    families = Family.objects.for_user(user).select_related("desa").in_bulk(family_ids)
    persons = Person.objects.for_user(user).in_bulk(person_ids)
    for row in rows:
        row.choices = [
            {**c, "family_obj": families[c["family"]], "person_obj": persons.get(c.get("person")),
             "percent": _percent(c.get("probability")),
             "words": words.lines(c.get("comparisons") or [])}
            for c in row.candidates if c.get("family") in families
        ]


def _percent(probability: float | None) -> str:
    """The model's probability as the page says it: '99,7%' (never 100% unless exact)."""
    if probability is None:
        return ""
    shown = floor(probability * 1000) / 10
    return formats.number_format(shown, 1) + "%"


def _rejections(rows: list[UnmatchedRow]) -> dict[str, str]:
    """Why each rejected row was rejected (kept in its audit event)."""
    ids = [str(row.pk) for row in rows if row.state == UnmatchedRow.State.REJECTED]
    if not ids:
        return {}
    events = AuditEvent.objects.filter(action="interventions.unmatched.rejected",
                                       object_type="interventions.unmatchedrow",
                                       object_id__in=ids).values_list("object_id", "data")
    return {object_id: data.get("why", "") for object_id, data in events}


@programme_required
@no_store
@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_upload_for_user(request.user, pk)
    state = request.GET.get("status", "")
    rows = upload.unmatched_rows.select_related("resolved_family", "resolved_by")
    counts = dict(rows.values_list("state").annotate(n=Count("pk")).order_by())
    if state in UnmatchedRow.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows.order_by("row_number", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    shown = list(page.object_list)
    _candidates(request.user, shown)
    reasons = _rejections(shown)
    desa_names = dict(Region.objects.filter(code__in={r.desa_code for r in shown if r.desa_code})
                      .values_list("code", "name"))
    for row in shown:
        row.rejected_why = reasons.get(str(row.pk), "")
        row.desa_name = desa_names.get(row.desa_code, "")
        row.nik_masked, row.no_kk_masked = mask(row.nik), mask(row.no_kk)
    written = Intervention.objects.for_user(request.user).filter(upload=upload).aggregate(
        n=Count("pk"), amount=Sum("amount", filter=Q(status=RECEIVED)),
        failed=Count("pk", filter=Q(status=FAILED)))
    return render(request, "web/intervention_upload.html", {
        "nav": "programmes", "upload": upload, "programme": upload.programme, "page": page,
        "rows": shown, "counts": counts, "state": state, "written": written,
        "state_filters": [("", _("Semua"), sum(counts.values())),
                          *((code, label, counts.get(code, 0))
                            for code, label in UnmatchedRow.State.choices)],
        "reject_form": RejectForm(),
    })


def _back_to_row(row: UnmatchedRow, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse("upload_detail", args=[row.upload_id])
    query = {k: request.POST[k] for k in ("status", "page") if request.POST.get(k)}
    return HttpResponseRedirect(f"{url}?{urlencode(query)}#baris-{row.pk}" if query
                                else f"{url}#baris-{row.pk}")


@programme_required
@no_store
@require_POST
def unmatched_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_row_for_user(request.user, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilihan keluarga tidak dikenal."))
        return _back_to_row(row, request)
    family = Family.objects.for_user(request.user).filter(pk=form.cleaned_data["family"]).first()
    if family is None:
        raise Http404(_("Keluarga tidak ditemukan."))
    person = None
    if form.cleaned_data.get("person"):
        person = Person.objects.for_user(request.user).filter(
            pk=form.cleaned_data["person"], family=family).first()
    try:
        matching.confirm_row(row, family, actor=request.user, person=person)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Baris %(row)s dicocokkan dengan keluarga %(head)s; "
                                    "intervensinya dicatat.")
                         % {"row": row.row_number, "head": family.kepala_keluarga or "—"})
    return _back_to_row(row, request)


@programme_required
@no_store
@require_POST
def unmatched_reject(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_row_for_user(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Baris %(row)s: tulis alasan penolakan (minimal 5 huruf).")
                       % {"row": row.row_number})
        return _back_to_row(row, request)
    try:
        matching.reject_row(row, actor=request.user, why=form.cleaned_data["why"])
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Baris %(row)s ditolak.") % {"row": row.row_number})
    return _back_to_row(row, request)


urlpatterns = [
    path("program/", programmes, name="programmes"),
    path("program/baru/", programme_form, name="programme_new"),
    path("program/<int:pk>/", programme_detail, name="programme_detail"),
    path("program/<int:pk>/ubah/", programme_form, name="programme_edit"),
    path("program/<int:pk>/intervensi/", intervention_add, name="intervention_add"),
    path("program/<int:pk>/unggah/", programme_upload, name="programme_upload"),
    path("program/unggahan/<int:pk>/", upload_detail, name="upload_detail"),
    path("program/unggahan/baris/<int:pk>/cocokkan/", unmatched_confirm,
         name="unmatched_confirm"),
    path("program/unggahan/baris/<int:pk>/tolak/", unmatched_reject, name="unmatched_reject"),
]
