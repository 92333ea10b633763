"""Column mapping templates: the named, audited writes, and finding a template by name."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from tepat.audit.services import MANY, log_event, write_service
from tepat.core.layout import Unit, layout_for
from tepat.core.regions import national_table
from tepat.pipeline import ReadError
from tepat.pipeline.mapping import check_mapping, read_unmapped, suggest_mapping, validate_raw
from tepat.pipeline.messages import mask_numbers
from tepat.pipeline.readers import ROW, RawTable, read_sheet
from tepat.pipeline.validate import Validated
from tepat.registry.importing import _safe_name as safe_name
from tepat.registry.importing import batch_dir, create_batch, import_task
from tepat.registry.models import MappingTemplate, Source, SourceBatch


class MappingError(ValueError):
    """A mapping that cannot be saved or a template name that is not known ("id / en")."""


def get_template(name: str) -> MappingTemplate:
    """The template of that name, or a MappingError that lists the saved names."""
    try:
        return MappingTemplate.objects.get(name=name)
    except MappingTemplate.DoesNotExist:
        names = ", ".join(MappingTemplate.objects.values_list("name", flat=True)) or "-"
        raise MappingError(
            f"Templat pemetaan kolom '{name}' tidak ada. Templat yang tersimpan: {names} / "
            f"no column mapping template named '{name}'. Saved templates: {names}"
        ) from None


def clean_mapping(source: str, mapping: dict[str, Any]) -> dict[str, str]:
    """The mapping without empty choices, checked: raises MappingError naming what is missing."""
    if source not in Source.values:
        raise MappingError(f"Sumber tidak dikenal: {source} / unknown source: {source}")
    cleaned = {str(k): str(v).strip() for k, v in mapping.items() if v and str(v).strip()}
    problems = check_mapping(cleaned, source)
    if problems:
        raise MappingError("; ".join(problems))
    return cleaned


@write_service()
def save_template(
    *, user: Any, name: str, source: str, mapping: dict[str, Any]
) -> MappingTemplate:
    """Create the template, or update the one of that name (same source only)."""
    name = " ".join(name.split())
    if not name:
        raise MappingError("Beri nama templat / give the template a name")
    cleaned = clean_mapping(source, mapping)
    with transaction.atomic():
        template = MappingTemplate.objects.select_for_update().filter(name=name).first()
        if template is None:
            template = MappingTemplate.objects.create(
                name=name, source=source, mapping=cleaned,
                created_by=user if getattr(user, "pk", None) else None,
            )
            action = "registry.mapping.created"
            before: dict[str, str] = {}
        else:
            if template.source != source:
                raise MappingError(
                    f"Templat '{name}' sudah ada untuk sumber {template.source} / "
                    f"the template '{name}' already exists for the source {template.source}"
                )
            before = dict(template.mapping)
            template.mapping = cleaned
            template.save(update_fields=["mapping", "updated_at"])
            action = "registry.mapping.updated"
        log_event(action, actor=user, obj=template,
                  data={"name": name, "source": source, "mapping": cleaned, "before": before})
    return template


# --- uploads waiting for their column mapping (the import page's mapping step) ---------------
#
# An upload to be mapped is kept in IMPORT_DIR/pemetaan/<token>/ with a small meta.json (source,
# period, file names); the token is random (128 bits). Staged uploads older than a day are removed
# when a new one is staged. Importing moves the files into the new batch's folder.

STAGING = "pemetaan"
STAGING_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Staged:
    token: str
    folder: Path
    source: str
    period: str
    family_path: Path
    person_path: Path | None


def _staging_root() -> Path:
    root = Path(settings.IMPORT_DIR) / STAGING
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sweep(root: Path) -> None:
    cutoff = time.time() - STAGING_MAX_AGE
    for folder in root.iterdir():
        if folder.is_dir() and _TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _stage(source: str, period: str, files: list[tuple[str, Any]]) -> Staged:
    """`files`: (name, writer) pairs; writer(path) puts the file's bytes there."""
    root = _staging_root()
    _sweep(root)
    token = secrets.token_hex(16)
    folder = root / token
    folder.mkdir()
    names = []
    for name, write in files:
        target = folder / name
        write(target)
        names.append(name)
    (folder / "meta.json").write_text(json.dumps(
        {"source": source, "period": period, "files": names}))
    return load_staged(token)


def stage_upload(*, source: str, period: str, family_file: UploadedFile,
                 person_file: UploadedFile | None) -> Staged:
    def writer(upload: UploadedFile) -> Any:
        def write(target: Path) -> None:
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        return write

    uploads = [u for u in (family_file, person_file) if u is not None]
    names = _distinct([safe_name(u.name or "berkas") for u in uploads])
    return _stage(source, period, [(n, writer(u)) for n, u in zip(names, uploads, strict=True)])


def stage_batch(batch: SourceBatch) -> Staged:
    """The stored files of an earlier import (one whose headers were not recognised), staged
    again to be mapped; Http404-like LookupError when they are no longer there."""
    folder = batch_dir(batch.pk)
    names = [n for n in (batch.family_file_name, batch.person_file_name) if n]
    paths = [folder / n for n in names]
    if not paths or not all(p.is_file() for p in paths):
        raise LookupError("the batch's files are gone")
    return _stage(batch.source, batch.period,
                  [(p.name, lambda t, p=p: shutil.copyfile(p, t)) for p in paths])


def _distinct(names: list[str]) -> list[str]:
    if len(names) == 2 and names[0] == names[1]:
        return [names[0], f"2_{names[1]}"]
    return names


def load_staged(token: str) -> Staged:
    """The staged upload of a token; LookupError when there is none."""
    if not _TOKEN.match(token or ""):
        raise LookupError(token)
    folder = Path(settings.IMPORT_DIR) / STAGING / token
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        raise LookupError(token) from None
    files = [folder / n for n in meta["files"]]
    return Staged(token, folder, meta["source"], meta["period"], files[0],
                  files[1] if len(files) > 1 else None)


@write_service(MANY)  # the batch's event; and the import's, when the task runs at once
def start_mapped_import(*, user: Any, staged: Staged, mapping: dict[str, str],
                        template: MappingTemplate | None = None) -> SourceBatch:
    """Create the batch with its mapping, move the staged files into its folder and queue the
    background import (registry.importing.import_task)."""
    cleaned = clean_mapping(staged.source, mapping)
    batch = create_batch(
        user=user, source=staged.source, period=staged.period,
        family_name=staged.family_path.name,
        person_name=staged.person_path.name if staged.person_path else "",
        mapping=cleaned, mapping_template=template,
    )
    folder = batch_dir(batch.pk)
    family = Path(shutil.move(staged.family_path, folder / staged.family_path.name))
    person = (Path(shutil.move(staged.person_path, folder / staged.person_path.name))
              if staged.person_path else None)
    shutil.rmtree(staged.folder, ignore_errors=True)
    import_task.enqueue(batch.pk, str(family), str(person) if person else None)
    return batch


# --- the preview: what the import would say, before anything is written ----------------------

PREVIEW_ROWS = 50


@dataclass(frozen=True)
class PreviewRow:
    row: int
    cells: list[str]  # masked
    errors: list[str]  # messages, "id / en" picked by the page
    flags: list[str]  # flag codes


@dataclass(frozen=True)
class Preview:
    validated: Validated | None
    read_error: str  # "id / en" when the file could not be read through the mapping
    headers: list[str]
    rows: list[PreviewRow]
    seconds: float

    @property
    def error_count(self) -> int:
        return 1 if self.read_error else (self.validated.error_count if self.validated else 0)

    @property
    def families(self) -> int:
        return self.validated.families.height if self.validated else 0

    @property
    def persons(self) -> int:
        return self.validated.persons.height if self.validated else 0

    def first_errors(self, n: int = 20) -> list[str]:
        errors = self.validated.errors[:n] if self.validated else []
        return [f"{e.message_id} / {e.message_en}" for e in errors]

    @property
    def flag_counts(self) -> dict[str, dict[str, int]]:
        return self.validated.flag_counts if self.validated else {}

    @property
    def notes(self) -> list[str]:
        return self.validated.notes if self.validated else []


def build_preview(staged: Staged, mapping: dict[str, str], *, limit: int = PREVIEW_ROWS,
                  kabupaten: str | None = None, today: Any = None) -> Preview:
    """Validate the staged files through the mapping (nothing is written) and gather, for the
    first `limit` rows of the family (or only) file, their masked cells, errors and flags."""
    started = time.perf_counter()
    limit_bytes = settings.IMPORT_MAX_BYTES
    try:
        family_raw = read_unmapped(staged.family_path, mapping, staged.source, "family",
                                   max_bytes=limit_bytes)
        person_raw = (read_unmapped(staged.person_path, mapping, staged.source, "person",
                                    max_bytes=limit_bytes) if staged.person_path else None)
        sample = _head(family_raw, limit)  # before the mapping drops the unmapped columns
        validated = validate_raw(family_raw, person_raw, staged.source, mapping,
                                 regions=national_table(), today=today, kabupaten=kabupaten)
    except ReadError as exc:
        return Preview(None, f"{exc.message_id} / {exc.message_en}", [], [],
                       time.perf_counter() - started)
    first_file = validated.file_names.get("family", "")
    errors: dict[int, list[str]] = {}
    for error in validated.errors:
        if error.file == first_file and error.row is not None:
            errors.setdefault(error.row, []).append(f"{error.message_id} / {error.message_en}")
    flags: dict[int, list[str]] = {}
    frames = [validated.persons] if validated.combined else [validated.families]
    for frame in frames:
        head = frame.filter(pl.col("flags") != "").select("source_row", "flags")
        for row, text in head.iter_rows():
            flags.setdefault(row, []).extend(f for f in text.split(",") if f)
    rows = [
        PreviewRow(row, [mask_numbers(c) for c in cells], errors.get(row, []),
                   sorted(set(flags.get(row, []))))
        for row, cells in sample[1]
    ]
    return Preview(validated, "", sample[0], rows, time.perf_counter() - started)


def _head(raw: RawTable, limit: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    frame = raw.frame.head(limit)
    rows = [
        (values[-1], ["" if v is None else str(v) for v in values[:-1]])
        for values in frame.select(*raw.headers, ROW).iter_rows()
    ]
    return raw.headers, rows


@dataclass(frozen=True)
class Head:
    """What the mapping form shows of a staged upload: the columns to choose from (the family
    file's, then the person file's others), its first rows masked, and the suggested mapping."""

    headers: list[str]
    first_headers: list[str]  # the family (or only) file's, for the rows below
    rows: list[tuple[int, list[str]]]
    suggested: dict[str, str]


HEAD_FILE = "head.json"


def read_head(staged: Staged, limit: int = 10) -> Head:
    """Read the staged files once (whatever header row they have; suggestions from their
    headers and values) and keep the result beside them, so that the form's later requests do
    not read a large file again. Raises ReadError for a file that cannot be read."""
    cached = staged.folder / HEAD_FILE
    try:
        data = json.loads(cached.read_text())
        return Head(data["headers"], data["first_headers"],
                    [(r, cells) for r, cells in data["rows"]], data["suggested"])
    except (OSError, ValueError, KeyError):
        pass
    raw = read_sheet(staged.family_path, layout_for(staged.source, Unit.FAMILY),
                     max_bytes=settings.IMPORT_MAX_BYTES, guess_header=True)
    first_headers, rows = _head(raw, limit)
    headers = list(first_headers)
    suggested = suggest_mapping(raw, staged.source)
    if staged.person_path is not None:
        person = read_sheet(staged.person_path, layout_for(staged.source, Unit.PERSON),
                            max_bytes=settings.IMPORT_MAX_BYTES, guess_header=True)
        headers += [h for h in person.headers if h not in headers]
        for field_name, header in suggest_mapping(person, staged.source).items():
            suggested.setdefault(field_name, header)
    head = Head(headers, first_headers,
                [(row, [mask_numbers(c) for c in cells]) for row, cells in rows], suggested)
    cached.write_text(json.dumps(head.__dict__))
    return head
