"""Hostile uploads: every file of the corpus (tests/hostile.py) through every reader of uploads,
each case in a fresh process; prints outcome, message code, wall time, the parsing child's peak
memory and the growth of the (server) process's own peak. Then the cost of the safety on real
files: the pre-check and the child against fastexcel in process.

    uv run python bench/hostile_uploads.py [--big DIR]

DIR holds the regency-size p3ke_keluarga.xlsx and p3ke_individu.xlsx written by
`uv run python tests/pipeline/bigfile.py DIR 150000 500000`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

ENTRIES = {  # entry point -> what calls it
    "registry": "import page (worker), `tepat import`: read_sheet",
    "program": "/program/<id>/unggah/: matching._read_table",
    "pejabat": "officials import: read_officials_sheet",
    "indikator": "indicators import: loading.read_table",
    "odk": "ODK submissions upload: the form, then odk.read_table",
    "foto": "house / visit photo: evidence.resized_photo",
    "berita": "berita acara scan: evidence.checked_document",
}


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return int(next(ln for ln in fh if ln.startswith("VmHWM:")).split()[1])


def run_case(entry: str, path: Path) -> dict[str, object]:
    """One reader on one file, in this (fresh) process: the outcome as a dict."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.core.layout import P3KE_FAMILY
    from tepat.pipeline.errors import ReadError
    from tepat.verification.errors import RuleError

    before = _rss_kb()
    started = time.perf_counter()
    code, message = "-", ""
    try:
        if entry == "registry":
            from tepat.pipeline.readers import read_sheet

            read_sheet(path, P3KE_FAMILY)
            code = "accepted"
        elif entry == "program":
            from tepat.interventions.beneficiary_file import UploadRejected, _read_table

            try:
                _read_table(path)
                code = "accepted"
            except UploadRejected as rejected:
                message = rejected.file_problems[0].message_en
        elif entry == "pejabat":
            from tepat.gesek.importing import read_officials_sheet

            read_officials_sheet(path, path.name)
            code = "accepted"
        elif entry == "indikator":
            from tepat.indicators.loading import read_table

            table, problems = read_table(path, path.name)
            code = "accepted" if table is not None else "-"
            message = problems[0].message_en if problems else ""
        elif entry == "odk":
            from tepat.verification.odk import FileRejected, read_table
            from tepat.web.views.odk import UploadForm

            form = UploadForm({}, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
            if not form.is_valid():
                message = " ".join(form.errors["file"])
                code = "FORM"
            else:
                try:
                    read_table(path.read_bytes())
                    code = "accepted"
                except FileRejected as rejected:
                    message = rejected.problems[0].message_en
        elif entry in ("foto", "berita"):
            from tepat.verification.evidence import checked_document, resized_photo

            upload = SimpleUploadedFile(path.name, path.read_bytes())
            (resized_photo if entry == "foto" else checked_document)(upload)
            code = "accepted"
    except ReadError as error:
        code, message = error.code, error.message_en
    except RuleError as error:
        code, message = "RULE", str(error)
    seconds = time.perf_counter() - started
    if code in ("-", "RULE"):
        code = _code_from(message) or code
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"code": code, "message": message[:200], "seconds": seconds,
            "named": path.name in message or code == "accepted",
            "child_mb": child / 1024, "server_growth_mb": (_rss_kb() - before) / 1024}


def _code_from(message: str) -> str | None:
    """The read-error code whose English template (its fixed text after the file name)
    the message carries: for readers that pass on the sentence, not the code."""
    from tepat.pipeline.messages import READ_ERRORS

    for code, (_id, template) in READ_ERRORS.items():
        fixed = template.split("{file}", 1)[-1].split("{", 1)[0].strip()
        if len(fixed) > 8 and fixed in message:
            return code
    return None


def corpus_table(folder: Path) -> list[str]:
    from hostile import corpus

    lines = ["| file kind | size | entry point | outcome | code | names the file | s | "
             "child peak MB | server peak +MB |", "|---|---|---|---|---|---|---|---|---|"]
    for item in corpus():
        path = item.write(folder)
        entries = ["foto", "berita"] if item.image else ["registry", "program", "pejabat",
                                                          "indikator", "odk"]
        for entry in entries:
            out = subprocess.run([sys.executable, __file__, "--case", entry, str(path)],
                                 capture_output=True, text=True, cwd=ROOT)
            if out.returncode != 0:
                lines.append(f"| {item.kind} | {len(item.data):,} | {entry} | PROCESS DIED "
                             f"({out.returncode}) | | | | | |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            outcome = "accepted" if r["code"] == "accepted" else "refused"
            lines.append(
                f"| {item.kind} | {len(item.data):,} | {entry} | {outcome} | {r['code']} | "
                f"{'yes' if r['named'] else 'no'} | {r['seconds']:.2f} | "
                f"{r['child_mb']:,.0f} | {r['server_growth_mb']:,.0f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


def overhead(big: Path | None, small: Path) -> list[str]:
    """The safety's cost: pre-check, child start-up and the whole read, against fastexcel in
    this process (what `read_sheet` did before issue 16)."""
    import fastexcel

    from tepat.pipeline.workbook import open_workbook
    from tepat.pipeline.xlsx_guard import ZipLimits, check_workbook

    def in_process(path: Path) -> float:
        started = time.perf_counter()
        reader = fastexcel.read_excel(str(path))
        reader.load_sheet(0, header_row=None, dtypes="string").to_arrow_with_errors()
        return time.perf_counter() - started

    def checked(path: Path) -> float:
        started = time.perf_counter()
        check_workbook(path, path.name, ZipLimits())
        return time.perf_counter() - started

    def child(path: Path) -> tuple[float, float]:
        started = time.perf_counter()
        with open_workbook(path, path.name, checked=True) as book:
            book.load(0)
            peak = book.peak_kb / 1024
        return time.perf_counter() - started, peak

    lines = ["| file | fastexcel in process s | pre-check s | child read s | child peak MB |",
             "|---|---|---|---|---|"]
    files = [small] + ([big / "p3ke_keluarga.xlsx", big / "p3ke_individu.xlsx"] if big else [])
    for path in files:
        runs = 5 if path == small else 1
        base = statistics.median(in_process(path) for _ in range(runs))
        pre = statistics.median(checked(path) for _ in range(runs))
        reads = [child(path) for _ in range(runs)]
        seconds = statistics.median(r[0] for r in reads)
        lines.append(f"| {path.name} ({path.stat().st_size / 1e6:,.1f} MB) | {base:.2f} | "
                     f"{pre:.2f} | {seconds:.2f} | {max(r[1] for r in reads):,.0f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", nargs=2, metavar=("ENTRY", "FILE"))
    parser.add_argument("--big", type=Path, help="folder with the regency-size P3KE xlsx")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], Path(args.case[1]))))
        return
    from hostile import workbook

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = folder / "kecil.xlsx"
        small.write_bytes(workbook())
        print(f"# {date.today()} · {platform.machine()} · {os.cpu_count()} CPU · Python "
              f"{platform.python_version()}")
        print("\n".join(corpus_table(folder)))
        print()
        print("\n".join(overhead(args.big, small)))


if __name__ == "__main__":
    main()
