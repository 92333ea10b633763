"""The desa operator's verification pages (issue 3 §2), phone-first, and a family's history (§6).

A desa operator works in their own desa; the admin kabupaten uses the same pages for any desa
chosen with `?desa=CODE`. Every write goes through `tepat.verification.services`; their
refusals (`RuleError`, `Conflict`) come back as messages next to the fields they name.
Verifications, proposals and musdes records are fetched only through the scoped querysets
(`for_user`): another area's record answers 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.audit.models import AuditEvent
from tepat.core.corrections import REMOVE_WHY
from tepat.core.identity import NUMBER_LENGTH, mask, normalize_number
from tepat.core.outcomes import DESA_EDITABLE, MAMPU_REASONS, OUTCOMES, PENDING_LABEL, Review
from tepat.regions.models import Level, Region
from tepat.registry.models import Family, Person
from tepat.verification import services
from tepat.verification.errors import Conflict, RuleError
from tepat.verification.labels import outcome_label
from tepat.verification.models import (
    REVIEW_CHOICES,
    Campaign,
    ChangeRequest,
    DesaSubmission,
    Evidence,
    Musdes,
    Proposal,
    Verification,
)
from tepat.verification.selectors import current_campaign
from tepat.web import forms_verify as vf
from tepat.web.access import get_family_for_user, no_store, role_required
from tepat.web.areas import DESA, area_of, level_of
from tepat.web.code_labels import code_label
from tepat.web.paging import keyed_page
from tepat.web.verify_duplicates import duplicate_choices
from tepat.web.views.families import family_sections

PAGE_SIZE = 50
MAX_PHOTOS = 6  # a save carries a few photos; more is a mistake on a slow connection
SEARCHES = "web.verval_searches"  # session key {token: term}: no name or number in a URL
KEEP_SEARCHES = 10
STATES = dict(REVIEW_CHOICES)

verifier_required = role_required(roles.can_verify)
# House photos and the berita acara: the desa that made them and the kecamatan that reviews.
files_required = role_required(lambda u: roles.can_verify(u) or roles.can_review(u))


@dataclass(frozen=True)
class StatusFilter:
    key: str
    label: Any
    match: Q


FILTERS = (
    StatusFilter("semua", gettext_lazy("Semua"), Q()),
    StatusFilter("belum", gettext_lazy("Belum diverifikasi"), Q(review="")),
    StatusFilter("draf", gettext_lazy("Draf"), Q(review=Review.DRAFT)),
    StatusFilter("dikembalikan", gettext_lazy("Dikembalikan"), Q(review=Review.RETURNED)),
    StatusFilter("dikirim", gettext_lazy("Dikirim"), Q(review=Review.SUBMITTED)),
    StatusFilter("disetujui", gettext_lazy("Disetujui"),
                 Q(review__in=[Review.APPROVED, Review.FINAL])),
)
FILTER_BY_KEY = {f.key: f for f in FILTERS}


# --- where the user works ------------------------------------------------------------------


def _desa_code(request: HttpRequest) -> str | None:
    """The desa the pages work on: a desa operator's own, or the one an admin chose."""
    area = request.user.area_id
    if level_of(area) == DESA:
        return area
    code = (request.POST.get("desa") or request.GET.get("desa") or "").strip()
    if level_of(code) != DESA or not services.in_area(request.user, code):
        return None
    return code if Region.objects.filter(code=code, level=Level.DESA).exists() else None


def _desa_query(request: HttpRequest, desa: str) -> str:
    """`?desa=CODE` for a user who chose it, nothing for a desa operator."""
    return "" if level_of(request.user.area_id) == DESA else f"?{urlencode({'desa': desa})}"


def _worklist_url(request: HttpRequest, desa: str | None) -> str:
    return reverse("worklist") + (_desa_query(request, desa) if desa else "")


@dataclass
class Place:
    """The campaign and desa a page works on."""

    campaign: Campaign
    desa: Region
    query: str  # "?desa=…" to carry along, or ""

    @property
    def writable(self) -> bool:
        return self.campaign.is_open


def _place(request: HttpRequest) -> Place | None:
    campaign, code = current_campaign(), _desa_code(request)
    if campaign is None or code is None:
        return None
    return Place(campaign, Region.objects.get(code=code), _desa_query(request, code))


def _place_or_redirect(request: HttpRequest) -> Place | HttpResponseRedirect:
    place = _place(request)
    if place is None:
        messages.info(request, _("Pilih desa dan kampanye dulu."))
        return HttpResponseRedirect(reverse("worklist"))
    return place


def _show_problems(error: RuleError, form: Any = None) -> dict[str, list[str]]:
    """The service's problems next to the form's fields; the others by their name."""
    other: dict[str, list[str]] = {}
    for name, message in error.problems:
        if form is not None and (name in form.fields or not name):
            form.add_error(name or None, message)
        else:
            other.setdefault(name, []).append(message)
    return other


# --- the worklist --------------------------------------------------------------------------


def _saved_search(request: HttpRequest) -> str | None:
    token = request.GET.get("cari")
    return request.session.get(SEARCHES, {}).get(token) if token else None


def _remember_search(request: HttpRequest) -> HttpResponseRedirect:
    """The search box posts its term; the list is opened with `?cari=<token>`."""
    term = (request.POST.get("q") or "").strip()[:100]
    params = {k: v for k, v in request.GET.items() if k in {"desa", "status"}}
    if term:
        token = secrets.token_urlsafe(6)
        saved = list(request.session.get(SEARCHES, {}).items())[-(KEEP_SEARCHES - 1):]
        request.session[SEARCHES] = dict([*saved, (token, term)])
        params["cari"] = token
    return HttpResponseRedirect(reverse("worklist") + (f"?{urlencode(params)}" if params else ""))


def _search(rows: QuerySet[Verification], term: str | None) -> QuerySet[Verification]:
    if not term:
        return rows
    number = normalize_number(term)
    if number and number.isdigit():
        if len(number) != NUMBER_LENGTH:
            return rows.none()
        return rows.filter(Q(family__no_kk=number) | Q(family__nik=number))
    return rows.filter(family__kepala_keluarga__icontains=term)


def _search_label(term: str | None) -> str:
    number = normalize_number(term) if term else None
    return mask(number) if number and number.isdigit() else (term or "")


def _odk_links(place: Place) -> dict[str, str]:
    """The offline (ODK/Kobo) form of the desa and the page that takes its results back."""
    if not place.writable:
        return {}
    return {"form": reverse("odk_form") + place.query, "import": reverse("odk_import")}


def _desa_choices(request: HttpRequest) -> list[tuple[str, list[Region]]]:
    area = area_of(request.user)
    names = {k.code: k.name for k in area.kecamatan}
    grouped: dict[str, list[Region]] = {}
    for desa in area.desa:
        grouped.setdefault(names.get(desa.parent_id, desa.parent_id or ""), []).append(desa)
    return list(grouped.items())


@dataclass
class DesaBatch:
    """What the desa's final batch needs, for the worklist to explain."""

    musdes: Musdes | None
    submission: DesaSubmission | None
    without_outcome: int

    @property
    def ready(self) -> bool:
        return bool(self.musdes and self.musdes.berita_acara) and not self.without_outcome


# Families the desa's final batch still lacks an outcome for (counted with the tabs).
WITHOUT_OUTCOME = Q(outcome="") & ~Q(review__in=[Review.SUBMITTED, Review.APPROVED,
                                                 Review.FINAL])


def _desa_batch(place: Place, without_outcome: int) -> DesaBatch:
    return DesaBatch(
        Musdes.objects.filter(campaign=place.campaign, desa=place.desa).first(),
        DesaSubmission.objects.filter(campaign=place.campaign, desa=place.desa)
        .select_related("submitted_by").first(),
        without_outcome,
    )


@dataclass(frozen=True)
class WorklistRow:
    """One family of the worklist as its row shows it, made in Python: a template per row
    (url, translations, display lookups) cost ~120 µs, 6 ms for a page of 50."""

    pk: int
    url: str
    head: str
    no_kk: str  # masked
    jiwa: int
    review: str
    state: str
    outcome: str
    return_reason: str
    pickable: bool
    pick_label: str


EDITABLE_STATES = frozenset({"", Review.DRAFT, Review.RETURNED})


def _worklist_rows(verifications: Iterable[Verification]) -> list[WorklistRow]:
    pending = _(PENDING_LABEL)
    rows = []
    for v in verifications:
        head = v.family.kepala_keluarga
        rows.append(WorklistRow(
            pk=v.pk, url=reverse("verify_family", args=[v.pk]), head=head or "—",
            no_kk=v.family.no_kk_masked, jiwa=v.jiwa, review=v.review or "belum",
            state=v.get_review_display() if v.review else pending,
            outcome=v.get_outcome_display() if v.outcome else "",
            return_reason=v.return_reason if v.review == Review.RETURNED else "",
            pickable=v.review in EDITABLE_STATES,
            pick_label=_("Pilih %(name)s") % {"name": head}))
    return rows


def _worklist_columns(rows: QuerySet) -> QuerySet:
    return rows.select_related("family").only(
        "pk", "jiwa", "outcome", "review", "return_reason", "family__kepala_keluarga",
        "family__no_kk")


@verifier_required
@no_store
@require_http_methods(["GET", "POST"])
def worklist(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _remember_search(request)
    place = _place(request)
    if place is None:
        return render(request, "web/verify_worklist.html", {
            "nav": "worklist", "campaign": current_campaign(),
            "desa_choices": _desa_choices(request)})
    rows = Verification.objects.for_user(request.user).filter(
        campaign=place.campaign, desa=place.desa)
    counts = rows.aggregate(**{f.key: Count("pk", filter=f.match) for f in FILTERS},
                            without_outcome=Count("pk", filter=WITHOUT_OUTCOME))
    status = FILTER_BY_KEY.get(request.GET.get("status", ""), FILTERS[0])
    term = _saved_search(request)
    listed = _search(rows.filter(status.match), term).order_by("family__kepala_keluarga", "pk")
    page = keyed_page(listed, request.GET.get("page"), PAGE_SIZE, load=_worklist_columns)
    return render(request, "web/verify_worklist.html", {
        "nav": "worklist", "place": place, "campaign": place.campaign,
        "filters": [(f, counts[f.key]) for f in FILTERS], "status": status,
        "page": page, "rows": _worklist_rows(page.object_list),
        "search_label": _search_label(term),
        "batch": _desa_batch(place, counts["without_outcome"]), "odk": _odk_links(place),
        "bulk_form": vf.BulkForm(),
    })


def _back_query(request: HttpRequest) -> str:
    """The worklist's filters to return to (only its own keys: never an open redirect)."""
    back = QueryDict(request.POST.get("back", "").lstrip("?"))
    params = {k: back[k] for k in ("desa", "status", "page", "cari") if back.get(k)}
    return f"?{urlencode(params)}" if params else ""


@verifier_required
@no_store
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One outcome for the ticked families; on a refusal the page keeps the selection."""
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    wanted = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    rows = list(Verification.objects.for_user(request.user).filter(
        campaign=place.campaign, desa=place.desa, pk__in=wanted).select_related("family")
        .order_by("family__kepala_keluarga"))
    form = vf.BulkForm(request.POST, ids=[v.pk for v in rows])
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = services.bulk_outcome(
                place.campaign, data["ids"], actor=request.user, outcome=data["outcome"],
                reason=data["reason"] if data["outcome"] == "MAMPU" else "", note=data["note"],
                submit=request.POST.get("action") == "submit")
        except RuleError as error:
            _show_problems(error, form)
        else:
            sent = request.POST.get("action") == "submit"
            messages.success(request, (_("%(n)s keluarga dikirim ke kecamatan.") if sent
                                       else _("%(n)s keluarga disimpan sebagai draf."))
                             % {"n": done})
            return HttpResponseRedirect(reverse("worklist") + _back_query(request))
    return render(request, "web/verify_bulk.html", {
        "nav": "worklist", "place": place, "form": form, "rows": rows,
        "chosen": set(form.data.getlist("ids")), "back": request.POST.get("back", "")})


@verifier_required
@require_POST
def submit_desa(request: HttpRequest) -> HttpResponse:
    """The desa's final batch (berita acara and an outcome for every family required)."""
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    try:
        sent = services.submit_desa(place.campaign, place.desa.code, actor=request.user)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Hasil akhir desa dikirim ke kecamatan (%(n)s keluarga "
                                    "baru dikirim).") % {"n": sent})
    return HttpResponseRedirect(reverse("worklist") + place.query)


# --- one family ----------------------------------------------------------------------------


def _verification_for(user: Any, pk: int) -> Verification:
    # Only what every request of the page reads is joined: PostgreSQL spent ~5 ms planning
    # the eight-table join of the rarely needed relations (updated_by, duplicate_of), which
    # are fetched by pk when a page shows them.
    v = (Verification.objects.for_user(user).select_related("campaign", "family", "desa")
         .filter(pk=pk).first())
    if v is None:
        raise Http404(_("Verifikasi tidak ditemukan."))
    return v


def _member_choices(members: Sequence[Person]) -> list[tuple[int, str]]:
    """Who may become the head: any member but the current head."""
    return [(p.pk, p.nama or "—") for p in members if p.hubungan != "1"]


def _editable(v: Verification) -> bool:
    return v.campaign.is_open and (v.review or None) in DESA_EDITABLE


def _state_explained(v: Verification) -> str:
    if not v.campaign.is_open and v.review != Review.FINAL:
        return _("Kampanye %(name)s tidak sedang dibuka (status: %(state)s); data tidak bisa "
                 "diubah.") % {"name": v.campaign.name, "state": v.campaign.get_state_display()}
    moment = v.reviewed_at or v.submitted_at or v.updated_at
    when = date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"
    return {
        Review.SUBMITTED: _("Sudah dikirim ke kecamatan pada %(when)s dan menunggu pemeriksaan. "
                            "Bisa diubah lagi bila kecamatan mengembalikannya."),
        Review.APPROVED: _("Sudah disetujui kecamatan pada %(when)s; tidak bisa diubah lagi "
                           "oleh desa."),
        Review.FINAL: _("Sudah final (dikunci oleh kabupaten); perubahan hanya lewat "
                        "permintaan perubahan yang disetujui admin kabupaten."),
    }.get(v.review, "") % {"when": when}


def describe_correction(op: dict[str, Any], names: dict[int, str]) -> str:
    """One correction as a sentence (NIK masked)."""
    who = names.get(op.get("person"), _("anggota #%(id)s") % {"id": op.get("person")})
    nik = str(op.get("nik") or "")
    nik = nik if "*" in nik else mask(nik) if nik else _("tanpa NIK")
    kind = op.get("op")
    if kind == "rename":
        return _("Nama %(who)s diperbaiki menjadi %(new)s") % {"who": who, "new": op["nama"]}
    if kind == "fix_nik":
        return _("NIK %(who)s diperbaiki menjadi %(nik)s") % {"who": who, "nik": nik}
    if kind == "remove":
        return _("%(who)s dihapus dari keluarga (%(why)s)") % {
            "who": who, "why": _(REMOVE_WHY.get(op.get("why"), op.get("why") or "—"))}
    if kind == "head":
        return _("%(who)s menjadi kepala keluarga") % {"who": who}
    if kind == "add":
        return _("Tambah anggota %(name)s (%(rel)s, lahir %(birth)s, NIK %(nik)s)") % {
            "name": op.get("nama"),
            "rel": code_label("hubungan_dengan_kepala_keluarga", op.get("hubungan")) or "—",
            "birth": op.get("tanggal_lahir") or "—", "nik": nik}
    if kind == "address":
        return _("Alamat menjadi: %(alamat)s") % {"alamat": op.get("alamat")}
    return str(kind)


@dataclass
class FamilyPage:
    """Everything the family form shows; built for GET and for a POST that failed."""

    v: Verification
    members: list[Person]
    form: vf.VerificationForm
    rows: list[vf.MemberRow]
    added: list[vf.NewMemberRow]
    problems: dict[str, list[str]] = field(default_factory=dict)
    conflict: Conflict | None = None


def _render_family(request: HttpRequest, page: FamilyPage) -> HttpResponse:
    v = page.v
    names = {p.pk: p.nama or "—" for p in page.members}
    return render(request, "web/verify_family.html", {
        "nav": "worklist", "v": v, "family": v.family, "page": page, "form": page.form,
        "members": page.members, "rows": page.rows, "added": page.added,
        "problems": page.problems, "conflict": page.conflict,
        "failed": bool(page.problems or page.form.errors) and page.conflict is None,
        "editable": _editable(v), "state_explained": _state_explained(v),
        "state_label": STATES.get(v.review, _(PENDING_LABEL)),
        "outcome_label": outcome_label(v.outcome),
        "reason_label": _(MAMPU_REASONS.get(v.reason, "")) if v.reason else "",
        "corrections": [describe_correction(op, names) for op in v.corrections or []],
        "evidence": v.evidence.order_by("uploaded_at", "pk"),
        "sections": family_sections(v.family),
        "hubungan_choices": vf.HUBUNGAN_CHOICES, "jk_choices": vf.JENIS_KELAMIN_CHOICES,
        "remove_choices": vf.remove_choices(), "max_photos": MAX_PHOTOS,
        "worklist_url": _worklist_url(request, v.desa_id),
        # the family chosen before, as the picker holds it: only if the user may see it
        "duplicate_shown": page.form.fields["duplicate_of"].families.current,
    })


def _findings(form: vf.VerificationForm, page: FamilyPage) -> services.Findings:
    data = form.cleaned_data
    return services.Findings(
        outcome=data["outcome"], reason=data["reason"], note=data["note"],
        destination=data["destination"], duplicate_of=data["duplicate_of"],
        corrections=vf.corrections_from(form, page.members, page.rows, page.added,
                                        page.v.corrections or []),
        latitude=data["latitude"], longitude=data["longitude"])


def _after_conflict(request: HttpRequest, page: FamilyPage, error: Conflict) -> FamilyPage:
    """Keep the user's input, show who changed the record; the next save is deliberate."""
    v = _verification_for(request.user, page.v.pk)
    data = request.POST.copy()
    data["version"] = str(v.version)
    form = vf.VerificationForm(data, **duplicate_choices(request.user, v),
                               members=_member_choices(page.members))
    form.is_valid()
    problems = {"photo": [_("Foto belum tersimpan; pilih lagi sebelum menyimpan.")]} if (
        request.FILES.getlist("photos")) else {}
    return FamilyPage(v, page.members, form, page.rows, page.added, problems, conflict=error)


def _save_family(request: HttpRequest, page: FamilyPage) -> HttpResponse:
    photos = request.FILES.getlist("photos")
    if len(photos) > MAX_PHOTOS:
        page.problems["photo"] = [_("Paling banyak %(n)s foto sekali simpan.")
                                  % {"n": MAX_PHOTOS}]
        return _render_family(request, page)
    if not page.form.is_valid():
        return _render_family(request, page)
    submit = request.POST.get("action") == "submit"
    data = page.form.cleaned_data
    try:
        v = services.save_verification(
            page.v.pk, _findings(page.form, page), actor=request.user,
            expected_version=data["version"], submit=submit, photos=photos,
            photo_gps=(data["latitude"], data["longitude"]))
    except Conflict as error:
        return _render_family(request, _after_conflict(request, page, error))
    except RuleError as error:
        page.problems = _show_problems(error, page.form)
        if photos:
            page.problems.setdefault("photo", []).append(
                _("Foto belum tersimpan; pilih lagi sebelum menyimpan."))
        return _render_family(request, page)
    head = page.v.family.kepala_keluarga
    if submit:
        messages.success(request, _("%(name)s dikirim ke kecamatan.") % {"name": head})
        return HttpResponseRedirect(_worklist_url(request, v.desa_id))
    messages.success(request, _("Draf %(name)s disimpan.") % {"name": head})
    return HttpResponseRedirect(reverse("verify_family", args=[v.pk]))


@verifier_required
@no_store
@require_http_methods(["GET", "POST"])
def family_form(request: HttpRequest, pk: int) -> HttpResponse:
    v = _verification_for(request.user, pk)
    members = list(Person.objects.for_user(request.user).filter(family_id=v.family_id))
    saved_adds = [op for op in v.corrections or [] if op.get("op") == "add"]
    kwargs = {**duplicate_choices(request.user, v), "members": _member_choices(members)}
    if request.method == "POST":
        if not _editable(v):
            messages.error(request, _state_explained(v) or _("Data ini tidak bisa diubah."))
            return HttpResponseRedirect(reverse("verify_family", args=[v.pk]))
        page = FamilyPage(v, members, vf.VerificationForm(request.POST, **kwargs),
                          vf.member_rows(members, v.corrections or [], request.POST),
                          vf.new_member_rows(saved_adds, request.POST))
        return _save_family(request, page)
    page = FamilyPage(v, members, vf.VerificationForm(initial=vf.initial_from(v), **kwargs),
                      vf.member_rows(members, v.corrections or []),
                      vf.new_member_rows(saved_adds))
    return _render_family(request, page)


# --- files: photos and the berita acara ----------------------------------------------------


def _file_response(field_file: Any, content_type: str | None = None) -> HttpResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Berkas tidak ditemukan.")) from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@files_required
@require_GET
def evidence_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A house photo, for users whose area covers its desa (404 otherwise)."""
    user = request.user
    evidence = Evidence.objects.filter(
        Q(verification__in=Verification.objects.for_user(user))
        | Q(proposal__in=Proposal.objects.for_user(user)), pk=pk).first()
    if evidence is None:
        raise Http404(_("Foto tidak ditemukan."))
    return _file_response(evidence.photo, "image/jpeg")


DOCUMENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


@files_required
@require_GET
def musdes_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed berita acara of a musdes, for its desa and its kecamatan."""
    musdes = Musdes.objects.for_user(request.user).filter(pk=pk).first()
    if musdes is None or not musdes.berita_acara:
        raise Http404(_("Berita acara tidak ditemukan."))
    kind = musdes.berita_acara.name.rsplit(".", 1)[-1].lower()
    return _file_response(musdes.berita_acara, DOCUMENT_TYPES.get(kind,
                                                                  "application/octet-stream"))


# --- musdes --------------------------------------------------------------------------------


@verifier_required
@no_store
@require_http_methods(["GET", "POST"])
def musdes(request: HttpRequest) -> HttpResponse:
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    record = Musdes.objects.filter(campaign=place.campaign, desa=place.desa).select_related(
        "uploaded_by").first()
    has_document = bool(record and record.berita_acara)
    if request.method == "POST" and place.writable:
        form = vf.MusdesForm(request.POST, request.FILES, has_document=has_document)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_musdes(
                    place.campaign, place.desa.code, actor=request.user, held_on=data["held_on"],
                    attendance=data["attendance"], berita_acara=data["berita_acara"],
                    note=data["note"])
            except RuleError as error:
                _show_problems(error, form)
            else:
                messages.success(request, _("Data musdes disimpan."))
                return HttpResponseRedirect(reverse("verify_musdes") + place.query)
    else:
        initial = ({"held_on": record.held_on, "attendance": record.attendance,
                    "note": record.note} if record else {})
        form = vf.MusdesForm(initial=initial, has_document=has_document)
    return render(request, "web/verify_musdes.html", {
        "nav": "worklist", "place": place, "record": record, "form": form,
        "worklist_url": reverse("worklist") + place.query})


# --- usulan baru ---------------------------------------------------------------------------


def _proposal_for(user: Any, pk: int) -> Proposal:
    proposal = (Proposal.objects.for_user(user).select_related("campaign", "desa", "created_by")
                .filter(pk=pk).first())
    if proposal is None:
        raise Http404(_("Usulan tidak ditemukan."))
    return proposal


@verifier_required
@no_store
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    rows = Proposal.objects.for_user(request.user).filter(
        campaign=place.campaign, desa=place.desa).order_by("-created_at", "-pk")
    return render(request, "web/verify_proposals.html", {
        "nav": "worklist", "place": place, "rows": rows, "states": STATES,
        "worklist_url": reverse("worklist") + place.query})


@dataclass
class Duplicates:
    """What the usulan page may say about its registry matches (DESIGN.md §10, "No oracle"):
    the families in the user's area by name and masked KK; of those outside, only that there
    are some (no name, desa, kecamatan, KK, source, desil or count: the same answer whichever
    key matched), the details being in a `CrossAreaDuplicate` for the kecamatan or kabupaten."""

    shown: list[Family]
    outside: bool

    def __bool__(self) -> bool:
        return bool(self.shown) or self.outside


def _duplicates(user: Any, ids: Sequence[int]) -> Duplicates:
    shown = list(Family.objects.for_user(user).filter(pk__in=list(ids)).select_related("desa")
                 .only("pk", "kepala_keluarga", "no_kk", "desil", "source", "desa_id",
                       "desa__name", "desa__level", "desa__is_kelurahan")
                 .order_by("kepala_keluarga", "pk"))
    return Duplicates(shown, outside=len(shown) < len(set(ids)))


def _proposal_initial(proposal: Proposal, user: Any) -> dict[str, Any]:
    """The saved usulan in the form; `seen_duplicates` holds only the matches the page shows by
    name (no id of a family outside the user's area reaches the page)."""
    shown = _duplicates(user, proposal.possible_duplicates).shown
    return {"version": proposal.version, "kepala_keluarga": proposal.kepala_keluarga,
            "alamat": proposal.alamat, "note": proposal.note,
            "latitude": proposal.latitude or "", "longitude": proposal.longitude or "",
            "seen_duplicates": ",".join(str(f.pk) for f in shown)}


def _render_proposal(request: HttpRequest, place: Place, form: vf.ProposalForm,
                     rows: list[vf.NewMemberRow], proposal: Proposal | None,
                     problems: dict[str, list[str]] | None = None,
                     conflict: Conflict | None = None) -> HttpResponse:
    editable = place.writable and (proposal is None or proposal.review in (Review.DRAFT,
                                                                            Review.RETURNED))
    return render(request, "web/verify_proposal.html", {
        "nav": "worklist", "place": place, "form": form, "rows": rows, "proposal": proposal,
        "problems": problems or {}, "conflict": conflict, "editable": editable,
        "duplicates": _duplicates(request.user, proposal.possible_duplicates)
        if proposal else Duplicates([], outside=False),
        "kk_saved": mask(proposal.no_kk) if proposal and proposal.no_kk else "",
        "evidence": proposal.evidence.order_by("uploaded_at", "pk") if proposal else [],
        "state_label": STATES.get(proposal.review, "") if proposal else "",
        "member_list": _member_list(proposal.members) if proposal else [],
        "hubungan_choices": vf.HUBUNGAN_CHOICES, "jk_choices": vf.JENIS_KELAMIN_CHOICES,
        "max_photos": MAX_PHOTOS, "list_url": reverse("verify_proposals") + place.query,
    })


def _member_list(members: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """An usulan's members as a reader sees them (NIK masked, codes labelled)."""
    return [{"nama": m.get("nama", ""), "nik": mask(m.get("nik")),
             "hubungan": code_label("hubungan_dengan_kepala_keluarga", m.get("hubungan")) or "—",
             "jenis_kelamin": code_label("jenis_kelamin", m.get("jenis_kelamin")) or "—",
             "tanggal_lahir": m.get("tanggal_lahir", "")} for m in members]


def _new_family(form: vf.ProposalForm, rows: list[vf.NewMemberRow],
                proposal: Proposal | None) -> services.NewFamily:
    data, saved = form.cleaned_data, proposal.members if proposal else []
    kk = data["no_kk"] or ("" if data["no_kk_hapus"] or proposal is None else proposal.no_kk)
    return services.NewFamily(
        kepala_keluarga=data["kepala_keluarga"], no_kk=kk, alamat=data["alamat"],
        members=vf.new_members(rows, saved), note=data["note"],
        latitude=data["latitude"], longitude=data["longitude"])


def _unseen_duplicates(request: HttpRequest, place: Place, family: services.NewFamily,
                       form: vf.ProposalForm, proposal: Proposal) -> bool:
    """Whether the data as posted matches registry families the user has not been shown, or
    matches some without the user confirming that the usulan is not one of them. A match
    outside the user's area was "shown" as the page's one notice when the saved usulan (of
    the version the form was opened with) already had it."""
    found = {f.pk for f in services.possible_duplicates(place.desa.code, family)}
    stored = set(proposal.possible_duplicates)
    visible = {f.pk for f in _duplicates(request.user, stored).shown}
    seen = (form.cleaned_data["seen_duplicates"] & visible) | (stored - visible)
    return bool(found - seen) or bool(found and not form.cleaned_data["not_duplicate"])


def _save_proposal(request: HttpRequest, place: Place, proposal: Proposal | None
                   ) -> HttpResponse:
    form = vf.ProposalForm(request.POST)
    rows = vf.new_member_rows(proposal.members if proposal else [], request.POST, minimum=6)
    photos = request.FILES.getlist("photos")
    if len(photos) > MAX_PHOTOS or not form.is_valid():
        problems = {"photo": [_("Paling banyak %(n)s foto sekali simpan.") % {"n": MAX_PHOTOS}]
                    } if len(photos) > MAX_PHOTOS else {}
        return _render_proposal(request, place, form, rows, proposal, problems)
    family = _new_family(form, rows, proposal)
    submit = request.POST.get("action") == "submit" and proposal is not None
    held_back = submit and _unseen_duplicates(request, place, family, form, proposal)
    submit = submit and not held_back
    try:
        saved = services.propose_family(
            place.campaign, place.desa.code, family, actor=request.user, submit=submit,
            photos=photos, proposal_id=proposal.pk if proposal else None,
            expected_version=form.cleaned_data["version"] if proposal else None)
    except Conflict as error:
        return _render_proposal(request, place, form, rows, proposal, conflict=error)
    except RuleError as error:
        problems = _show_problems(error, form)
        if photos:
            problems.setdefault("photo", []).append(
                _("Foto belum tersimpan; pilih lagi sebelum menyimpan."))
        return _render_proposal(request, place, form, rows, proposal, problems)
    if submit:
        messages.success(request, _("Usulan %(name)s dikirim ke kecamatan.")
                         % {"name": saved.kepala_keluarga})
        return HttpResponseRedirect(reverse("verify_proposals") + place.query)
    if held_back:
        messages.warning(request, _("Usulan belum dikirim: periksa kemungkinan duplikat di "
                                    "bawah, centang pernyataannya, lalu kirim lagi. Isian "
                                    "disimpan sebagai draf."))
    elif saved.possible_duplicates:
        messages.warning(request, _("Ada keluarga di registri yang mungkin sama dengan usulan "
                                    "ini. Periksa sebelum mengirim."))
    else:
        messages.success(request, _("Draf usulan disimpan; tidak ditemukan duplikat di "
                                    "registri."))
    return HttpResponseRedirect(reverse("verify_proposal", args=[saved.pk]))


@verifier_required
@no_store
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    if request.method == "POST" and place.writable:
        return _save_proposal(request, place, None)
    return _render_proposal(request, place, vf.ProposalForm(),
                            vf.new_member_rows([], minimum=6), None)


@verifier_required
@no_store
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_for(request.user, pk)
    place = Place(proposal.campaign, proposal.desa, _desa_query(request, proposal.desa_id))
    if request.method == "POST":
        return _save_proposal(request, place, proposal)
    form = vf.ProposalForm(initial=_proposal_initial(proposal, request.user))
    return _render_proposal(request, place, form,
                            vf.new_member_rows(proposal.members, minimum=6), proposal)


# --- a family's history --------------------------------------------------------------------

ACTIONS = {
    "verification.saved": gettext_lazy("Disimpan sebagai draf"),
    "verification.submitted": gettext_lazy("Dikirim ke kecamatan"),
    "verification.approved": gettext_lazy("Disetujui kecamatan"),
    "verification.returned": gettext_lazy("Dikembalikan ke desa"),
    "verification.change.requested": gettext_lazy("Permintaan perubahan diajukan"),
    "verification.change.approved": gettext_lazy("Permintaan perubahan disetujui"),
    "verification.change.refused": gettext_lazy("Permintaan perubahan ditolak"),
}
CHANNELS = {"web": gettext_lazy("formulir web"), "odk": gettext_lazy("ODK/Kobo"),
            "bulk": gettext_lazy("hasil musdes (massal)"),
            "desa_batch": gettext_lazy("kiriman akhir desa")}
FIELD_LABELS = {
    "outcome": gettext_lazy("Hasil"), "reason": gettext_lazy("Alasan"),
    "note": gettext_lazy("Catatan"), "destination": gettext_lazy("Tujuan pindah"),
    "duplicate_of_id": gettext_lazy("Duplikat dari"),
    "corrections": gettext_lazy("Perbaikan data"), "latitude": gettext_lazy("Lintang"),
    "longitude": gettext_lazy("Bujur"), "review": gettext_lazy("Status"),
    "return_reason": gettext_lazy("Alasan dikembalikan"),
}


@dataclass
class HistoryEntry:
    event: AuditEvent
    action: str
    changes: list[tuple[str, str, str]]
    details: list[str]


class _Values:
    """Stored values as a reader sees them (labels, names; numbers already masked)."""

    def __init__(self, names: dict[int, str], families: dict[int, str]) -> None:
        self.names, self.families = names, families

    def show(self, name: str, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if name == "outcome":
            return outcome_label(value) if value in OUTCOMES else str(value)
        if name == "reason":
            return _(MAMPU_REASONS.get(value, value))
        if name == "review":
            return str(STATES.get(value, value))
        if name == "duplicate_of_id":
            return self.families.get(value, _("keluarga #%(id)s") % {"id": value})
        if name == "corrections" and isinstance(value, list):
            return "; ".join(describe_correction(op, self.names) for op in value)
        return str(value)


def _history_entry(event: AuditEvent, values: _Values) -> HistoryEntry:
    data = event.data or {}
    changes = [(str(FIELD_LABELS.get(name, name)), values.show(name, change.get("before")),
                values.show(name, change.get("after")))
               for name, change in (data.get("changes") or {}).items()
               if isinstance(change, dict)]
    details = []
    if data.get("channel") in CHANNELS:
        details.append(_("lewat %(channel)s") % {"channel": CHANNELS[data["channel"]]})
    if data.get("photos"):
        details.append(ngettext("%(n)s foto", "%(n)s foto", data["photos"])
                       % {"n": data["photos"]})
    return HistoryEntry(event, str(ACTIONS.get(event.action, event.action)), changes, details)


def _history_values(user: Any, family: Family, events: Sequence[AuditEvent]) -> _Values:
    names = {p.pk: p.nama or "—" for p in Person.objects.for_user(user).filter(family=family)}
    dup_ids = {c.get(k) for e in events for c in [(e.data or {}).get("changes", {})
                                                  .get("duplicate_of_id") or {}]
               for k in ("before", "after") if c.get(k)}
    families = {f.pk: f"{f.kepala_keluarga} · {f.no_kk_masked}"
                for f in Family.objects.for_user(user).filter(pk__in=dup_ids)}
    return _Values(names, families)


@login_required
@no_store
@require_GET
def family_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every audit event about the family's verifications, newest first."""
    family = get_family_for_user(request.user, pk)
    ids = list(Verification.objects.for_user(request.user).filter(family=family)
               .values_list("pk", flat=True))
    # Both lookups go through the (object_type, object_id) index: the services write every
    # event about a verification on the verification, and a change request on itself.
    requests = ChangeRequest.objects.filter(verification_id__in=ids).values_list("pk", flat=True)
    events = AuditEvent.objects.filter(
        Q(object_type="verification.verification", object_id__in=[str(i) for i in ids])
        | Q(object_type="verification.changerequest",
            object_id__in=[str(i) for i in requests])
    ).select_related("actor").order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    values = _history_values(request.user, family, page.object_list)
    return render(request, "web/verify_history.html", {
        "nav": "families", "family": family, "page": page,
        "entries": [_history_entry(e, values) for e in page.object_list]})


urlpatterns = [
    path("verval/", worklist, name="worklist"),
    path("verval/massal/", bulk, name="verify_bulk"),
    path("verval/kirim-desa/", submit_desa, name="verify_submit_desa"),
    path("verval/<int:pk>/", family_form, name="verify_family"),
    path("verval/bukti/<int:pk>/", evidence_photo, name="verify_evidence"),
    path("verval/musdes/", musdes, name="verify_musdes"),
    path("verval/musdes/<int:pk>/berita-acara/", musdes_document, name="verify_musdes_document"),
    path("verval/usulan/", proposals, name="verify_proposals"),
    path("verval/usulan/baru/", proposal_new, name="verify_proposal_new"),
    path("verval/usulan/<int:pk>/", proposal_detail, name="verify_proposal"),
    path("keluarga/<int:pk>/riwayat/", family_history, name="family_history"),
]
