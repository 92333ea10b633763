"""The desa's final batch (issue 3 §2): send it to the kecamatan, or take it back while the
kecamatan has decided nothing of it (issue 19 §4). Moved out of `verify.py`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tepat.verification import services
from tepat.verification.errors import RuleError
from tepat.web.views.verify import _place_or_redirect, verifier_required


@verifier_required
@require_POST
def submit_desa(request: HttpRequest) -> HttpResponse:
    """The desa's final batch (berita acara and an outcome for every family required)."""
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    try:
        sent = services.submit_desa(place.campaign, place.desa.code, actor=request.user)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Hasil akhir desa dikirim ke kecamatan (%(n)s keluarga "
                                    "baru dikirim).") % {"n": sent})
    return HttpResponseRedirect(reverse("worklist") + place.query)


@verifier_required
@require_POST
def take_back_desa(request: HttpRequest) -> HttpResponse:
    """Take the sent batch back to drafts (refused once the kecamatan decided a family)."""
    place = _place_or_redirect(request)
    if isinstance(place, HttpResponseRedirect):
        return place
    try:
        n = services.take_back_desa(place.campaign, place.desa.code, actor=request.user)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Kiriman ditarik kembali: %(n)s keluarga kembali menjadi "
                                    "draf. Perbaiki, lalu kirim lagi.") % {"n": n})
    return HttpResponseRedirect(reverse("worklist") + place.query + "#kirim-desa")


urlpatterns = [
    path("verval/kirim-desa/", submit_desa, name="verify_submit_desa"),
    path("verval/tarik-kembali/", take_back_desa, name="verify_take_back"),
]
