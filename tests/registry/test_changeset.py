"""The change set of an edition (issue 17 §4): built before anything is written, on a small
registry loaded from a synthetic P3KE export, then a second edition with known changes."""

from __future__ import annotations

import dataclasses
import datetime
import json
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from tepat import synth
from tepat.audit.models import AuditEvent
from tepat.registry.importing import import_files, preview_files
from tepat.registry.models import (
    BatchStatus,
    DesaStat,
    EditionChange,
    Family,
    FamilyEdition,
    Person,
    PersonEdition,
    SourceBatch,
)

HOUSEHOLDS = 240
FID, PID = "id_keluarga_p3ke", "id_individu"


@pytest.fixture(scope="module")
def data() -> synth.SynthData:
    return synth.generate(HOUSEHOLDS, 11, source="p3ke")


def _write(data: synth.SynthData, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return synth.write(data, folder, "csv")[:2]


def _import(paths: list[Path], reason: str = "") -> SourceBatch:
    return import_files(paths[0], paths[1], source="p3ke", period="2024-03", reason=reason)


@dataclasses.dataclass
class Edition:
    data: synth.SynthData
    desil_changed: list[str]
    renamed: list[str]
    moved: list[str]
    mover_to: str
    emptied: str
    dropped: str
    dropped_persons: list[str]
    added: str


def _second_edition(data: synth.SynthData) -> Edition:
    """Known changes: 3 families' desil, 2 persons' names, every member of one family moved
    into another family, one family dropped from a desa that keeps others, one family added."""
    fam, per = data.families, data.persons
    sizes = per.group_by(FID).len()
    per_desa = fam.group_by("kode_kemdagri").agg(pl.col(FID)).filter(
        pl.col(FID).list.len() >= 3).sort("kode_kemdagri")
    desa_ids = per_desa[0, FID].to_list()
    dropped, emptied, mover_to = desa_ids[0], desa_ids[1], desa_ids[2]
    assert sizes.filter(pl.col(FID) == emptied)["len"][0] >= 1
    others = fam.filter(~pl.col(FID).is_in([dropped, emptied, mover_to]))[FID].to_list()
    desil_changed = others[:3]
    fam2 = fam.with_columns(
        pl.when(pl.col(FID).is_in(desil_changed))
        .then(pl.when(pl.col("desil_kesejahteraan") == "1").then(pl.lit("2"))
              .otherwise(pl.lit("1")))
        .otherwise(pl.col("desil_kesejahteraan")).alias("desil_kesejahteraan")
    ).filter(pl.col(FID) != dropped)
    new_family = fam.filter(pl.col(FID) == others[5]).with_columns(
        pl.lit("P3KE-NEW-000001").alias(FID), pl.lit("").alias("no_kk"), pl.lit("").alias("nik"))
    fam2 = pl.concat([fam2, new_family])
    renamed = per.filter(pl.col(FID).is_in(others[10:20]))[PID].to_list()[:2]
    moved = per.filter(pl.col(FID) == emptied)[PID].to_list()
    dropped_persons = per.filter(pl.col(FID) == dropped)[PID].to_list()
    per2 = per.filter(pl.col(FID) != dropped).with_columns(
        pl.when(pl.col(PID).is_in(renamed)).then(pl.concat_str([pl.col("nama"), pl.lit(" X")]))
        .otherwise(pl.col("nama")).alias("nama"),
        pl.when(pl.col(PID).is_in(moved)).then(pl.lit(mover_to)).otherwise(pl.col(FID)).alias(FID),
        pl.when(pl.col(PID).is_in(moved)).then(pl.lit("3")).otherwise(
            pl.col("hubungan_dengan_kepala_keluarga")).alias("hubungan_dengan_kepala_keluarga"),
    )
    return Edition(dataclasses.replace(data, families=fam2, persons=per2), desil_changed,
                   renamed, moved, mover_to, emptied, dropped, dropped_persons,
                   "P3KE-NEW-000001")


def _target_list(*families: Family):
    from tepat.verification.models import TargetList, TargetListEntry

    target = TargetList.objects.create(name="Sasaran 2024", year=2024, sk_number="SK 1/2024",
                                       sk_date=datetime.date(2024, 1, 2))
    for family in families:
        TargetListEntry.objects.create(
            target_list=target, key=f"p3ke:{family.source_family_id}", family=family,
            desa_id=family.desa_id, kecamatan_id=family.kecamatan_id,
            kepala_keluarga=family.kepala_keluarga, jiwa=family.member_count)
    return target


def test_the_change_set_names_every_category_before_anything_is_written(regions, data, tmp_path):
    base = _import(_write(data, tmp_path / "one"))
    assert base.status == BatchStatus.DONE, base.message
    edition = _second_edition(data)
    families_before = Family.objects.count()
    summary = preview_files(*_write(edition.data, tmp_path / "two"), source="p3ke")
    assert Family.objects.count() == families_before
    assert SourceBatch.objects.count() == 1  # a dry run makes no batch

    fam, per = summary["families"], summary["persons"]
    assert fam["added"] == 1
    assert fam["absent"] == 1 and per["absent"] == len(edition.dropped_persons)
    assert fam["emptied"] == 1
    assert per["moved"] == len(edition.moved)
    assert per["changed"] == 2
    assert summary["changed_fields"]["persons"]["nama"] == 2
    assert summary["changed_fields"]["families"]["desil"] == 3
    # desil changed on 3; the family that received the movers and the emptied family changed too
    assert fam["changed"] == 3 + 2
    assert fam["same"] == data.families.height - 1 - 5
    examples = summary["examples"]
    assert {e["id"] for e in examples["persons_moved"]} <= set(edition.moved)
    assert all("*" in e["nik"] or e["nik"] in ("—", "****") for e in examples["persons_moved"])
    assert examples["families_emptied"][0]["id"] == edition.emptied
    assert not summary["needs_reason"]  # no target list; shares below the thresholds


def test_writing_an_edition_records_it_and_marks_absent_and_emptied(regions, data, tmp_path):
    _import(_write(data, tmp_path / "one"))
    edition = _second_edition(data)
    batch = _import(_write(edition.data, tmp_path / "two"))
    assert batch.status == BatchStatus.DONE, batch.message

    dropped = Family.objects.get(source_family_id=edition.dropped)
    assert dropped.absent_since_id == batch.pk  # kept, marked, not deleted
    assert set(Person.objects.filter(absent_since=batch).values_list("source_person_id",
                                                                     flat=True)) == set(
        edition.dropped_persons)
    emptied = Family.objects.get(source_family_id=edition.emptied)
    assert "FAMILY_NO_MEMBERS" in emptied.flag_list and emptied.member_count == 0
    receiver = Family.objects.get(source_family_id=edition.mover_to)
    assert receiver.member_count == receiver.members.count()

    editions = dict(FamilyEdition.objects.filter(batch=batch).values_list(
        "family__source_family_id", "change"))
    assert len(editions) == edition.data.families.height  # every family the file carries
    assert editions[edition.added] == EditionChange.ADDED
    assert all(editions[f] == EditionChange.CHANGED for f in edition.desil_changed)
    assert edition.dropped not in editions
    added = FamilyEdition.objects.get(batch=batch, family__source_family_id=edition.added)
    assert added.data["desa_code"] and isinstance(added.data["members"], list)
    same = FamilyEdition.objects.filter(batch=batch, change=EditionChange.SAME)
    assert same.exists() and not same.filter(data__isnull=False).exists()
    moved = PersonEdition.objects.filter(batch=batch, change=EditionChange.MOVED)
    assert set(moved.values_list("person__source_person_id", flat=True)) == set(edition.moved)
    assert set(moved.values_list("family_id", flat=True)) == {receiver.pk}
    stats = DesaStat.objects.filter(desa_id=dropped.desa_id)
    assert sum(s.absent_families for s in stats) == 1
    assert sum(s.absent_persons for s in stats) == len(edition.dropped_persons)

    # The first edition again: the dropped family returns.
    again = _import(_write(data, tmp_path / "three"), reason="kembali ke edisi pertama")
    assert again.status == BatchStatus.DONE, again.message
    dropped.refresh_from_db()
    assert dropped.absent_since_id is None
    assert FamilyEdition.objects.get(batch=again, family=dropped).change == EditionChange.RETURNED
    assert again.changeset["families"]["returned"] == 1


def test_an_identical_reimport_changes_nothing_and_records_a_same_edition(
    regions, data, tmp_path
):
    paths = _write(data, tmp_path / "one")
    _import(paths)
    again = _import(paths)
    assert again.status == BatchStatus.DONE, again.message
    assert again.changeset["nothing_changes"] is True
    changes = set(FamilyEdition.objects.filter(batch=again).values_list("change", flat=True))
    assert changes == {EditionChange.SAME}
    assert not PersonEdition.objects.filter(batch=again, data__isnull=False).exists()


def test_a_village_download_marks_nothing_absent_outside_its_desa(regions, data, tmp_path):
    _import(_write(data, tmp_path / "one"))
    desa = data.families["kode_kemdagri"][0]
    one_desa = dataclasses.replace(
        data,
        families=data.families.filter(pl.col("kode_kemdagri") == desa),
        persons=data.persons.filter(pl.col(FID).is_in(
            data.families.filter(pl.col("kode_kemdagri") == desa)[FID].implode())),
    )
    batch = _import(_write(one_desa, tmp_path / "desa"))
    assert batch.status == BatchStatus.DONE, batch.message
    assert [c.replace(".", "") for c in batch.changeset["covered_desa"]] == [desa]
    assert batch.changeset["families"]["absent"] == 0
    assert not Family.objects.filter(absent_since__isnull=False).exists()


def test_a_target_family_emptied_needs_a_reason_and_is_named(regions, data, tmp_path):
    _import(_write(data, tmp_path / "one"))
    edition = _second_edition(data)
    emptied = Family.objects.get(source_family_id=edition.emptied)
    changed = Family.objects.get(source_family_id=edition.desil_changed[0])
    _target_list(emptied, changed)
    paths = _write(edition.data, tmp_path / "two")
    refused = _import(paths)
    assert refused.status == BatchStatus.AWAITING
    assert "keluarga daftar sasaran" in refused.message and " / " in refused.message
    assert refused.changeset["target_affected"] == {"emptied": 1, "absent": 0, "moved": 0,
                                                    "changed": 1, "total": 2}
    assert refused.changeset["target_lists"][0]["sk_number"] == "SK 1/2024"
    assert not FamilyEdition.objects.filter(batch=refused).exists()  # nothing written

    written = _import(paths, reason="pemutakhiran P3KE resmi dari Kemenko PMK")
    assert written.status == BatchStatus.DONE, written.message
    event = AuditEvent.objects.get(action="registry.batch.confirmed", object_id=str(written.pk))
    assert event.data["reason"] == "pemutakhiran P3KE resmi dari Kemenko PMK"
    assert event.data["crossed"] == ["target_emptied_or_absent"]


def test_the_command_line_dry_run_prints_json_and_writes_nothing(regions, data, tmp_path):
    _import(_write(data, tmp_path / "one"))
    edition = _second_edition(data)
    paths = _write(edition.data, tmp_path / "two")
    out = StringIO()
    call_command("import_source", *map(str, paths), "--source", "p3ke", "--dry-run",
                 "--format", "json", stdout=out)
    summary = json.loads(out.getvalue())
    assert {"schema", "status", "families", "persons", "changed_fields", "target_affected",
            "covered_desa", "thresholds", "needs_reason", "nothing_changes", "examples",
            "fingerprint"} <= set(summary)
    assert summary["schema"] == 1 and summary["status"] == "ok"
    assert set(summary["thresholds"]) == {"moved_share", "absent_share",
                                          "target_emptied_or_absent"}
    assert summary["persons"]["moved"] == len(edition.moved)
    assert SourceBatch.objects.count() == 1
    assert not Family.objects.filter(source_family_id=edition.added).exists()


def test_the_command_line_refuses_above_a_threshold_without_a_reason(
    regions, data, tmp_path, settings
):
    settings.TEPAT_IMPORT_CONFIRM_MOVED_SHARE = 0.0001
    _import(_write(data, tmp_path / "one"))
    paths = _write(_second_edition(data).data, tmp_path / "two")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="pindah keluarga.* / .*moved between families"):
        call_command("import_source", *map(str, paths), "--source", "p3ke", verbosity=0,
                     stdout=StringIO())
    assert not FamilyEdition.objects.filter(batch=SourceBatch.objects.first()).exists()
    call_command("import_source", *map(str, paths), "--source", "p3ke", "--confirm",
                 "pindah KK sesuai data Dukcapil", verbosity=0, stdout=StringIO())
    assert SourceBatch.objects.first().status == BatchStatus.DONE
