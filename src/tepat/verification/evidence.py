"""Files that come with a verification: house photos (resized) and the signed berita acara."""

from __future__ import annotations

import io
import uuid
import warnings
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tepat.verification.errors import RuleError

PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTO_LONG_SIDE = 1280  # enough to see a roof and a wall; ~150 KB as JPEG
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_KINDS = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
# A phone photo is at most 50 MP; more is a decompression bomb (a 15 KB PNG can declare 10,900 ×
# 10,900 pixels, 356 MB once decoded). Pillow itself only warns above the limit and raises at
# twice it: here the warning is an error too, and the size is checked again before decoding.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
_UNREADABLE = (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError,
               SyntaxError, Image.DecompressionBombWarning)


def _too_many_pixels(image: Image.Image) -> bool:
    """From the header only (`Image.open` has not decoded anything yet)."""
    width, height = image.size
    return width * height > Image.MAX_IMAGE_PIXELS


def _pixels_message(name: str) -> str:
    return _("Gambar %(name)s terlalu besar (lebih dari %(limit)s juta piksel); kecilkan "
             "resolusinya lalu unggah ulang.") % {
        "name": name, "limit": f"{Image.MAX_IMAGE_PIXELS // 1_000_000:,}"}


def resized_photo(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """The photo as a JPEG of at most PHOTO_LONG_SIDE pixels, turned upright, EXIF dropped
    (phones write the owner's GPS and device there; we keep only the coordinates we ask for)."""
    if upload.size and upload.size > PHOTO_MAX_BYTES:
        raise RuleError(("photo", _("Foto %(name)s lebih dari 15 MB.") % {"name": upload.name}))
    try:
        with Image.open(upload) as image:
            if _too_many_pixels(image):
                raise RuleError(("photo", _pixels_message(upload.name)))
            image.draft("RGB", (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))  # JPEG: decode at 1/2…1/8
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
    except _UNREADABLE:
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
    if kind != "pdf" and _image_too_large(data):
        raise RuleError(("berita_acara", _pixels_message(upload.name)))
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{kind}")


def _image_too_large(data: bytes) -> bool:
    """A scan is stored as sent, never decoded here; its header still must not declare a
    bomb (whoever opens it later would pay). An unreadable header counts as too large."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _too_many_pixels(image)
    except _UNREADABLE:
        return True


THUMB_LONG_SIDE = 240  # a row of three fills a phone; ~6-12 KB as WebP
THUMB_MAX_BYTES = 20 * 1024
THUMB_DIR = "bukti-kecil"


def thumbnail_name(photo_name: str) -> str:
    """Where the thumbnail of a stored photo is cached (next to nothing else: one per photo)."""
    stem = photo_name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"{THUMB_DIR}/{stem}.webp"


def _encoded_thumbnail(image: Image.Image) -> bytes:
    image.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE))
    for quality in (60, 45, 30):  # a busy photo may need a lower quality to stay small
        out = io.BytesIO()
        image.save(out, "WEBP", quality=quality, method=4)
        if out.tell() <= THUMB_MAX_BYTES:
            break
    return out.getvalue()


def cached_thumbnail(photo: Any) -> str | None:
    """The storage name of the photo's thumbnail, made on first use and kept; None when the
    stored file is not a readable photo (the caller serves the photo itself)."""
    storage, name = photo.storage, thumbnail_name(photo.name)
    if storage.exists(name):
        return name
    try:
        with photo.open("rb") as handle, Image.open(handle) as image:
            if _too_many_pixels(image):
                return None
            image.draft("RGB", (THUMB_LONG_SIDE * 2, THUMB_LONG_SIDE * 2))
            data = _encoded_thumbnail(ImageOps.exif_transpose(image).convert("RGB"))
    except (*_UNREADABLE, FileNotFoundError):
        return None
    if not storage.exists(name):  # two first requests at once: the first one stays
        storage.save(name, ContentFile(data))
    return name


def checked_evidence(upload: UploadedFile) -> ContentFile:
    """A change request's evidence: a photo is re-encoded as the house photos are (nothing of
    the sent file survives but its pixels), a PDF is kept as sent after the berita acara's
    checks. Anything else is refused, by its first bytes, not its name."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF"):
        try:
            return checked_document(upload)
        except RuleError as error:
            raise RuleError(*[("document", message) for _field, message in error.problems]
                            ) from None
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG")):
        try:
            content, _width, _height = resized_photo(upload)
        except RuleError as error:
            raise RuleError(*[("document", message) for _field, message in error.problems]
                            ) from None
        return content
    raise RuleError(("document", _("Bukti %(name)s harus berupa PDF atau foto (JPEG/PNG).")
                     % {"name": upload.name}))
