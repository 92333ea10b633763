"""The family list as a file (issue 19 §6): exactly the rows the list shows with the same
filters, sort and search, for a stated purpose, logged (`tepat.registry.exports`).

Roles that read the list by name may export it (pimpinan may not: `registry_required`); NIK and
No. KK are masked unless the role may reveal them and the user asks, within the reveal limit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tepat.accounts import roles
from tepat.accounts.decorators import recent_auth_required
from tepat.audit.reveals import Refused
from tepat.core.reveals import PURPOSES
from tepat.regions.models import Region
from tepat.registry.exports import export_families
from tepat.web.access import no_store, registry_required
from tepat.web.flags import english
from tepat.web.forms_lists import FamilyExportForm, FamilyListForm
from tepat.web.views.families import FamilyRows, family_rows, search_label


def _region_of(request: HttpRequest, form: FamilyListForm) -> Region:
    """The narrowest region the export is of: the chosen desa or kecamatan, else the user's
    (a user without an area has no list to export)."""
    data = form.cleaned_data if form.is_valid() else {}
    code = data.get("desa") or data.get("kecamatan") or request.user.area_id
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise PermissionDenied(_("Akun Anda belum punya wilayah kerja."))
    return region


def filter_texts(form: FamilyListForm) -> list[tuple[str, str]]:
    """The filters in use as (label, shown value), for the file's info sheet."""
    texts = []
    for name, value in form.chosen().items():
        field = form.fields[name]
        choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", ()))
        texts.append((str(field.label or _("Impor")), choices.get(value, f"#{value}")))
    return texts


def _info(request: HttpRequest, found: FamilyRows, region: Region, form: FamilyExportForm,
          search: str) -> list[tuple[str, str]]:
    purpose = form.purpose()
    info = [(_("Wilayah"), f"{region.name} ({region.code})"), *filter_texts(found.form)]
    if search:
        info.append((_("Pencarian"), search))
    return [*info,
            (_("Diunduh oleh"), request.user.get_full_name() or request.user.username),
            (_("Waktu unduh"), date_format(timezone.localtime(), "DATETIME_FORMAT")),
            (_("Tujuan"), f"{_(PURPOSES[purpose.code])}: {purpose.text}"),
            (_("Catatan"), (_("NIK dan No. KK lengkap.") if form.full_numbers else
                            _("NIK dan No. KK disamarkan.")) + " " +
             _("Data pribadi: UU 24/2013 dan UU 27/2022; jangan disebarkan."))]


def _form_page(request: HttpRequest, form: FamilyExportForm, found: FamilyRows,
               status: int = 200) -> HttpResponse:
    query = request.GET.urlencode()
    return render(request, "web/family_export.html", {
        "nav": "families", "form": form, "count": found.rows.count(),
        "filters": filter_texts(found.form) if found.form.is_valid() else [],
        "back": reverse("families") + (f"?{query}" if query else ""),
    }, status=status)


@registry_required
@recent_auth_required  # personal data leaves the system: ask for the password again
@no_store
@require_http_methods(["GET", "POST"])
def family_export(request: HttpRequest) -> HttpResponse:
    """GET: the purpose form for the list's current filters; POST: the file."""
    found = family_rows(request)
    may_reveal = roles.can_reveal_identity(request.user)
    form = FamilyExportForm(request.POST if request.method == "POST" else None,
                            may_reveal=may_reveal)
    if not form.is_bound or not form.is_valid():
        return _form_page(request, form, found)
    region = _region_of(request, found.form)
    search = search_label(found.term)
    result = export_families(
        request.user, found.rows, fmt=form.cleaned_data["format"], purpose=form.purpose(),
        filters={**found.form.chosen(), **({"cari": search} if search else {})},
        area=region, full_numbers=form.full_numbers,
        info=_info(request, found, region, form, search), english=english())
    if isinstance(result, Refused):
        minutes = -(-result.retry_after // 60)
        form.add_error("nomor_lengkap", _("Batas membuka NIK/KK tercapai; coba lagi dalam "
                                          "%(minutes)s menit, atau unduh dengan nomor "
                                          "disamarkan.") % {"minutes": minutes})
        return _form_page(request, form, found, status=429)
    response = HttpResponse(result.content, content_type=result.content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (f'attachment; filename="keluarga-{region.code}-{stamp}.'
                                       f'{result.fmt}"')
    return response


urlpatterns = [
    path("keluarga/unduh/", family_export, name="family_export"),
]
