"""One timed import in a fresh instance (run by import_bench.py). Prints one JSON line."""

import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from tepat.regions.services import load_kabupaten  # noqa: E402
from tepat.registry.importing import import_files, order_files  # noqa: E402

source, *files = sys.argv[1:]
call_command("migrate", verbosity=0)
load_kabupaten("35.13")
family_path, person_path = order_files([Path(f) for f in files])
started = time.perf_counter()
batch = import_files(family_path, person_path, source=source, period="bench")
total = time.perf_counter() - started
if batch.status != "done":
    sys.exit(f"import ended {batch.status}: {batch.message}")
t = batch.timings
print(
    json.dumps(
        {
            "families": batch.families_total,
            "persons": batch.persons_total,
            "read": t.get("read", 0.0),
            "validate": t.get("validate", 0.0),
            "write": t.get("write", 0.0),
            "total": total,
    "timings": t,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
