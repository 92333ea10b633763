"""One family as the kecamatan reviews it (issue 19 §4): the evidence in view — house photos
(thumbnails, full size on tap), the GPS point on a small offline map of the desa with a flag when
it lies outside, the outcome and its reason, the corrections as before → after, the desa's
berita acara — and the decision on this family. The desa's own verification page sends a
reviewer here (read-only for them), so no review link ends in a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tepat.core.identity import mask
from tepat.core.outcomes import MAMPU_REASONS, Review
from tepat.registry.models import Person
from tepat.verification import services
from tepat.verification.errors import RuleError
from tepat.verification.labels import outcome_label
from tepat.verification.models import REVIEW_CHOICES, ChangeRequest, Evidence, Musdes, Verification
from tepat.web.access import no_store
from tepat.web.areas import KABUPATEN, level_of
from tepat.web.corrections_display import MemberNow, before_after
from tepat.web.forms import add_problems
from tepat.web.forms_campaign import ReviewForm
from tepat.web.point_map import PointMap, point_map
from tepat.web.views.review import get_desa_for_user, is_reviewable, review_required

STATES = dict(REVIEW_CHOICES)


def verification_for_reviewer(user: Any, code: str, pk: int) -> Verification:
    """A verification of the desa in the reviewer's area; 404 otherwise (no oracle)."""
    v = (Verification.objects.for_user(user).filter(pk=pk, desa_id=code)
         .select_related("campaign", "family", "desa", "updated_by", "reviewed_by")
         .first())
    if v is None:
        raise Http404(_("Verifikasi tidak ditemukan."))
    return v


def _members(user: Any, v: Verification) -> list[Person]:
    return list(Person.objects.for_user(user).filter(family_id=v.family_id)
                .order_by("hubungan", "pk"))


def _where(v: Verification, photos: list[Evidence]) -> PointMap | None:
    """The point the desa recorded, else the first photo's."""
    if v.latitude is not None and v.longitude is not None:
        return point_map(v.desa_id, v.latitude, v.longitude)
    located = next((e for e in photos if e.latitude is not None and e.longitude is not None),
                   None)
    return point_map(v.desa_id, located.latitude, located.longitude) if located else None


def _duplicate_shown(user: Any, v: Verification) -> Any:
    family = v.duplicate_of
    return family if family is not None and services.in_area(user, family.desa_id) else None


def _context(request: HttpRequest, v: Verification, form: ReviewForm) -> dict[str, Any]:
    members = _members(request.user, v)
    photos = list(v.evidence.order_by("uploaded_at", "pk"))
    now = {p.pk: MemberNow(p.nama or "—", mask(p.nik), p.hubungan) for p in members}
    head = next((p.nama for p in members if p.hubungan == "1"), v.family.kepala_keluarga)
    reviewable = is_reviewable(v.campaign)
    return {
        "nav": "review", "v": v, "family": v.family, "desa": v.desa, "form": form,
        "members": [(p, now[p.pk].nik) for p in members], "photos": photos,
        "map": _where(v, photos),
        "state_label": STATES.get(v.review, _("Belum diverifikasi")),
        "outcome_label": outcome_label(v.outcome) if v.outcome else "",
        "reason_label": _(MAMPU_REASONS.get(v.reason, "")) if v.reason else "",
        "duplicate_shown": _duplicate_shown(request.user, v),
        "corrections": before_after(v.corrections, now, alamat=v.family.alamat or "",
                                    head=head or ""),
        "musdes": Musdes.objects.for_user(request.user).filter(
            campaign=v.campaign, desa_id=v.desa_id).first(),
        "change_requests": ChangeRequest.objects.filter(verification=v)
        .select_related("requested_by").order_by("-requested_at"),
        "actionable": reviewable and v.review in (Review.SUBMITTED, Review.APPROVED),
        "from_kabupaten": level_of(request.user.area_id) == KABUPATEN,
        "back": reverse("review_desa", args=[v.desa_id]) + f"?status={v.review or 'SUBMITTED'}",
    }


def _decide(request: HttpRequest, v: Verification, form: ReviewForm) -> str | None:
    """Approve or return this one family; the message on success, None on a refusal."""
    data = form.cleaned_data
    approve = data["action"] == ReviewForm.APPROVE
    try:
        services.review(v.campaign, [v.pk], actor=request.user, approve=approve,
                        reason=data["return_reason"])
    except RuleError as error:
        add_problems(form, error, request)
        return None
    name = v.family.kepala_keluarga
    return (_("%(name)s disetujui.") if approve
            else _("%(name)s dikembalikan ke desa.")) % {"name": name}


@review_required
@no_store
@require_http_methods(["GET", "POST"])
def review_family(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    get_desa_for_user(request.user, code)
    v = verification_for_reviewer(request.user, code, pk)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        data.setlist("ids", [str(v.pk)])
    form = ReviewForm(data)
    if data is not None and form.is_valid() and form.cleaned_data["action"] in (
            ReviewForm.APPROVE, ReviewForm.RETURN):
        done = _decide(request, v, form)
        if done is not None:
            messages.success(request, done)
            return redirect(reverse("review_desa", args=[code]) + "?status=SUBMITTED")
    return render(request, "web/review_family.html", _context(request, v, form))


urlpatterns = [
    path("periksa/<str:code>/keluarga/<int:pk>/", review_family, name="review_family"),
]
