"""The child process that parses one untrusted workbook (run by `tepat.pipeline.workbook`).

    python -I sheet_child.py FILE MEMORY_BYTES

It limits its own address space first (RLIMIT_AS; no core file), then imports fastexcel, so a
hostile sheet that makes calamine allocate beyond the limit aborts this process only. Requests
come one JSON line at a time on stdin, answers go one JSON line at a time on stdout:

    {"op": "names"}                                  -> {"names": [...], "peak_kb": n}
    {"op": "load", "sheet": "…" | 0, "n_rows": null, "out": "/tmp/…/1.arrow"}
                                                      -> {"errors": [[row, col, "#N/A"]], …}
    {"op": "numbers", "sheet": …, "columns": [3, 7], "n_rows": null}
                                                      -> {"numbers": {"3": [row, …]}, …}
    any failure that Python can still catch           -> {"fail": "text"}

A loaded sheet is written as an Arrow IPC file (every cell as text) that the parent reads with
Polars. This file imports nothing from Tepat (it runs with `-I`: no user site, no current
directory on the path), only the standard library, fastexcel and pyarrow.
"""

from __future__ import annotations

import json
import re
import resource
import sys

_EXCEL_ERRORS = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def limit_memory(limit_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cell_error(error: object) -> list[object]:
    row, column = error.offset_position  # type: ignore[attr-defined]
    match = _ERROR_DETAIL.search(error.detail)  # type: ignore[attr-defined]
    text = _EXCEL_ERRORS.get(match.group(1), f"#{match.group(1)}") if match else "#?"
    return [row, column, text]


def load(reader: object, request: dict[str, object]) -> dict[str, object]:
    import pyarrow as pa
    import pyarrow.ipc

    loaded = reader.load_sheet(  # type: ignore[attr-defined]
        request["sheet"], header_row=None, skip_rows=0, n_rows=request.get("n_rows"),
        dtypes="string")
    batch, found = loaded.to_arrow_with_errors()
    table = pa.Table.from_batches([batch])
    table = table.cast(pa.schema([pa.field(f.name, pa.large_string()) for f in table.schema]))
    with pa.OSFile(str(request["out"]), "wb") as sink, pyarrow.ipc.new_file(
            sink, table.schema) as writer:
        writer.write_table(table)
    errors = [cell_error(e) for e in (found.errors if found else [])]
    return {"errors": errors, "rows": table.num_rows, "peak_kb": peak_kb()}


def numbers(reader: object, request: dict[str, object]) -> dict[str, object]:
    """The rows (0-based, as in `load`) of the given columns whose cell is stored as a number
    (or a boolean), not as text: the sheet loaded again, only those columns, as booleans. A
    number cell becomes true/false, a text or date cell null (`to_arrow` without errors, so the
    usual all-text column costs no error objects). Loading as float would not do: calamine
    turns a text cell '3513010101010101' into a float without a word (tested)."""
    import pyarrow.compute as pc

    columns = sorted({int(c) for c in request["columns"]})  # type: ignore[attr-defined]
    if not columns:
        return {"numbers": {}, "peak_kb": peak_kb()}
    loaded = reader.load_sheet(  # type: ignore[attr-defined]
        request["sheet"], header_row=None, skip_rows=0, n_rows=request.get("n_rows"),
        use_columns=columns, dtypes=dict.fromkeys(columns, "boolean"))
    batch = loaded.to_arrow()
    found: dict[str, list[int]] = {}
    for column, values in zip(columns, batch.columns, strict=True):
        found[str(column)] = pc.indices_nonzero(values.is_valid()).to_pylist()
    return {"numbers": found, "peak_kb": peak_kb()}


def answer(reader: object, request: dict[str, object]) -> dict[str, object]:
    if request["op"] == "names":
        return {"names": list(reader.sheet_names), "peak_kb": peak_kb()}  # type: ignore[attr-defined]
    if request["op"] == "numbers":
        return numbers(reader, request)
    return load(reader, request)


def serve(path: str) -> None:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # calamine reports damage in many ways, panics included
        reader, opening = None, exc
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if reader is None:
                raise opening
            reply = answer(reader, request)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as exc:
            reply = {"fail": " ".join(str(exc).split())[:300] or type(exc).__name__}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    limit_memory(int(sys.argv[2]))
    serve(sys.argv[1])
