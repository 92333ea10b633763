"""The import pipeline: read, map, validate and report P3KE/DTSEN files (no Django here).

    validated = validate_files(family_path, person_path, "p3ke", regions=national_table(),
                               today=date.today())
    if validated.error_count:
        write_error_report(validated.errors, out_dir, "laporan_kesalahan")

`validate_files` raises `ReadError` for a file that cannot be read at all; everything else is a
`RowError` (blocks the import) or a data-quality flag on the row (never blocks).
"""

from tepat.pipeline.errors import ReadError, RowError
from tepat.pipeline.headers import HeaderMapping, map_headers
from tepat.pipeline.messages import CATALOGUE, FLAGS, Note, flag_message
from tepat.pipeline.readers import RawTable, ZipLimits, read_sheet
from tepat.pipeline.report import write_error_report
from tepat.pipeline.validate import Validated, output_columns, validate_files, validate_tables

__all__ = [
    "CATALOGUE",
    "FLAGS",
    "HeaderMapping",
    "Note",
    "RawTable",
    "ReadError",
    "RowError",
    "Validated",
    "ZipLimits",
    "flag_message",
    "map_headers",
    "output_columns",
    "read_sheet",
    "validate_files",
    "validate_tables",
    "write_error_report",
]
