"""The evidence on the review page (issue 19 §4): the thumbnail of a phone photo (bytes, time)
for a plain, a smooth and a noisy (worst case) picture, and the point map of every packaged desa
(SVG bytes, time). Prints two tables.

    uv run python bench/evidence_bench.py
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")


def _photos() -> dict[str, bytes]:
    from PIL import Image

    size = (4000, 3000)  # a 12 MP phone camera
    plain = Image.new("RGB", size, (150, 120, 90))
    smooth = Image.linear_gradient("L").resize(size).convert("RGB")
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (1000, 750), rng.randbytes(1000 * 750 * 3)).resize(size)
    out = {}
    for name, image in (("plain", plain), ("gradient", smooth), ("noise", noise)):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        out[name] = buffer.getvalue()
    return out


def thumbnails() -> None:
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.verification.evidence import cached_thumbnail, resized_photo

    storage = FileSystemStorage(location=tempfile.mkdtemp())

    class Stored:
        def __init__(self, name: str) -> None:
            self.name, self.storage = name, storage

        def open(self, mode: str = "rb"):
            return storage.open(self.name, mode)

    print("| photo (4000×3000 JPEG) | sent KB | stored KB | thumbnail KB | thumbnail ms |")
    print("|---|---:|---:|---:|---:|")
    for name, data in _photos().items():
        content, _w, _h = resized_photo(SimpleUploadedFile(f"{name}.jpg", data))
        stored = storage.save(f"bukti/{name}.jpg", content)
        started = time.perf_counter()
        thumb = cached_thumbnail(Stored(stored))
        ms = (time.perf_counter() - started) * 1000
        print(f"| {name} | {len(data) / 1024:,.0f} | {storage.size(stored) / 1024:,.0f} | "
              f"{storage.size(thumb) / 1024:,.1f} | {ms:,.0f} |")


def point_maps() -> None:
    from tepat.core.geo import desa_centroids
    from tepat.web.point_map import point_map

    sizes, times, inside = [], [], 0
    for code, (lat, lng) in desa_centroids().items():
        started = time.perf_counter()
        found = point_map(code, Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}"))
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(found.svg.encode()))
        inside += found.outside is False
    print()
    print("| point maps (every packaged desa, its centroid) | value |")
    print("|---|---:|")
    print(f"| desa | {len(sizes)} |")
    print(f"| centroid inside its desa | {inside} |")
    print(f"| SVG bytes median / max | {statistics.median(sizes):,.0f} / {max(sizes):,} |")
    print(f"| ms median / max (first call loads the layer) | {statistics.median(times):.2f} / "
          f"{max(times):.0f} |")


if __name__ == "__main__":
    import django

    sys.path.insert(0, "src")
    django.setup()
    thumbnails()
    point_maps()
