"""Importing a source file pair into the registry: the named service and its background task.

Phases: (1) read and validate every row (tepat.pipeline, no database writes); (2) when there is
no error, write new and changed rows in bulk in ONE transaction together with the batch's
counts, the dashboard aggregates and the audit event. A file with errors is rejected whole with
an error report; the registry is untouched. Re-importing the same file changes nothing.

Progress goes to a small JSON file beside the uploaded files (not the database), so that it can
be read while the write transaction holds its locks.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import get_language

from tepat.audit.services import EACH, MANY, log_event, write_service
from tepat.core.regions import national_table
from tepat.lib import bilingual
from tepat.pipeline import ReadError, validate_files, write_error_report
from tepat.pipeline.mapping import validate_mapped
from tepat.pipeline.messages import mask_numbers
from tepat.regions.models import Instance, Level, Region
from tepat.regions.selectors import regency
from tepat.registry import editions, writer
from tepat.registry.models import BatchStatus, SourceBatch
from tepat.registry.stats import refresh_desa_stats

log = logging.getLogger(__name__)


def batch_dir(batch_id: int) -> Path:
    path = Path(settings.IMPORT_DIR) / str(batch_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_name(name: str) -> str:
    stem = Path(name).name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:120] or "berkas"


class ProgressFile:
    """Atomic progress notes for one batch, at most a few per second."""

    def __init__(self, batch_id: int, *, echo: Any = None) -> None:
        self.path = batch_dir(batch_id) / "progress.json"
        self.echo = echo
        self._last = 0.0

    def __call__(self, fraction: float, label: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.echo:
            self.echo(fraction, label)
        if not force and now - self._last < 0.25:
            return
        self._last = now
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"progress": round(fraction * 100), "label": label}))
        os.replace(tmp, self.path)


def read_progress(batch: SourceBatch) -> dict[str, Any]:
    """Status, percentage and label of a batch, for the progress bar."""
    if batch.status in (BatchStatus.DONE, BatchStatus.REJECTED, BatchStatus.FAILED,
                        BatchStatus.AWAITING, BatchStatus.CANCELLED):
        return {"status": batch.status, "progress": 100, "label": batch.get_status_display(),
                "status_label": batch.get_status_display()}
    path = Path(settings.IMPORT_DIR) / str(batch.pk) / "progress.json"
    try:
        note = json.loads(path.read_text())
    except (OSError, ValueError):
        note = {"progress": 0, "label": batch.get_status_display()}
    english = (get_language() or "id").startswith("en")
    return {"status": batch.status, **note,
            "label": bilingual.pick(str(note.get("label") or ""), english),
            "status_label": batch.get_status_display()}


@write_service()
def create_batch(
    *, user: Any, source: str, period: str, family_name: str, person_name: str = "",
    mapping: dict[str, str] | None = None, mapping_template: Any = None,
) -> SourceBatch:
    with transaction.atomic():
        batch = SourceBatch.objects.create(
            source=source,
            period=period,
            family_file_name=family_name,
            person_file_name=person_name,
            imported_by=user if getattr(user, "pk", None) else None,
            mapping=mapping or {},
            mapping_template=mapping_template,
        )
        log_event(
            "registry.batch.queued",
            actor=user,
            obj=batch,
            data={"source": source, "period": period,
                  **({"mapping": mapping_template.name if mapping_template else "(form)"}
                     if mapping else {})},
        )
    return batch


def _store_upload(upload: UploadedFile, folder: Path) -> Path:
    target = folder / _safe_name(upload.name or "berkas")
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


@write_service()
def start_import(
    *,
    user: Any,
    source: str,
    period: str,
    family_file: UploadedFile,
    person_file: UploadedFile | None,
) -> SourceBatch:
    """Save the uploaded files, create the batch and queue the background import."""
    batch = create_batch(
        user=user,
        source=source,
        period=period,
        family_name=_safe_name(family_file.name or "berkas"),
        person_name=_safe_name(person_file.name or "berkas") if person_file else "",
    )
    folder = batch_dir(batch.pk)
    family_path = _store_upload(family_file, folder)
    person_path = _store_upload(person_file, folder) if person_file else None
    import_task.enqueue(batch.pk, str(family_path), str(person_path) if person_path else None)
    return batch


@task()
def import_task(batch_id: int, family_path: str, person_path: str | None) -> str:
    batch = run_import(batch_id, Path(family_path), Path(person_path) if person_path else None)
    return batch.status


@dataclass(frozen=True)
class ImportOutcome:
    batch: SourceBatch
    error_report: tuple[Path, Path] | None = None


def _mark(batch: SourceBatch, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    with transaction.atomic():
        batch.save(update_fields=list(fields))
        if fields.get("status") == BatchStatus.AWAITING:
            log_event("registry.batch.awaiting", actor=batch.imported_by, obj=batch,
                      data={"changeset": _counts_only(batch.changeset)})
        if fields.get("status") in (BatchStatus.REJECTED, BatchStatus.FAILED):
            log_event(
                f"registry.batch.{fields['status']}",
                actor=batch.imported_by,
                obj=batch,
                data={"message": batch.message, "errors": batch.error_count},
            )


@write_service(MANY)
def run_import(
    batch_id: int, family_path: Path, person_path: Path | None, *, echo: Any = None,
    write: bool = False, reason: str = "",
) -> SourceBatch:
    """Validate, build the change set, then wait for a confirmation (status AWAITING): the web
    flow. With `write` (command line, demo) the batch is written at once when no threshold is
    crossed or when `reason` is given; otherwise it stays waiting with a message naming the
    thresholds. Never raises for bad input; nothing is written before the confirmation."""
    batch = SourceBatch.objects.get(pk=batch_id)
    progress = ProgressFile(batch.pk, echo=echo)
    clock = time.perf_counter()
    recover_interrupted()
    _mark(batch, status=BatchStatus.RUNNING, started_at=timezone.now(), worker=this_worker())
    progress(0.02, "Membaca berkas / reading files", force=True)
    try:
        validated = _validate(batch, family_path, person_path)
    except ReadError as exc:
        return _reject(batch, 1, f"{exc.message_id} / {exc.message_en}")
    except Exception as exc:
        _log_failure(batch, "reading", exc)
        return _fail(batch, "Kesalahan sistem saat membaca berkas / system error while reading")
    progress(0.45, "Berkas diperiksa / files checked", force=True)
    _record_validation(batch, validated)
    if validated.error_count:
        report = write_error_report(validated.errors, batch_dir(batch.pk), "laporan_kesalahan")
        batch.error_report = str(report[0])
        n = validated.error_count
        return _reject(batch, n, f"{n} kesalahan: berkas ditolak, data tidak berubah / "
                                 f"{n} errors: file rejected, data unchanged")
    progress(0.5, "Menghitung perubahan / building the change set", force=True)
    building = time.perf_counter()
    try:
        frames = _save_frames(batch, validated.families, validated.persons)
        built = _prepare(batch, frames)
    except Exception as exc:
        _log_failure(batch, "building the change set", exc)
        return _fail(batch, "Kesalahan sistem saat menghitung perubahan; data tidak berubah / "
                            "system error while building the change set; data unchanged")
    batch.timings = {**batch.timings, "changeset": round(time.perf_counter() - building, 3)}
    batch.save(update_fields=["timings"])
    progress(1.0, "Menunggu konfirmasi / waiting for confirmation", force=True)
    if not write:
        return batch
    crossed = crossed_thresholds(batch)
    if crossed and len(reason.strip()) < MIN_REASON:
        batch.message = refusal_message(crossed, batch)
        batch.save(update_fields=["message"])
        return batch
    _log_confirmed(batch, actor=batch.imported_by, reason=reason.strip(), via="command line")
    return _write_now(batch, frames, built, echo=echo, clock=clock)


MIN_REASON = 10


def crossed_thresholds(batch: SourceBatch) -> list[str]:
    checks = (batch.changeset or {}).get("thresholds", {})
    return [name for name, check in checks.items() if check.get("crossed")]


THRESHOLD_TEXT = {
    "moved_share": ("lebih dari {limit:.0%} jiwa pindah keluarga (di berkas ini {value:.1%})",
                    "more than {limit:.0%} of persons moved between families "
                    "(in this file {value:.1%})"),
    "absent_share": ("lebih dari {limit:.0%} jiwa di desa yang dicakup tidak ada di edisi ini "
                     "({value:.1%})",
                     "more than {limit:.0%} of persons of the covered desa are absent from this "
                     "edition ({value:.1%})"),
    "target_emptied_or_absent": ("{value} keluarga daftar sasaran menjadi kosong atau tidak ada "
                                 "di edisi ini",
                                 "{value} target-list families are emptied or absent from this "
                                 "edition"),
}


def threshold_texts(batch: SourceBatch) -> list[tuple[str, str]]:
    checks = (batch.changeset or {}).get("thresholds", {})
    return [(THRESHOLD_TEXT[name][0].format(**checks[name]),
             THRESHOLD_TEXT[name][1].format(**checks[name]))
            for name in crossed_thresholds(batch) if name in THRESHOLD_TEXT]


def refusal_message(crossed: list[str], batch: SourceBatch | None = None) -> str:
    texts = threshold_texts(batch) if batch is not None else []
    ids = "; ".join(t[0] for t in texts) or ", ".join(crossed)
    ens = "; ".join(t[1] for t in texts) or ", ".join(crossed)
    return (f"Impor ini perlu konfirmasi dengan alasan (minimal {MIN_REASON} huruf): {ids}. "
            f"Data belum berubah / this import needs a confirmation with a reason (at least "
            f"{MIN_REASON} characters): {ens}. The data is unchanged")


def _frames_dir(batch: SourceBatch) -> Path:
    return batch_dir(batch.pk)


def _save_frames(batch: SourceBatch, families: Any, persons: Any) -> tuple[Any, Any]:
    """The validated frames, kept beside the uploads until the confirmation writes them."""
    folder = _frames_dir(batch)
    families.write_parquet(folder / "keluarga.parquet")
    persons.write_parquet(folder / "individu.parquet")
    return families, persons


def _drop_frames(batch: SourceBatch) -> None:
    """The checked rows (NIKs included) are needed only until the batch is written or
    cancelled; the uploads themselves stay, as before, for the error report and a re-run."""
    for name in ("keluarga.parquet", "individu.parquet"):
        (_frames_dir(batch) / name).unlink(missing_ok=True)


def _load_frames(batch: SourceBatch) -> tuple[Any, Any]:
    import polars as pl

    folder = _frames_dir(batch)
    return (pl.read_parquet(folder / "keluarga.parquet"),
            pl.read_parquet(folder / "individu.parquet"))


def _prepare(batch: SourceBatch, frames: tuple[Any, Any]) -> editions.Built:
    """Build the change set, keep its summary on the batch and its lists beside the files,
    and leave the batch waiting for a confirmation."""
    clock = time.perf_counter()
    families = writer.family_hash(frames[0], frames[1])
    built = editions.build(families, frames[1], batch.source)
    listed = time.perf_counter()
    editions.write_lists(built, families, frames[1], batch_dir(batch.pk))
    batch.timings = {**batch.timings, "changeset_build": round(listed - clock, 3),
                     "changeset_lists": round(time.perf_counter() - listed, 3)}
    _mark(batch, status=BatchStatus.AWAITING, changeset=built.summary, message="",
          timings=batch.timings)
    return built


@write_service()
def confirm_import(batch: SourceBatch, *, user: Any, reason: str = "",
                   agreed: bool = False) -> SourceBatch:
    """The admin confirms a waiting batch (with a reason and the checkbox when a threshold is
    crossed); the write runs in the background. Raises ValueError (bilingual) otherwise."""
    if batch.status != BatchStatus.AWAITING:
        raise ValueError("Impor ini tidak menunggu konfirmasi / this import is not waiting for "
                         "a confirmation")
    reason = reason.strip()
    if crossed_thresholds(batch) and (len(reason) < MIN_REASON or not agreed):
        raise ValueError(refusal_message(crossed_thresholds(batch), batch))
    with transaction.atomic():
        _log_confirmed(batch, actor=user, reason=reason, via="web")
        _mark(batch, status=BatchStatus.QUEUED, message="")
    write_task.enqueue(batch.pk)
    return batch


@write_service()
def cancel_import(batch: SourceBatch, *, user: Any) -> SourceBatch:
    """A waiting batch is cancelled: nothing is written, the batch stays in the list."""
    if batch.status != BatchStatus.AWAITING:
        raise ValueError("Impor ini tidak menunggu konfirmasi / this import is not waiting for "
                         "a confirmation")
    with transaction.atomic():
        _mark(batch, status=BatchStatus.CANCELLED, finished_at=timezone.now(),
              message="Dibatalkan; data tidak berubah / cancelled; the data is unchanged")
        log_event("registry.batch.cancelled", actor=user, obj=batch,
                  data={"changeset": _counts_only(batch.changeset)})
    _drop_frames(batch)
    return batch


def _counts_only(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary.get(k) for k in ("families", "persons", "target_affected", "thresholds")}


def _log_confirmed(batch: SourceBatch, *, actor: Any, reason: str, via: str) -> None:
    with transaction.atomic():
        batch.confirm_reason = reason
        batch.save(update_fields=["confirm_reason"])
        log_event("registry.batch.confirmed", actor=actor, obj=batch, data={
            "reason": reason, "via": via, "crossed": crossed_thresholds(batch),
            "changeset": _counts_only(batch.changeset),
        })


@task()
def write_task(batch_id: int) -> str:
    return write_confirmed(batch_id).status


@write_service(EACH)  # none when the batch was no longer queued (a second run of the task)
def write_confirmed(batch_id: int, *, echo: Any = None) -> SourceBatch:
    """Write a confirmed batch, if the registry is still what its change set was built on."""
    batch = SourceBatch.objects.get(pk=batch_id)
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.AWAITING):
        return batch
    _mark(batch, status=BatchStatus.RUNNING, started_at=timezone.now(), worker=this_worker())
    try:
        frames = _load_frames(batch)
    except Exception as exc:
        _log_failure(batch, "loading the checked rows", exc)
        return _fail(batch, "Kesalahan sistem saat membaca data yang sudah diperiksa; data tidak "
                            "berubah / system error while reading the checked rows; data "
                            "unchanged")
    return _write_now(batch, frames, None, echo=echo, clock=time.perf_counter())


def _stale(batch: SourceBatch) -> SourceBatch:
    with transaction.atomic():
        _mark(batch, message=STALE)
        log_event("registry.batch.rebuilt", actor=batch.imported_by, obj=batch,
                  data={"changeset": _counts_only(batch.changeset)})
    return batch


class RegistryChanged(Exception):
    """The registry changed after the change set was built: build it again and ask again."""


STALE = ("Registri berubah sejak perubahan dihitung (impor lain selesai); perubahan dihitung "
         "ulang, periksa dan konfirmasi lagi. Data belum berubah / the registry changed since the "
         "change set was built (another import finished); it was built again: check it and "
         "confirm again. The data is unchanged")


def _write_now(batch: SourceBatch, frames: tuple[Any, Any], built: editions.Built | None, *,
               echo: Any, clock: float) -> SourceBatch:
    """Write the batch. When the registry changed since its change set was built, the change
    set is built again; a command-line import (`built` given) below every threshold then writes
    the new one (as it would have on its own), anything else waits for a new confirmation."""
    progress = ProgressFile(batch.pk, echo=echo)
    automatic = built is not None
    for _attempt in range(3):
        if batch.status != BatchStatus.RUNNING:  # a process that dies now is seen as dead
            _mark(batch, status=BatchStatus.RUNNING, worker=this_worker())
        try:
            _write(batch, frames, built, progress)
            break
        except RegistryChanged:
            batch.refresh_from_db()
            try:
                built = _prepare(batch, frames)
            except Exception as exc:
                _log_failure(batch, "building the change set", exc)
                return _fail(batch, "Kesalahan sistem saat menghitung perubahan; data tidak "
                                    "berubah / system error while building the change set; "
                                    "data unchanged")
            if automatic and not crossed_thresholds(batch):
                continue
            return _stale(batch)
        except Exception as exc:
            _log_failure(batch, "writing", exc)
            batch.refresh_from_db()
            return _fail(batch, "Kesalahan sistem saat menyimpan; data tidak berubah / "
                                "system error while saving; data unchanged")
    else:
        return _stale(batch)
    _drop_frames(batch)
    _refresh_planner_statistics()
    batch.timings = {**batch.timings, "total": round(time.perf_counter() - clock, 3)}
    batch.save(update_fields=["timings"])
    progress(1.0, "Selesai / done", force=True)
    return batch


# --- imports whose process died (kill -9, power cut, OOM) -------------------------------------

INTERRUPTED = ("Impor terputus: prosesnya berhenti sebelum selesai; data tidak berubah. Jalankan "
               "ulang impor ini / the import was interrupted: its process stopped before the end; "
               "the data is unchanged. Run the import again")


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _heartbeat(batch: SourceBatch) -> float:
    """When the batch last showed life: its progress note, else its start."""
    note = Path(settings.IMPORT_DIR) / str(batch.pk) / "progress.json"
    try:
        return note.stat().st_mtime
    except OSError:
        return batch.started_at.timestamp() if batch.started_at else 0.0


def _is_dead(batch: SourceBatch, now: float) -> bool:
    host, _, pid = batch.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) != os.getpid() and not _process_alive(int(pid))
    return now - _heartbeat(batch) > settings.IMPORT_STALE_SECONDS


@write_service(EACH)
def recover_interrupted() -> list[int]:
    """Mark running imports whose process is gone as failed (their one write transaction never
    committed, so the registry holds none of their rows). Returns the batch ids marked."""
    now = time.time()
    marked = []
    for batch in SourceBatch.objects.filter(status=BatchStatus.RUNNING):
        if _is_dead(batch, now):
            _fail(batch, INTERRUPTED)
            marked.append(batch.pk)
    return marked


@write_service(MANY)
def import_files(
    family_path: Path,
    person_path: Path | None,
    *,
    source: str,
    period: str = "",
    user: Any = None,
    echo: Any = None,
    mapping: dict[str, str] | None = None,
    mapping_template: Any = None,
    reason: str = "",
) -> SourceBatch:
    """Import files already on disk, now, in this process (command line, demo, benchmarks):
    written at once unless the change set crosses a threshold and no `reason` is given (then
    the batch waits for a confirmation, see run_import). `mapping` ({field: header},
    tepat.pipeline.mapping) reads files of unknown headers."""
    batch = create_batch(
        user=user,
        source=source,
        period=period,
        family_name=family_path.name,
        person_name=person_path.name if person_path else "",
        mapping=mapping,
        mapping_template=mapping_template,
    )
    return run_import(batch.pk, family_path, person_path, echo=echo, write=True, reason=reason)


def preview_files(family_path: Path, person_path: Path | None, *, source: str,
                  mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """The change set of files on disk without writing anything (no batch either):
    `tepat import --dry-run`. Returns {"status": "rejected", "errors": […]} for a bad file."""
    probe = SourceBatch(source=source, mapping=mapping or {})
    try:
        validated = _validate(probe, family_path, person_path)
    except ReadError as exc:
        return {"schema": 1, "status": "rejected", "error_count": 1,
                "errors": [f"{exc.message_id} / {exc.message_en}"]}
    if validated.error_count:
        return {"schema": 1, "status": "rejected", "error_count": validated.error_count,
                "errors": [str(e.message_id) + " / " + str(e.message_en)
                           for e in list(validated.errors)[:20]]}
    families = writer.family_hash(validated.families, validated.persons)
    built = editions.build(families, validated.persons, source)
    return {"status": "ok", "flag_counts": validated.flag_counts, **built.summary}


def _log_failure(batch: SourceBatch, phase: str, exc: Exception) -> None:
    """Log a system failure without personal data: database errors quote whole rows (NIKs
    included), so numbers are masked and the traceback shows code locations only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/tepat/" in f.filename]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-6:]))
    log.error("import batch %s failed while %s: %s: %s [at %s]", batch.pk, phase,
              type(exc).__name__, mask_numbers(str(exc))[:500], where)


def _validate(batch: SourceBatch, family_path: Path, person_path: Path | None) -> Any:
    """The pipeline's checks, with desa limited to the regency this instance holds: the one
    set up (`tepat setup`), else the only one loaded."""
    loaded = list(Region.objects.filter(level=Level.KABUPATEN).values_list("code", flat=True))
    if Instance.objects.exists():
        loaded = [regency()]
    if batch.mapping:
        return validate_mapped(
            family_path,
            person_path,
            batch.source,
            batch.mapping,
            regions=national_table(),
            today=timezone.localdate(),
            max_bytes=settings.IMPORT_MAX_BYTES,
            kabupaten=loaded[0] if len(loaded) == 1 else None,
        )
    return validate_files(
        family_path,
        person_path,
        batch.source,
        regions=national_table(),
        today=timezone.localdate(),
        max_bytes=settings.IMPORT_MAX_BYTES,
        kabupaten=loaded[0] if len(loaded) == 1 else None,
    )


def _reject(batch: SourceBatch, errors: int, message: str) -> SourceBatch:
    _mark(batch, status=BatchStatus.REJECTED, finished_at=timezone.now(), error_count=errors,
          error_report=batch.error_report, message=message)
    return batch


def _fail(batch: SourceBatch, message: str) -> SourceBatch:
    _mark(batch, status=BatchStatus.FAILED, finished_at=timezone.now(), message=message)
    return batch


def _record_validation(batch: SourceBatch, validated: Any) -> None:
    hashes = validated.file_hashes
    batch.family_file_sha256 = hashes.get("family", "")
    batch.person_file_sha256 = hashes.get("person", "")
    batch.families_total = validated.families.height
    batch.persons_total = validated.persons.height
    batch.flag_counts = validated.flag_counts
    batch.notes = list(validated.notes)
    batch.timings = {
        ("check" if k == "total" else k): round(v, 3) for k, v in validated.timings.items()
    }
    batch.save(update_fields=["family_file_sha256", "person_file_sha256", "families_total",
                              "persons_total", "flag_counts", "notes", "timings"])


def _write(batch: SourceBatch, frames: tuple[Any, Any], built: editions.Built | None,
           progress: ProgressFile) -> None:
    """Everything in one transaction: rows, editions, absent marks, counts, dashboard
    aggregates, audit event. Raises RegistryChanged (nothing written) when the registry is not
    what the confirmed change set was built on."""
    started = time.perf_counter()
    families = writer.family_hash(frames[0], frames[1])
    persons = frames[1]
    missing = _desa_not_loaded(families)
    if missing:
        raise RuntimeError(f"desa not loaded in this instance: {sorted(missing)[:5]}")

    def family_progress(fraction: float, label: str) -> None:
        progress(0.45 + 0.2 * fraction, "Menyimpan keluarga / saving families")

    def person_progress(fraction: float, label: str) -> None:
        progress(0.65 + 0.25 * fraction, "Menyimpan individu / saving persons")

    confirmed = batch.changeset or {}
    with transaction.atomic():
        _one_registry_writer_at_a_time(progress)
        if editions.fingerprint() != confirmed.get("fingerprint"):
            raise RegistryChanged
        if built is None:  # confirmed from the page: the same change set again, under the lock
            built = editions.build(families, persons, batch.source, link=False)
            if _counts_only(built.summary) != _counts_only(confirmed):
                raise RegistryChanged
        fam = writer.write_families(families, batch.source, batch.pk, family_progress)
        per = writer.write_persons(persons, batch.source, batch.pk, person_progress)
        progress(0.92, "Menyimpan edisi / saving the edition", force=True)
        edition_clock = time.perf_counter()
        written = editions.write_editions(batch.pk, batch.source, built.change, families, persons)
        edition_seconds = time.perf_counter() - edition_clock
        progress(0.96, "Menghitung ringkasan / updating the dashboard", force=True)
        refresh_desa_stats()
        editions.after_import_written()  # the linkage app queues its incremental run
        _record_counts(batch, fam, per, built.summary, write_seconds=time.perf_counter() - started)
        batch.timings = {**batch.timings, "editions": round(edition_seconds, 3)}
        batch.save(update_fields=["timings"])
        log_event("registry.batch.imported", actor=batch.imported_by, obj=batch, data={
            "source": batch.source,
            "families": fam.__dict__,
            "persons": per.__dict__,
            "editions": written,
            "changeset": _counts_only(built.summary),
            "flags": batch.flag_counts,
        })
        committing = time.perf_counter()
    batch.timings = {**batch.timings, "commit": round(time.perf_counter() - committing, 3)}


# Any constant: the key of the PostgreSQL advisory lock that imports take to write.
REGISTRY_WRITE_LOCK = 0x7E9A7_1


def _one_registry_writer_at_a_time(progress: ProgressFile) -> None:
    """Two imports at once (a double click, two admins with the same file) upsert the same
    rows in different orders and one of them died of a deadlock (found by test_concurrency).
    The second now waits for the first to commit, then finds its rows there and adds nothing.
    The lock ends with the transaction, and with the connection of a killed process. SQLite
    takes one writer at a time by itself."""
    if connection.vendor != "postgresql":
        return
    progress(0.45, "Menunggu impor lain selesai / waiting for another import", force=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REGISTRY_WRITE_LOCK])


def _refresh_planner_statistics() -> None:
    """After a large write, PostgreSQL's planner still believes the tables are as small as
    before until autovacuum catches up, and picks plans that take minutes (seen: 75 s for a
    report query). ANALYZE samples the tables again (about a second at regency size)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_family, registry_person, registry_desastat")


def _desa_not_loaded(families: Any) -> set[str]:
    codes = set(families["desa_code"].unique().to_list())
    return codes - set(Region.objects.filter(code__in=codes).values_list("code", flat=True))


def _absent_notes(summary: dict[str, Any]) -> list[str]:
    """Records of this source in the covered desa that the file no longer carries: marked
    "tidak ada di edisi terbaru" with this batch, never deleted, never silently kept."""
    families = summary.get("families", {}).get("absent", 0)
    persons = summary.get("persons", {}).get("absent", 0)
    emptied = summary.get("families", {}).get("emptied", 0)
    notes = []
    if families or persons:
        notes.append(
            f"{families:,} keluarga dan {persons:,} jiwa di desa yang dicakup berkas ini tidak ada "
            f"di edisi ini; ditandai 'tidak ada di edisi terbaru' (tidak dihapus) / "
            f"{families:,} families and {persons:,} persons of the desa this file covers are not "
            f"in this edition; marked 'not in the latest edition' (not deleted)")
    if emptied:
        notes.append(
            f"{emptied:,} keluarga tidak lagi punya anggota (pindah atau tidak ada); ditandai "
            f"FAMILY_NO_MEMBERS / {emptied:,} families are left without members (moved or "
            f"absent); flagged FAMILY_NO_MEMBERS")
    return notes


def _record_counts(batch: SourceBatch, fam: Any, per: Any, summary: dict[str, Any], *,
                   write_seconds: float) -> None:
    batch.families_added, batch.families_changed, batch.families_unchanged = (
        fam.added, fam.changed, fam.unchanged)
    batch.persons_added, batch.persons_changed, batch.persons_unchanged = (
        per.added, per.changed, per.unchanged)
    batch.notes = [*batch.notes, *_absent_notes(summary)]
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    batch.timings = {**batch.timings, "write": round(write_seconds, 3)}
    batch.message = ""
    batch.save()


_PERSON_HINTS = ("individu", "anggota", "person", "jiwa", "member")


def order_files(paths: list[Path]) -> tuple[Path, Path | None]:
    """(family file, person file or None) from one or two paths, by their names."""
    if not 1 <= len(paths) <= 2:
        raise ValueError(
            "Beri satu berkas gabungan atau dua berkas (keluarga dan individu) / "
            "give one combined file or two files (families and persons)"
        )
    for path in paths:
        if not path.is_file():
            raise ValueError(f"Berkas tidak ditemukan / file not found: {path}")
    if len(paths) == 1:
        return paths[0], None
    first, second = paths
    if any(hint in first.stem.lower() for hint in _PERSON_HINTS):
        first, second = second, first
    return first, second
