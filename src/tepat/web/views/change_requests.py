"""Change after lock (issue 19 §7): the desa or kecamatan files a change request on a finalized
family, with the reason and the evidence; the admin kabupaten decides on the campaign page
(`campaigns.change_decide`). Nothing changes until the admin approves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tepat.accounts import roles
from tepat.core.outcomes import Review
from tepat.verification import campaigns as campaign_services
from tepat.verification.errors import RuleError
from tepat.verification.labels import outcome_label
from tepat.verification.models import ChangeRequest, Verification
from tepat.web.access import no_store, role_required
from tepat.web.forms import add_problems
from tepat.web.forms_change import ChangeRequestForm

change_required = role_required(lambda u: roles.can_verify(u) or roles.can_review(u))


def _verification(user: Any, pk: int) -> Verification:
    v = (Verification.objects.for_user(user).filter(pk=pk)
         .select_related("campaign", "family", "desa").first())
    if v is None:
        raise Http404(_("Verifikasi tidak ditemukan."))
    return v


def _file(request: HttpRequest, v: Verification, form: ChangeRequestForm) -> bool:
    data = form.cleaned_data
    try:
        campaign_services.request_change(
            v, actor=request.user, outcome=data["outcome"], reason=data["reason"],
            note=data["note"], why=data["why"], document=data["document"])
    except RuleError as error:
        add_problems(form, error)
        return False
    return True


@change_required
@no_store
@require_http_methods(["GET", "POST"])
def change_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    v = _verification(request.user, pk)
    final = v.review == Review.FINAL
    form = ChangeRequestForm(request.POST or None, request.FILES or None,
                             initial={"outcome": v.outcome, "reason": v.reason})
    if request.method == "POST" and final and form.is_valid() and _file(request, v, form):
        messages.success(request, _("Permintaan perubahan dikirim ke admin kabupaten; hasil "
                                    "verifikasi berubah setelah disetujui."))
        return redirect(reverse("change_request_new", args=[v.pk]))
    return render(request, "web/change_request.html", {
        "nav": "review" if roles.can_review(request.user) else "worklist",
        "v": v, "family": v.family, "form": form, "final": final,
        "outcome_label": outcome_label(v.outcome) if v.outcome else "",
        "requests": ChangeRequest.objects.filter(verification=v)
        .select_related("requested_by", "decided_by").order_by("-requested_at"),
        "decision_url": reverse("campaign_detail", args=[v.campaign_id]) + "#perubahan"
        if roles.can_manage_campaigns(request.user) else "",
    })


urlpatterns = [
    path("verval/<int:pk>/perubahan/", change_request_new, name="change_request_new"),
]
