"""gunicorn hooks of the load test (`run.py` passes this file with -c): each worker records
its garbage-collector pauses, so that a run can tell a collection from a slow page.

A full collection (generation 2) walks every container object of the process and holds the
GIL meanwhile: every thread of that worker waits. `run.py` sums the files after the run.

`LOAD_GC_THRESHOLD=a,b,c` sets the workers' `gc.set_threshold(a, b, c)`, for experiments only
(docs/benchmarks.md, Load, run 15: a young generation of 10,000 did not help).
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path


def post_fork(server, worker) -> None:  # noqa: ANN001 (gunicorn's hook signature)
    folder = Path(os.environ["LOAD_GC_DIR"])
    log = (folder / f"gc-{os.getpid()}.csv").open("a", buffering=1)
    started: dict[str, float] = {}

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started:
            ms = (time.perf_counter() - started.pop("t")) * 1000
            if info["generation"] == 2 or ms >= 5:
                log.write(f"{time.time():.3f},{info['generation']},{ms:.2f},"
                          f"{info['collected']}\n")

    gc.callbacks.append(record)
    threshold = os.environ.get("LOAD_GC_THRESHOLD")
    if threshold:
        gc.set_threshold(*(int(n) for n in threshold.split(",")))
