"""Usulan baru (issue 3 §2): a desa proposes a family the registry lacks, sees the registry
families that may be the same before sending it, and sends it to the kecamatan.

The form starts with one member block; "Tambah anggota" adds one more in the page (verify.js)
or, without JavaScript, by posting the form back (issue 19 §5: six empty blocks were ~4,900 px
on a phone). Proposals are fetched only through `Proposal.objects.for_user`: another area's
answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tepat.core.identity import mask
from tepat.core.outcomes import Review
from tepat.registry.models import Family
from tepat.verification import services
from tepat.verification.errors import Conflict, RuleError
from tepat.verification.models import Proposal
from tepat.web import forms_verify as vf
from tepat.web.access import no_store
from tepat.web.code_labels import code_label
from tepat.web.views.verify import (
    MAX_PHOTOS,
    STATES,
    Place,
    _desa_query,
    _place_or_redirect,
    _show_problems,
    verifier_required,
)

ADD_MEMBER = "add_member"  # the "Tambah anggota" button's action: one more block, no save


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
                     conflict: Conflict | None = None, adding: bool = False) -> HttpResponse:
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
        "adding": adding,
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


def _one_more_member(request: HttpRequest, place: Place, proposal: Proposal | None
                     ) -> HttpResponse:
    """"Tambah anggota" without JavaScript: the form comes back as typed, nothing saved and
    nothing checked yet, with one more empty member block (the new one focused)."""
    posted = vf.posted_rows(request.POST)
    rows = vf.new_member_rows(proposal.members if proposal else [], request.POST,
                              minimum=min(posted + 1, vf.MAX_NEW_ROWS))
    form = vf.ProposalForm(initial=request.POST.dict())
    problems = {"photo": [_("Foto belum tersimpan; pilih lagi sebelum menyimpan.")]} if (
        request.FILES.getlist("photos")) else {}
    return _render_proposal(request, place, form, rows, proposal, problems, adding=True)


def _save_proposal(request: HttpRequest, place: Place, proposal: Proposal | None
                   ) -> HttpResponse:
    if request.POST.get("action") == ADD_MEMBER:
        return _one_more_member(request, place, proposal)
    form = vf.ProposalForm(request.POST)
    rows = vf.new_member_rows(proposal.members if proposal else [], request.POST, minimum=1,
                              blank=0)
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
                            vf.new_member_rows([], minimum=1, blank=0), None)


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
                            vf.new_member_rows(proposal.members, minimum=1, blank=0), proposal)


urlpatterns = [
    path("verval/usulan/", proposals, name="verify_proposals"),
    path("verval/usulan/baru/", proposal_new, name="verify_proposal_new"),
    path("verval/usulan/<int:pk>/", proposal_detail, name="verify_proposal"),
]
