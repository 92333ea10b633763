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
from django.db.models import Count, Q, QuerySet
from django.http import (
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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tepat.accounts import roles
from tepat.core.identity import NUMBER_LENGTH, mask, normalize_number
from tepat.core.outcomes import DESA_EDITABLE, MAMPU_REASONS, PENDING_LABEL, Review
from tepat.regions.models import Level, Region
from tepat.registry.models import Person
from tepat.verification import services
from tepat.verification.errors import Conflict, RuleError
from tepat.verification.labels import outcome_label
from tepat.verification.models import (
    REVIEW_CHOICES,
    Campaign,
    DesaSubmission,
    Musdes,
    Verification,
)
from tepat.verification.selectors import current_campaign, may_take_back_batch
from tepat.web import forms_verify as vf
from tepat.web.access import no_store, role_required
from tepat.web.areas import DESA, area_of, level_of
from tepat.web.corrections_display import describe_correction
from tepat.web.paging import keyed_page
from tepat.web.verify_duplicates import duplicate_choices
from tepat.web.views.families import family_sections

PAGE_SIZE = 50
MAX_PHOTOS = 6  # a save carries a few photos; more is a mistake on a slow connection
SEARCHES = "web.verval_searches"  # session key {token: term}: no name or number in a URL
KEEP_SEARCHES = 10
STATES = dict(REVIEW_CHOICES)

verifier_required = role_required(roles.can_verify)
# The family page: the desa edits it; a reviewer is sent to the review page of the family.
family_page_required = role_required(lambda u: roles.can_verify(u) or roles.can_review(u))


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
    may_take_back: bool = False  # sent, and the kecamatan has decided nothing of it yet

    @property
    def ready(self) -> bool:
        return bool(self.musdes and self.musdes.berita_acara) and not self.without_outcome


# Families the desa's final batch still lacks an outcome for (counted with the tabs).
WITHOUT_OUTCOME = Q(outcome="") & ~Q(review__in=[Review.SUBMITTED, Review.APPROVED,
                                                 Review.FINAL])


def _desa_batch(place: Place, without_outcome: int) -> DesaBatch:
    submission = (DesaSubmission.objects.filter(campaign=place.campaign, desa=place.desa)
                  .select_related("submitted_by").first())
    return DesaBatch(
        Musdes.objects.filter(campaign=place.campaign, desa=place.desa).first(),
        submission, without_outcome, may_take_back_batch(place.campaign, submission))


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


@family_page_required
@no_store
@require_http_methods(["GET", "POST"])
def family_form(request: HttpRequest, pk: int) -> HttpResponse:
    v = _verification_for(request.user, pk)
    if not roles.can_verify(request.user):  # the kecamatan: the family's review page
        return HttpResponseRedirect(reverse("review_family", args=[v.desa_id, v.pk]))
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


urlpatterns = [
    path("verval/", worklist, name="worklist"),
    path("verval/massal/", bulk, name="verify_bulk"),
    path("verval/<int:pk>/", family_form, name="verify_family"),
    path("verval/musdes/", musdes, name="verify_musdes"),
]
