"""The operator kecamatan's review (DESIGN.md §3, issue 3 §3): every desa of the kecamatan side by
side, then one desa's submitted verifications and usulan baru to approve or return.

The admin kabupaten reviews too: their overview lists the kecamatan, each leading to its desa.
Writes go through `tepat.verification.services` (`review`, `review_desa`, `review_proposal`);
their refusals reach the user as messages and form errors, never as a traceback.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.core.identity import mask
from tepat.core.measures import Tally, Units, figures_from_tallies
from tepat.core.outcomes import Review
from tepat.regions.models import Level, Region
from tepat.registry.models import Family
from tepat.verification import services
from tepat.verification.errors import RuleError
from tepat.verification.models import (
    Campaign,
    CampaignStat,
    CampaignState,
    CrossAreaDuplicate,
    DesaSubmission,
    Evidence,
    Musdes,
    Proposal,
    Verification,
)
from tepat.verification.selectors import current_campaign
from tepat.web.access import no_store, role_required
from tepat.web.areas import KABUPATEN, area_of, level_of
from tepat.web.forms import add_problems
from tepat.web.forms_campaign import DuplicateCaseForm, ProposalReviewForm, ReviewForm
from tepat.web.paging import keyed_page
from tepat.web.point_map import point_map

review_required = role_required(roles.can_review)
PAGE_SIZE = 100
TABS = (
    (Review.SUBMITTED, gettext_lazy("Menunggu persetujuan")),
    (Review.APPROVED, gettext_lazy("Disetujui")),
    (Review.RETURNED, gettext_lazy("Dikembalikan")),
    (Review.FINAL, gettext_lazy("Final")),
)
CORRECTION_LABELS = {
    "rename": gettext_lazy("nama diperbaiki"),
    "fix_nik": gettext_lazy("NIK diperbaiki"),
    "add": gettext_lazy("anggota ditambah"),
    "remove": gettext_lazy("anggota dikeluarkan"),
    "head": gettext_lazy("kepala keluarga diganti"),
    "address": gettext_lazy("alamat diubah"),
}


def is_reviewable(campaign: Campaign | None) -> bool:
    return campaign is not None and campaign.state in (CampaignState.OPEN, CampaignState.CLOSED)


# ---------------------------------------------------------------------------------------------
# The overview: desa (or, for the kabupaten, kecamatan) side by side


@dataclass
class UnitRow:
    """One desa or kecamatan of the overview; counts in keluarga and jiwa."""

    region: Region
    in_scope: Units = field(default_factory=Units)
    pending: Units = field(default_factory=Units)
    submitted: Units = field(default_factory=Units)
    approved: Units = field(default_factory=Units)
    returned: Units = field(default_factory=Units)
    proposals_waiting: int = 0
    desa: int = 1  # desa in the row (a kecamatan row holds several)
    musdes: int = 0  # desa with a berita acara
    batch_sent: int = 0  # desa that sent their final batch

    @property
    def all_musdes(self) -> bool:
        return self.musdes >= self.desa

    @property
    def all_sent(self) -> bool:
        return self.batch_sent >= self.desa


def _tallies(campaign: Campaign, user: Any, key: str,
             area: dict[str, str]) -> dict[str, tuple[list[Tally], list[Tally]]]:
    rows = (CampaignStat.objects.for_user(user).filter(campaign=campaign, **area)
            .values(key, "proposal", "outcome", "review")
            .annotate(k=Sum("keluarga"), j=Sum("jiwa")))
    grouped: dict[str, tuple[list[Tally], list[Tally]]] = defaultdict(lambda: ([], []))
    for row in rows:
        tally = Tally(row["outcome"] or None, row["review"] or None, row["k"], row["j"])
        grouped[row[key]][1 if row["proposal"] else 0].append(tally)
    return grouped


def _per_region(model: type, campaign: Campaign, user: Any, key: str,
                area: dict[str, str]) -> Counter:
    records = model.objects.for_user(user).filter(campaign=campaign, **area)
    if model is Musdes:
        records = records.exclude(berita_acara="")
    return Counter(dict(records.values_list(key).annotate(n=Count("pk"))))


def overview_rows(campaign: Campaign, user: Any, regions: Iterable[Region], *, key: str,
                  area: dict[str, str], desa_count: dict[str, int] | None = None
                  ) -> list[UnitRow]:
    """The review state of each region (key 'desa_id' or 'kecamatan_id')."""
    grouped = _tallies(campaign, user, key, area)
    musdes = _per_region(Musdes, campaign, user, key, area)
    sent = _per_region(DesaSubmission, campaign, user, key, area)
    rows = []
    for region in regions:
        base, proposals = grouped.get(region.code, ([], []))
        figures = figures_from_tallies(base, proposals=proposals)
        returned = Units()
        for t in base:
            if t.review == Review.RETURNED:
                returned += Units(t.keluarga, t.jiwa)
        rows.append(UnitRow(
            region=region, in_scope=figures.in_scope, pending=figures.pending,
            submitted=figures.submitted, approved=figures.approved, returned=returned,
            proposals_waiting=sum(p.keluarga for p in proposals if p.review == Review.SUBMITTED),
            desa=(desa_count or {}).get(region.code, 1),
            musdes=musdes[region.code], batch_sent=sent[region.code],
        ))
    return rows


def _total(rows: list[UnitRow]) -> UnitRow:
    total = UnitRow(region=None, desa=0)  # type: ignore[arg-type]
    for row in rows:
        for name in ("in_scope", "pending", "submitted", "approved", "returned"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for name in ("proposals_waiting", "desa", "musdes", "batch_sent"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


@review_required
@no_store
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """All desa of the user's kecamatan; for the kabupaten, its kecamatan (or one's desa)."""
    campaign = current_campaign()
    area = area_of(request.user)
    context: dict[str, Any] = {"nav": "review", "campaign": campaign,
                               "reviewable": is_reviewable(campaign)}
    if campaign is None:
        return render(request, "web/review_overview.html", context)
    chosen = request.GET.get("kecamatan")
    kecamatan = {r.code: r for r in area.kecamatan}
    if area.level == KABUPATEN and chosen not in kecamatan:
        desa_count = Counter(r.parent_id for r in area.desa)
        rows = overview_rows(campaign, request.user, area.kecamatan, key="kecamatan_id",
                             area={}, desa_count=desa_count)
        context.update(level="kecamatan", rows=rows, total=_total(rows))
    else:
        if not area.kecamatan:
            raise Http404(_("Kecamatan Anda tidak ditemukan."))
        code = chosen if area.level == KABUPATEN else area.kecamatan[0].code
        desa = [r for r in area.desa if r.parent_id == code]
        rows = overview_rows(campaign, request.user, desa, key="desa_id",
                             area={"kecamatan_id": code})
        context.update(level="desa", rows=rows, total=_total(rows), kecamatan=kecamatan[code],
                       from_kabupaten=area.level == KABUPATEN)
    context.update(cases=_open_cases(request.user, campaign), case_form=DuplicateCaseForm())
    return render(request, "web/review_overview.html", context)


# ---------------------------------------------------------------------------------------------
# Kasus ganda lintas wilayah (DESIGN.md §10, "No oracle")

MATCH_KEYS = {"no_kk": gettext_lazy("No. KK sama"), "nik": gettext_lazy("NIK anggota sama"),
              "kepala": gettext_lazy("nama dan tanggal lahir kepala keluarga sama"),
              "mirip": gettext_lazy("anggota mirip menurut model pencocokan")}
MAX_CASES = 200


def _open_cases(user: Any, campaign: Campaign) -> list[CrossAreaDuplicate]:
    """The open cases of the user's queue: an usulan that matched a registry family outside its
    desa operator's area; the reviewer may see both sides, so both are shown (KK masked)."""
    cases = list(CrossAreaDuplicate.objects.for_user(user)
                 .filter(campaign=campaign, state=CrossAreaDuplicate.State.OPEN)
                 .select_related("proposal__desa", "family__desa", "family__kecamatan")
                 .order_by("created_at", "pk")[:MAX_CASES])
    for case in cases:
        case.proposal_kk = mask(case.proposal.no_kk)
        case.key_labels = ", ".join(str(MATCH_KEYS.get(k, k)) for k in case.keys)
    return cases


@review_required
@no_store
@require_POST
def review_duplicate_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide one case of the user's queue: the usulan is the registered family, or not."""
    case = CrossAreaDuplicate.objects.for_user(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("Kasus ganda tidak ditemukan."))
    form = DuplicateCaseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(reverse("review") + "#kasus-ganda")
    try:
        services.resolve_cross_area_case(case.pk, actor=request.user,
                                         state=form.cleaned_data["state"],
                                         note=form.cleaned_data["note"])
    except RuleError as error:
        for _name, message in error.problems:
            messages.error(request, message)
    else:
        messages.success(request, _("Kasus ganda diputuskan."))
    return redirect(reverse("review") + "#kasus-ganda")


# ---------------------------------------------------------------------------------------------
# One desa


def get_desa_for_user(user: Any, code: str) -> Region:
    """A desa of the user's area; any other code answers 404 like one that does not exist."""
    desa = Region.objects.select_related("parent").filter(code=code, level=Level.DESA).first()
    if desa is None or not services.in_area(user, code):
        raise Http404(_("Desa tidak ditemukan di wilayah Anda."))
    return desa


def corrections_summary(operations: list[dict[str, Any]]) -> str:
    """'1 anggota ditambah, 2 nama diperbaiki' (never a NIK)."""
    counts = Counter(op.get("op") for op in operations or [])
    return ", ".join(f"{n} {CORRECTION_LABELS[op]}" for op, n in counts.items()
                     if op in CORRECTION_LABELS)


def _verifications(user: Any, campaign: Campaign, desa: Region, status: str):
    rows = (Verification.objects.for_user(user)
            .filter(campaign=campaign, desa_id=desa.code, review=status)
            .order_by("family__kepala_keluarga", "pk"))
    return rows


def _shown_columns(rows: QuerySet) -> QuerySet:
    return (rows.select_related("family", "duplicate_of", "updated_by", "reviewed_by")
            .annotate(photos=Count("evidence")))


SHOWN_PHOTOS = 3  # thumbnails per row; the family's review page shows them all


def _photo_ids(verification_ids: list[int]) -> dict[int, list[int]]:
    """The photos of the page's verifications (already scoped), in one query."""
    found: dict[int, list[int]] = defaultdict(list)
    for pk, v_id in (Evidence.objects.filter(verification_id__in=verification_ids)
                     .order_by("uploaded_at", "pk").values_list("pk", "verification_id")):
        found[v_id].append(pk)
    return found


def _status_counts(user: Any, campaign: Campaign, desa: Region) -> dict[str, int]:
    rows = (Verification.objects.for_user(user).filter(campaign=campaign, desa_id=desa.code)
            .values_list("review").annotate(n=Count("pk")))
    return {review or "": n for review, n in rows}


def _proposals(user: Any, campaign: Campaign, desa: Region) -> list[Proposal]:
    """The desa's usulan baru sent to the kecamatan, each with the registry families it may be
    (only those the reviewer may see; the others are counted)."""
    proposals = list(Proposal.objects.for_user(user)
                     .filter(campaign=campaign, desa_id=desa.code)
                     .exclude(review=Review.DRAFT).select_related("created_by")
                     .annotate(photos=Count("evidence")).order_by("-review", "kepala_keluarga"))
    wanted = {pk for p in proposals for pk in p.possible_duplicates or []}
    visible = {f.pk: f for f in Family.objects.for_user(user).filter(pk__in=wanted)
               .select_related("desa")}
    photos: dict[int, list[int]] = defaultdict(list)
    for pk, proposal_id in (Evidence.objects.filter(proposal__in=[p.pk for p in proposals])
                            .order_by("uploaded_at", "pk").values_list("pk", "proposal_id")):
        photos[proposal_id].append(pk)
    for p in proposals:
        p.photo_ids = photos.get(p.pk, [])
        p.map = point_map(desa.code, p.latitude, p.longitude)
        ids = p.possible_duplicates or []
        p.duplicates = [visible[pk] for pk in ids if pk in visible]
        p.hidden_duplicates = len(ids) - len(p.duplicates)
        p.no_kk_masked = mask(p.no_kk)
        p.members_masked = [(m.get("nama", ""), mask(m.get("nik"))) for m in p.members or []]
    return proposals


def _duplicate_shown(user: Any, v: Verification) -> Family | None:
    """The family a GANDA verification points to, if the reviewer may see it (a stored
    reference outside their area is never named)."""
    family = v.duplicate_of
    return family if family is not None and services.in_area(user, family.desa_id) else None


def _decide(user: Any, campaign: Campaign, desa: Region, data: dict[str, Any]) -> str:
    """Run the chosen review; the message to show on success."""
    action = data["action"]
    if action == ReviewForm.APPROVE_DESA:
        waiting = _status_counts(user, campaign, desa).get(Review.SUBMITTED, 0)
        if data.get("expected") is not None and data["expected"] != waiting:
            raise RuleError(_("Jumlah keluarga yang menunggu berubah sejak halaman dibuka "
                              "(sekarang %(n)s); periksa lagi sebelum menyetujui semua.")
                            % {"n": waiting})
        n = services.review_desa(campaign, desa.code, actor=user, approve=True)
        return ngettext("%(n)s keluarga disetujui.", "%(n)s keluarga disetujui.", n) % {"n": n}
    ids = data["ids"]
    in_desa = set(Verification.objects.for_user(user).filter(
        campaign=campaign, desa_id=desa.code, pk__in=ids).values_list("pk", flat=True))
    if in_desa != set(ids):
        raise RuleError(_("Sebagian keluarga yang dipilih tidak ada di desa ini."))
    approve = action == ReviewForm.APPROVE
    n = services.review(campaign, ids, actor=user, approve=approve,
                        reason=data["return_reason"])
    if approve:
        return ngettext("%(n)s keluarga disetujui.", "%(n)s keluarga disetujui.", n) % {"n": n}
    return ngettext("%(n)s keluarga dikembalikan ke desa.",
                    "%(n)s keluarga dikembalikan ke desa.", n) % {"n": n}


@review_required
@no_store
@require_http_methods(["GET", "POST"])
def review_desa(request: HttpRequest, code: str) -> HttpResponse:
    desa = get_desa_for_user(request.user, code)
    campaign = current_campaign()
    status = request.GET.get("status", Review.SUBMITTED)
    if status not in dict(TABS):
        status = Review.SUBMITTED
    form = ReviewForm(request.POST) if request.method == "POST" else ReviewForm()
    if request.method == "POST" and campaign is not None and form.is_valid():
        try:
            done = _decide(request.user, campaign, desa, form.cleaned_data)
        except RuleError as error:
            add_problems(form, error, request)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('review_desa', args=[desa.code])}?status={status}")
    context: dict[str, Any] = {
        "nav": "review", "desa": desa, "campaign": campaign, "form": form, "status": status,
        "reviewable": is_reviewable(campaign),
        "actionable": is_reviewable(campaign) and status in (Review.SUBMITTED, Review.APPROVED),
        "from_kabupaten": level_of(request.user.area_id) == KABUPATEN,
        "selected": set(getattr(form, "cleaned_data", {}).get("ids") or []),
    }
    if campaign is not None:
        counts = _status_counts(request.user, campaign, desa)
        rows = _verifications(request.user, campaign, desa, status)
        context.update(
            tabs=[(code_, label, counts.get(code_, 0)) for code_, label in TABS],
            waiting=counts.get(Review.SUBMITTED, 0),
            page=keyed_page(rows, request.GET.get("page"), PAGE_SIZE, load=_shown_columns),
            proposals=_proposals(request.user, campaign, desa),
            musdes=Musdes.objects.for_user(request.user).filter(
                campaign=campaign, desa_id=desa.code).first(),
            batch=DesaSubmission.objects.for_user(request.user).filter(
                campaign=campaign, desa_id=desa.code).select_related("submitted_by").first(),
            proposal_form=ProposalReviewForm(),
        )
        photos = _photo_ids([v.pk for v in context["page"].object_list])
        for v in context["page"].object_list:
            v.corrections_summary = corrections_summary(v.corrections)
            v.duplicate_shown = _duplicate_shown(request.user, v)
            v.photo_ids = photos.get(v.pk, [])[:SHOWN_PHOTOS]
    return render(request, "web/review_desa.html", context)


@review_required
@no_store
@require_POST
def review_proposal(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Approve or return one usulan baru of the desa."""
    desa = get_desa_for_user(request.user, code)
    proposal = Proposal.objects.for_user(request.user).filter(pk=pk, desa_id=desa.code).first()
    if proposal is None:
        raise Http404(_("Usulan tidak ditemukan."))
    form = ProposalReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        approve = form.cleaned_data["action"] == "approve"
        try:
            services.review_proposal(proposal.pk, actor=request.user, approve=approve,
                                     reason=form.cleaned_data["return_reason"])
        except RuleError as error:
            for _name, message in error.problems:
                messages.error(request, message)
        else:
            text = (_("Usulan %(name)s disetujui.") if approve
                    else _("Usulan %(name)s dikembalikan ke desa."))
            messages.success(request, text % {"name": proposal.kepala_keluarga})
    return redirect(reverse("review_desa", args=[desa.code]) + "#usulan")


urlpatterns = [
    path("periksa/", review, name="review"),
    path("periksa/ganda/<int:pk>/", review_duplicate_case, name="review_duplicate_case"),
    path("periksa/<str:code>/", review_desa, name="review_desa"),
    path("periksa/<str:code>/usulan/<int:pk>/", review_proposal, name="review_proposal"),
]
