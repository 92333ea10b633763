"""Any kabupaten (issue 19 §1): what reading a regency's boundaries and making its synthetic data
cost, cold (caches cleared), for Kab. Probolinggo, Kota Surabaya, Kab. Malang and Kab. Sleman.

    uv run python bench/kabupaten_bench.py [--households 30000]

Prints the packaged files' sizes, then per kabupaten: desa and kecamatan features of the layers
in the package, the time to read them, to compute the desa centroids (Gesek distances) and to
draw the kecamatan map (SVG), and the time to generate the demo's synthetic P3KE data.
"""

from __future__ import annotations

import argparse
import time

from tepat import synth
from tepat.core import boundaries as packaged
from tepat.core.regions import data_path, national_table
from tepat.synth import geography

KABUPATEN = ("35.13", "35.78", "35.07", "34.04")


def _clear() -> None:
    packaged.packaged_desa_layer.cache_clear()
    packaged.packaged_kecamatan_layer.cache_clear()
    geography.desa_table.cache_clear()


def _timed(func):
    started = time.perf_counter()
    value = func()
    return value, (time.perf_counter() - started) * 1000


def main(households: int) -> None:
    from tepat.web.maps import choropleth_svg, shapes_from_features

    print(f"{'packaged file':<34} {'bytes':>11}")
    for name in ("indonesia_kabupaten.geojson.gz", "indonesia_kecamatan.zip", "jatim_desa.zip",
                 "probolinggo_desa.geojson", "probolinggo_kecamatan_from_desa.geojson"):
        print(f"{name:<34} {data_path('boundaries', name).stat().st_size:>11,}")
    national_table()  # read once, as every process does
    import shapely.geometry  # noqa: F401  (imported once per process, not per kabupaten)

    warm = shapes_from_features(packaged.packaged_kecamatan_layer("35.13")["features"])
    choropleth_svg(warm, {})
    synth.generate(100, 1)
    print()
    print(f"{'kabupaten':<24} {'desa':>5} {'kec':>4} {'read ms':>8} {'centroids ms':>13} "
          f"{'map ms':>7} {f'synth {households:,} s':>14}")
    for code in KABUPATEN:
        _clear()
        (desa, kecamatan), read_ms = _timed(lambda c=code: (packaged.packaged_desa_layer(c),
                                                             packaged.packaged_kecamatan_layer(c)))
        layer = desa or kecamatan
        _, centroid_ms = _timed(lambda layer=layer: packaged.centroids(layer))
        shapes = shapes_from_features(kecamatan["features"])
        _, map_ms = _timed(lambda shapes=shapes: choropleth_svg(
            shapes, {s.code: float(i) for i, s in enumerate(shapes)}))
        _, synth_ms = _timed(lambda c=code: synth.generate(households, 1, kabupaten=c))
        name = national_table().get(code).name
        print(f"{name:<24} {len(desa['features']) if desa else 0:>5} "
              f"{len(kecamatan['features']):>4} {read_ms:>8.0f} {centroid_ms:>13.0f} "
              f"{map_ms:>7.0f} {synth_ms / 1000:>14.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=30_000)
    main(parser.parse_args().households)
