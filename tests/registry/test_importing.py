"""Synthetic export → import → the registry holds exactly what the ground truth says."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from tepat import synth
from tepat.audit.models import AuditEvent
from tepat.registry.importing import confirm_import, create_batch, import_files, import_task
from tepat.registry.models import BatchStatus, DesaStat, Family, Person, SourceBatch

HOUSEHOLDS = 1500


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[synth.SynthData, list[Path]]:
    data = synth.generate(HOUSEHOLDS, 7, source="p3ke")
    out = tmp_path_factory.mktemp("p3ke")
    return data, synth.write(data, out, "xlsx")


def _import(paths: list[Path], source: str = "p3ke") -> SourceBatch:
    family, person = paths[0], paths[1] if len(paths) > 1 else None
    return import_files(family, person, source=source, period="2024-03")


def _flagged(model, flag: str, id_field: str) -> set[str]:
    return set(model.objects.filter(flags__contains=flag).values_list(id_field, flat=True))


def _truth(data: synth.SynthData, defect: str) -> pl.DataFrame:
    return data.truth.filter(pl.col("defect") == defect)


def test_import_counts_equal_the_ground_truth(regions, export):
    data, paths = export
    batch = _import(paths)
    assert batch.status == BatchStatus.DONE, batch.message
    assert Family.objects.count() == data.summary["families"] == batch.families_added
    assert Person.objects.count() == data.summary["persons"] == batch.persons_added
    by_desil = dict(Family.objects.values_list("desil").annotate(n=Count("id")))
    assert {str(k): v for k, v in by_desil.items()} == data.summary["desil_families"]


def test_every_nik_defect_is_flagged_on_the_person_the_truth_names(regions, export):
    data, paths = export
    _import(paths)
    expected = {
        "NIK_BIRTHDATE_MISMATCH": "NIK_BIRTHDATE_MISMATCH",
        "NIK_SEX_MISMATCH": "NIK_SEX_MISMATCH",
        "NIK_IN_TWO_FAMILIES": "NIK_DUPLICATE",
    }
    for defect, flag in expected.items():
        truth = set(_truth(data, defect)["source_person_id"].to_list())
        assert truth, defect
        assert truth <= _flagged(Person, flag, "source_person_id"), defect
    malformed = _truth(data, "MALFORMED_NIK")
    kind_flag = {
        "length_15": "NIK_LENGTH",
        "length_17": "NIK_LENGTH",
        "letters": "NIK_NOT_DIGITS",
        "serial_0000": "NIK_SERIAL_ZERO",
        "unknown_region": "NIK_REGION_UNKNOWN",
    }
    for person_id, detail in malformed.select("source_person_id", "detail").iter_rows():
        kind = dict(p.split("=") for p in detail.split("; "))["kind"]
        flags = Person.objects.get(source_person_id=person_id).flag_list
        assert kind_flag[kind] in flags, (person_id, kind, flags)


def test_nik_problems_are_flagged_only_where_the_truth_put_a_defect(regions, export):
    data, paths = export
    _import(paths)
    defective = set(data.truth["source_person_id"].drop_nulls().to_list())
    for flag in (
        "NIK_LENGTH",
        "NIK_NOT_DIGITS",
        "NIK_SERIAL_ZERO",
        "NIK_SEX_MISMATCH",
        "NIK_BIRTHDATE_MISMATCH",
        "NIK_REGION_UNKNOWN",
    ):
        assert _flagged(Person, flag, "source_person_id") <= defective, flag


def test_a_duplicated_family_is_flagged_on_both_copies(regions, export):
    data, paths = export
    _import(paths)
    dupes = _truth(data, "DUPLICATE_FAMILY")
    flagged = _flagged(Family, "KK_DUPLICATE", "source_family_id")
    for copy, original in dupes.select("source_family_id", "related_family_id").iter_rows():
        assert {copy, original} <= flagged


def test_field_only_defects_are_imported_as_ordinary_families(regions, export):
    data, paths = export
    _import(paths)
    for defect in ("DECEASED_HEAD", "MOVED_FAMILY"):
        ids = set(_truth(data, defect)["source_family_id"].to_list())
        assert ids and Family.objects.filter(source_family_id__in=ids).count() == len(ids)


def test_the_same_file_again_changes_nothing(regions, export):
    _, paths = export
    _import(paths)
    before = _checksum()
    again = _import(paths)
    assert (again.families_added, again.families_changed) == (0, 0)
    assert (again.persons_added, again.persons_changed) == (0, 0)
    assert again.families_unchanged == Family.objects.count()
    assert _checksum() == before


def test_a_newer_edition_updates_in_place_and_counts_what_changed(regions, export, tmp_path):
    data, paths = export
    _import(paths)
    families = data.families.with_columns(
        pl.when(pl.int_range(pl.len()) < 10)
        .then(pl.lit("4"))
        .otherwise(pl.col("desil_kesejahteraan"))
        .alias("desil_kesejahteraan")
    )
    changed = (families["desil_kesejahteraan"] != data.families["desil_kesejahteraan"]).sum()
    newer = dataclasses.replace(data, families=families)
    new_paths = synth.write(newer, tmp_path, "csv")
    batch = _import(new_paths)
    assert batch.status == BatchStatus.DONE, batch.message
    assert batch.families_changed == changed
    assert batch.families_added == 0
    assert batch.persons_changed == 0
    assert Family.objects.count() == data.summary["families"]


def test_an_import_writes_one_audit_event_and_refreshes_the_dashboard(regions, export):
    data, paths = export
    batch = _import(paths)
    events = AuditEvent.objects.filter(action="registry.batch.imported")
    assert events.count() == 1 and events.get().object_id == str(batch.pk)
    assert sum(DesaStat.objects.values_list("families", flat=True)) == data.summary["families"]
    assert sum(DesaStat.objects.values_list("persons", flat=True)) == data.summary["persons"]


def _checksum() -> str:
    """A digest of every registry row (ignoring timestamps and batch pointers)."""
    digest = hashlib.sha256()
    with connection.cursor() as cur:
        for table, order in (
            ("registry_family", "source_family_id"),
            ("registry_person", "source_person_id"),
        ):
            cur.execute(
                f"SELECT source, {order}, row_hash, flags, desa_id FROM {table} "
                f"ORDER BY source, {order}"
            )
            for row in cur.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _bad_files(tmp: Path, good: list[Path]) -> dict[str, list[Path]]:
    family, person = good[:2]
    bad: dict[str, list[Path]] = {}

    def write(name: str, content: bytes) -> Path:
        path = tmp / name
        path.write_bytes(content)
        return path

    raw = family.read_bytes()
    bad["truncated xlsx"] = [write("potong_keluarga.xlsx", raw[: len(raw) // 2]), person]
    bad["empty"] = [write("kosong_keluarga.xlsx", b""), person]
    bad["pdf renamed"] = [write("pdf_keluarga.xlsx", b"%PDF-1.4\n" + b"x" * 500), person]
    bad["encrypted"] = [
        write(
            "sandi_keluarga.xlsx",
            bytes.fromhex("D0CF11E0A1B11AE1")
            + b"\0" * 504
            + "EncryptedPackage".encode("utf-16-le"),
        ),
        person,
    ]
    bomb = tmp / "bom_keluarga.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    bad["zip bomb"] = [bomb, person]
    bad["only headers"] = [
        write("judul_keluarga.csv", b"id_keluarga_p3ke,kode_kemdagri,desil_kesejahteraan\n"),
        person,
    ]
    bad["wrong columns"] = [write("salah_keluarga.csv", b"a,b,c\n1,2,3\n"), person]
    bad["formula"] = [
        write(
            "rumus_keluarga.csv",
            b"id_keluarga_p3ke,kode_kemdagri,desil_kesejahteraan,kepala_keluarga\n"
            b'X1,3513202001,1,"=HYPERLINK(""http://x"",""klik"")"\n',
        ),
        None,
    ]
    bad["mixed delimiters"] = [
        write(
            "campur_keluarga.csv",
            b"id_keluarga_p3ke;kode_kemdagri;desil_kesejahteraan\n"
            b"X1,3513202001,1\nX2;3513202001;1\n",
        ),
        None,
    ]
    bad["random bytes"] = [write("acak_keluarga.xlsx", bytes(range(256)) * 4096), person]
    bad["50 MB of garbage"] = [write("sampah_keluarga.xlsx", b"\x07\x00" + os.urandom(50 << 20)),
                               person]
    bad["wrong encoding (UTF-16 without BOM)"] = [
        write("utf16_keluarga.csv", "id_keluarga_p3ke,kode_kemdagri,desil_kesejahteraan\n"
              "X1,3513202001,1\n".encode("utf-16-le")),
        None,
    ]
    return bad


def _with_duplicate_id(tmp: Path, data: synth.SynthData, where: str) -> list[Path]:
    """The export with one family row repeated at the start, in the middle or at the end."""
    families = data.families
    copy = families.slice(families.height // 2, 1)
    parts = {"first": [copy, families], "middle": [families.head(families.height // 3), copy,
                                                    families.tail(families.height -
                                                                  families.height // 3)],
             "last": [families, copy]}[where]
    folder = tmp / f"dup_{where}"
    folder.mkdir()
    return synth.write(dataclasses.replace(data, families=pl.concat(parts)), folder, "csv")[:2]


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w") as refs:  # Linux: "5" resets the peak (VmHWM)
        refs.write("5")


def test_bad_files_are_rejected_with_a_message_and_leave_the_database_unchanged(
    regions, export, tmp_path
):
    data, paths = export
    _import(paths)
    before = _checksum()
    bad = _bad_files(tmp_path, paths)
    for where in ("first", "middle", "last"):
        bad[f"duplicate ID, {where} row"] = _with_duplicate_id(tmp_path, data, where)
    assert len(bad) >= 12
    for kind, files in bad.items():
        _reset_peak_rss()
        base = _peak_rss_mb()
        batch = _import([f for f in files if f is not None])
        grown = _peak_rss_mb() - base
        assert batch.status == BatchStatus.REJECTED, (kind, batch.status, batch.message)
        assert "/" in batch.message and "Traceback" not in batch.message, kind  # id / en
        assert _checksum() == before, kind
        # Memory stays bounded: the zip bomb is refused from its directory, 50 MB of garbage
        # from its first bytes.
        assert grown < 250, (kind, f"peak memory grew by {grown:.0f} MB")


def test_duplicate_ids_reject_the_file_with_an_error_report(regions, export, tmp_path):
    data, _ = export
    families = pl.concat([data.families, data.families.head(1)])  # last row repeats the first
    dup = dataclasses.replace(data, families=families)
    paths = synth.write(dup, tmp_path, "csv")
    batch = _import(paths[:2])
    assert batch.status == BatchStatus.REJECTED
    assert Family.objects.count() == 0
    report = Path(batch.error_report)
    assert report.exists() and report.with_suffix(".csv").exists()
    rows = pl.read_csv(report.with_suffix(".csv"), infer_schema=False)
    assert rows.height >= 2  # both occurrences named


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_the_background_worker_runs_a_queued_import(regions, export, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _, paths = export
    batch = create_batch(
        user=None, source="p3ke", period="", family_name=paths[0].name, person_name=paths[1].name
    )
    import_task.enqueue(batch.pk, str(paths[0]), str(paths[1]))
    call_command("db_worker", batch=True, interval=0.1, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.AWAITING, batch.message  # the change set, nothing written
    assert Family.objects.count() == 0
    confirm_import(batch, user=None)
    call_command("db_worker", batch=True, interval=0.1, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.message
    assert Family.objects.count() == batch.families_added > 0


def test_the_first_import_leaves_every_index_in_place(regions, export):
    _, paths = export

    def indexes() -> dict[str, set[str]]:
        with connection.cursor() as cur:
            return {
                table: set(connection.introspection.get_constraints(cur, table))
                for table in ("registry_family", "registry_person")
            }

    before = indexes()
    assert Family.objects.count() == 0
    _import(paths)
    assert indexes() == before


def test_records_missing_from_a_newer_file_are_marked_absent_in_the_desa_it_covers(
    regions, export, tmp_path
):
    """Absent is scoped to the desa the file covers: five families dropped from desa that keep
    other families are marked absent; a desa left out entirely is not touched."""
    data, paths = export
    _import(paths)
    per_desa = data.families.group_by("kode_kemdagri").agg(pl.col("id_keluarga_p3ke"))
    busy = per_desa.filter(pl.col("id_keluarga_p3ke").list.len() >= 3).sort("kode_kemdagri")
    dropped = busy.head(5).select(pl.col("id_keluarga_p3ke").list.first())["id_keluarga_p3ke"]
    left_out = per_desa.filter(~pl.col("kode_kemdagri").is_in(busy.head(5)["kode_kemdagri"]
                                                              .implode()))[0]
    left_out_desa, left_out_ids = left_out["kode_kemdagri"][0], left_out["id_keluarga_p3ke"][0]
    gone = pl.col("id_keluarga_p3ke").is_in(pl.concat([dropped, left_out_ids]).implode())
    smaller = dataclasses.replace(
        data, families=data.families.filter(~gone), persons=data.persons.filter(~gone)
    )
    missing_persons = data.persons.filter(
        pl.col("id_keluarga_p3ke").is_in(dropped.implode())).height
    batch = _import(synth.write(smaller, tmp_path, "csv")[:2])
    assert batch.status == BatchStatus.DONE, batch.message
    assert Family.objects.count() == data.summary["families"]  # nothing deleted
    assert any(f"5 keluarga dan {missing_persons:,} jiwa" in note for note in batch.notes)
    absent = Family.objects.filter(absent_since=batch)
    assert set(absent.values_list("source_family_id", flat=True)) == set(dropped.to_list())
    assert Person.objects.filter(absent_since=batch).count() == missing_persons
    assert not Family.objects.filter(source_family_id__in=left_out_ids.to_list(),
                                     absent_since__isnull=False).exists(), left_out_desa


def test_a_system_failure_is_logged_without_any_nik(regions, export, monkeypatch, caplog):
    from tepat.registry import writer

    data, paths = export
    nik = data.persons["nik"].drop_nulls()[0]

    def broken(*args, **kwargs):
        raise RuntimeError(f'Failing row contains (1, p3ke, {nik}, "SITI")')

    monkeypatch.setattr(writer, "write_persons", broken)
    batch = _import(paths)
    assert batch.status == BatchStatus.FAILED
    assert Family.objects.count() == 0  # the family rows of the batch were rolled back
    assert "Failing row" in caplog.text and nik not in caplog.text
    assert re.search(r"\d{13,}", caplog.text) is None
