"""Files that come with a verification: house photos (resized) and the signed berita acara."""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tepat.verification.errors import RuleError

PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTO_LONG_SIDE = 1280  # enough to see a roof and a wall; ~150 KB as JPEG
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_KINDS = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # a phone photo is ≤ 50 MP; bigger is a decompression bomb


def resized_photo(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """The photo as a JPEG of at most PHOTO_LONG_SIDE pixels, turned upright, EXIF dropped
    (phones write the owner's GPS and device there; we keep only the coordinates we ask for)."""
    if upload.size and upload.size > PHOTO_MAX_BYTES:
        raise RuleError(("photo", _("Foto %(name)s lebih dari 15 MB.") % {"name": upload.name}))
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise RuleError(("photo", _(
            "Berkas %(name)s bukan foto yang bisa dibaca (JPEG/PNG)."
        ) % {"name": upload.name})) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), *image.size


def checked_document(upload: UploadedFile) -> ContentFile:
    """The berita acara if it is a PDF, PNG or JPEG (by its first bytes, not its name)."""
    if upload.size and upload.size > DOCUMENT_MAX_BYTES:
        raise RuleError(("berita_acara", _("Berita acara %(name)s lebih dari 10 MB.")
                         % {"name": upload.name}))
    data = upload.read()
    kind = next((k for magic, k in DOCUMENT_KINDS.items() if data.startswith(magic)), None)
    if kind is None:
        raise RuleError(("berita_acara", _(
            "Berita acara %(name)s harus berupa PDF atau foto (JPEG/PNG)."
        ) % {"name": upload.name}))
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{kind}")
