"""Open an untrusted .xlsx where a failure cannot take the server along (issue 16 §1).

    with open_workbook(path, "data.xlsx") as book:
        for sheet in book.sheet_names:
            grid = book.load(sheet)          # every cell as text, Excel errors kept apart

calamine (through fastexcel) parses in Rust: a sheet built to make it allocate 512 GiB aborts
the whole process, and no Python `except` sees it. So the workbook is first checked by
`xlsx_guard.check_workbook` (a pure, streaming pre-check that refuses what is plainly hostile),
then parsed in a child process (`sheet_child.py`, started with `subprocess`, never a fork of
the threaded server) whose address space is limited (`RLIMIT_AS`) and whose every answer must
come within a wall-clock timeout. A child that dies, is killed, runs out of memory or of time
becomes `ReadError("FILE_PARSE_LIMIT")`, naming the file; the parent is untouched.

The limits default to `ParseLimits()`; the web app and the worker set theirs from the settings
`PARSE_MEMORY_MB` and `PARSE_TIMEOUT_SECONDS` (`configure`).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tepat.pipeline.errors import ReadError
from tepat.pipeline.messages import safe_value
from tepat.pipeline.xlsx_guard import ZipLimits, check_workbook

MB = 1024 * 1024
_CHILD = Path(__file__).with_name("sheet_child.py")


@dataclass(frozen=True)
class ParseLimits:
    """What one parsing child may use.

    `memory_mb` is the child's address space (RLIMIT_AS), not its resident memory: Python with
    fastexcel and pyarrow maps about 600 MB before it reads a byte. The P3KE person file of a
    regency (500,000 persons, 48 MB) peaks near 1.2 GB resident in the child, so 4 GB leaves
    room and stops a sparse-sheet allocation long before the machine feels it. `timeout_seconds`
    bounds every answer of the child (open, list sheets, load one sheet); the regency person
    file loads in 25 s on the project's VM under moderate load, 78 s under heavy load
    (docs/benchmarks.md, Hostile uploads).
    """

    memory_mb: int = 4096
    timeout_seconds: float = 300.0


_DEFAULT = [ParseLimits()]


def configure(limits: ParseLimits) -> None:
    """Set the limits every later `open_workbook` uses when it is given none."""
    _DEFAULT[0] = limits


def default_limits() -> ParseLimits:
    return _DEFAULT[0]


@dataclass
class Grid:
    frame: pl.DataFrame  # one String column per sheet column; row i is spreadsheet row i + 1
    errors: list[tuple[int, int, str]]  # (frame row, frame column, '#N/A')


class Workbook:
    """A running child that holds one workbook open; see `open_workbook`."""

    def __init__(self, path: Path, name: str, limits: ParseLimits) -> None:
        self.name, self.limits = name, limits
        self.peak_kb = 0  # the child's peak resident memory, from its answers or its rusage
        self._dir = Path(tempfile.mkdtemp(prefix="tepat-sheet-"))
        self._loads = 0
        self._stderr = self._dir / "stderr.txt"
        with self._stderr.open("wb") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(_CHILD), str(path.resolve()),
                 str(limits.memory_mb * MB)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                env=_child_env(), cwd=self._dir,
            )
        self._buffer = b""
        try:
            self.sheet_names: list[str] = list(self._ask({"op": "names"})["names"])
        except BaseException:
            self.close()
            raise

    def load(self, sheet: str | int, n_rows: int | None = None) -> Grid:
        """The sheet (by name or position) as text cells, with its Excel error cells apart."""
        self._loads += 1
        out = self._dir / f"{self._loads}.arrow"
        reply = self._ask({"op": "load", "sheet": sheet, "n_rows": n_rows, "out": str(out)})
        frame = pl.read_ipc(out)
        out.unlink()
        errors = [(int(r), int(c), str(t)) for r, c, t in reply["errors"]]
        return Grid(frame.select(pl.all().cast(pl.String)), errors)

    def numbers(self, sheet: str | int, columns: list[int],
                n_rows: int | None = None) -> dict[int, list[int]]:
        """Column -> the frame rows (0-based, as in `load`) whose cell is stored as a number or
        a boolean rather than as text. A .xlsx knows each cell's type; `load` gives every cell
        as text, so a NIK typed as a number (Excel keeps 15 digits) looks like a good one."""
        if not columns:
            return {}
        reply = self._ask({"op": "numbers", "sheet": sheet, "columns": sorted(set(columns)),
                           "n_rows": n_rows})
        found = reply["numbers"]
        assert isinstance(found, dict)
        return {int(column): [int(r) for r in rows] for column, rows in found.items()}

    def close(self) -> None:
        if self._process.returncode is None:
            if self._process.stdin is not None:
                with suppress(OSError):
                    self._process.stdin.close()
            self._reap(wait=5.0)
        if self._process.stdout is not None:
            self._process.stdout.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- talking to the child ----------------------------------------------------------------

    def _ask(self, request: dict[str, object]) -> dict[str, object]:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died() from None
        line = self._read_line(time.monotonic() + self.limits.timeout_seconds)
        try:
            reply = json.loads(line)
        except ValueError:  # the child wrote something else on stdout: it is not to be trusted
            self._reap(wait=0.0)
            raise ReadError("FILE_CORRUPT", self.name, detail="jawaban pembaca tidak terbaca / "
                            "unreadable answer from the reader") from None
        self.peak_kb = max(self.peak_kb, int(reply.get("peak_kb", 0)))
        if "fail" in reply:
            detail = safe_value(str(reply["fail"])[:160])
            raise ReadError("FILE_CORRUPT", self.name, detail=detail)
        return reply

    def _read_line(self, deadline: float) -> bytes:
        stdout = self._process.stdout
        assert stdout is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self._reap(wait=0.0)
                raise self._limit_error("waktu habis / out of time",
                                        f"{self.limits.timeout_seconds:g} s")
            ready, _, _ = select.select([stdout], [], [], left)
            if ready:
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise self._died()
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _died(self) -> ReadError:
        status = self._reap(wait=5.0)
        if status is not None and status < 0:
            what = f"proses pembaca dihentikan / the reader process was stopped ({_signal(status)})"
        else:
            what = f"proses pembaca berhenti / the reader process ended (status {status})"
        if self._memory_exhausted():
            what = "memori habis / out of memory"
        return self._limit_error(what, f"{self.limits.memory_mb:,} MB")

    def _memory_exhausted(self) -> bool:
        try:
            with self._stderr.open("rb") as fh:
                text = fh.read(65536)
        except OSError:
            return False
        return b"memory allocation of" in text or b"MemoryError" in text

    def _limit_error(self, what: str, limit: str) -> ReadError:
        return ReadError("FILE_PARSE_LIMIT", self.name, detail=what, limit=limit)

    def _reap(self, wait: float) -> int | None:
        """End the child (killing it if it is still there after `wait` s) and collect its
        exit status and peak memory (os.wait4: the kernel's account, even after an abort)."""
        process = self._process
        if process.returncode is not None:
            return process.returncode
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                return self._collected(status, usage)
            time.sleep(0.01)
        process.kill()
        _pid, status, usage = os.wait4(process.pid, 0)
        return self._collected(status, usage)

    def _collected(self, status: int, usage: object) -> int:
        self.peak_kb = max(self.peak_kb, int(usage.ru_maxrss))  # type: ignore[attr-defined]
        self._process.returncode = os.waitstatus_to_exitcode(status)
        return self._process.returncode


@contextmanager
def open_workbook(path: Path | str, name: str, *, limits: ParseLimits | None = None,
                  zip_limits: ZipLimits | None = None,
                  checked: bool = False) -> Iterator[Workbook]:
    """The workbook, checked (unless `checked`: the caller already ran `check_workbook`) and
    opened in a limited child process that ends when the block ends."""
    path = Path(path)
    if not checked:
        check_workbook(path, name, zip_limits or ZipLimits())
    book = Workbook(path, name, limits or default_limits())
    try:
        yield book
    finally:
        book.close()


def _child_env() -> dict[str, str]:
    """The child's environment: enough to run Python, nothing of the server's secrets."""
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "HOME")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _signal(status: int) -> str:
    try:
        return signal.Signals(-status).name
    except ValueError:
        return str(-status)
