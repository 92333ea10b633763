"""Column mapping: read a file whose headers Tepat does not know ("lokal" lists, renamed exports).

A mapping says which column of the file holds which Tepat field: `{field: header}` (the fields
of tepat.core.layout, the headers as the file writes them). `apply_mapping` renames the file's
columns to the layout's canonical headers and drops the unmapped ones, so the rest of the
pipeline (tepat.pipeline.validate) runs unchanged. `suggest_mapping` proposes a mapping from the
headers (similarity with each field's header and labels) and from the values (16-digit numbers,
desa codes, dates, L/P, hubungan labels, 1–10). Pure: no Django.

One file is read per person when the mapping gives a person field (ID individu, nama, hubungan):
the family's columns repeated on each member's row. Without an ID individu, each person's ID is
made from the family key and the person's position in the family (file order), so that importing
the same file again adds nothing.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from tepat.core.codes import CODE_LISTS
from tepat.core.layout import AGE_BANDS, Column, Kind, Layout, Unit, layout_for
from tepat.core.regions import RegionTable
from tepat.pipeline import convert
from tepat.pipeline.errors import ReadError
from tepat.pipeline.headers import header_key
from tepat.pipeline.messages import note
from tepat.pipeline.readers import DEFAULT_MAX_BYTES, ROW, RawTable, ZipLimits, read_sheet
from tepat.pipeline.validate import DEFAULT_MAX_ERRORS, Validated, validate_tables

FAMILY_ID = "source_family_id"
PERSON_ID = "source_person_id"
# Fields that only a person row carries: mapping one of them makes a single file per person.
PERSON_ONLY = ("source_person_id", "nama", "hubungan", "status_kawin")
SKIPPED = {name for name, _, _ in AGE_BANDS} | {"provinsi", "kabupaten_kota"}
SAMPLE_ROWS = 200
MIN_SCORE = 0.6


@dataclass(frozen=True)
class Target:
    """A Tepat field a file column can be mapped to."""

    field: str
    label: str  # the Indonesian label shown in the dropdown
    unit: Unit  # the first layout that has it (the family's, then the person's)
    required: bool
    kind: Kind
    names: tuple[str, ...]  # header, field name and labels, for the similarity


def targets(source: str) -> list[Target]:
    """The fields of a source's family and person layouts, each once, family fields first."""
    found: dict[str, Target] = {}
    for layout in (layout_for(source, Unit.FAMILY), layout_for(source, Unit.PERSON)):
        for column in layout.columns:
            if column.field in SKIPPED:
                continue
            names = (column.header, column.field, *column.labels)
            if column.field in found:
                old = found[column.field]
                found[column.field] = replace(
                    old,
                    names=tuple(dict.fromkeys((*old.names, *names))),
                    required=old.required or column.required,
                )
                continue
            found[column.field] = Target(
                column.field,
                column.labels[0] if column.labels else column.header,
                layout.unit,
                column.required,
                column.kind,
                names,
            )
    return list(found.values())


def per_person(mapping: Mapping[str, str]) -> bool:
    return any(field in mapping for field in PERSON_ONLY)


# ---------------------------------------------------------------------------------------------
# Applying a mapping


def apply_mapping(
    raw: RawTable, mapping: Mapping[str, str], source: str, role: str = "one"
) -> RawTable:
    """The table with its mapped columns renamed to the layout's canonical headers (the
    unmapped ones dropped, and named in a note). `role`: 'family' or 'person' (one file of a
    pair), or 'one' (a single file, per person when the mapping has a person field).

    Raises `ReadError` when a header the mapping names for a required field is not in the file.
    """
    family_layout = layout_for(source, Unit.FAMILY)
    person_layout = layout_for(source, Unit.PERSON)
    by_person = role == "person" or (role == "one" and per_person(mapping))
    order = (
        [person_layout]
        if role == "person"
        else [person_layout, family_layout]
        if by_person
        else [family_layout]
    )
    present = set(raw.headers)
    renames: list[tuple[str, str]] = []  # (file header, canonical header)
    absent: list[str] = []
    for field_name, header in mapping.items():
        columns = _columns_of(field_name, order, both=field_name == FAMILY_ID)
        if not columns:
            continue
        if header not in present:
            if any(c.required for c in columns):
                raise ReadError(
                    "MAPPING_COLUMN_MISSING",
                    raw.file,
                    column=header,
                    value=field_name,
                    expected=", ".join(repr(h) for h in raw.headers[:40]),
                )
            absent.append(header)
            continue
        for column in columns:
            renames.append((header, column.header))
    renames = list(dict.fromkeys(renames))
    seen: set[str] = set()
    selected = []
    for header, canonical in renames:
        if canonical not in seen:
            seen.add(canonical)
            selected.append(pl.col(header).alias(canonical))
    frame = raw.frame.select(*selected, ROW)
    notes = list(raw.notes)
    if by_person and role == "one" and PERSON_ID not in mapping:
        frame = _with_person_ids(frame, family_layout, person_layout)
        notes.append(note("NOTE_PERSON_ID_MADE", raw.file))
    used = {header for header, _ in renames}
    unmapped = [h for h in raw.headers if h not in used and not h.startswith("kolom_")]
    if unmapped:
        notes.append(note("NOTE_UNMAPPED_COLUMNS", raw.file, value=", ".join(unmapped)))
    if absent:
        notes.append(note("NOTE_MAPPED_ABSENT", raw.file, value=", ".join(absent)))
    targets_of: dict[str, list[str]] = {}
    for header, canonical in renames:
        targets_of.setdefault(header, []).append(canonical)
    cell_errors = [
        (row, canonical, value)
        for row, header, value in raw.cell_errors
        for canonical in dict.fromkeys(targets_of.get(header, []))
    ]
    headers = [c for c in frame.columns if c != ROW]
    return replace(raw, frame=frame, headers=headers, notes=notes, cell_errors=cell_errors)


def _columns_of(field_name: str, layouts: list[Layout], *, both: bool) -> list[Column]:
    """The column of a field in the first layout that has it (every layout for the family ID,
    which a person row carries as its reference to the family)."""
    found = [c for layout in layouts for c in layout.columns if c.field == field_name]
    return found if both else found[:1]


def _with_person_ids(frame: pl.DataFrame, family: Layout, person: Layout) -> pl.DataFrame:
    """Person ID = family key + '-' + position in the family (file order), for one-sheet lists
    without a person ID."""
    key = person.column(FAMILY_ID).header
    if key not in frame.columns:
        key = family.column(FAMILY_ID).header
    position = pl.int_range(1, pl.len() + 1).over(convert.clean(pl.col(key)))
    made = pl.concat_str(
        [convert.clean(pl.col(key)), pl.lit("-"), position.cast(pl.String)]
    )
    return frame.with_columns(made.alias(person.id_column.header))


# ---------------------------------------------------------------------------------------------
# Reading and validating through a mapping


def read_unmapped(
    path: Path | str,
    mapping: Mapping[str, str],
    source: str,
    role: str = "family",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    zip_limits: ZipLimits | None = None,
) -> RawTable:
    """Read a file as it is (through read_sheet, in its limited child process), finding its
    header row by the mapping's headers (or guessing it)."""
    unit = Unit.PERSON if role == "person" else Unit.FAMILY
    return read_sheet(
        path,
        layout_for(source, unit),
        max_bytes=max_bytes,
        zip_limits=zip_limits,
        extra_headers=list(mapping.values()),
        guess_header=True,
    )


def validate_raw(
    family_raw: RawTable,
    person_raw: RawTable | None,
    source: str,
    mapping: Mapping[str, str],
    **options: object,
) -> Validated:
    """`validate_tables` for tables read as they are: the mapping is applied first (a single
    file takes the role 'one'; a pair, 'family' and 'person')."""
    family_role = "family" if person_raw is not None else "one"
    family = apply_mapping(family_raw, mapping, source, family_role)
    person = apply_mapping(person_raw, mapping, source, "person") if person_raw else None
    return validate_tables(family, person, source, **options)  # type: ignore[arg-type]


def validate_mapped(
    family_path: Path | str,
    person_path: Path | str | None,
    source: str,
    mapping: Mapping[str, str],
    *,
    regions: RegionTable | None = None,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kabupaten: str | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
    zip_limits: ZipLimits | None = None,
) -> Validated:
    """`validate_files` for files read through a column mapping."""
    started = time.perf_counter()
    family_raw = read_unmapped(family_path, mapping, source, "family", max_bytes=max_bytes,
                               zip_limits=zip_limits)
    person_raw = (
        read_unmapped(person_path, mapping, source, "person", max_bytes=max_bytes,
                      zip_limits=zip_limits)
        if person_path is not None
        else None
    )
    read_seconds = time.perf_counter() - started
    validated = validate_raw(family_raw, person_raw, source, mapping, regions=regions,
                             today=today, kabupaten=kabupaten, max_errors=max_errors)
    validated.timings = {
        "read": read_seconds,
        "validate": validated.timings["validate"],
        "total": time.perf_counter() - started,
    }
    return validated


def check_mapping(mapping: Mapping[str, str], source: str) -> list[str]:
    """What a mapping lacks before it can import, as "Indonesian / English" texts: a family
    key, a kode desa and a name (the head's or the members')."""
    problems = []
    known = {t.field for t in targets(source)}
    unknown = sorted(set(mapping) - known)
    if unknown:
        problems.append(f"Kolom Tepat tidak dikenal: {', '.join(unknown)} / "
                        f"unknown Tepat fields: {', '.join(unknown)}")
    if FAMILY_ID not in mapping:
        problems.append("Pilih kolom kunci keluarga (ID keluarga atau No KK) / "
                        "choose the family key column (family ID or No KK)")
    if "kode_kemdagri" not in mapping:
        problems.append("Pilih kolom kode desa / choose the desa code column")
    if "nama" not in mapping and "kepala_keluarga" not in mapping:
        problems.append("Pilih kolom nama (kepala keluarga atau anggota) / "
                        "choose a name column (the head's or the members')")
    return problems


# ---------------------------------------------------------------------------------------------
# Suggestions

_DIGITS16 = re.compile(r"^\d{16}$")
_DESA = re.compile(r"^\d{2}\.?\d{2}\.?\d{2}\.?\d{4}$")
_DATE = re.compile(r"^(\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}([ T].*)?)$")
_SEX = re.compile(r"^(l|p|laki-laki|laki laki|lk|pr|perempuan|wanita|pria)$", re.IGNORECASE)
_DESIL = re.compile(r"^(10|[1-9])$")
# value pattern -> the fields it suggests, in order of preference
_VALUE_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nik16", ("nik", "no_kk")),
    ("desa", ("kode_kemdagri",)),
    ("date", ("tanggal_lahir",)),
    ("sex", ("jenis_kelamin",)),
    ("hubungan", ("hubungan",)),
    ("desil", ("desil",)),
)


def _value_kind(values: list[str]) -> str | None:
    """The pattern that at least 80 % of a column's sampled values follow."""
    if not values:
        return None
    n = len(values)

    def share(test) -> float:
        return sum(1 for v in values if test(v)) / n

    if share(lambda v: bool(_DIGITS16.match(v))) >= 0.8:
        return "nik16"
    if share(lambda v: bool(_DESA.match(v))) >= 0.8:
        return "desa"
    if share(lambda v: bool(_DATE.match(v))) >= 0.8:
        return "date"
    if share(lambda v: bool(_SEX.match(v))) >= 0.8:
        return "sex"
    if share(lambda v: bool(_DESIL.match(v))) >= 0.8 and len(set(values)) >= 3:
        return "desil"  # (two values only, 1 and 2, are more likely a sex code)
    words = [v for v in values if not v.isdigit()]
    if len(words) >= 0.8 * n:
        codes = convert.code_mapping(set(words), CODE_LISTS["hubungan_dengan_kepala_keluarga"])
        if sum(1 for v in words if codes.get(v)) >= 0.8 * n:
            return "hubungan"
    return None


def _similarity(header: str, target: Target) -> float:
    """1 for the same key; 0.9 when a name of the field is the first word of the header
    ('NIK Anggota' -> nik); else difflib's ratio of the keys."""
    key = header_key(header)
    if not key:
        return 0.0
    words = [header_key(w) for w in re.split(r"[\s_./-]+", str(header))]
    best = 0.0
    for name in target.names:
        other = header_key(name)
        if other == key:
            return 1.0
        if other and words and other == words[0]:
            best = max(best, 0.9)
        if len(other) >= 3 and len(key) >= 3:  # 'd' is not like 'id'
            best = max(best, difflib.SequenceMatcher(None, key, other).ratio())
    return best


def column_samples(raw: RawTable, rows: int = SAMPLE_ROWS) -> dict[str, list[str]]:
    """Up to `rows` non-empty values of each column, trimmed."""
    head = raw.frame.head(rows)
    return {
        h: [v.strip() for v in head.get_column(h).drop_nulls().to_list() if v and v.strip()]
        for h in raw.headers
    }


def suggest_mapping(raw: RawTable, source: str) -> dict[str, str]:
    """A proposed `{field: header}`: each field takes the column that scores best (header
    similarity, plus 0.6 when the column's values look like the field's), at least 0.6."""
    options = targets(source)
    samples = column_samples(raw)
    kinds = {h: _value_kind(values) for h, values in samples.items()}
    by_value = {pattern: fields for pattern, fields in _VALUE_FIELDS}
    scored: list[tuple[float, int, int, str, str]] = []
    for position, header in enumerate(raw.headers):
        fits = by_value.get(kinds[header] or "", ())
        for rank, target in enumerate(options):
            score = _similarity(header, target)
            if target.field in fits:
                score += 0.6 - 0.05 * fits.index(target.field)
            if score >= MIN_SCORE:
                scored.append((-score, rank, position, target.field, header))
    scored.sort()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, _, field_name, header in scored:
        if field_name in mapping or header in taken:
            continue
        mapping[field_name] = header
        taken.add(header)
    if FAMILY_ID not in mapping and "no_kk" in mapping:
        mapping[FAMILY_ID] = mapping["no_kk"]  # the No KK as the family key
    order = {t.field: i for i, t in enumerate(options)}
    return dict(sorted(mapping.items(), key=lambda item: order[item[0]]))
