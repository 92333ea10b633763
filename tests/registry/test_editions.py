"""The persons an edition adds, split by the person linkage into those the registry already
knows under another record ID ("dikenal": a re-issued ID, a moved family) and new persons;
an incremental link run queued after the write when a model was trained."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import polars as pl
import pytest

from tepat import synth
from tepat.linkage.models import LinkModel, LinkRun
from tepat.registry.importing import import_files, preview_files

FID, PID = "id_keluarga_p3ke", "id_individu"


@pytest.fixture(scope="module")
def data() -> synth.SynthData:
    return synth.generate(120, 5, source="p3ke")


def _write(data: synth.SynthData, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return synth.write(data, folder, "csv")[:2]


def _reissued(data: synth.SynthData) -> tuple[synth.SynthData, str, list[str]]:
    """One family's members under new person IDs, and one new person (a newborn) in it."""
    per = data.persons
    family = per.filter(pl.col("nik").str.contains(r"^[0-9]{16}$")).row(0, named=True)[FID]
    old_ids = per.filter(pl.col(FID) == family)[PID].to_list()
    renumbered = per.with_columns(
        pl.when(pl.col(FID) == family).then(pl.concat_str([pl.lit("R"), pl.col(PID)]))
        .otherwise(pl.col(PID)).alias(PID))
    newborn = per.filter(pl.col(FID) == family).head(1).with_columns(
        pl.lit("I-BARU-0001").alias(PID), pl.lit("ZULAIKHA NUR AINI").alias("nama"),
        pl.lit("").alias("nik"), pl.lit("Anak").alias("hubungan_dengan_kepala_keluarga"),
        pl.lit("Perempuan").alias("jenis_kelamin"),
        pl.lit(datetime.date(2025, 1, 9)).alias("tanggal_lahir"))
    edition = dataclasses.replace(data, persons=pl.concat([renumbered, newborn]))
    return edition, family, ["R" + i for i in old_ids]


@pytest.mark.django_db(transaction=True)
def test_added_persons_are_split_into_known_and_new(regions, data, tmp_path):
    import_files(*_write(data, tmp_path / "one"), source="p3ke", period="2024-03")
    edition, family, reissued = _reissued(data)
    summary = preview_files(*_write(edition, tmp_path / "two"), source="p3ke")
    assert summary["persons"]["added"] == len(reissued) + 1
    assert summary["linked"] == {"checked": True, "known": len(reissued), "new": 1}
    known = summary["examples"]["persons_known"]
    assert {e["id"] for e in known} == set(reissued)
    assert {e["known_family"] for e in known} == {family}
    assert all("*" in e["nik"] for e in known)


@pytest.mark.django_db(transaction=True)
def test_too_many_added_persons_are_left_to_the_link_run(regions, data, tmp_path, settings):
    settings.TEPAT_IMPORT_LINK_MAX = 1
    import_files(*_write(data, tmp_path / "one"), source="p3ke", period="2024-03")
    edition, _family, _reissued_ids = _reissued(data)
    summary = preview_files(*_write(edition, tmp_path / "two"), source="p3ke")
    assert summary["linked"]["checked"] is False and summary["linked"]["known"] is None


@pytest.mark.django_db(transaction=True)
def test_an_import_queues_an_incremental_run_only_once_a_model_is_trained(
        regions, data, tmp_path):
    import_files(*_write(data, tmp_path / "one"), source="p3ke", period="2024-03")
    assert not LinkRun.objects.exists()
    LinkModel.objects.create(model={}, accept_threshold=0.99, review_threshold=0.5)
    edition, _family, _reissued_ids = _reissued(data)
    import_files(*_write(edition, tmp_path / "two"), source="p3ke", period="2024-06")
    import_files(*_write(data, tmp_path / "three"), source="p3ke", period="2024-09")
    queued = LinkRun.objects.filter(kind=LinkRun.Kind.INCREMENTAL)
    assert list(queued.values_list("status", flat=True)) == [LinkRun.Status.QUEUED]
