"""Validate a P3KE/DTSEN family file and person file (or one combined file) as a whole batch.

Two kinds of outcome, as in pretix's imports (validate everything first, then write at once):

- **errors** block the whole import until the file is fixed: a missing required column, an empty
  or duplicated ID, a desa code that is missing or not a desa of the national table, a person whose
  family is not in the family file, an unreadable required value (desil), a formula in a cell, an
  Excel error value, unreadable characters. Each is a `RowError` naming file, row and column.
- **data-quality flags** never block: the row is kept and carries the flag codes (NIK/KK problems
  from `tepat.core.identity`, duplicated NIK/KK, missing or unreadable birth date, unknown code
  values, families without members or head, …). Unknown raw values are kept in `unknown_values`.

Everything is vectorised in Polars; Python loops only build error objects for the few bad rows
and map the distinct values of coded columns.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from tepat.core import identity
from tepat.core.codes import CODE_LISTS
from tepat.core.layout import AGE_BANDS, Column, Kind, Layout, Unit, layout_for
from tepat.core.regions import RegionTable, national_table
from tepat.pipeline import convert
from tepat.pipeline.errors import RowError
from tepat.pipeline.headers import HeaderMapping, accepted_headers, header_key, map_headers
from tepat.pipeline.messages import Note, note
from tepat.pipeline.readers import DEFAULT_MAX_BYTES, ROW, RawTable, ZipLimits, read_sheet

DEFAULT_MAX_ERRORS = 10_000
NAME_FIELDS = ("provinsi", "kabupaten_kota", "kecamatan", "desa_kelurahan")
REGION_FIELD = "kode_kemdagri"
AGE_FIELDS = tuple(name for name, _, _ in AGE_BANDS)
DESIL_RANGE = {"p3ke": (1, 4), "dtsen": (1, 10)}
# Family fields a combined file (one row per person) carries only as the head member's columns.
HEAD_DERIVED = {
    "nik": "nik",
    "kepala_keluarga": "nama",
    "jenis_kelamin": "jenis_kelamin",
    "tanggal_lahir": "tanggal_lahir",
    "pekerjaan": "pekerjaan",
    "pendidikan": "pendidikan",
    "penerima_bpnt": "penerima_bpnt",
    "penerima_bpum": "penerima_bpum",
    "penerima_bst": "penerima_bst",
    "penerima_pkh": "penerima_pkh",
    "penerima_sembako": "penerima_sembako",
    "penerima_pbi_jk": "penerima_pbi_jk",
}
HEAD_CODE = "1"
NUMERIC_NIK_MIN_ROWS = 20
NUMERIC_NIK_SHARE = 0.9


@dataclass
class Validated:
    """The outcome of validating one batch. Import only when `ok` (no errors)."""

    source: str
    families: pl.DataFrame
    persons: pl.DataFrame
    errors: list[RowError]
    error_count: int
    flag_counts: dict[str, dict[str, int]]  # unit ('keluarga'/'individu') -> flag code -> rows
    notes: list[str]  # "Indonesian / English", for the batch record and the summary page
    timings: dict[str, float]  # seconds: 'read', 'validate', 'total'
    file_hashes: dict[str, str]  # 'family' / 'person' -> sha256 of the file's bytes
    counts: dict[str, int]
    file_names: dict[str, str] = field(default_factory=dict)  # 'family' / 'person' -> name
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> headers
    combined: bool = False  # one file with one row per person, split into families + persons
    note_details: list[Note] = field(default_factory=list)  # the notes with their codes

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Errors:
    """Every error is counted; the first `cap` are kept as objects."""

    def __init__(self, cap: int) -> None:
        self.items: list[RowError] = []
        self.count = 0
        self.cap = cap

    @property
    def room(self) -> int:
        return max(self.cap - len(self.items), 0)

    def add(
        self,
        code: str,
        *,
        file: str,
        row: int | None,
        column: str,
        value: object = None,
        **context: object,
    ) -> None:
        self.count += 1
        if self.room:
            self.items.append(
                RowError.make(code, file=file, row=row, column=column, value=value, **context)
            )

    def add_made(self, total: int, errors: Iterable[RowError]) -> None:
        """Count `total` errors and keep the first of `errors` (a lazy iterable) while room."""
        self.count += total
        for error in errors:
            if not self.room:
                break
            self.items.append(error)

    def add_rows(
        self,
        code: str,
        rows: pl.DataFrame,
        value: str | None,
        *,
        file: str,
        column: str,
        **context: object,
    ) -> None:
        """One error per row of `rows` (which holds `_row` and the `value` column)."""
        self.count += rows.height
        columns = [ROW] + ([value] if value else [])
        for item in rows.head(self.room).select(columns).iter_rows():
            self.items.append(
                RowError.make(
                    code,
                    file=file,
                    row=item[0],
                    column=column,
                    value=item[1] if value else None,
                    **context,
                )
            )


@dataclass
class _Unit:
    """One unit (families or persons) on its way from text cells to canonical values."""

    layout: Layout
    file: str
    mapping: HeaderMapping
    frame: pl.DataFrame  # canonical field names (text, then converted) + `_row` + helpers

    def header(self, field_name: str) -> str:
        return self.mapping.fields.get(field_name) or self.layout.column(field_name).header

    def has(self, field_name: str) -> bool:
        return field_name in self.mapping.fields


@dataclass
class _Context:
    source: str
    regions: RegionTable
    today: date
    errors: _Errors
    notes: list[Note]
    kabupaten: str | None
    combined: bool = False


# ---------------------------------------------------------------------------------------------
# The entry point


def validate_files(
    family_path: Path | str,
    person_path: Path | str | None = None,
    source: str = "p3ke",
    *,
    regions: RegionTable | None = None,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kabupaten: str | None = None,
    family_sheet: str | None = None,
    person_sheet: str | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
    zip_limits: ZipLimits | None = None,
) -> Validated:
    """Read and validate a batch. Raises `ReadError` for a file that cannot be read at all.

    Without `person_path`, a family file whose headers also carry the person ID column is taken as
    a combined file (one row per person, the family's columns repeated) and split. `kabupaten`
    (e.g. '35.13') makes every desa outside that regency an error.
    """
    started = time.perf_counter()
    family_layout = layout_for(source, Unit.FAMILY)
    person_layout = layout_for(source, Unit.PERSON)
    # The two sheets are read at the same time: fastexcel releases the GIL while it parses, so
    # on two cores the batch reads in about the time of its larger file.
    with ThreadPoolExecutor(max_workers=2) as pool:
        family_job = pool.submit(
            read_sheet, family_path, family_layout, sheet=family_sheet, max_bytes=max_bytes,
            zip_limits=zip_limits,
        )
        person_job = (
            pool.submit(
                read_sheet, person_path, person_layout, sheet=person_sheet, max_bytes=max_bytes,
                zip_limits=zip_limits,
            )
            if person_path is not None
            else None
        )
        family_raw = family_job.result()
        person_raw = person_job.result() if person_job is not None else None
    read_seconds = time.perf_counter() - started
    validated = validate_tables(
        family_raw,
        person_raw,
        source,
        regions=regions,
        today=today,
        kabupaten=kabupaten,
        max_errors=max_errors,
    )
    validated.timings = {
        "read": read_seconds,
        "validate": validated.timings["validate"],
        "total": time.perf_counter() - started,
    }
    return validated


def validate_tables(
    family_raw: RawTable,
    person_raw: RawTable | None = None,
    source: str = "p3ke",
    *,
    regions: RegionTable | None = None,
    today: date | None = None,
    kabupaten: str | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Validated:
    """Validate tables already read (by `read_sheet`, or built from another reader: the frame
    holds text columns named by the file's headers plus `_row`)."""
    started = time.perf_counter()
    family_layout = layout_for(source, Unit.FAMILY)
    person_layout = layout_for(source, Unit.PERSON)
    raws = [r for r in (family_raw, person_raw) if r is not None]
    ctx = _Context(
        source,
        regions or national_table(),
        today or date.today(),
        _Errors(max_errors),
        [n for r in raws for n in r.notes],
        kabupaten,
    )
    families, persons, combined, ignored = _build_units(
        family_raw, person_raw, family_layout, person_layout, ctx
    )
    ctx.combined = combined
    if families is not None:
        _validate_units(families, persons, ctx)
    family_frame, family_flags = _finalize(families, family_layout)
    person_frame, person_flags = _finalize(persons, person_layout)
    elapsed = time.perf_counter() - started
    ctx.errors.items.sort(key=lambda e: (e.file, e.row or 0, e.column, e.code))
    return Validated(
        source=source,
        families=family_frame,
        persons=person_frame,
        errors=ctx.errors.items,
        error_count=ctx.errors.count,
        flag_counts={Unit.FAMILY.value: family_flags, Unit.PERSON.value: person_flags},
        notes=[f"{n.message_id} / {n.message_en}" for n in ctx.notes],
        timings={"read": 0.0, "validate": elapsed, "total": elapsed},
        file_hashes=_by_role(family_raw, person_raw, lambda r: r.sha256),
        counts={
            "families": family_frame.height,
            "persons": person_frame.height,
            "family_file_rows": family_raw.height,
            "person_file_rows": person_raw.height if person_raw is not None else 0,
            "removed_rows": sum(len(r.removed_rows) for r in raws),
            "blank_rows": sum(r.blank_rows for r in raws),
            "errors": ctx.errors.count,
        },
        file_names=_by_role(family_raw, person_raw, lambda r: r.file),
        ignored_columns=ignored,
        combined=combined,
        note_details=ctx.notes,
    )


def _by_role(
    family: RawTable, person: RawTable | None, value: Callable[[RawTable], str]
) -> dict[str, str]:
    found = {"family": value(family)}
    if person is not None:
        found["person"] = value(person)
    return found


# ---------------------------------------------------------------------------------------------
# Headers, and splitting a combined file


def _one_sheet(raw: RawTable, family_layout: Layout, person_layout: Layout) -> bool:
    """A village download: one sheet, one row per person, the family's key (ID keluarga or
    No KK) repeated on each row, the person's columns (Nama and NIK, Hubungan or Tanggal
    Lahir), with or without a person ID column."""
    person = map_headers(raw.headers, person_layout).fields
    family = map_headers(raw.headers, family_layout).fields
    has_key = "source_family_id" in family or "no_kk" in family
    has_person = "nama" in person and any(f in person for f in ("nik", "hubungan", "tanggal_lahir"))
    return has_key and has_person


def _build_units(
    family_raw: RawTable,
    person_raw: RawTable | None,
    family_layout: Layout,
    person_layout: Layout,
    ctx: _Context,
) -> tuple[_Unit | None, _Unit | None, bool, dict[str, list[str]]]:
    person_id = person_layout.id_column.field
    person_map: HeaderMapping | None = None
    combined = person_raw is None and (
        person_id in map_headers(family_raw.headers, person_layout).fields
        or _one_sheet(family_raw, family_layout, person_layout)
    )
    by_kk = False
    if combined:
        person_map = map_headers(family_raw.headers, person_layout)
        claimed = set(person_map.fields.values()) - {person_map.fields.get("source_family_id")}
        family_map = map_headers(family_raw.headers, family_layout, exclude=claimed)
        if "source_family_id" not in family_map.fields and "no_kk" in family_map.fields:
            by_kk = True  # the family is the rows sharing a KK number
            kk = family_map.fields["no_kk"]
            family_map = _with_field(family_map, "source_family_id", kk)
            person_map = _with_field(person_map, "source_family_id", kk)
            ctx.notes.append(note("NOTE_FAMILY_BY_KK", family_raw.file, column=kk))
        if person_id not in person_map.fields:
            person_map = HeaderMapping(
                person_map.fields, person_map.ignored,
                [c for c in person_map.missing if c.field != person_id],
            )
        ignored = {family_raw.file: list(family_map.ignored)}
        maps = [(family_raw, family_map), (family_raw, person_map)]
    else:
        family_map = map_headers(family_raw.headers, family_layout)
        person_map = (
            map_headers(person_raw.headers, person_layout) if person_raw is not None else None
        )
        ignored = {family_raw.file: family_map.ignored}
        maps = [(family_raw, family_map)]
        if person_raw is not None and person_map is not None:
            ignored[person_raw.file] = person_map.ignored
            maps.append((person_raw, person_map))
    for file, columns in ignored.items():
        if columns:
            ctx.notes.append(note("NOTE_IGNORED_COLUMNS", file, value=", ".join(columns)))
    if _report_missing(maps, ctx):
        return None, None, combined, ignored
    _report_cell_errors(maps, ctx)
    family_frame = _prepare(family_raw, family_map)
    family_unit = _Unit(family_layout, family_raw.file, family_map, family_frame)
    person_unit = None
    if combined and person_map is not None:
        person_unit = _Unit(
            person_layout, family_raw.file, person_map, _prepare(family_raw, person_map)
        )
        _check_cells(family_unit, ctx, skip=["source_family_id"])  # checked with the persons
        _check_cells(person_unit, ctx)
        if by_kk:
            _kk_keys(family_unit, person_unit, ctx)
        family_unit = _group_families(family_unit, person_unit)
        ctx.notes.append(
            note(
                "NOTE_COMBINED",
                family_raw.file,
                count=family_unit.frame.height,
                value=person_unit.frame.height,
            )
        )
    else:
        _check_cells(family_unit, ctx)
        if person_raw is not None and person_map is not None:
            person_unit = _Unit(
                person_layout, person_raw.file, person_map, _prepare(person_raw, person_map)
            )
            _check_cells(person_unit, ctx)
    return family_unit, person_unit, combined, ignored


def _with_field(mapping: HeaderMapping, field_name: str, column: str) -> HeaderMapping:
    return HeaderMapping(
        {field_name: column, **mapping.fields},
        [h for h in mapping.ignored if h != column],
        [c for c in mapping.missing if c.field != field_name],
    )


KEY_PREFIX_KK = "kk-"
KEY_PREFIX_NIK = "nik-"


def number_key(prefix: str, number: str) -> str:
    """The stable key of a family (by KK) or a person (by NIK) in a file without IDs: a hash,
    so that the number itself never becomes an ID shown in pages or links."""
    digest = hashlib.blake2b(number.encode(), digest_size=10, person=b"tepat-key").hexdigest()
    return prefix + digest


def _number_keys(values: pl.Series, prefix: str) -> pl.Series:
    distinct = values.drop_nulls().unique().to_list()
    mapping = {v: number_key(prefix, v) for v in distinct}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _kk_keys(families: _Unit, persons: _Unit, ctx: _Context) -> None:
    """A file without family IDs: the family key is the KK number, which must be 16 whole
    digits stored as text; any other KK is a row error (FAMILY_KEY_INVALID), and its row is left
    out of the (blocked) import so that it does not also count as a family of its own."""
    fid = "source_family_id"
    frame = persons.frame
    number = identity.normalize_number_expr(pl.col(fid))
    stored = pl.col(f"_num_{fid}") if f"_num_{fid}" in frame.columns else pl.lit(False)
    frame = frame.with_columns(number.alias("_kk_key"), stored.alias("_kk_stored"))
    whole = pl.col("_kk_key").str.contains(r"^[0-9]{16}$").fill_null(False)
    bad = frame.filter(pl.col("_kk_key").is_not_null() & (~whole | pl.col("_kk_stored")))
    column = persons.header(fid)
    for row, raw, stored_number, key in bad.select(ROW, fid, "_kk_stored", "_kk_key").iter_rows():
        if stored_number:
            detail = ("tersimpan sebagai angka, angka terakhirnya mungkin hilang / stored as a "
                      "number, its last digit may be lost")
        elif re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+", key):
            detail = "notasi ilmiah, angkanya sudah hilang / scientific notation, digits lost"
        else:
            detail = "bukan 16 angka / not 16 digits"
        ctx.errors.add("FAMILY_KEY_INVALID", file=persons.file, row=row, column=column,
                       value=raw, detail=detail)
    keep = ~pl.col(ROW).is_in(bad.get_column(ROW).implode())
    frame = frame.filter(keep)
    persons.frame = frame.with_columns(
        _number_keys(frame.get_column("_kk_key"), KEY_PREFIX_KK).alias(fid)
    ).drop("_kk_key", "_kk_stored")
    families.frame = families.frame.filter(keep).with_columns(persons.frame.get_column(fid))


def _report_missing(maps: list[tuple[RawTable, HeaderMapping]], ctx: _Context) -> bool:
    missing = False
    for raw, mapping in maps:
        for column in mapping.missing:
            missing = True
            ctx.errors.add(
                "MISSING_COLUMN",
                file=raw.file,
                row=raw.header_row,
                column=column.header,
                expected=", ".join(repr(h) for h in accepted_headers(column)),
            )
    return missing


def _report_cell_errors(maps: list[tuple[RawTable, HeaderMapping]], ctx: _Context) -> None:
    """Excel error values (#N/A, #REF!, …) in mapped columns of kept rows."""
    used: dict[int, tuple[RawTable, set[str]]] = {}
    for raw, mapping in maps:
        used.setdefault(id(raw), (raw, set()))[1].update(mapping.fields.values())
    for raw, columns in used.values():
        if not raw.cell_errors:
            continue
        rows = set(raw.frame.get_column(ROW).to_list())
        for row, column, value in raw.cell_errors:
            if column in columns and row in rows:
                ctx.errors.add("CELL_ERROR", file=raw.file, row=row, column=column, value=value)


def _prepare(raw: RawTable, mapping: HeaderMapping) -> pl.DataFrame:
    """The mapped columns under their field names, trimmed, empty cells as null; for the
    columns whose cells the sheet stored as numbers, `_num_<field>` says which."""
    numbers = [
        pl.col(ROW).is_in(pl.Series(raw.number_cells[src], dtype=pl.Int32).implode())
        .alias(f"_num_{name}")
        for name, src in mapping.fields.items()
        if raw.number_cells.get(src)
    ]
    return raw.frame.select(
        *(convert.clean(pl.col(src)).alias(name) for name, src in mapping.fields.items()),
        *numbers,
        ROW,
    )


def _group_families(families: _Unit, persons: _Unit) -> _Unit:
    """One family per family ID from the member rows: the first non-empty value of each family
    column (the row of the family is its first row), FAMILY_ROWS_DISAGREE when the members' rows
    give different values, and the head member's columns for the family fields that only the
    person columns carry (the head's NIK, name, sex, birth date, …)."""
    fid = "source_family_id"
    columns = [c for c in families.frame.columns if c not in (fid, ROW) and not c.startswith("_")]
    helpers = [c for c in families.frame.columns if c.startswith("_num_")]
    rows = families.frame.filter(pl.col(fid).is_not_null())
    grouped = rows.group_by(fid, maintain_order=True).agg(
        pl.col(ROW).min(),
        *(pl.col(c).drop_nulls().first() for c in columns),
        *(pl.col(c).first() for c in helpers),
        pl.any_horizontal(
            [pl.col(c).drop_nulls().n_unique() > 1 for c in columns] or [pl.lit(False)]
        ).alias("_f_FAMILY_ROWS_DISAGREE"),
    )
    derived = {
        fam: per
        for fam, per in HEAD_DERIVED.items()
        if fam not in families.mapping.fields
        and persons.has(per)
        and any(c.field == fam for c in families.layout.columns)
    }
    fields = dict(families.mapping.fields)
    if derived and persons.has("hubungan"):
        is_head = _head_mask(persons.frame)
        heads = (
            persons.frame.filter(is_head & pl.col(fid).is_not_null())
            .group_by(fid, maintain_order=True)
            .agg(
                *(pl.col(per).first().alias(fam) for fam, per in derived.items()),
                *(
                    pl.col(f"_num_{per}").first().alias(f"_num_{fam}")
                    for fam, per in derived.items()
                    if f"_num_{per}" in persons.frame.columns
                ),
            )
        )
        grouped = grouped.join(heads, on=fid, how="left", maintain_order="left")
        fields.update({fam: persons.header(per) for fam, per in derived.items()})
    mapping = HeaderMapping(fields, families.mapping.ignored, [])
    return _Unit(families.layout, families.file, mapping, grouped)


def _head_mask(frame: pl.DataFrame) -> pl.Expr:
    values = convert.distinct_values(frame, ["hubungan"])["hubungan"]
    mapping = convert.code_mapping(values, CODE_LISTS["hubungan_dengan_kepala_keluarga"])
    return (convert.map_codes("hubungan", mapping) == HEAD_CODE).fill_null(False)


# ---------------------------------------------------------------------------------------------
# Checks that block the import


def _check_cells(unit: _Unit, ctx: _Context, *, skip: Iterable[str] = ()) -> None:
    """Formulas, Excel error values, unreadable characters and over-long cells, in any column.

    Every flagged cell is one error (the filter and `bad_cell_code` agree, a Hypothesis test
    holds them to it), so all are counted at once and objects are built only while there is room.
    """
    columns = [c for c in unit.frame.columns if not c.startswith("_") and c not in skip]
    if not columns:
        return
    flagged = unit.frame.filter(pl.any_horizontal(convert.bad_cell_expr(c) for c in columns))
    if flagged.height == 0:
        return
    for column in columns:
        cells = flagged.filter(convert.bad_cell_expr(column)).select(ROW, column)
        if cells.height == 0:
            continue

        def made(cells: pl.DataFrame = cells, column: str = column) -> Iterable[RowError]:
            for row, value in cells.iter_rows():
                yield RowError.make(
                    convert.bad_cell_code(value) or "VALUE_UNREADABLE",
                    file=unit.file,
                    row=row,
                    column=unit.header(column),
                    value=value,
                    count=len(value),
                    limit=convert.MAX_CELL_CHARS,
                )

        ctx.errors.add_made(cells.height, made())


def _check_ids(unit: _Unit, field_name: str, ctx: _Context, *, unique: bool) -> None:
    frame, column = unit.frame, unit.header(field_name)
    empty = frame.filter(pl.col(field_name).is_null())
    ctx.errors.add_rows("ID_EMPTY", empty, None, file=unit.file, column=column)
    if not unique:
        return
    duplicated = frame.filter(pl.col(field_name).is_not_null() & pl.col(field_name).is_duplicated())
    if duplicated.height == 0:
        return
    shown = 10
    stats = duplicated.group_by(field_name).agg(
        pl.len().alias("_count"), pl.col(ROW).sort().head(shown).alias("_rows")
    )
    rows = duplicated.join(stats, on=field_name, how="left").sort(ROW)

    def made() -> Iterable[RowError]:
        for row, value, count, others in (
            rows.head(ctx.errors.room).select(ROW, field_name, "_count", "_rows").iter_rows()
        ):
            listed = ", ".join(map(str, others)) + (", …" if count > shown else "")
            yield RowError.make(
                "ID_DUPLICATE",
                file=unit.file,
                row=row,
                column=column,
                value=value,
                count=count,
                rows=listed,
            )

    ctx.errors.add_made(rows.height, made())


def _check_orphans(persons: _Unit, families: _Unit, ctx: _Context) -> None:
    fid = "source_family_id"
    known = families.frame.get_column(fid).drop_nulls()
    orphans = persons.frame.filter(pl.col(fid).is_not_null() & ~pl.col(fid).is_in(known.implode()))
    ctx.errors.add_rows(
        "FAMILY_NOT_FOUND",
        orphans,
        fid,
        file=persons.file,
        column=persons.header(fid),
        expected=families.file,
    )


# ---------------------------------------------------------------------------------------------
# Conversion of one unit


def _validate_units(families: _Unit, persons: _Unit | None, ctx: _Context) -> None:
    _check_ids(families, "source_family_id", ctx, unique=not ctx.combined)
    synthesized = persons is not None and not persons.has("source_person_id")
    if persons is not None:
        _check_ids(persons, "source_family_id", ctx, unique=False)
        if not synthesized:
            _check_ids(persons, "source_person_id", ctx, unique=True)
        _check_orphans(persons, families, ctx)
    units = [u for u in (families, persons) if u is not None]
    orders = _date_orders(units, ctx)
    for unit in units:
        _convert_codes(unit, ctx)
        _convert_dates(unit, ctx, orders[unit.file])
        _convert_numbers(unit, ctx)
    if synthesized and persons is not None:
        _synthesize_person_ids(persons, ctx)
    _convert_region(families, ctx)
    if persons is not None:
        _age_band(persons, ctx)
        _family_member_flags(families, persons)
        _person_regions(persons, families)
    _duplicate_flags(families, persons)


def _with_raw(unit: _Unit, field_name: str) -> str:
    """Keep the text of a converted field as `_raw_<field>` (for unknown_values and messages)."""
    raw = f"_raw_{field_name}"
    if raw not in unit.frame.columns:
        unit.frame = unit.frame.with_columns(pl.col(field_name).alias(raw))
    return raw


def _expected_codes(column: Column) -> str:
    return ", ".join(f"{c} ({label})" for c, label in CODE_LISTS[column.code_list].choices)


def _convert_codes(unit: _Unit, ctx: _Context) -> None:
    coded = [c for c in unit.layout.columns if c.kind is Kind.CODE and unit.has(c.field)]
    distinct = convert.distinct_values(unit.frame, [c.field for c in coded])
    mappings = {}
    for column in coded:
        mapping = convert.code_mapping(distinct[column.field], CODE_LISTS[column.code_list])
        if column.field == "desil":
            low, high = DESIL_RANGE.get(ctx.source, (1, 10))
            mapping = {k: v if v and low <= int(v) <= high else None for k, v in mapping.items()}
        mappings[column.field] = mapping
    raws = {c.field: _with_raw(unit, c.field) for c in coded}
    unit.frame = unit.frame.with_columns(
        convert.map_codes(raws[c.field], mappings[c.field]).alias(c.field) for c in coded
    )
    unknown = {
        c.field: pl.col(raws[c.field]).is_not_null() & pl.col(c.field).is_null() for c in coded
    }
    optional = [c for c in coded if not c.required]
    unit.frame = unit.frame.with_columns(unknown[c.field].alias(f"_u_{c.field}") for c in optional)
    for column in (c for c in coded if c.required):
        _required_code_errors(unit, column, raws[column.field], unknown[column.field], ctx)
    if "desil" in unit.frame.columns:
        unit.frame = unit.frame.with_columns(pl.col("desil").cast(pl.Int8))


def _required_code_errors(
    unit: _Unit, column: Column, raw: str, unknown: pl.Expr, ctx: _Context
) -> None:
    header = unit.header(column.field)
    expected = _expected_codes(column)
    empty = unit.frame.filter(pl.col(raw).is_null())
    ctx.errors.add_rows(
        "REQUIRED_EMPTY", empty, None, file=unit.file, column=header, expected=expected
    )
    bad = unit.frame.filter(unknown)
    code = "DESIL_INVALID" if column.field == "desil" else "VALUE_INVALID"
    ctx.errors.add_rows(code, bad, raw, file=unit.file, column=header, expected=expected)


def _date_orders(units: list[_Unit], ctx: _Context) -> dict[str, convert.DateOrder]:
    """The day/month order of each file, from the values of all its date columns."""
    values: dict[str, set[str]] = {}
    for unit in units:
        dates = [c.field for c in unit.layout.columns if c.kind is Kind.DATE and unit.has(c.field)]
        found = values.setdefault(unit.file, set())
        for column_values in convert.distinct_values(unit.frame, dates).values():
            found.update(column_values)
    orders = {}
    for file, found in values.items():
        order = convert.date_order(found)
        orders[file] = order
        if order.mixed:
            ctx.notes.append(note("NOTE_DATE_ORDER_MIXED", file, count=order.day_first,
                                  value=order.month_first))
        elif order.decided:
            ctx.notes.append(note(
                "NOTE_DATE_ORDER", file,
                value="hari/bulan/tahun / day/month/year" if order.order == "dmy"
                else "bulan/hari/tahun / month/day/year",
                count=max(order.day_first, order.month_first)))
    return orders


def _convert_dates(unit: _Unit, ctx: _Context, order: convert.DateOrder) -> None:
    """Dates as text in the file's day/month order, and cells stored as numbers (Excel date
    serials, whatever their digit count) as serials."""
    dates = [c for c in unit.layout.columns if c.kind is Kind.DATE and unit.has(c.field)]
    for column in dates:
        raw = _with_raw(unit, column.field)
        distinct = convert.distinct_values(unit.frame, [raw])[raw]
        mapping = convert.parse_dates(distinct, ctx.today, order.order)
        ambiguous = [v for v in distinct if convert.is_ambiguous_date(v)] if (
            not order.decided or order.mixed) else []
        parsed = convert.map_dates(raw, mapping)
        number = f"_num_{column.field}"
        if number in unit.frame.columns:
            parsed = pl.when(pl.col(number)).then(convert.serial_date_expr(pl.col(raw), ctx.today)
                                                   ).otherwise(parsed)
            is_ambiguous = (~pl.col(number)) & pl.col(raw).is_in(ambiguous)
        else:
            is_ambiguous = pl.col(raw).is_in(ambiguous)
        unit.frame = unit.frame.with_columns(parsed.alias(column.field)).with_columns(
            (pl.col(raw).is_not_null() & pl.col(column.field).is_null()).alias(
                f"_u_{column.field}"
            ),
        )
        if column.field == "tanggal_lahir":
            unit.frame = unit.frame.with_columns(
                pl.col(raw).is_null().alias("_f_BIRTHDATE_MISSING"),
                pl.col("_u_tanggal_lahir").alias("_f_BIRTHDATE_INVALID"),
                (is_ambiguous & pl.col("tanggal_lahir").is_not_null()).fill_null(False)
                .alias("_f_BIRTHDATE_AMBIGUOUS"),
            )


def _convert_numbers(unit: _Unit, ctx: _Context) -> None:
    """NIK and KK: normalised text, the problem codes of tepat.core.identity as flags, and the
    cell's type. A number cell is flagged STORED_AS_NUMBER whatever the rest of the column
    holds; when it holds 16 digits it cannot be exact (Excel keeps 15 significant digits and
    writes the 16th as 0; more than 15 went through a float's precision) and is also flagged
    NUMBER_MANGLED, as scientific notation is by tepat.core.identity. `_mangled_<field>` marks
    every mangled value: it is kept as text, flagged, and never used to match anyone."""
    for column in (c for c in unit.layout.columns if c.kind is Kind.NIK and unit.has(c.field)):
        name = column.field
        prefix = "KK" if name == "no_kk" else "NIK"
        unit.frame = unit.frame.with_columns(
            identity.normalize_number_expr(pl.col(name)).alias(name)
        )
        if name == "no_kk":
            problems = identity.kk_problems_expr(
                pl.col(name), regions=ctx.regions, today=ctx.today
            )
        else:
            problems = identity.nik_problems_expr(
                pl.col(name),
                pl.col("tanggal_lahir") if unit.has("tanggal_lahir") else None,
                pl.col("jenis_kelamin") if unit.has("jenis_kelamin") else None,
                regions=ctx.regions,
                today=ctx.today,
            )
        stored = (
            (pl.col(f"_num_{name}") & pl.col(name).is_not_null())
            if f"_num_{name}" in unit.frame.columns
            else pl.lit(False)
        )
        inexact = stored & pl.col(name).str.contains(r"^[0-9]{16}$").fill_null(False)
        unit.frame = unit.frame.with_columns(
            problems.alias(f"_fl_{name}"),
            stored.alias(f"_f_{prefix}_STORED_AS_NUMBER"),
            inexact.alias(f"_f_{prefix}_NUMBER_MANGLED"),
        ).with_columns(
            (
                pl.col(f"_f_{prefix}_NUMBER_MANGLED")
                | pl.col(f"_fl_{name}").list.contains(f"{prefix}_NUMBER_MANGLED").fill_null(False)
            ).alias(f"_mangled_{name}")
        )
        count = unit.frame.get_column(f"_f_{prefix}_STORED_AS_NUMBER").sum()
        if count:
            ctx.notes.append(
                note("NOTE_STORED_AS_NUMBER", unit.file, column=unit.header(name), count=count)
            )
        elif f"_num_{name}" not in unit.frame.columns:
            _numeric_column_note(unit, column, ctx)


def _numeric_column_note(unit: _Unit, column: Column, ctx: _Context) -> None:
    """A file without cell types (CSV) whose column of 16-digit numbers nearly all end in 0
    probably went through Excel's 15-digit number precision: a note for the whole column (the
    cells cannot be told apart, so none is flagged)."""
    value = pl.col(column.field)
    is_number = value.str.contains(r"^[0-9]{16}$").fill_null(False)
    stats = unit.frame.select(
        is_number.sum().alias("n"), (is_number & value.str.ends_with("0")).sum().alias("zeros")
    ).row(0)
    numbers, zeros = stats
    if numbers < NUMERIC_NIK_MIN_ROWS or zeros < NUMERIC_NIK_SHARE * numbers:
        return
    ctx.notes.append(
        note(
            "NOTE_NIK_NUMERIC",
            unit.file,
            column=unit.header(column.field),
            count=zeros,
            value=numbers,
        )
    )


# NIK problems that compare the NIK with other columns: they do not make the NIK itself unfit
# to identify a person (a corrected birth date must not change the person's key).
_CROSS_CHECKS = ("NIK_BIRTHDATE_MISMATCH", "NIK_SEX_MISMATCH")


def _synthesize_person_ids(persons: _Unit, ctx: _Context) -> None:
    """A file without a person ID column: each person's `source_person_id` is made from a valid
    NIK (no problem of its own, not mangled, once in the file) as `nik-<hash>`, else from the
    family key and the person's position among that family's rows in file order
    (`<family key>#2`). Documented in docs/data-dictionary.md, with its limits."""
    fid, frame = "source_family_id", persons.frame
    if persons.has("nik"):
        own = (
            pl.col("_fl_nik")
            .list.eval(pl.element().filter(~pl.element().is_in(list(_CROSS_CHECKS))))
            .list.len()
            == 0
        )
        usable = pl.col("nik").is_not_null() & own.fill_null(False) & ~pl.col("_mangled_nik")
        candidate = pl.when(usable).then(pl.col("nik"))
        frame = frame.with_columns(
            pl.when(candidate.is_not_null() & ~candidate.is_duplicated())
            .then(pl.col("nik"))
            .alias("_key_nik")
        )
        by_nik = _number_keys(frame.get_column("_key_nik"), KEY_PREFIX_NIK)
    else:
        by_nik = pl.Series([None] * frame.height, dtype=pl.String)
    position = pl.col(ROW).rank("ordinal").over(fid).cast(pl.String)
    frame = frame.with_columns(by_nik.alias("_by_nik")).with_columns(
        pl.coalesce(
            pl.col("_by_nik"),
            pl.when(pl.col(fid).is_not_null()).then(
                pl.concat_str(pl.col(fid), pl.lit("#"), position)
            ),
        ).alias("source_person_id")
    )
    nik_count = frame.get_column("_by_nik").is_not_null().sum()
    persons.frame = frame.drop(c for c in ("_key_nik", "_by_nik") if c in frame.columns)
    ctx.notes.append(
        note(
            "NOTE_PERSON_IDS",
            persons.file,
            count=nik_count,
            value=frame.height - nik_count,
        )
    )


def _convert_region(families: _Unit, ctx: _Context) -> None:
    frame, column = families.frame, families.header(REGION_FIELD)
    desa_codes = [c for c in ctx.regions.regions if c.count(".") == 3]
    raw = pl.col(REGION_FIELD)
    frame = frame.with_columns(convert.desa_code_expr(raw).alias("desa_code"))
    errors, file = ctx.errors, families.file
    errors.add_rows("DESA_MISSING", frame.filter(raw.is_null()), None, file=file, column=column)
    invalid = frame.filter(raw.is_not_null() & pl.col("desa_code").is_null())
    errors.add_rows("DESA_INVALID", invalid, REGION_FIELD, file=file, column=column)
    known = pl.col("desa_code").is_in(pl.Series(desa_codes, dtype=pl.String).implode())
    unknown = frame.filter(pl.col("desa_code").is_not_null() & ~known)
    errors.add_rows("DESA_UNKNOWN", unknown, REGION_FIELD, file=file, column=column)
    if ctx.kabupaten:
        outside = frame.filter(
            known & ~pl.col("desa_code").str.starts_with(ctx.kabupaten.rstrip(".") + ".")
        )
        region = ctx.regions.get(ctx.kabupaten)
        errors.add_rows(
            "DESA_OUTSIDE",
            outside,
            REGION_FIELD,
            file=file,
            column=column,
            expected=f"{ctx.kabupaten} {region.name if region else ''}".strip(),
        )
    frame = frame.with_columns(
        pl.when(known).then(pl.col("desa_code")).alias("desa_code"),
    ).with_columns(pl.col("desa_code").str.slice(0, 8).alias("kecamatan_code"))
    families.frame = frame
    if families.has("desa_kelurahan"):
        _region_name_flags(families, ctx)


_NAME_PREFIXES = r"^(desa|kelurahan|kel|ds|dsa)\b"


def _name_key(name: str) -> str:
    text = re.sub(_NAME_PREFIXES, "", name.strip().lower())
    return header_key(text)


def _region_name_flags(families: _Unit, ctx: _Context) -> None:
    """REGION_NAME_MISMATCH: the desa name in the file is not the name of its code."""
    pairs = families.frame.select("desa_code", "desa_kelurahan").drop_nulls().unique().rows()
    mismatched = []
    for code, name in pairs:
        region = ctx.regions.get(code)
        if region is not None and _name_key(name) != _name_key(region.name):
            mismatched.append((code, name))
    if not mismatched:
        families.frame = families.frame.with_columns(pl.lit(False).alias("_f_REGION_NAME_MISMATCH"))
        return
    bad = pl.DataFrame(mismatched, schema=["desa_code", "desa_kelurahan"], orient="row")
    families.frame = families.frame.join(
        bad.with_columns(pl.lit(True).alias("_f_REGION_NAME_MISMATCH")),
        on=["desa_code", "desa_kelurahan"],
        how="left",
        maintain_order="left",
    )


def _age_band(persons: _Unit, ctx: _Context) -> None:
    """kelompok_usia: the position in AGE_BANDS of the first age-band flag that says 'Ya'."""
    present = [name for name in AGE_FIELDS if persons.has(name)]
    if ctx.source == "p3ke" and present:
        band = pl.coalesce(
            pl.when(pl.col(name) == "1").then(pl.lit(AGE_FIELDS.index(name) + 1, pl.Int8))
            for name in present
        )
    else:
        band = pl.lit(None, pl.Int8)
    persons.frame = persons.frame.with_columns(band.alias("kelompok_usia"))


def _family_member_flags(families: _Unit, persons: _Unit) -> None:
    fid = "source_family_id"
    frame = persons.frame.filter(pl.col(fid).is_not_null())
    aggregates = [pl.len().alias("_members")]
    has_head_info = persons.has("hubungan")
    if has_head_info:
        is_head = pl.col("hubungan") == HEAD_CODE
        aggregates += [
            is_head.sum().alias("_heads"),
            pl.col("nik").filter(is_head).first().alias("_head_nik")
            if persons.has("nik")
            else pl.lit(None, pl.String).alias("_head_nik"),
        ]
    members = frame.group_by(fid).agg(aggregates)
    joined = families.frame.join(members, on=fid, how="left", maintain_order="left")
    flags = [pl.col("_members").is_null().alias("_f_FAMILY_NO_MEMBERS")]
    if has_head_info:
        flags += [
            (pl.col("_members").is_not_null() & (pl.col("_heads") == 0)).alias("_f_FAMILY_NO_HEAD"),
            (pl.col("_heads") > 1).alias("_f_FAMILY_MANY_HEADS"),
        ]
        if families.has("nik"):
            flags.append(
                (
                    pl.col("nik").is_not_null()
                    & pl.col("_head_nik").is_not_null()
                    & (pl.col("nik") != pl.col("_head_nik"))
                ).alias("_f_FAMILY_HEAD_MISMATCH")
            )
    helpers = [c for c in ("_members", "_heads", "_head_nik") if c in joined.columns]
    families.frame = joined.with_columns(flags).drop(helpers)


def _person_regions(persons: _Unit, families: _Unit) -> None:
    """A person's desa and kecamatan are those of the family."""
    fid = "source_family_id"
    regions = families.frame.select(fid, "desa_code", "kecamatan_code").unique(fid, keep="first")
    persons.frame = persons.frame.join(regions, on=fid, how="left", maintain_order="left")


def _duplicate_flags(families: _Unit, persons: _Unit | None) -> None:
    """Duplicated NIK / KK numbers; a mangled number (lost digits) is never compared."""

    def duplicated(unit: _Unit, name: str) -> pl.Expr:
        mangled = f"_mangled_{name}"
        value = pl.col(name)
        if mangled in unit.frame.columns:
            value = pl.when(~pl.col(mangled)).then(value)
        return value.is_not_null() & value.is_duplicated()

    if families.has("no_kk"):
        families.frame = families.frame.with_columns(
            duplicated(families, "no_kk").alias("_f_KK_DUPLICATE")
        )
    if families.has("nik"):
        families.frame = families.frame.with_columns(
            duplicated(families, "nik").alias("_f_NIK_DUPLICATE")
        )
    if persons is not None and persons.has("nik"):
        persons.frame = persons.frame.with_columns(
            duplicated(persons, "nik").alias("_f_NIK_DUPLICATE")
        )


# ---------------------------------------------------------------------------------------------
# Output


def output_columns(layout: Layout) -> list[tuple[str, pl.DataType]]:
    """The columns of the validated frame of a layout, in order, with their types."""
    columns: list[tuple[str, pl.DataType]] = []
    for column in layout.columns:
        if column.field in NAME_FIELDS or column.field in AGE_FIELDS:
            continue
        if column.kind is Kind.REGION:
            columns += [("desa_code", pl.String()), ("kecamatan_code", pl.String())]
        elif column.field == "desil":
            columns.append(("desil", pl.Int8()))
        elif column.kind is Kind.DATE:
            columns.append((column.field, pl.Date()))
        elif column.kind is Kind.INT:
            columns.append((column.field, pl.Int64()))
        else:
            columns.append((column.field, pl.String()))
    if layout.unit is Unit.PERSON:
        columns += [
            ("desa_code", pl.String()),
            ("kecamatan_code", pl.String()),
            ("kelompok_usia", pl.Int8()),
        ]
    columns += [
        ("flags", pl.String()),
        ("unknown_values", pl.String()),
        ("row_hash", pl.String()),
        ("source_row", pl.Int32()),
    ]
    return columns


def _empty(layout: Layout) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(output_columns(layout)))


def _finalize(unit: _Unit | None, layout: Layout) -> tuple[pl.DataFrame, dict[str, int]]:
    """The output frame of a unit (columns of `output_columns`) and its flag counts."""
    if unit is None:
        return _empty(layout), {}
    frame = unit.frame
    schema = output_columns(unit.layout)
    frame = frame.with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in schema
        if name not in frame.columns and name not in _COMPUTED
    )
    coded_unknown = [
        f"_u_{c.field}"
        for c in unit.layout.columns
        if c.kind is Kind.CODE and f"_u_{c.field}" in frame.columns
    ]
    if coded_unknown:
        frame = frame.with_columns(pl.any_horizontal(coded_unknown).alias("_f_CODE_UNKNOWN"))
    frame = _flag_columns(frame)
    codes = sorted(c[3:] for c in frame.columns if c.startswith("_f_"))
    sums = frame.select(pl.col(f"_f_{code}").fill_null(False).sum() for code in codes)
    counts = dict(zip(codes, sums.row(0), strict=True)) if codes else {}
    counts = {code: n for code, n in counts.items() if n}
    frame = frame.with_columns(_flags_expr(codes).alias("flags"))
    frame = _with_unknown_values(frame)
    canonical = [name for name, _ in schema if name not in ("flags", "row_hash", "source_row")]
    frame = frame.with_columns(
        pl.col(name).cast(dtype)
        for name, dtype in schema
        if name in canonical and name != "unknown_values"
    )
    frame = frame.with_columns(
        convert.row_hashes(frame, canonical), pl.col(ROW).alias("source_row")
    )
    return frame.select(name for name, _ in schema), counts


_COMPUTED = ("flags", "unknown_values", "row_hash", "source_row")


def _flag_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn the problem-code lists of tepat.core.identity (`_fl_*`) into one boolean column per
    code that occurs (`_f_<code>`, or-ed with a pipeline flag of the same code)."""
    lists = [c for c in frame.columns if c.startswith("_fl_")]
    for name in lists:
        present = frame.get_column(name).explode().drop_nulls().unique().sort().to_list()
        frame = frame.with_columns(
            (
                pl.col(name).list.contains(code)
                | (pl.col(f"_f_{code}") if f"_f_{code}" in frame.columns else pl.lit(False))
            ).alias(f"_f_{code}")
            for code in present
        )
    return frame.drop(lists)


def _flags_expr(codes: list[str]) -> pl.Expr:
    """The comma-joined sorted flag codes of each row ('' when none)."""
    if not codes:
        return pl.lit("")
    parts = [pl.when(pl.col(f"_f_{code}")).then(pl.lit(code)) for code in codes]
    return pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")


def _with_unknown_values(frame: pl.DataFrame) -> pl.DataFrame:
    """`unknown_values`: a JSON object of field -> raw text for each value that could not be
    read (computed on the few rows that have one)."""
    unknown = [c[3:] for c in frame.columns if c.startswith("_u_")]
    if not unknown:
        return frame.with_columns(pl.lit("").alias("unknown_values"))
    rows = frame.filter(pl.any_horizontal(f"_u_{name}" for name in unknown))
    if rows.height == 0:
        return frame.with_columns(pl.lit("").alias("unknown_values"))
    pieces = [
        pl.when(pl.col(f"_u_{name}")).then(
            pl.struct(pl.col(f"_raw_{name}").alias(name))
            .struct.json_encode()
            .str.strip_prefix("{")
            .str.strip_suffix("}")
        )
        for name in unknown
    ]
    values = rows.select(
        ROW,
        pl.concat_str(
            [pl.lit("{"), pl.concat_str(pieces, separator=",", ignore_nulls=True), pl.lit("}")]
        ).alias("unknown_values"),
    )
    return frame.join(values, on=ROW, how="left", maintain_order="left").with_columns(
        pl.col("unknown_values").fill_null("")
    )
