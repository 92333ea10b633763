"""A linkage scene over the `registry` fixture, without running Splink: every registry person in
a cluster of their own, and three pairs waiting for a decision.

    "T": Sutrisno (Malesanwetan) / Mukarromah (Malesanwetan, DTSEN): Kec. Tegalsiwalan's queue
    "S": Poniti / Suparmin (Ngadisari): Kec. Sukapura's queue
    "K": Sutrisno (Tegalsiwalan) / Poniti (Sukapura): the kabupaten's queue

`clusters` holds, per kecamatan key, the cluster of the queue pair's left record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEGALSIWALAN, SUKAPURA, KABUPATEN = "35.13.20", "35.13.01", "35.13"
COMPARISONS = [
    {"key": "nik", "level": "one_digit", "weight": 7.4},
    {"key": "kk", "level": "All other comparisons", "weight": -3.2},
    {"key": "nama", "level": "jaro_winkler_high", "weight": 6.1, "similarity": 0.93},
    {"key": "tanggal_lahir", "level": "exact", "weight": 8.0},
    {"key": "jenis_kelamin", "level": "exact", "weight": 0.9},
    {"key": "wilayah", "level": "same_desa", "weight": 2.5},
    {"key": "hubungan", "level": "null", "weight": 0.0},
]


@dataclass
class Scene:
    pair: dict[str, Any] = field(default_factory=dict)  # "T", "S", "K" -> LinkPair
    clusters: dict[str, int] = field(default_factory=dict)  # "T", "S" -> cluster id
    heads: dict[str, Any] = field(default_factory=dict)  # head name -> Person


def build_scene(registry: Any) -> Scene:
    from tepat.linkage.models import ClusterMember, LinkPair

    scene = Scene()
    persons = sorted(registry.persons, key=lambda p: p.pk)
    for i, person in enumerate(persons, start=1):
        ClusterMember.objects.create(person=person, source=person.source,
                                     record_id=person.source_person_id, cluster=i,
                                     record_hash=person.row_hash,
                                     kecamatan_id=person.kecamatan_id, desa_id=person.desa_id)
        if person.hubungan == "1":
            scene.heads[person.nama] = person
    for key, (a, b, area, probability) in {
        "T": ("Sutrisno", "Mukarromah", TEGALSIWALAN, 0.91),
        "S": ("Poniti", "Suparmin", SUKAPURA, 0.85),
        "K": ("Sutrisno", "Poniti", KABUPATEN, 0.72),
    }.items():
        left, right = sorted((scene.heads[a], scene.heads[b]), key=lambda p: p.pk)
        scene.pair[key] = LinkPair.objects.create(
            left=left, right=right, area_id=area, match_probability=probability,
            match_weight=12.5, comparisons=COMPARISONS, left_hash=left.row_hash,
            right_hash=right.row_hash)
    members = ClusterMember.objects.unscoped("test scene")
    for key in ("T", "S"):
        scene.clusters[key] = members.get(person_id=scene.pair[key].left_id).cluster
    return scene
