"""Accounts for a whole regency (issue 19 §2: "360 accounts in an afternoon"). Prints a table.

    uv run python bench/users_import_bench.py [--runs 3]

A fresh instance (SQLite in a temporary TEPAT_HOME, Kab. Probolinggo's regions): a list of 413
accounts — an operator for each of the 330 desa/kelurahan, an operator and an official for each
of the 24 kecamatan, 30 agency operators, 5 leaders — as .xlsx; then the check (the preview,
nothing written), the import (accounts, hashed activation codes, one audit event each, one
transaction), the same file again (creates nothing) and the activation sheets (one HTML page per
kecamatan). Each step `--runs` times on a fresh database copy; the median is shown.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
HOME = Path(tempfile.mkdtemp(prefix="tepat-users-bench-"))
os.environ["TEPAT_HOME"] = str(HOME)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def build_list(path: Path) -> int:
    from tepat.core.spreadsheet import workbook
    from tepat.regions.models import Level, Region

    rows = []
    for desa in Region.objects.filter(level=Level.DESA, code__startswith="35.13."):
        rows.append((f"desa.{desa.code.replace('.', '')}", f"Operator {desa.name}",
                     "operator_desa", desa.code, "081234567890", "", ""))
    for kec in Region.objects.filter(level=Level.KECAMATAN, parent_id="35.13"):
        slug = kec.code.replace(".", "")
        rows.append((f"kec.{slug}", f"Operator Kec. {kec.name}", "operator_kecamatan", kec.code,
                     "", f"kec{slug}@contoh.go.id", ""))
        rows.append((f"pejabat.{slug}", f"Pejabat {kec.name}", "pejabat", kec.code,
                     "081298765432", "", ""))
    rows += [(f"opd.{i:02d}", f"Operator OPD {i}", "opd", "35.13", "081300000000", "",
              f"Dinas {i}") for i in range(30)]
    rows += [(f"pimpinan.{i}", f"Pimpinan {i}", "pimpinan", "35.13", "", f"p{i}@contoh.go.id",
              "") for i in range(5)]
    book = workbook(str(path))
    sheet = book.add_worksheet("Pengguna")
    sheet.write_row(0, 0, ["Nama pengguna", "Nama", "Peran", "Kode wilayah", "Ponsel", "Surel",
                           "Instansi"])
    for n, row in enumerate(rows, start=1):
        sheet.write_row(n, 0, row)
    book.close()
    return len(rows)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tepat.accounts.models import Role, User
    from tepat.accounts.onboarding import check_file, import_users
    from tepat.regions.services import load_kabupaten
    from tepat.web.management.commands.users import write_sheets

    call_command("migrate", verbosity=0)
    load_kabupaten("35.13")
    admin = User.objects.create(username="admin", role=Role.ADMIN_KABUPATEN, area_id="35.13")
    path = HOME / "pengguna.xlsx"
    accounts = build_list(path)
    db = Path(connection.settings_dict["NAME"])
    connection.close()
    pristine = HOME / "pristine.sqlite3"
    shutil.copy(db, pristine)
    steps: dict[str, list[float]] = {"check (preview)": [], "import": [], "same file again": [],
                                     "activation sheets (24+1 HTML)": []}
    for _run in range(args.runs):
        connection.close()
        shutil.copy(pristine, db)
        admin = User.objects.select_related("area").get(username="admin")
        seconds, report = timed(lambda admin=admin: check_file(path, actor=admin))
        assert report.ok and len(report.new) == accounts, report.problems[:3]
        steps["check (preview)"].append(seconds)
        seconds, report = timed(lambda admin=admin: import_users(path, actor=admin))
        assert len(report.issued) == accounts
        steps["import"].append(seconds)
        seconds, sheets = timed(lambda report=report: write_sheets(report.issued, HOME / "lembar",
                                                     "https://tepat.example/aktivasi/"))
        steps["activation sheets (24+1 HTML)"].append(seconds)
        seconds, again = timed(lambda admin=admin: import_users(path, actor=admin))
        assert not again.issued and len(again.existing) == accounts
        steps["same file again"].append(seconds)
    print(f"Accounts for a regency: {accounts} accounts from one .xlsx, SQLite, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"median of {args.runs} runs\n")
    print("| step | median s | min s | max s |\n|---|---|---|---|")
    for step, values in steps.items():
        print(f"| {step} | {statistics.median(values):.2f} | {min(values):.2f} | "
              f"{max(values):.2f} |")
    print(f"\nsheets: {len(sheets)} files")
    shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
