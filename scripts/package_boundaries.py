"""Package the national boundaries of ../shared/data/boundaries for any kabupaten (issue 19 §1).

    uv run python scripts/package_boundaries.py [SHARED_BOUNDARIES_DIR]

Writes into src/tepat/data/boundaries/:
- `indonesia_kabupaten.geojson.gz`: the 514 kab/kota, gzip (one file, read whole);
- `indonesia_kecamatan.zip`: the 7,285 kecamatan, one member per kab/kota (`35.13.geojson`),
  deflated, so that an instance reads only its own regency's member;
- `jatim_desa.zip`: the 8,494 desa/kelurahan of Jawa Timur, one member per kab/kota.

Features and coordinates are copied unchanged (only split and compressed); see NOTICE.md.
"""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tepat" / "data" / "boundaries"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "boundaries"
# A fixed timestamp: running the script twice writes the same bytes.
STAMP = (2026, 12, 8, 0, 0, 0)


def _features(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)["features"]


def _collection(features: list[dict]) -> bytes:
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return ('{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n").encode("utf-8")


def _kabupaten_of(code: str) -> str:
    return ".".join(code.split(".")[:2])


def _split_zip(features: list[dict], out: Path) -> int:
    by_kab: dict[str, list[dict]] = defaultdict(list)
    for feature in features:
        by_kab[_kabupaten_of(feature["properties"]["code"])].append(feature)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for kab in sorted(by_kab):
            info = zipfile.ZipInfo(f"{kab}.geojson", date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _collection(by_kab[kab]), compresslevel=9)
    return len(by_kab)


def main(source: Path) -> None:
    kab = _features(source / "indonesia_kabupaten.geojson")
    target = OUT / "indonesia_kabupaten.geojson.gz"
    with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                                 mtime=0, filename="") as gz:
        gz.write(_collection(kab))
    rows = [("indonesia_kabupaten.geojson.gz", len(kab), 1, target.stat().st_size)]
    for name, member in (("indonesia_kecamatan", "indonesia_kecamatan.zip"),
                         ("jatim_desa", "jatim_desa.zip")):
        features = _features(source / f"{name}.geojson")
        parts = _split_zip(features, OUT / member)
        rows.append((member, len(features), parts, (OUT / member).stat().st_size))
    print(f"{'file':<34} {'features':>9} {'parts':>6} {'bytes':>11}")
    for name, n, parts, size in rows:
        print(f"{name:<34} {n:>9,} {parts:>6} {size:>11,}")
    print(f"{'total':<34} {'':>9} {'':>6} {sum(r[3] for r in rows):>11,}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
