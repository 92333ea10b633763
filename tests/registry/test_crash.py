"""kill -9 of a running import at random moments (issue 6 §5): the database stays consistent
(all of the import or none of it), the batch is marked failed by the next process, and running
the import again completes with no duplicates.

The import runs as a real `tepat import` process against a scratch database of the engine under
test (a SQLite file, or a PostgreSQL database made from a migrated template), because a process
that is killed cannot share pytest's in-memory or in-transaction test database.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUNS = 10
HOUSEHOLDS = 1200
ROOT = Path(__file__).resolve().parents[2]

CHECK = r"""
import json, django
django.setup()
from django.db.models import Count, Sum
from pathlib import Path
from tepat.registry.importing import import_files, order_files, recover_interrupted
from tepat.registry.models import DesaStat, Family, Person, SourceBatch

def state():
    return {
        "families": Family.objects.count(),
        "family_ids": Family.objects.values("source_family_id").distinct().count(),
        "persons": Person.objects.count(),
        "stat_families": DesaStat.objects.aggregate(n=Sum("families"))["n"] or 0,
        "statuses": list(SourceBatch.objects.order_by("pk").values_list("status", flat=True)),
        "messages": list(SourceBatch.objects.order_by("pk").values_list("message", flat=True)),
    }

recovered = recover_interrupted()
after_crash = state()
family, person = order_files(sorted(Path(__FILES__).glob("p3ke_*.csv")))
batch = import_files(family, person, source="p3ke")
print(json.dumps({"recovered": recovered, "after_crash": after_crash, "after_rerun": state()}))
"""


def _env(db_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=db_url, TEPAT_HOME=str(home), DJANGO_SETTINGS_MODULE="tepat.settings",
               AXES_ENABLED="false", LOG_LEVEL="CRITICAL")
    return env


def _tepat(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tepat.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=600, **kw)


class Scratch:
    """Fresh databases of the engine under test, copied from one migrated template."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        url = os.environ.get("DATABASE_URL", "")
        self.pg = url.startswith("postgres")
        self.made: list[str] = []
        if self.pg:
            import psycopg

            self.base = url.rsplit("/", 1)[0]
            self.admin = psycopg.connect(f"{self.base}/postgres", autocommit=True)
            self.template = f"tepat_crash_tmpl_{os.getpid()}"
            self._create(self.template)
            self.template_url = f"{self.base}/{self.template}"
        else:
            self.template_url = f"sqlite:///{tmp / 'template.sqlite3'}"

    def _create(self, name: str, template: str | None = None) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        extra = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{extra}')
        self.made.append(name)

    def new(self, n: int) -> str:
        if self.pg:
            name = f"tepat_crash_{os.getpid()}_{n}"
            self._create(name, template=self.template)
            return f"{self.base}/{name}"
        target = self.tmp / f"run{n}.sqlite3"
        shutil.copy(self.tmp / "template.sqlite3", target)
        return f"sqlite:///{target}"

    def close(self) -> None:
        if self.pg:
            for name in reversed(self.made):
                self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.close()


@pytest.fixture
def scratch(tmp_path):
    db = Scratch(tmp_path)
    yield db
    db.close()


def _start_import(files: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tepat.cli", "import", *map(str, sorted(files.glob("p3ke_*.csv"))),
         "--source", "p3ke"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_until_running(home: Path, process: subprocess.Popen) -> float:
    """Until the import writes its first progress note (its batch is running)."""
    while not list((home / "imports").glob("*/progress.json")):
        if process.poll() is not None:
            raise AssertionError("the import ended before it started running")
        time.sleep(0.01)
    return time.perf_counter()


def _running_seconds(scratch: Scratch, files: Path, tmp: Path) -> float:
    """How long an import runs once its batch is running, measured on one undisturbed run."""
    home = tmp / "home-measure"
    process = _start_import(files, _env(scratch.new(99), home))
    started = _wait_until_running(home, process)
    assert process.wait(timeout=600) == 0
    return time.perf_counter() - started


def test_killing_an_import_at_random_moments_loses_nothing_and_duplicates_nothing(
    scratch, tmp_path
):
    files = tmp_path / "files"
    _tepat(["synth", "--households", str(HOUSEHOLDS), "--seed", "7", "--out", str(files),
            "--format", "csv"], _env(scratch.template_url, tmp_path / "home"))
    _tepat(["migrate", "-v", "0"], _env(scratch.template_url, tmp_path / "home"))
    _tepat(["regions", "load"], _env(scratch.template_url, tmp_path / "home"))
    duration = _running_seconds(scratch, files, tmp_path)
    rng = random.Random(20261128)
    outcomes, complete = [], set()

    for run in range(RUNS):
        url, home = scratch.new(run), tmp_path / f"home{run}"
        env = _env(url, home)
        process = _start_import(files, env)
        _wait_until_running(home, process)
        time.sleep(rng.uniform(0.0, 1.0) * duration)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

        check = CHECK.replace("__FILES__", repr(str(files)))
        report = json.loads(_tepat(["shell", "-c", check], env).stdout.strip().splitlines()[-1])
        crash, rerun = report["after_crash"], report["after_rerun"]
        outcomes.append(crash["statuses"][:1])

        # All of the import or none of it, never a part.
        assert crash["families"] in (0, rerun["families"]), (run, crash)
        assert crash["persons"] in (0, rerun["persons"]), (run, crash)
        assert crash["stat_families"] == crash["families"], (run, crash)
        # The killed import is not left "running": failed (with the reason) or done.
        assert crash["statuses"] and "running" not in crash["statuses"], (run, crash)
        for status, message in zip(crash["statuses"], crash["messages"], strict=True):
            if status == "failed":
                assert "terputus" in message
        # Running it again completes, with each family once.
        assert rerun["statuses"][-1] == "done", (run, rerun)
        assert rerun["families"] == rerun["family_ids"] == rerun["stat_families"], (run, rerun)
        complete.add((rerun["families"], rerun["persons"]))

    assert len(complete) == 1, complete  # every run ends with the same registry

    # The kills did land mid-import: some runs left a batch that had to be marked failed.
    assert ["failed"] in outcomes, outcomes
