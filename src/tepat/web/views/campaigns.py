"""The admin kabupaten's campaigns (create, open, close, finalize, change requests) and the
target lists every allowed role reads, compares and exports (issue 3 §1, §3).

Campaign writes go through `tepat.verification.campaigns`; its refusals reach the user as
messages and form errors. Target list entries are personal data: read only through
`TargetListEntry.objects.for_user`, exported only with a stated purpose that is logged
(`log_access`), and with the No. KK masked in the file as on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.accounts.decorators import recent_auth_required
from tepat.audit.reveals import Purpose
from tepat.audit.services import log_access
from tepat.core.identity import mask
from tepat.core.outcomes import Review
from tepat.core.reveals import PURPOSES
from tepat.history.cohort import keep_cohorts_task
from tepat.regions.models import Region
from tepat.registry.models import Source
from tepat.verification import campaigns as service
from tepat.verification import stats
from tepat.verification.diff import Row, diff
from tepat.verification.errors import RuleError
from tepat.verification.exports import (
    change_label,
    diff_xlsx,
    entry_status,
    region_names,
    target_list_xlsx,
)
from tepat.verification.labels import outcome_label
from tepat.verification.models import (
    Campaign,
    CampaignState,
    ChangeRequest,
    Proposal,
    TargetList,
    TargetListEntry,
    Verification,
)
from tepat.web.access import no_store, role_required
from tepat.web.areas import DESA, KECAMATAN, Area, area_of, level_of
from tepat.web.forms import add_problems
from tepat.web.forms_campaign import (
    CampaignForm,
    DecisionForm,
    DiffForm,
    EntryFilterForm,
    ExportForm,
    FinalizeForm,
    OpenForm,
)
from tepat.web.sorting import Sorting

campaign_required = role_required(roles.can_manage_campaigns)
target_required = role_required(roles.can_view_target_lists)
ENTRY_PAGE = 50
ENTRY_ORDER = ("kecamatan_id", "desa_id", "kepala_keluarga")
# `?urut=` keys of a target list's entries (tepat.web.sorting): never a NIK or KK.
ENTRY_SORT_KEYS = {
    "nama": ("kepala_keluarga",),
    "desa": ENTRY_ORDER,
    "jiwa": ("jiwa", "kepala_keluarga"),
    "desil": ("desil", "kepala_keluarga"),
    "status": ("outcome", "kepala_keluarga"),
}
DIFF_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STEPS = (
    (CampaignState.DRAFT, gettext_lazy("Draf")),
    (CampaignState.OPEN, gettext_lazy("Dibuka")),
    (CampaignState.CLOSED, gettext_lazy("Ditutup")),
    (CampaignState.FINALIZED, gettext_lazy("Difinalkan")),
)

# ---------------------------------------------------------------------------------------------
# Campaigns


@campaign_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.select_related("target_list")
    return render(request, "web/campaign_list.html", {"nav": "campaigns",
                                                      "campaigns": campaigns})


@campaign_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    area = area_of(request.user)
    form = CampaignForm(request.POST if request.method == "POST" else None, area=area)
    if form.is_bound and form.is_valid():
        try:
            campaign = service.create_campaign(form.plan(), actor=request.user)
        except RuleError as error:
            add_problems(form, error)
        else:
            messages.success(request, _("Kampanye %(name)s dibuat sebagai draf. Periksa "
                                        "cakupannya, lalu buka.") % {"name": campaign.name})
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "web/campaign_new.html", {"nav": "campaigns", "form": form})


def _scope(campaign: Campaign) -> dict[str, Any]:
    """What the campaign covers, in words."""
    names = dict(Region.objects.filter(code__in=campaign.kecamatan_list)
                 .values_list("code", "name"))
    return {
        "source": Source(campaign.source).label,
        "desil": ", ".join(str(d) for d in campaign.desil_list) or _("semua desil"),
        "kecamatan": ", ".join(names.get(c, c) for c in campaign.kecamatan_list)
        or _("seluruh kabupaten"),
    }


def _preview(campaign: Campaign, user: Any) -> dict[str, int]:
    """The families the baseline would freeze now, in both units."""
    totals = service.scope_families(campaign, user).aggregate(k=Count("pk"), j=Sum("member_count"))
    return {"keluarga": totals["k"] or 0, "jiwa": totals["j"] or 0}


def _waiting(campaign: Campaign, user: Any) -> dict[str, int]:
    return {
        "verifications": Verification.objects.for_user(user).filter(
            campaign=campaign, review=Review.SUBMITTED).count(),
        "proposals": Proposal.objects.for_user(user).filter(
            campaign=campaign, review=Review.SUBMITTED).count(),
    }


def _finalize_initial(campaign: Campaign) -> dict[str, Any]:
    year = int(campaign.period[:4]) if campaign.period[:4].isdigit() else timezone.now().year
    return {"name": _("Daftar sasaran %(period)s") % {"period": campaign.period},
            "year": year, "previous": TargetList.objects.order_by("-year", "-id").first()}


def _change_requests(campaign: Campaign, user: Any):
    visible = Verification.objects.for_user(user).filter(campaign=campaign)
    requests = (ChangeRequest.objects.filter(verification__in=visible)
                .select_related("verification__family", "verification__desa", "requested_by",
                                "decided_by").order_by("-requested_at"))
    for request in requests:
        outcome = request.changes.get("outcome", "")
        request.outcome_label = outcome_label(outcome) or outcome
        request.current_label = request.verification.get_outcome_display()
    return requests


def _detail(request: HttpRequest, campaign: Campaign,
            finalize_form: FinalizeForm | None = None) -> HttpResponse:
    context: dict[str, Any] = {
        "nav": "campaigns", "campaign": campaign, "scope": _scope(campaign), "steps": STEPS,
    }
    if campaign.state == CampaignState.DRAFT:
        preview = _preview(campaign, request.user)
        context.update(preview=preview,
                       open_form=OpenForm(initial={"expected_keluarga": preview["keluarga"]}))
    else:
        context["figures"] = stats.figures(campaign)
    if campaign.state == CampaignState.CLOSED:
        context.update(waiting=_waiting(campaign, request.user),
                       finalize_form=finalize_form
                       or FinalizeForm(initial=_finalize_initial(campaign)))
    if campaign.state == CampaignState.FINALIZED:
        context.update(target_list=TargetList.objects.filter(campaign=campaign).first(),
                       change_requests=_change_requests(campaign, request.user))
    return render(request, "web/campaign_detail.html", context)


@campaign_required
@no_store
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Campaign, pk=pk))


def _refused(request: HttpRequest, error: RuleError) -> None:
    for _field, message in error.problems:
        messages.error(request, message)


@campaign_required
@require_POST
def campaign_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Freeze the baseline the admin was shown; if the registry moved since, show it again."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = OpenForm(request.POST)
    now = _preview(campaign, request.user)["keluarga"]
    if not form.is_valid() or form.cleaned_data["expected_keluarga"] != now:
        messages.warning(request, _("Cakupan berubah sejak halaman dibuka: sekarang %(n)s "
                                    "keluarga. Periksa lagi, lalu buka.") % {"n": now})
        return redirect("campaign_detail", pk=pk)
    try:
        campaign = service.open_campaign(campaign, actor=request.user)
    except RuleError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Kampanye dibuka. Baseline dibekukan: %(k)s keluarga, "
                                    "%(j)s jiwa.") % {"k": campaign.baseline_keluarga,
                                                      "j": campaign.baseline_jiwa})
    return redirect("campaign_detail", pk=pk)


@campaign_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closing cannot be undone: the form's confirmation box must be ticked."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Centang konfirmasi dulu: setelah kampanye ditutup, desa "
                                  "tidak bisa mengubah data lagi."))
        return redirect(reverse("campaign_detail", args=[pk]) + "#tutup")
    try:
        service.close_campaign(campaign, actor=request.user)
    except RuleError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Kampanye ditutup. Desa tidak bisa mengubah data lagi; "
                                    "kecamatan menyelesaikan pemeriksaan."))
    return redirect("campaign_detail", pk=pk)


@campaign_required
@no_store
@require_POST
def campaign_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = FinalizeForm(request.POST)
    if form.is_valid():
        try:
            target_list = service.finalize_campaign(campaign, form.decree(), actor=request.user)
        except RuleError as error:
            add_problems(form, error, request)
        else:
            keep_cohorts_task.enqueue(target_list.pk)  # the cohort page answers at once
            messages.success(request, _("Kampanye difinalkan. %(name)s "
                                        "(%(sk)s) terbentuk: %(k)s keluarga, %(j)s jiwa.") % {
                "name": target_list.name, "sk": target_list.sk_number,
                "k": target_list.keluarga, "j": target_list.jiwa})
            return redirect("target_list_detail", pk=target_list.pk)
    return _detail(request, campaign, finalize_form=form)


@campaign_required
@require_POST
def change_decide(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest, pk=request_pk, verification__campaign_id=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih setujui atau tolak."))
        return redirect("campaign_detail", pk=pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        service.decide_change(change.pk, actor=request.user, approve=approve)
    except RuleError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Permintaan perubahan disetujui; verifikasi diperbarui.")
                         if approve else _("Permintaan perubahan ditolak."))
    return redirect(reverse("campaign_detail", args=[pk]) + "#perubahan")


# ---------------------------------------------------------------------------------------------
# Target lists


def area_filter(user: Any) -> dict[str, str]:
    """The user's area as a filter on target list entries (what `for_user` does)."""
    code = user.area_id
    level = level_of(code)
    if level == DESA:
        return {"desa_id": code}
    if level == KECAMATAN:
        return {"kecamatan_id": code}
    return {"kecamatan__code__startswith": code + "."}


def _chosen_area(user: Any, form: EntryFilterForm) -> dict[str, str]:
    """The user's area, narrowed by the filter form's kecamatan or desa."""
    chosen = area_filter(user)
    if form.is_valid():
        if form.cleaned_data.get("desa"):
            chosen["desa_id"] = form.cleaned_data["desa"]
        elif form.cleaned_data.get("kecamatan"):
            chosen["kecamatan_id"] = form.cleaned_data["kecamatan"]
    return chosen


def _entries(user: Any, target_list: TargetList, form: EntryFilterForm):
    entries = TargetListEntry.objects.for_user(user).filter(target_list=target_list)
    if not form.is_valid():
        return entries.none()
    return entries.filter(**_chosen_area(user, form))


def _area_name(area: Area) -> str:
    region = Region.objects.filter(code=area.code).first()
    return region.name if region else (area.code or "")


@target_required
@require_GET
def target_lists(request: HttpRequest) -> HttpResponse:
    lists = list(TargetList.objects.select_related("campaign", "previous"))
    in_area = {
        row["target_list"]: row for row in TargetListEntry.objects.for_user(request.user)
        .values("target_list").annotate(k=Count("pk"), j=Sum("jiwa"))
    }
    for target_list in lists:
        row = in_area.get(target_list.pk, {})
        target_list.area_keluarga, target_list.area_jiwa = row.get("k", 0), row.get("j", 0)
    return render(request, "web/target_list_list.html", {
        "nav": "target_lists", "lists": lists,
        "whole_kabupaten": level_of(request.user.area_id) not in (KECAMATAN, DESA),
    })


@target_required
@no_store
@require_GET
def target_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target_list = get_object_or_404(TargetList.objects.select_related("campaign", "previous"),
                                     pk=pk)
    return _list_page(request, target_list, ExportForm())


def _list_page(request: HttpRequest, target_list: TargetList,
               export_form: ExportForm) -> HttpResponse:
    area = area_of(request.user)
    form = EntryFilterForm(request.GET, area=area)
    entries = _entries(request.user, target_list, form)
    totals = entries.aggregate(k=Count("pk"), j=Sum("jiwa"))
    sorting = Sorting.of(request.GET, ENTRY_SORT_KEYS, ENTRY_ORDER)
    rows = entries.select_related("desa", "kecamatan").order_by(*sorting.order_by)
    page = Paginator(rows, ENTRY_PAGE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.no_kk_masked = mask(entry.no_kk)
        entry.status_label = entry_status(entry.outcome)
    return render(request, "web/target_list_detail.html", {
        "nav": "target_lists", "target_list": target_list, "form": form, "page": page,
        "area_keluarga": totals["k"] or 0, "area_jiwa": totals["j"] or 0,
        "export_form": export_form, "area_name": _area_name(area),
        "show_kecamatan": len(area.kecamatan) > 1,
        "sort": sorting.headers(request.GET), "sort_value": sorting.value,
    })


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _info(request: HttpRequest, target_list: TargetList, purpose: Purpose,
          area: dict[str, str]) -> list[tuple[str, str]]:
    code = list(area.values())[-1].rstrip(".")  # the narrowest: desa, else kecamatan, else all
    region = Region.objects.filter(code=code).first()
    where = f"{region.name} ({code})" if region else code
    return [
        (_("Daftar sasaran"), target_list.name),
        (_("Tahun"), str(target_list.year)),
        (_("Nomor SK Bupati"), target_list.sk_number),
        (_("Tanggal SK"), date_format(target_list.sk_date, "DATE_FORMAT")),
        (_("Wilayah"), where),
        (_("Diunduh oleh"), request.user.get_full_name() or request.user.username),
        (_("Waktu unduh"), date_format(timezone.localtime(), "DATETIME_FORMAT")),
        (_("Tujuan"), f"{_(PURPOSES[purpose.code])}: {purpose.text}"),
        (_("Catatan"), _("No. KK disamarkan. Data pribadi: UU 24/2013 dan UU 27/2022; "
                         "jangan disebarkan.")),
    ]


@target_required
@recent_auth_required  # personal data leaves the system: ask for the password again
@no_store
@require_http_methods(["GET", "POST"])
def target_list_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The list (in the user's area, with the page's filter) as Excel, for a stated purpose."""
    target_list = get_object_or_404(TargetList, pk=pk)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if not form.is_bound or not form.is_valid():
        return render(request, "web/target_list_export.html", {
            "nav": "target_lists", "target_list": target_list, "form": form,
            "what": _("daftar sasaran"), "back": reverse("target_list_detail", args=[pk])})
    purpose = form.purpose()
    filters = EntryFilterForm(request.GET, area=area_of(request.user))
    sorting = Sorting.of(request.GET, ENTRY_SORT_KEYS, ENTRY_ORDER)  # as the page shows it
    entries = _entries(request.user, target_list, filters).order_by(*sorting.order_by)
    content = target_list_xlsx(
        entries.iterator(chunk_size=5000),
        info=_info(request, target_list, purpose, _chosen_area(request.user, filters)))
    log_access(actor=request.user, action="export", obj=target_list, purpose=purpose.text,
               purpose_code=purpose.code)
    return _xlsx_response(content, f"daftar-sasaran-{target_list.year}-{target_list.pk}")


# --- the difference between two lists --------------------------------------------------------


def _compared(request: HttpRequest, target_list: TargetList):
    """(form, area filter form, the older list or None, every row of the diff in the area)."""
    form = DiffForm(request.GET, target_list=target_list)
    filters = EntryFilterForm(request.GET, area=area_of(request.user))
    older = target_list.previous
    if form.is_valid() and form.cleaned_data.get("dengan"):
        older = form.cleaned_data["dengan"]
    if older is None or not form.is_valid() or not filters.is_valid():
        return form, filters, older, []
    return form, filters, older, diff(older, target_list, viewer=request.user,
                                      **_chosen_area(request.user, filters))


def _kind_counts(rows: list[Row]) -> dict[str, dict[str, int]]:
    counts = {kind: {"keluarga": 0, "jiwa": 0} for kind in ("added", "removed", "changed")}
    for row in rows:
        count = counts[row.change]
        count["keluarga"] += 1
        if row.change == "added":
            count["jiwa"] += row.jiwa_after or 0
        elif row.change == "removed":
            count["jiwa"] += row.jiwa_before or 0
        else:
            count["jiwa"] += (row.jiwa_after or 0) - (row.jiwa_before or 0)
    return counts


def _list_totals(user: Any, target_list: TargetList | None, area: dict[str, str]):
    if target_list is None:
        return {"k": 0, "j": 0}
    totals = TargetListEntry.objects.for_user(user).filter(
        target_list=target_list, **area).aggregate(k=Count("pk"), j=Sum("jiwa"))
    return {"k": totals["k"] or 0, "j": totals["j"] or 0}


@target_required
@no_store
@require_GET
def target_list_diff(request: HttpRequest, pk: int) -> HttpResponse:
    target_list = get_object_or_404(TargetList.objects.select_related("previous"), pk=pk)
    form, filters, older, rows = _compared(request, target_list)
    kind = form.cleaned_data.get("jenis", "") if form.is_valid() else ""
    shown = [r for r in rows if not kind or r.change == kind]
    page = Paginator(shown, DIFF_PAGE).get_page(request.GET.get("page"))
    area = _chosen_area(request.user, filters) if filters.is_valid() else {}
    names = region_names()
    return render(request, "web/target_list_diff.html", {
        "nav": "target_lists", "target_list": target_list, "older": older, "form": form,
        "filters": filters, "kind": kind, "counts": _kind_counts(rows), "page": page,
        "rows": [(row, change_label(row.change), mask(row.no_kk),
                  names.get(row.desa_id, row.desa_id)) for row in page.object_list],
        "old_totals": _list_totals(request.user, older, area),
        "new_totals": _list_totals(request.user, target_list, area),
        "export_form": ExportForm(), "show_kecamatan": filters.show_kecamatan,
    })


@target_required
@recent_auth_required  # personal data leaves the system: ask for the password again
@no_store
@require_http_methods(["GET", "POST"])
def target_list_diff_export(request: HttpRequest, pk: int) -> HttpResponse:
    target_list = get_object_or_404(TargetList.objects.select_related("previous"), pk=pk)
    form = ExportForm(request.POST if request.method == "POST" else None)
    back = reverse("target_list_diff", args=[pk])
    if not form.is_bound or not form.is_valid():
        return render(request, "web/target_list_export.html", {
            "nav": "target_lists", "target_list": target_list, "form": form,
            "what": _("perubahan daftar sasaran"), "back": back})
    diff_form, filters, older, rows = _compared(request, target_list)
    if older is None:
        messages.error(request, _("Tidak ada daftar pembanding; pilih daftar yang "
                                  "dibandingkan."))
        return redirect(back)
    kind = diff_form.cleaned_data.get("jenis", "") if diff_form.is_valid() else ""
    purpose = form.purpose()
    info = _info(request, target_list, purpose, _chosen_area(request.user, filters))
    info.insert(4, (_("Dibandingkan dengan"), f"{older.name} ({older.sk_number})"))
    if kind:
        info.insert(5, (_("Jenis perubahan"), change_label(kind)))
    content = diff_xlsx([r for r in rows if not kind or r.change == kind], info=info)
    log_access(actor=request.user, action="export", obj=target_list, purpose=purpose.text,
               purpose_code=purpose.code)
    return _xlsx_response(content, f"perubahan-{slugify(target_list.name)}-{target_list.pk}")


urlpatterns = [
    path("kampanye/", campaign_list, name="campaign_list"),
    path("kampanye/baru/", campaign_new, name="campaign_new"),
    path("kampanye/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("kampanye/<int:pk>/buka/", campaign_open, name="campaign_open"),
    path("kampanye/<int:pk>/tutup/", campaign_close, name="campaign_close"),
    path("kampanye/<int:pk>/finalisasi/", campaign_finalize, name="campaign_finalize"),
    path("kampanye/<int:pk>/perubahan/<int:request_pk>/", change_decide, name="change_decide"),
    path("daftar-sasaran/", target_lists, name="target_lists"),
    path("daftar-sasaran/<int:pk>/", target_list_detail, name="target_list_detail"),
    path("daftar-sasaran/<int:pk>/unduh.xlsx", target_list_export, name="target_list_export"),
    path("daftar-sasaran/<int:pk>/perubahan/", target_list_diff, name="target_list_diff"),
    path("daftar-sasaran/<int:pk>/perubahan/unduh.xlsx", target_list_diff_export,
         name="target_list_diff_export"),
]
