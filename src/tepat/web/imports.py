"""What the import pages show of a batch besides its fields: flag counts and the error report.

The batch is written by `tepat.registry.importing`; this module only reads it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tepat.registry.models import BatchStatus, SourceBatch
from tepat.web.flags import Flag, english, flag_info

REPORT_FORMATS = ("xlsx", "csv")
FIRST_ERRORS = 50


@dataclass(frozen=True)
class FlagCount:
    flag: Flag
    count: int
    unit: str  # "" when the batch does not say which unit the count is of


def _unit_label(unit: str) -> str:
    return {"keluarga": _("keluarga"), "individu": _("jiwa")}.get(unit, unit)


def flag_counts(batch: SourceBatch) -> list[FlagCount]:
    """{unit: {code: n}} (as the pipeline writes it) or {code: n} as rows, largest first."""
    rows = []
    for key, value in (batch.flag_counts or {}).items():
        if isinstance(value, dict):
            unit = _unit_label(key)
            rows += [FlagCount(flag_info(code), int(n), unit) for code, n in value.items()]
        else:
            rows.append(FlagCount(flag_info(key), int(value), ""))
    return sorted(rows, key=lambda r: (-r.count, r.flag.code))


def _allowed_roots() -> list[Path]:
    return [Path(settings.IMPORT_DIR).resolve(), Path(settings.MEDIA_ROOT).resolve()]


def report_path(batch: SourceBatch, fmt: str) -> Path | None:
    """The batch's error report in `fmt` (the stored path, or its sibling with that suffix),
    when it exists inside the instance's import or media folder."""
    if not batch.error_report or fmt not in REPORT_FORMATS:
        return None
    stored = Path(batch.error_report)
    if not stored.is_absolute():
        stored = Path(settings.IMPORT_DIR) / stored
    path = stored.with_suffix(f".{fmt}").resolve()
    if not any(path.is_relative_to(root) for root in _allowed_roots()) or not path.is_file():
        return None
    return path


def report_formats(batch: SourceBatch) -> list[str]:
    return [fmt for fmt in REPORT_FORMATS if report_path(batch, fmt)]


CHANGE_LIST_STEM = "perubahan"  # as tepat.registry.editions writes it beside the batch's files


def change_list_path(batch: SourceBatch, fmt: str) -> Path | None:
    if fmt not in REPORT_FORMATS:
        return None
    path = (Path(settings.IMPORT_DIR) / str(batch.pk) / f"{CHANGE_LIST_STEM}.{fmt}").resolve()
    if not path.is_relative_to(Path(settings.IMPORT_DIR).resolve()) or not path.is_file():
        return None
    return path


def change_list_formats(batch: SourceBatch) -> list[str]:
    return [fmt for fmt in REPORT_FORMATS if change_list_path(batch, fmt)]


@dataclass(frozen=True)
class ChangeRow:
    label: str
    families: int | None
    persons: int | None
    family_examples: list[dict]
    person_examples: list[dict]


def change_rows(batch: SourceBatch) -> list[ChangeRow]:
    """The change set's categories as table rows (keluarga, jiwa) with their examples."""
    summary = batch.changeset or {}
    if not summary.get("families"):
        return []
    fam, per, ex = summary["families"], summary["persons"], summary.get("examples", {})
    rows = [
        (_("Baru"), fam.get("added"), per.get("added"), "added"),
        (_("Berubah"), fam.get("changed"), per.get("changed"), "changed"),
        (_("Pindah keluarga"), None, per.get("moved"), "moved"),
        (_("Muncul lagi"), fam.get("returned"), per.get("returned"), "returned"),
        (_("Tetap"), fam.get("same"), per.get("same"), ""),
        (_("Tidak ada di edisi ini"), fam.get("absent"), per.get("absent"), "absent"),
        (_("Keluarga tanpa anggota"), fam.get("emptied"), None, "emptied"),
    ]
    rows[1:1] = _linked_rows(summary.get("linked"))
    return [
        ChangeRow(label, f, p, ex.get(f"families_{key}", []) if key else [],
                  ex.get(f"persons_{key}", []) if key else [])
        for label, f, p, key in rows
    ]


def _linked_rows(linked: dict | None) -> list[tuple[str, int | None, int | None, str]]:
    """The added persons split by the person linkage: known under another record ID (their
    earlier family in the examples) and new; nothing when linkage did not look."""
    if not linked:
        return []
    if not linked.get("checked"):
        return [(_("— dikenal / orang baru: belum diperiksa (terlalu banyak; dikerjakan "
                   "proses kaitan)"), None, None, "")]
    return [(_("— dikenal (sudah ada di registri dengan ID lain)"), None, linked["known"],
             "known"),
            (_("— orang baru"), None, linked["new"], "")]


# Columns of the pipeline's error report (tepat.pipeline.report.HEADERS) holding the full
# message, which already names the file, row and column.
MESSAGE_COLUMNS = {"id": "Masalah", "en": "Problem (EN)"}


def _message(headers: list[str], row: list[str]) -> str:
    """One error as the reader's sentence: the message column of the active language, or the
    whole row when the report has another shape."""
    for column in (MESSAGE_COLUMNS["en" if english() else "id"], MESSAGE_COLUMNS["id"]):
        if column in headers and headers.index(column) < len(row):
            return row[headers.index(column)]
    return " · ".join(cell for cell in row if cell)


def _read_csv(path: Path, limit: int) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        headers = next(reader, [])
        return headers, [row for _i, row in zip(range(limit), reader, strict=False)]


def _read_xlsx(path: Path, limit: int) -> tuple[list[str], list[list[str]]]:
    # Read in process: this workbook is the error report Tepat wrote itself, not an upload
    # (uploads go through tepat.pipeline.workbook's limited child process).
    import fastexcel  # only when no CSV twin exists

    frame = fastexcel.read_excel(str(path)).load_sheet(0, n_rows=limit).to_polars()
    rows = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    return list(frame.columns), rows


def first_errors(batch: SourceBatch, limit: int = FIRST_ERRORS) -> list[str]:
    """The first errors of the report (its CSV if there is one, else the workbook) as messages."""
    if (path := report_path(batch, "csv")) is not None:
        headers, rows = _read_csv(path, limit)
    elif (path := report_path(batch, "xlsx")) is not None:
        headers, rows = _read_xlsx(path, limit)
    else:
        return []
    return [_message(headers, row) for row in rows]


# Words of the pipeline's FILE_NO_HEADER and MISSING_COLUMN messages, in both languages.
_HEADER_PROBLEMS = ("baris judul kolom tidak ditemukan", "kolom wajib",
                    "no row of column headers", "the required column")


def headers_unknown(batch: SourceBatch) -> bool:
    """A rejected import whose headers were not recognised: the page offers the column mapping
    step for its files."""
    if batch.status != BatchStatus.REJECTED:
        return False
    texts = [batch.message, *first_errors(batch, 5)]
    return any(p in (t or "").lower() for t in texts for p in _HEADER_PROBLEMS)


# The import's steps as its timings name them (tepat.registry.importing, tepat.pipeline).
STEP_LABELS = {
    "read": gettext_lazy("Membaca berkas"),
    "validate": gettext_lazy("Memeriksa baris"),
    "check": gettext_lazy("Pemeriksaan seluruhnya"),
    "changeset": gettext_lazy("Menghitung perubahan"),
    "changeset_build": gettext_lazy("Menyusun daftar perubahan"),
    "changeset_lists": gettext_lazy("Menulis daftar perubahan"),
    "write": gettext_lazy("Menyimpan ke registri"),
    "editions": gettext_lazy("Menyimpan edisi"),
    "commit": gettext_lazy("Menyelesaikan penyimpanan"),
    "total": gettext_lazy("Seluruhnya"),
}


def step_timings(batch: SourceBatch) -> list[tuple[str, float]]:
    """(step name in the reader's language, seconds), in the order the import ran them."""
    return [(str(STEP_LABELS.get(step, step)), seconds)
            for step, seconds in (batch.timings or {}).items()]
