"""The family list (BNBA) and a family's page.

NIK and KK never travel in a URL: the search box posts its term, the term is kept in the session
under a short random token, and the list is redirected to `?cari=<token>` so that filters and
pages keep working with GET. Full numbers are shown only on the response to a logged reveal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tepat.accounts import roles
from tepat.accounts.decorators import recent_auth_required
from tepat.audit.reveals import Refused, reveal
from tepat.core.identity import NUMBER_LENGTH, mask, normalize_number
from tepat.history.timeline import Comparison, Timeline, compare_points, family_timeline
from tepat.registry.models import Family, Person
from tepat.verification.selectors import current_campaign
from tepat.web.access import get_family_for_user, no_store, registry_required
from tepat.web.areas import KABUPATEN, Area, area_of
from tepat.web.family_filters import DEFAULT_ORDER, SORT_KEYS, filtered_families
from tepat.web.forms import RevealForm, SearchForm
from tepat.web.forms_history import CompareForm
from tepat.web.forms_lists import LIST_FILTERS, FamilyListForm
from tepat.web.paging import narrow_page
from tepat.web.sorting import Sorting

PAGE_SIZE = 50
SEARCHES = "web.searches"  # session key: {token: term}
KEEP_SEARCHES = 10
MAX_IDENTITY_MATCHES = 500  # a KK or NIK belongs to a few families at most, even with duplicates
LIST_COLUMNS = (
    "id", "source", "kepala_keluarga", "no_kk", "desil", "member_count", "flags",
    "desa__name", "kecamatan__name", "absent_since_id",
)

# ---------------------------------------------------------------------------------------------
# The list


def identity_number(term: str) -> str | None:
    """The bare digits when the term is a number (a NIK or KK search), else None."""
    number = normalize_number(term)
    return number if number and number.isdigit() else None


def _identity_matches(user: Any, number: str) -> list[int]:
    """Ids of the families in the user's area with this KK, head's NIK or a member's NIK.

    Resolved on their own (a handful of rows through three indexes): inside the paged query,
    SQLite prefers walking the ordering index over the whole table to avoid a sort.
    """
    members = Person.objects.for_user(user).filter(nik=number).values("family_id")
    matches = Family.objects.for_user(user).filter(
        Q(no_kk=number) | Q(nik=number) | Q(pk__in=members)
    )
    return list(matches.values_list("pk", flat=True)[:MAX_IDENTITY_MATCHES])


def _search_filter(user: Any, term: str) -> Q:
    number = identity_number(term)
    if number is None:
        return Q(kepala_keluarga__icontains=term)
    if len(number) != NUMBER_LENGTH:  # exact numbers only: no guessing by partial NIK
        return Q(pk__in=[])
    return Q(pk__in=_identity_matches(user, number))


def _saved_search(request: HttpRequest) -> str | None:
    token = request.GET.get("cari")
    if not token:
        return None
    term = request.session.get(SEARCHES, {}).get(token)
    if term is None:
        messages.info(request, _("Pencarian sudah kedaluwarsa; silakan cari lagi."))
    return term


def _remember_search(request: HttpRequest) -> HttpResponseRedirect:
    """POST of the search box: keep the term in the session, redirect to `?cari=<token>`."""
    form = SearchForm(request.POST)
    params = {k: v for k, v in request.GET.items() if k not in {"cari", "page"}}
    term = form.cleaned_data["q"] if form.is_valid() else ""
    if term:
        token = secrets.token_urlsafe(6)
        saved = list(request.session.get(SEARCHES, {}).items())[-(KEEP_SEARCHES - 1):]
        request.session[SEARCHES] = dict([*saved, (token, term)])
        params["cari"] = token
    query = f"?{urlencode(params)}" if params else ""
    return HttpResponseRedirect(reverse("families") + query)


def search_label(term: str | None) -> str:
    """What the page says it searched for: a number only masked."""
    if not term:
        return ""
    number = identity_number(term)
    if number is None:
        return term
    if len(number) != NUMBER_LENGTH:
        return _("%(n)s angka (NIK/No. KK harus 16 angka)") % {"n": len(number)}
    return mask(number)


@dataclass(frozen=True)
class FamilyRows:
    """The family list as the request asks for it: the form, the search and the ordered rows
    (none when a filter is invalid: a value outside the area, a tampered value)."""

    area: Area
    form: FamilyListForm
    term: str | None
    sorting: Sorting
    rows: QuerySet[Family]


def family_rows(request: HttpRequest) -> FamilyRows:
    """The page's rows, also what the export writes."""
    area = area_of(request.user)
    form = FamilyListForm(request.GET, area=area, campaign=current_campaign())
    term = _saved_search(request)
    sorting = Sorting.of(request.GET, SORT_KEYS, DEFAULT_ORDER)
    if form.is_valid():
        search = _search_filter(request.user, term) if term else None
        rows = filtered_families(request.user, form.cleaned_data, campaign=form.campaign,
                                 search=search)
    else:
        rows = Family.objects.none()
    return FamilyRows(area, form, term, sorting, rows.order_by(*sorting.order_by))


@registry_required
@no_store
@require_http_methods(["GET", "POST"])
def families(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _remember_search(request)
    found = family_rows(request)
    page = narrow_page(found.rows, request.GET.get("page"), PAGE_SIZE,
                       load=lambda shown: shown.select_related("desa", "kecamatan")
                       .only(*LIST_COLUMNS).order_by())
    return render(request, "web/family_list.html", {
        "nav": "families",
        "form": found.form,
        "search_form": SearchForm(),
        "search_label": search_label(found.term),
        "page": page,
        "sort": found.sorting.headers(request.GET),
        "sort_value": found.sorting.value,
        "show_kecamatan": found.area.level == KABUPATEN,
        "filtered": any(request.GET.get(name) for name in LIST_FILTERS),
        "batch": found.form.cleaned_data.get("impor") if found.form.is_valid() else None,
        # whoever may read the list by name may take it out, with a purpose (pimpinan may not)
        "may_export": roles.can_view_registry(request.user),
    })


# ---------------------------------------------------------------------------------------------
# One family

FAMILY_SECTIONS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (gettext_lazy("Kepala keluarga"), (
        "kepala_keluarga", "jenis_kelamin", "tanggal_lahir", "pendidikan", "pekerjaan",
        "padan_dukcapil",
    )),
    (gettext_lazy("Kesejahteraan"), ("desil", "member_count")),
    (gettext_lazy("Tempat tinggal"), (
        "alamat", "kepemilikan_rumah", "jenis_atap", "jenis_dinding", "jenis_lantai",
        "sumber_penerangan", "daya_terpasang", "bahan_bakar_memasak", "sumber_air_minum",
        "fasilitas_bab", "memiliki_simpanan",
    )),
    (gettext_lazy("Bantuan dan risiko"), (
        "penerima_bpnt", "penerima_bpum", "penerima_bst", "penerima_pkh", "penerima_sembako",
        "resiko_stunting",
    )),
)

# Shown elsewhere on the page (identity numbers masked, region names, source batch) or internal.
NOT_LISTED = frozenset({
    "id", "source", "source_family_id", "batch", "desa", "kecamatan", "nik", "no_kk", "flags",
    "unknown_values", "row_hash", "source_row", "updated_at",
    "absent_since",  # shown as the "tidak ada di edisi terbaru" badge at the top
})


def display_value(obj: models.Model, field: models.Field) -> str:
    """The field's value as a reader sees it: the label of a code, a localised date, or '—'."""
    value = getattr(obj, field.attname)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def family_sections(family: Family) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every column of the family, labelled, in sections; columns added later land in 'Lainnya'."""
    fields = {f.name: f for f in Family._meta.concrete_fields}
    listed = {name for _title, names in FAMILY_SECTIONS for name in names}
    others = tuple(name for name in fields if name not in listed | NOT_LISTED)
    sections = [*FAMILY_SECTIONS, (gettext_lazy("Lainnya"), others)] if others else FAMILY_SECTIONS
    return [
        (str(title), [(str(fields[n].verbose_name), display_value(family, fields[n]))
                      for n in names if n in fields])
        for title, names in sections
    ]


def _comparison(request: HttpRequest, timeline: Timeline
                ) -> tuple[CompareForm, Comparison | None]:
    """Two editions picked with `?dari=&ke=` (batch ids), by default the last two."""
    form = CompareForm(request.GET, points=[(p.batch, p.label) for p in timeline.points])
    if not form.is_bound or not form.is_valid():
        return form, None
    before = timeline.point(form.cleaned_data["dari"])
    after = timeline.point(form.cleaned_data["ke"])
    return form, compare_points(timeline, before, after)


def _detail_page(request: HttpRequest, family: Family, form: RevealForm,
                 revealed: bool = False, status: int = 200) -> HttpResponse:
    timeline = family_timeline(request.user, family)
    compare_form, comparison = _comparison(request, timeline)
    return render(request, "web/family_detail.html", {
        "timeline": timeline,
        "compare_form": compare_form,
        "comparison": comparison,
        "nav": "families",
        "family": family,
        "sections": family_sections(family),
        "members": Person.objects.for_user(request.user).filter(family=family),
        "reveal_form": form,
        "revealed": revealed,
    }, status=status)


@login_required
@no_store
@require_GET
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A family and its members, NIK and KK masked."""
    return _detail_page(request, get_family_for_user(request.user, pk), RevealForm())


@login_required
@recent_auth_required  # full NIK/KK on screen: ask for the password again
@no_store
@require_POST
def family_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The family's page once with full NIK/KK, for a role that may, with a purpose, logged.

    The numbers are only in this response: never in a URL, never kept in the session.
    """
    family = get_family_for_user(request.user, pk)
    if not roles.can_reveal_identity(request.user):
        raise PermissionDenied(_("Peran Anda tidak boleh membuka NIK/KK."))
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, family, form)
    refused = reveal(request.user, family, form.purpose())
    if refused is not None:
        return _over_the_limit(request, family, form, refused)
    return _detail_page(request, family, form, revealed=True)


_LIMIT_MESSAGES = {
    "hour": gettext_lazy("Batas membuka NIK/KK tercapai: %(limit)s kali per jam. Data tetap "
                         "tampil disamarkan; coba lagi dalam %(minutes)s menit."),
    "day": gettext_lazy("Batas membuka NIK/KK tercapai: %(limit)s kali per 24 jam. Data tetap "
                        "tampil disamarkan; coba lagi dalam %(minutes)s menit."),
}


def _over_the_limit(request: HttpRequest, family: Family, form: RevealForm,
                    refused: Refused) -> HttpResponse:
    """429: the page with masked numbers and why (the refusal is audited by `reveal`)."""
    minutes = -(-refused.retry_after // 60)
    form.add_error(None, str(_LIMIT_MESSAGES[refused.window.name])
                   % {"limit": refused.window.limit, "minutes": minutes})
    response = _detail_page(request, family, form, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response
