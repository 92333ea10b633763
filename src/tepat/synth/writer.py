"""Write synthetic data as an export would come: two files plus the ground truth.

    {source}_keluarga.{csv|xlsx}   families, headers of the layout (tepat.core.layout)
    {source}_individu.{csv|xlsx}   persons
    ground_truth.csv               one row per injected defect
    ground_truth.json              summary, defect rates, seed, reference date, file names

The linked data set (`write_linked`, see `tepat.synth.linkage`):

    dtsen_keluarga / dtsen_individu, p3ke_keluarga / p3ke_individu,
    p3ke2_keluarga / p3ke2_individu, dtks_keluarga / dtks_anggota, bantuan   (.csv or .xlsx)
    truth_linkage.csv              source, record_id, entity, variant, change (one row a record)
    truth_linkage.json             summary, rates, seed, file names

CSV: UTF-8 (no BOM), comma-separated, one header row, '\\n' line ends, dates as YYYY-MM-DD, null
as an empty field, quotes only where needed. XLSX: one sheet ("keluarga" / "individu"), NIK, KK
and ID columns as text cells, dates as real Excel dates shown as yyyy-mm-dd. The same data gives
byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import polars as pl

from tepat.core.layout import (
    DTKS_FAMILY,
    DTKS_PERSON,
    DTSEN_FAMILY,
    DTSEN_PERSON,
    P3KE_FAMILY,
    P3KE_PERSON,
    Kind,
    Layout,
)
from tepat.synth.generator import SynthData
from tepat.synth.linkage import BENEFICIARY_TEXT_COLUMNS, LinkedData
from tepat.synth.xlsx import write_xlsx

Format = Literal["csv", "xlsx"]
_TEXT_KINDS = (Kind.ID, Kind.REF, Kind.NIK, Kind.REGION)
EXCEL_MAX_ROWS = 1_048_576  # header included


def _text_columns(layout: Layout) -> list[str]:
    return [c.header for c in layout.columns if c.kind in _TEXT_KINDS]


def _write_table(
    frame: pl.DataFrame, path: Path, fmt: Format, sheet: str, layout: Layout, xlsx_engine: str
) -> None:
    if fmt == "csv":
        frame.write_csv(path, date_format="%Y-%m-%d", line_terminator="\n")
    elif xlsx_engine == "fast":
        write_xlsx(frame, path, sheet_name=sheet, text_columns=_text_columns(layout))
    elif xlsx_engine == "xlsxwriter":
        _write_xlsxwriter(frame, path, sheet)
    else:
        raise ValueError(f"unknown xlsx engine {xlsx_engine!r}")


def _write_xlsxwriter(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    """The reference writer (slow: about 6 us a cell); kept to cross-check the fast one."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    worksheet.write_row(0, 0, frame.columns)
    dates = {i for i, dt in enumerate(frame.dtypes) if dt == pl.Date}
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if c in dates:
                worksheet.write_datetime(r, c, value, date_format)
            else:
                worksheet.write_string(r, c, value)
    workbook.close()


def write(
    data: SynthData, out_dir: Path, fmt: Format = "csv", *, xlsx_engine: str = "fast"
) -> list[Path]:
    """Write the two source files and the ground truth into `out_dir`; returns the paths."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"fmt must be 'csv' or 'xlsx', got {fmt!r}")
    if fmt == "xlsx":
        for frame in (data.families, data.persons):
            if frame.height + 1 > EXCEL_MAX_ROWS:
                raise ValueError(
                    f"{frame.height:,} rows do not fit in one Excel sheet "
                    f"({EXCEL_MAX_ROWS - 1:,} data rows at most); write csv instead"
                )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fam_path = out_dir / f"{data.source}_keluarga.{fmt}"
    per_path = out_dir / f"{data.source}_individu.{fmt}"
    _write_table(data.families, fam_path, fmt, "keluarga", data.family_layout, xlsx_engine)
    _write_table(data.persons, per_path, fmt, "individu", data.person_layout, xlsx_engine)

    truth_csv = out_dir / "ground_truth.csv"
    data.truth.write_csv(truth_csv, line_terminator="\n")
    truth_json = out_dir / "ground_truth.json"
    payload = {
        "generator": "tepat.synth",
        "source": data.source,
        "seed": data.seed,
        "households": data.households,
        "reference_date": data.reference_date.isoformat(),
        "rates": data.rates.as_dict(),
        "files": {
            "families": fam_path.name,
            "persons": per_path.name,
            "truth": truth_csv.name,
        },
        "summary": data.summary,
    }
    truth_json.write_text(
        json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [fam_path, per_path, truth_csv, truth_json]


def _layout_text_columns(frame: pl.DataFrame, layout: Layout | None) -> list[str]:
    if layout is None:
        return [c for c in BENEFICIARY_TEXT_COLUMNS if c in frame.columns]
    return [c for c in _text_columns(layout) if c in frame.columns]


def write_linked(data: LinkedData, out_dir: Path, fmt: Format = "csv") -> list[Path]:
    """Every file of a linked data set and its truth into `out_dir`; returns the paths. With
    xlsx, a table over Excel's row limit (DTSEN persons at full size) is written as csv."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"fmt must be 'csv' or 'xlsx', got {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = (
        ("dtsen_keluarga", data.dtsen.families, DTSEN_FAMILY),
        ("dtsen_individu", data.dtsen.persons, DTSEN_PERSON),
        ("p3ke_keluarga", data.p3ke_families, P3KE_FAMILY),
        ("p3ke_individu", data.p3ke_persons, P3KE_PERSON),
        ("p3ke2_keluarga", data.p3ke2_families, P3KE_FAMILY),
        ("p3ke2_individu", data.p3ke2_persons, P3KE_PERSON),
        ("dtks_keluarga", data.dtks_families, DTKS_FAMILY),
        ("dtks_anggota", data.dtks_persons, DTKS_PERSON),
        ("bantuan", data.bantuan, None),
    )
    paths = []
    for name, frame, layout in tables:
        table_fmt = "csv" if frame.height + 1 > EXCEL_MAX_ROWS else fmt
        path = out_dir / f"{name}.{table_fmt}"
        if table_fmt == "csv":
            frame.write_csv(path, date_format="%Y-%m-%d", line_terminator="\n")
        else:
            sheet = name.split("_")[-1]
            write_xlsx(frame, path, sheet_name=sheet,
                       text_columns=_layout_text_columns(frame, layout))
        paths.append(path)
    truth_csv = out_dir / "truth_linkage.csv"
    data.truth.write_csv(truth_csv, line_terminator="\n")
    truth_json = out_dir / "truth_linkage.json"
    payload = {
        "generator": "tepat.synth.linkage",
        "seed": data.seed,
        "households": data.households,
        "reference_date": data.reference_date.isoformat(),
        "rates": data.rates.as_dict(),
        "files": [p.name for p in paths],
        "truth": truth_csv.name,
        "summary": data.summary,
    }
    truth_json.write_text(
        json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [*paths, truth_csv, truth_json]
