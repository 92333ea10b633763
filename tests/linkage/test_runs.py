"""Train, link and re-link the registry: clusters, stable IDs, the review queue, the export."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from tepat import synth
from tepat.linkage import runs
from tepat.linkage.models import ClusterMember, LinkModel, LinkRun
from tepat.registry.importing import import_files
from tepat.registry.models import Person

HOUSEHOLDS = 400


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> list[Path]:
    data = synth.generate(HOUSEHOLDS, 3, source="dtsen")
    return synth.write(data, tmp_path_factory.mktemp("dtsen"), "csv")


@pytest.fixture
def linked(regions, export) -> LinkRun:
    import_files(export[0], export[1], source="dtsen", period="2025Q2")
    runs.execute(runs.start_now(LinkRun.Kind.TRAIN))
    return runs.execute(runs.start_now(LinkRun.Kind.FULL))


def members() -> dict[int, int]:
    return dict(ClusterMember.objects.unscoped("test").values_list("person_id", "cluster"))


@pytest.mark.django_db(transaction=True)
def test_a_full_run_gives_every_record_one_cluster(linked):
    assert linked.status == LinkRun.Status.DONE
    assert LinkModel.objects.count() == 1
    assert set(members()) == set(Person.objects.unscoped("test").values_list("id", flat=True))
    assert linked.clusters < linked.records  # the synthetic duplicate families were linked


@pytest.mark.django_db(transaction=True)
def test_a_second_full_run_keeps_every_cluster_id(linked):
    before = members()
    again = runs.execute(runs.start_now(LinkRun.Kind.FULL))
    assert members() == before
    assert again.changed_members == 0


@pytest.mark.django_db(transaction=True)
def test_an_incremental_run_with_nothing_new_changes_nothing(linked):
    before = members()
    again = runs.execute(runs.start_now(LinkRun.Kind.INCREMENTAL))
    assert again.records == 0 and members() == before


@pytest.mark.django_db(transaction=True)
def test_an_incremental_run_joins_a_changed_record_to_its_cluster(linked):
    person = Person.objects.unscoped("test").filter(nik__regex=r"^[0-9]{16}$").first()
    copy = Person.objects.unscoped("test").filter(family=person.family).exclude(pk=person.pk)
    ClusterMember.objects.unscoped("test").filter(person=person).delete()  # as if new
    again = runs.execute(runs.start_now(LinkRun.Kind.INCREMENTAL))
    assert again.records == 1
    assert ClusterMember.objects.unscoped("test").filter(person=person).exists()
    assert copy.exists()


@pytest.mark.django_db(transaction=True)
def test_the_export_names_records_and_clusters_only(linked, tmp_path):
    out = tmp_path / "clusters.csv"
    call_command("link", "export", "--out", str(out))
    frame = pl.read_csv(out)
    assert frame.columns == ["source", "record_id", "cluster", "match_probability"]
    assert frame.height == len(members())


@pytest.mark.django_db(transaction=True)
def test_evaluate_scores_the_clusters_against_a_truth_file(linked, tmp_path, capsys):
    out = tmp_path / "clusters.csv"
    call_command("link", "export", "--out", str(out))
    clusters = pl.read_csv(out, infer_schema=False)
    capsys.readouterr()  # the export's own line
    linked_pairs = clusters.group_by("cluster").len().filter(pl.col("len") > 1)
    assert linked_pairs.height  # the synthetic duplicate families were linked

    same = tmp_path / "same.csv"  # the truth says exactly what the clusters say
    clusters.select("source", "record_id", pl.col("cluster").alias("entity")).write_csv(same)
    call_command("link", "evaluate", "--truth", str(same), "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert result["records"] == clusters.height
    assert result["precision"] == result["recall"] == 1.0

    apart = tmp_path / "apart.csv"  # every record its own person: every link is wrong
    clusters.select("source", "record_id", pl.col("record_id").alias("entity")).write_csv(apart)
    call_command("link", "evaluate", "--truth", str(apart), "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert result["predicted_pairs"] > 0 and result["precision"] == 0.0
