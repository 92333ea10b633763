"""The files that come with a verification (moved out of `verify.py`, issue 19 §4): house
photos, their thumbnails, the signed berita acara, and a change request's evidence. Served only
to users whose area holds the family or desa (404 otherwise, like a file that does not exist),
never cached by the browser, never sniffed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.verification.evidence import cached_thumbnail
from tepat.verification.models import ChangeRequest, Evidence, Musdes, Proposal, Verification
from tepat.web.access import role_required

# House photos and the berita acara: the desa that made them and the kecamatan that reviews.
files_required = role_required(lambda u: roles.can_verify(u) or roles.can_review(u))
DOCUMENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
                  "jpeg": "image/jpeg", "webp": "image/webp"}


def _file_response(field_file: Any, content_type: str | None = None) -> HttpResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Berkas tidak ditemukan.")) from None
    return _no_store(FileResponse(handle, content_type=content_type))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _document_type(name: str) -> str:
    return DOCUMENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def evidence_for_user(user: Any, pk: int) -> Evidence:
    """A house photo of a verification or usulan in the user's area; 404 otherwise."""
    evidence = Evidence.objects.filter(
        Q(verification__in=Verification.objects.for_user(user))
        | Q(proposal__in=Proposal.objects.for_user(user)), pk=pk).first()
    if evidence is None:
        raise Http404(_("Foto tidak ditemukan."))
    return evidence


@files_required
@require_GET
def evidence_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A house photo, for users whose area covers its desa (404 otherwise)."""
    return _file_response(evidence_for_user(request.user, pk).photo, "image/jpeg")


@files_required
@require_GET
def evidence_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo's small WebP (≤ 20 KB, made once and kept); the photo itself when it cannot
    be made (a stored file that is no readable photo)."""
    evidence = evidence_for_user(request.user, pk)
    name = cached_thumbnail(evidence.photo)
    if name is None:
        return _file_response(evidence.photo, "image/jpeg")
    handle = evidence.photo.storage.open(name, "rb")
    return _no_store(FileResponse(handle, content_type="image/webp"))


@files_required
@require_GET
def musdes_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed berita acara of a musdes, for its desa and its kecamatan."""
    musdes = Musdes.objects.for_user(request.user).filter(pk=pk).first()
    if musdes is None or not musdes.berita_acara:
        raise Http404(_("Berita acara tidak ditemukan."))
    return _file_response(musdes.berita_acara, _document_type(musdes.berita_acara.name))


@files_required
@require_GET
def change_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence attached to a change request, for the family's desa, kecamatan and the
    admin kabupaten."""
    change = ChangeRequest.objects.filter(
        pk=pk, verification__in=Verification.objects.for_user(request.user)).first()
    if change is None or not change.document:
        raise Http404(_("Berkas tidak ditemukan."))
    return _file_response(change.document, _document_type(change.document.name))


urlpatterns = [
    path("verval/bukti/<int:pk>/", evidence_photo, name="verify_evidence"),
    path("verval/bukti/<int:pk>/kecil/", evidence_thumbnail, name="verify_evidence_thumb"),
    path("verval/musdes/<int:pk>/berita-acara/", musdes_document, name="verify_musdes_document"),
    path("verval/perubahan/<int:pk>/berkas/", change_document, name="change_document"),
]
