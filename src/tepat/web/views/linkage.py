"""The person linkage review (issue 18 §2): the queue of pairs the model is unsure about, one
pair side by side with the words of each comparison, and one cluster's records.

A pair waits in the queue of the kecamatan holding both records, or of the kabupaten for pairs
across kecamatan. The operator kecamatan decides its kecamatan's pairs; the admin kabupaten
decides the kabupaten's and reads every kecamatan's. A pair outside the user's area answers 404
like one that does not exist. NIK and KK are shown masked, the differing positions marked
(`tepat.web.linkage_display`). Writes go through `tepat.linkage.decisions`; a refusal (a stale
version: someone decided meanwhile) comes back as a message, never as a traceback.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tepat.accounts import roles
from tepat.core.identity import mask
from tepat.linkage import decisions, lists
from tepat.linkage.models import ClusterMember, LinkPair
from tepat.linkage.selectors import cluster_size
from tepat.registry.models import Person
from tepat.verification.errors import RuleError
from tepat.web.access import no_store, role_required
from tepat.web.areas import KABUPATEN, area_of, level_of
from tepat.web.linkage_display import marked_number, weight_bars

review_required = role_required(roles.can_review_links)
PAGE_SIZE = 50
OPEN = (LinkPair.State.PENDING, LinkPair.State.UNSURE)
TABS = (("open", gettext_lazy("Perlu diputuskan")),
        (LinkPair.State.ACCEPTED, gettext_lazy("Orang yang sama")),
        (LinkPair.State.REJECTED, gettext_lazy("Bukan orang yang sama")))


def get_pair_for_user(user: Any, pk: int) -> LinkPair:
    """A pair of the user's queue (a kabupaten user: every queue of the regency), else 404."""
    pair = (LinkPair.objects.for_area(user.area_id)
            .select_related("left__family", "left__desa", "left__cluster_member",
                            "right__family", "right__desa", "right__cluster_member",
                            "area", "decided_by")
            .filter(pk=pk).first())
    if pair is None:
        raise Http404(_("Pasangan tidak ditemukan di wilayah Anda."))
    return pair


def may_decide(user: Any, pair: LinkPair) -> bool:
    """A queue is decided by its own area; the kabupaten reads the kecamatan's queues."""
    return pair.area_id == user.area_id


# --- the queue ---------------------------------------------------------------------------------


def _queue_code(user: Any, chosen: str | None) -> tuple[str, list[Any]]:
    """(the queue shown, the kecamatan a kabupaten user may choose from)."""
    if level_of(user.area_id) != KABUPATEN:
        return user.area_id, []
    kecamatan = area_of(user).kecamatan
    return (chosen if chosen in {k.code for k in kecamatan} else user.area_id), kecamatan


def _state_filter(tab: str) -> Q:
    return Q(state__in=OPEN) if tab == "open" else Q(state=tab)


@review_required
@no_store
@require_GET
def link_queue(request: HttpRequest) -> HttpResponse:
    code, kecamatan = _queue_code(request.user, request.GET.get("kecamatan"))
    tab = request.GET.get("state", "open")
    tab = tab if tab in dict(TABS) else "open"
    pairs = LinkPair.objects.for_area(request.user.area_id).filter(area_id=code)
    counts = dict(pairs.values_list("state").annotate(n=Count("pk")).order_by())
    shown = (pairs.filter(_state_filter(tab))
             .select_related("left__desa", "right__desa")
             .order_by("-match_probability", "pk"))
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/link_queue.html", {
        "nav": "linkage", "page": page, "tab": tab, "code": code, "kecamatan": kecamatan,
        "counts": counts, "open_count": sum(counts.get(s, 0) for s in OPEN),
        "tabs": [(key, label, sum(counts.get(s, 0) for s in OPEN) if key == "open"
                  else counts.get(key, 0)) for key, label in TABS],
        "area_name": next((k.name for k in kecamatan if k.code == code), None),
    })


# --- one pair ----------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    REOPEN = "reopen"
    action = forms.ChoiceField(choices=[(LinkPair.State.ACCEPTED, ""),
                                        (LinkPair.State.REJECTED, ""),
                                        (LinkPair.State.UNSURE, ""), (REOPEN, "")])
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=500, strip=True)


def _record(person: Person, other: Person) -> dict[str, Any]:
    member = getattr(person, "cluster_member", None)
    return {"person": person, "family": person.family, "cluster": member,
            "nik": marked_number(person.nik, other.nik),
            "kk": marked_number(person.family.no_kk, other.family.no_kk),
            "nik_differs": sum(d.differs for d in marked_number(person.nik, other.nik))}


def _decide(request: HttpRequest, pair: LinkPair, data: dict[str, Any]) -> str:
    """Run the decision; the message to show."""
    if data["action"] == DecisionForm.REOPEN:
        decisions.reopen_pair(pair, actor=request.user, version=data["version"])
        return _("Keputusan dibatalkan; pasangan kembali ke antrean.")
    decided = decisions.decide_pair(pair, data["action"], actor=request.user,
                                    version=data["version"], note=data["note"])
    return _("Keputusan disimpan: %(state)s.") % {"state": decided.get_state_display()}


def _post_decision(request: HttpRequest, pair: LinkPair) -> None:
    form = DecisionForm(request.POST)
    if not may_decide(request.user, pair):
        messages.error(request, _("Pasangan ini diputuskan di antrean kecamatannya."))
    elif not form.is_valid():
        messages.error(request, _("Pilih keputusan dari tombol yang tersedia."))
    else:
        try:
            messages.success(request, _decide(request, pair, form.cleaned_data))
        except RuleError as error:
            for _name, message in error.problems:
                messages.error(request, message)


def _next_open(user: Any, pair: LinkPair) -> int | None:
    return (LinkPair.objects.for_area(user.area_id)
            .filter(area_id=pair.area_id, state=LinkPair.State.PENDING).exclude(pk=pair.pk)
            .order_by("-match_probability", "pk").values_list("pk", flat=True).first())


@review_required
@no_store
@require_http_methods(["GET", "POST"])
def link_pair(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_pair_for_user(request.user, pk)
    if request.method == "POST":
        _post_decision(request, pair)
        return redirect("link_pair", pk=pair.pk)
    left, right = pair.left, pair.right
    return render(request, "web/link_pair.html", {
        "nav": "linkage", "pair": pair, "records": [_record(left, right), _record(right, left)],
        "bars": weight_bars(pair.comparisons or []), "may_decide": may_decide(request.user, pair),
        "open": pair.state in OPEN, "next_pair": _next_open(request.user, pair),
        "percent": round(100 * (pair.match_probability or 0), 1),
    })


# --- one cluster -------------------------------------------------------------------------------


def _cluster_members(user: Any, cluster: int) -> tuple[list[ClusterMember], list[ClusterMember]]:
    """(the cluster's records in the user's area, those unmerged from it there)."""
    rows = list(ClusterMember.objects.for_user(user)
                .filter(Q(cluster=cluster) | Q(previous_cluster=cluster, alone=True))
                .select_related("person__family", "desa").order_by("desa_id", "person_id"))
    for member in rows:
        member.nik_masked = mask(member.person.nik)
    inside = [m for m in rows if m.cluster == cluster]
    return inside, [m for m in rows if m.cluster != cluster]


def _post_membership(request: HttpRequest, inside: list[ClusterMember],
                     left: list[ClusterMember]) -> None:
    action, person = request.POST.get("action"), request.POST.get("person", "")
    pool = {"unmerge": inside, "remerge": left}.get(action or "", [])
    member = next((m for m in pool if str(m.person_id) == person), None)
    if member is None:
        messages.error(request, _("Pilih rekaman dari daftar klaster ini."))
        return
    service = decisions.unmerge_record if action == "unmerge" else decisions.remerge_record
    try:
        service(member.person_id, actor=request.user, area=member.kecamatan_id)
    except RuleError as error:
        for _name, message in error.problems:
            messages.error(request, message)
    else:
        messages.success(request, _("Rekaman dipisahkan dari klaster.") if action == "unmerge"
                         else _("Rekaman digabungkan kembali ke klaster."))


@review_required
@no_store
@require_http_methods(["GET", "POST"])
def link_cluster(request: HttpRequest, cluster: int) -> HttpResponse:
    inside, left = _cluster_members(request.user, cluster)
    if not inside and not left:
        raise Http404(_("Klaster tidak ditemukan di wilayah Anda."))
    if request.method == "POST":
        _post_membership(request, inside, left)
        return redirect("link_cluster", cluster=cluster)
    everywhere = cluster_size(cluster)
    return render(request, "web/link_cluster.html", {
        "nav": "linkage", "cluster": cluster, "members": inside, "left": left,
        "outside": everywhere - len(inside),
        "lists": lists.in_cluster(m.person_id for m in inside),
    })


urlpatterns = [
    path("kaitan/antrean/", link_queue, name="link_queue"),
    path("kaitan/pasangan/<int:pk>/", link_pair, name="link_pair"),
    path("kaitan/klaster/<int:cluster>/", link_cluster, name="link_cluster"),
]
