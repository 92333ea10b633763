"""Gesek Ekstrem pages (issue 4 §1-§2): officials, teams and assignment for the admin kabupaten;
"Keluarga dampingan saya", visits and needs for the pendamping official.

The admin works on the whole regency; an official sees only the families assigned to them (an
entry of another official answers 404, exactly like one that does not exist). Every write goes
through `tepat.gesek.services`, `tepat.gesek.importing` or `tepat.gesek.assigning`; their
refusals (`RuleError`) come back as messages next to the fields they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Max, Prefetch, Q, Sum
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.core.identity import mask
from tepat.core.strategies import NEED_KINDS, STRATEGIES
from tepat.gesek import services
from tepat.gesek.importing import COLUMNS, OfficialImport, import_officials
from tepat.gesek.models import Assignment, Need, NeedStatus, Official, TeamMember, TeamRole, Visit
from tepat.gesek.selectors import current_target_list
from tepat.regions.models import Level, Region
from tepat.verification.errors import RuleError
from tepat.verification.models import TargetList, TargetListEntry
from tepat.web import forms_gesek as gf
from tepat.web.access import no_store, role_required
from tepat.web.code_labels import code_label
from tepat.web.forms import add_problems

PAGE_SIZE = 50
NAV = "gesek"

admin_required = role_required(roles.can_manage_gesek)
gesek_required = role_required(
    lambda u: roles.can_manage_gesek(u) or roles.is_official(u) or roles.can_read_everything(u))
# A family's visits and needs: the admin or its pendamping official, never leadership (which
# reads the coverage only and has no official record: it got a 500 here, found by the URL matrix).
pendamping_required = role_required(lambda u: roles.can_manage_gesek(u) or roles.is_official(u))

UNASSIGNED_REASONS = {
    "no_team": gettext_lazy("Kecamatan belum punya tim (atau tak ada anggota aktif)"),
    "no_centroid": gettext_lazy("Desa tidak ada di peta batas wilayah (jarak tak bisa "
                                "dihitung)"),
    "capacity": gettext_lazy("Kuota pejabat di tim kecamatan sudah penuh"),
}



def _kecamatan_for(user: Any, code: str) -> Region:
    """A kecamatan inside the user's area (404 otherwise)."""
    area = user.area_id or ""
    region = Region.objects.filter(code=code, level=Level.KECAMATAN).first()
    if region is None or not (code == area or code.startswith(area + ".")):
        raise Http404(_("Kecamatan tidak ditemukan."))
    return region


# --- the admin's overview: coverage per kecamatan ----------------------------------------------


@dataclass
class Coverage:
    """One kecamatan: its team and how far its target families are assigned and visited."""

    kecamatan: Region
    team_size: int = 0
    coordinator: Official | None = None
    targets: int = 0
    jiwa: int = 0
    assigned: int = 0
    visited: int = 0

    @property
    def unassigned(self) -> int:
        return self.targets - self.assigned

    @property
    def has_team(self) -> bool:
        return self.team_size > 0


def _by_kecamatan(rows: Any, **aggregates: Any) -> dict[str, dict[str, int]]:
    return {r["kecamatan_id"]: r for r in rows.values("kecamatan_id").annotate(**aggregates)}


def coverage(user: Any, target_list: TargetList | None) -> list[Coverage]:
    """Every kecamatan of the user's area, with or without a team (a few grouped queries)."""
    area = user.area_id or ""
    kecamatan = Region.objects.filter(level=Level.KECAMATAN).filter(
        Q(code=area) | Q(code__startswith=area + ".")).order_by("code")
    rows = {k.code: Coverage(k) for k in kecamatan}
    for member in TeamMember.objects.filter(kecamatan_id__in=rows).select_related("official"):
        row = rows[member.kecamatan_id]
        row.team_size += 1
        if member.role == TeamRole.COORDINATOR:
            row.coordinator = member.official
    if target_list is not None:
        entries = TargetListEntry.objects.for_user(user).filter(target_list=target_list)
        for code, r in _by_kecamatan(entries, n=Count("pk"), jiwa=Sum("jiwa")).items():
            rows[code].targets, rows[code].jiwa = r["n"], r["jiwa"] or 0
        assigned = Assignment.objects.for_user(user).filter(entry__target_list=target_list)
        for code, r in _by_kecamatan(assigned, n=Count("pk")).items():
            rows[code].assigned = r["n"]
        visits = Visit.objects.for_user(user).filter(entry__target_list=target_list)
        for code, r in _by_kecamatan(visits, n=Count("entry", distinct=True)).items():
            rows[code].visited = r["n"]
    return list(rows.values())


def _totals(rows: list[Coverage]) -> dict[str, int]:
    return {name: sum(getattr(r, name) for r in rows)
            for name in ("team_size", "targets", "jiwa", "assigned", "unassigned", "visited")}


def _admin_home(request: HttpRequest) -> HttpResponse:
    target_list = current_target_list()
    rows = coverage(request.user, target_list)
    without_team = [r for r in rows if not r.has_team]
    return render(request, "web/gesek_home.html", {
        "nav": NAV, "target_list": target_list, "rows": rows, "totals": _totals(rows),
        "without_team": without_team,
        "uncovered_families": sum(r.targets for r in without_team),
        "officials": Official.objects.filter(active=True).count(),
        "read_only": not roles.can_manage_gesek(request.user),
    })


# --- the official's families -------------------------------------------------------------------


def _my_families(request: HttpRequest) -> HttpResponse:
    official = request.user.official
    target_list = current_target_list()
    rows = (Assignment.objects.for_official(official).filter(entry__target_list=target_list)
            .select_related("entry", "desa")
            .annotate(last_visit=Max("entry__visits__visited_on"),
                      open_needs=Count("entry__needs", distinct=True,
                                       filter=~Q(entry__needs__status=NeedStatus.MET)))
            .order_by("desa__name", "entry__kepala_keluarga", "pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for assignment in page.object_list:
        assignment.kk_masked = mask(assignment.entry.no_kk)
    return render(request, "web/gesek_my_families.html", {
        "nav": NAV, "official": official, "target_list": target_list, "page": page,
        "teams": official.teams.select_related("kecamatan").order_by("kecamatan_id"),
    })


@gesek_required
@no_store
@require_GET
def gesek_home(request: HttpRequest) -> HttpResponse:
    if roles.can_manage_gesek(request.user) or roles.can_read_everything(request.user):
        return _admin_home(request)  # leadership reads the coverage, read-only
    return _my_families(request)


# --- officials and their import ----------------------------------------------------------------


@admin_required
@require_GET
def officials(request: HttpRequest) -> HttpResponse:
    target_list = current_target_list()
    rows = (Official.objects.select_related("agency", "base", "user")
            .annotate(load=Count("assignments",
                                 filter=Q(assignments__entry__target_list=target_list)))
            .prefetch_related(Prefetch("teams", TeamMember.objects.select_related("kecamatan")
                                       .order_by("kecamatan_id")))
            .order_by("eselon", "name", "pk"))
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "web/gesek_officials.html", {
        "nav": NAV, "page": page, "target_list": target_list,
        "without_team": Official.objects.filter(active=True, teams__isnull=True).count(),
    })


def _import_summary(report: OfficialImport) -> str:
    text = _("Berkas %(file)s diimpor: %(added)s pejabat baru, %(changed)s diubah, "
             "%(same)s tetap.") % {"file": report.file, "added": len(report.added),
                                   "changed": len(report.changed), "same": report.unchanged}
    if report.teams:
        text += " " + ngettext("Tim %(n)s kecamatan ditetapkan.", "Tim %(n)s kecamatan ditetapkan.",
                               len(report.teams)) % {"n": len(report.teams)}
    if report.agencies_created:
        text += " " + _("Instansi baru: %(names)s.") % {
            "names": ", ".join(report.agencies_created)}
    return text


@admin_required
@require_http_methods(["GET", "POST"])
def officials_import(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = gf.OfficialImportForm(request.POST if posted else None,
                                 request.FILES if posted else None)
    report = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_officials(upload, actor=request.user, file_name=upload.name,
                                  create_agencies=form.cleaned_data["create_agencies"])
        if report.ok:
            messages.success(request, _import_summary(report))
            return HttpResponseRedirect(reverse("gesek_officials"))
    return render(request, "web/gesek_officials_import.html", {
        "nav": NAV, "form": form, "report": report, "columns": COLUMNS})


@admin_required
@require_http_methods(["GET", "POST"])
def official_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Enter one official by hand, or correct one."""
    official = get_object_or_404(Official, pk=pk) if pk else None
    initial = {} if official is None else {
        "nip": official.nip, "name": official.name, "position": official.position,
        "eselon": official.eselon, "agency": official.agency, "base_code": official.base_id,
        "active": official.active}
    form = gf.OfficialForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        data = services.OfficialData(**form.cleaned_data)
        try:
            saved = services.save_official(data, actor=request.user, official=official)
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Pejabat %(name)s disimpan.") % {"name": saved.name})
            return HttpResponseRedirect(reverse("gesek_officials"))
    return render(request, "web/gesek_official_form.html", {
        "nav": NAV, "form": form, "official": official})


# --- a kecamatan's team ------------------------------------------------------------------------


def _team_candidates(kecamatan: Region) -> list[Official]:
    """Active officials: this team first, then those based in the kecamatan, then the rest."""
    in_team = set(TeamMember.objects.filter(kecamatan=kecamatan)
                  .values_list("official_id", flat=True))
    found = list(Official.objects.filter(Q(active=True) | Q(pk__in=in_team))
                 .select_related("agency", "base")
                 .prefetch_related(Prefetch("teams", TeamMember.objects
                                            .select_related("kecamatan")))
                 .order_by("eselon", "name", "pk"))
    return sorted(found, key=lambda o: (o.pk not in in_team,
                                        o.base.parent_id != kecamatan.code))


@admin_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, code: str) -> HttpResponse:
    kecamatan = _kecamatan_for(request.user, code)
    candidates = _team_candidates(kecamatan)
    current = list(TeamMember.objects.filter(kecamatan=kecamatan))
    initial = {"coordinator": next((m.official_id for m in current
                                    if m.role == TeamRole.COORDINATOR), None),
               "members": [m.official_id for m in current if m.role == TeamRole.MEMBER]}
    form = gf.TeamForm(request.POST if request.method == "POST" else None, initial=initial,
                       officials=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.set_team(code, coordinator=form.cleaned_data["coordinator"],
                                      members=form.cleaned_data["members"], actor=request.user)
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Tim Kecamatan %(name)s disimpan: %(n)s pejabat.")
                             % {"name": kecamatan.name, "n": len(saved)})
            return HttpResponseRedirect(reverse("gesek_home"))
    return render(request, "web/gesek_team.html", {
        "nav": NAV, "kecamatan": kecamatan, "form": form, "candidates": candidates,
        "chosen_coordinator": str(form["coordinator"].value() or ""),
        "chosen_members": {str(v) for v in form["members"].value() or []},
    })


# --- automatic assignment ----------------------------------------------------------------------


@dataclass
class ReportView:
    """An assignment report (`AssignmentReport.as_dict()`), ready for the page."""

    data: dict[str, Any]

    @property
    def dry_run(self) -> bool:
        return bool(self.data.get("dry_run"))

    @property
    def unassigned_by_reason(self) -> list[tuple[str, int]]:
        counts = self.data.get("unassigned_by_reason") or {}
        return [(UNASSIGNED_REASONS.get(r, r), n) for r, n in counts.items() if n]

    @property
    def unassigned(self) -> list[dict[str, Any]]:
        """Groups of families (per desa and reason), the biggest first."""
        groups = self.data.get("unassigned") or []
        return sorted(groups, key=lambda g: -g.get("families", 0))[:REPORT_ROWS]

    @property
    def officials(self) -> list[dict[str, Any]]:
        return list(self.data.get("officials") or [])


REPORT_ROWS = 50


def _run_auto_assign(request: HttpRequest, target_list: TargetList, *, dry_run: bool,
                     form: gf.AutoAssignForm) -> ReportView | None:
    try:
        from tepat.gesek.assigning import auto_assign
    except ImportError:
        messages.error(request, _("Penugasan otomatis belum tersedia di instalasi ini."))
        return None
    try:
        report = auto_assign(target_list, actor=request.user, dry_run=dry_run,
                             keep_manual=form.cleaned_data["keep_manual"],
                             quotas=form.quotas())
    except RuleError as error:
        add_problems(form, error)
        return None
    return ReportView(report.as_dict())


def _loads(target_list: TargetList | None) -> list[Official]:
    """Every official of a team, with the families they carry on the current list."""
    on_list = Q(assignments__entry__target_list=target_list)
    return list(Official.objects.filter(teams__isnull=False).distinct()
                .select_related("agency")
                .annotate(load=Count("assignments", filter=on_list),
                          manual=Count("assignments",
                                       filter=on_list & Q(assignments__method="manual")),
                          # reassign() does not measure distances: auto assignments only
                          mean_km=Avg("assignments__distance_km",
                                      filter=on_list & Q(assignments__method="auto")))
                .prefetch_related(Prefetch("teams", TeamMember.objects
                                           .select_related("kecamatan")))
                .order_by("-load", "name", "pk"))


@admin_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest) -> HttpResponse:
    target_list = current_target_list()
    form = gf.AutoAssignForm(request.POST if request.method == "POST" else None)
    report = None
    if request.method == "POST" and target_list is not None and form.is_valid():
        confirm = request.POST.get("action") == "confirm"
        report = _run_auto_assign(request, target_list, dry_run=not confirm, form=form)
        if report is not None and confirm:
            messages.success(request, _("%(n)s dari %(total)s keluarga ditugaskan ke pejabat "
                                        "pendamping.") % {"n": report.data["assigned"],
                                                          "total": report.data["families"]})
            return HttpResponseRedirect(reverse("gesek_assign"))
    return render(request, "web/gesek_assign.html", {
        "nav": NAV, "target_list": target_list, "form": form, "report": report,
        "loads": _loads(target_list), "rows": coverage(request.user, target_list),
    })


# --- manual reassignment in one kecamatan ------------------------------------------------------


def _team_officials(kecamatan: Region) -> list[Official]:
    return [m.official for m in TeamMember.objects.filter(kecamatan=kecamatan)
            .select_related("official__agency").order_by("role", "official__name")]


def _back_query(raw: str) -> str:
    """The list's own filters to return to (only its keys: never an open redirect)."""
    back = QueryDict(raw.lstrip("?"))
    params = {k: back[k] for k in ("desa", "status", "page") if back.get(k)}
    return f"?{urlencode(params)}" if params else ""


def _reassign(request: HttpRequest, kecamatan: Region, target_list: TargetList,
              team_officials: list[Official]) -> HttpResponse:
    back = reverse("gesek_assign_kecamatan", args=[kecamatan.code]) + _back_query(
        request.POST.get("back", ""))
    form = gf.ReassignForm(request.POST, officials=team_officials)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    entry = (TargetListEntry.objects.for_user(request.user)
             .filter(pk=form.cleaned_data["entry"], target_list=target_list,
                     kecamatan=kecamatan).first())
    if entry is None:
        raise Http404(_("Keluarga tidak ditemukan."))
    official = form.cleaned_data["official"]
    try:
        services.reassign(entry, official, actor=request.user, why=form.cleaned_data["why"])
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(family)s sekarang didampingi %(official)s.")
                         % {"family": entry.kepala_keluarga, "official": official.name})
    return HttpResponseRedirect(back)


@admin_required
@no_store
@require_http_methods(["GET", "POST"])
def assign_kecamatan(request: HttpRequest, code: str) -> HttpResponse:
    kecamatan = _kecamatan_for(request.user, code)
    target_list = current_target_list()
    if target_list is None:
        messages.info(request, _("Belum ada daftar sasaran yang ditetapkan SK Bupati."))
        return HttpResponseRedirect(reverse("gesek_assign"))
    team_officials = _team_officials(kecamatan)
    if request.method == "POST":
        return _reassign(request, kecamatan, target_list, team_officials)
    entries = (TargetListEntry.objects.for_user(request.user)
               .filter(target_list=target_list, kecamatan=kecamatan))
    counts = entries.aggregate(all=Count("pk"), unassigned=Count(
        "pk", filter=Q(assignment__isnull=True)))
    status = request.GET.get("status", "")
    desa = request.GET.get("desa", "")
    listed = entries.filter(assignment__isnull=True) if status == "belum" else entries
    if desa:
        listed = listed.filter(desa_id=desa)
    listed = listed.select_related("desa", "assignment__official").order_by(
        "desa__name", "kepala_keluarga", "pk")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.kk_masked = mask(entry.no_kk)
        entry.current = getattr(entry, "assignment", None)
    return render(request, "web/gesek_assign_kecamatan.html", {
        "nav": NAV, "kecamatan": kecamatan, "target_list": target_list, "page": page,
        "team": team_officials, "counts": counts, "status": status, "desa": desa,
        "desa_choices": Region.objects.filter(parent=kecamatan).order_by("name"),
        "back": request.GET.urlencode(),
    })


# --- one family: visits and needs --------------------------------------------------------------


def get_entry_for_user(user: Any, pk: int) -> TargetListEntry:
    """A target family the user may open: the admin's area, or an official's own assignment.
    Anything else answers 404."""
    rows = TargetListEntry.objects.select_related(
        "desa", "kecamatan", "family", "proposal", "assignment__official__agency")
    if roles.can_manage_gesek(user):
        rows = rows.for_user(user)
    else:
        rows = rows.for_official(getattr(user, "official", None), via="assignment__official")
    entry = rows.filter(pk=pk).first()
    if entry is None:
        raise Http404(_("Keluarga tidak ditemukan."))
    return entry


@dataclass(frozen=True)
class Member:
    nama: str
    nik_masked: str
    hubungan: str
    tanggal_lahir: Any


def _members(entry: TargetListEntry) -> list[Member]:
    """The registry family's members (or the usulan baru's), NIK masked. The entry was opened
    through `get_entry_for_user`: its members are the user's to see."""
    if entry.family_id:
        persons = entry.family.members.order_by("hubungan", "pk")
        return [Member(p.nama or "—", p.nik_masked,
                       code_label("hubungan_dengan_kepala_keluarga", p.hubungan) or "—",
                       p.tanggal_lahir) for p in persons]
    people = entry.proposal.members if entry.proposal_id else []
    return [Member(m.get("nama") or "—", mask(m.get("nik")),
                   code_label("hubungan_dengan_kepala_keluarga", m.get("hubungan")) or "—", None)
            for m in people]


def _needs(entry: TargetListEntry) -> list[Need]:
    order = {code: i for i, code in enumerate(NEED_KINDS)}
    needs = list(entry.needs.select_related("referred_to", "met_by__programme"))
    for need in needs:
        need.kind_label = _(NEED_KINDS[need.kind].label) if need.kind in NEED_KINDS else need.kind
        need.strategy_label = _(STRATEGIES[need.strategy].label)
    return sorted(needs, key=lambda n: order.get(n.kind, 99))


def _render_family(request: HttpRequest, entry: TargetListEntry,
                   visit_form: gf.VisitForm | None = None,
                   need_form: gf.NeedForm | None = None) -> HttpResponse:
    assignment = getattr(entry, "assignment", None)
    return render(request, "web/gesek_family.html", {
        "nav": NAV, "entry": entry, "assignment": assignment, "kk_masked": mask(entry.no_kk),
        "members": _members(entry),
        "visits": entry.visits.select_related("official").order_by("-visited_on", "-pk"),
        "needs": _needs(entry),
        "writable": assignment is not None,
        "visit_form": visit_form or gf.VisitForm(), "need_form": need_form or gf.NeedForm(),
        "is_admin": roles.can_manage_gesek(request.user),
    })


def _family_url(entry: TargetListEntry, anchor: str) -> str:
    return reverse("gesek_family", args=[entry.pk]) + anchor


@pendamping_required
@no_store
@require_GET
def family(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_family(request, get_entry_for_user(request.user, pk))


@pendamping_required
@no_store
@require_POST
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    form = gf.VisitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(entry, actor=request.user, visited_on=data["visited_on"],
                                  notes=data["notes"], photo=data["photo"],
                                  latitude=data["latitude"], longitude=data["longitude"])
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Kunjungan ke %(name)s tercatat.")
                             % {"name": entry.kepala_keluarga})
            return HttpResponseRedirect(_family_url(entry, "#kunjungan"))
    return _render_family(request, entry, visit_form=form)


@pendamping_required
@no_store
@require_POST
def need_new(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    form = gf.NeedForm(request.POST)
    if form.is_valid():
        try:
            need = services.record_need(entry, form.cleaned_data["kind"], actor=request.user,
                                        note=form.cleaned_data["note"])
        except RuleError as error:
            add_problems(form, error)
        else:
            label = _(NEED_KINDS[need.kind].label)
            if need.referred_to is not None:
                messages.success(request, _("Kebutuhan %(kind)s tercatat dan dirujuk ke "
                                            "%(agency)s.") % {"kind": label,
                                                              "agency": need.referred_to})
            else:
                messages.success(request, _("Kebutuhan %(kind)s tercatat; belum ada program "
                                            "yang bisa memenuhinya.") % {"kind": label})
            return HttpResponseRedirect(_family_url(entry, "#kebutuhan"))
    return _render_family(request, entry, need_form=form)


@pendamping_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit's photo, for whoever may open its family (404 otherwise)."""
    visit = (Visit.objects.unscoped("pendamping: a photo by id; its family is checked next")
             .filter(pk=pk).only("pk", "entry_id", "photo").first())
    if visit is None or not visit.photo:
        raise Http404(_("Foto tidak ditemukan."))
    get_entry_for_user(request.user, visit.entry_id)
    try:
        handle = visit.photo.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Foto tidak ditemukan.")) from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("gesek/", gesek_home, name="gesek_home"),
    path("gesek/pejabat/", officials, name="gesek_officials"),
    path("gesek/pejabat/impor/", officials_import, name="gesek_officials_import"),
    path("gesek/pejabat/baru/", official_form, name="gesek_official_new"),
    path("gesek/pejabat/<int:pk>/ubah/", official_form, name="gesek_official_edit"),
    path("gesek/tim/<str:code>/", team, name="gesek_team"),
    path("gesek/penugasan/", assign, name="gesek_assign"),
    path("gesek/penugasan/<str:code>/", assign_kecamatan, name="gesek_assign_kecamatan"),
    path("gesek/keluarga/<int:pk>/", family, name="gesek_family"),
    path("gesek/keluarga/<int:pk>/kunjungan/", visit_new, name="gesek_visit"),
    path("gesek/keluarga/<int:pk>/kebutuhan/", need_new, name="gesek_need"),
    path("gesek/kunjungan/<int:pk>/foto/", visit_photo, name="gesek_visit_photo"),
]
