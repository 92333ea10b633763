"""Outside rows matched against the registry with the model in force (the packaged default on
a fresh instance)."""

from __future__ import annotations

import polars as pl

from tepat.linkage.engine import RECORD_SCHEMA
from tepat.linkage.matching import match


def rows_of(persons, **changes) -> pl.DataFrame:
    data = [{"source": "list", "record_id": str(i), "nik": p.nik, "no_kk": p.family.no_kk,
             "nama": p.nama, "tanggal_lahir": p.tanggal_lahir, "jenis_kelamin": p.jenis_kelamin,
             "desa": p.desa_id, "kecamatan": p.kecamatan_id, "hubungan": p.hubungan,
             **changes} for i, p in enumerate(persons)]
    schema = {k: v for k, v in RECORD_SCHEMA.items() if k != "unique_id"}
    return pl.DataFrame(data, schema=schema)


def test_a_registry_person_retyped_finds_itself_first(registry):
    person = registry.persons[0]
    found = match(rows_of([person], nama=person.nama.upper() + "X"))
    assert found.height >= 1
    assert found.row(0, named=True)["person_id"] == person.pk


def test_a_stranger_finds_nobody(registry):
    stranger = rows_of([registry.persons[0]], nik="3513999999990001", no_kk=None,
                       nama="ZZYZX QWERTY", tanggal_lahir=None)
    assert match(stranger).is_empty()


def test_one_scorer_serves_calls_until_the_registry_changes(registry, monkeypatch):
    """The name frequencies are computed once per registry state and model, not once per call
    (an usulan check and its save, every agency list)."""
    from tepat.linkage import engine, matching

    built = []
    real = engine.RegistryScorer.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(engine.RegistryScorer, "__init__", counting)
    matching.forget_scorer()
    person = registry.persons[0]
    first = match(rows_of([person]))
    again = match(rows_of([person], nama=person.nama + "X"))
    assert len(built) == 1
    assert first.row(0, named=True)["person_id"] == again.row(0, named=True)["person_id"]
    person.nama = person.nama + " B"
    person.save()  # the registry's stamp moves on
    match(rows_of([person]))
    assert len(built) == 2
