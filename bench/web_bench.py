"""Server time of the dashboard and the family list at full size. Prints a table.

    uv run python bench/web_bench.py [--households 150000] [--requests 40] [--pg URL]

Builds (or reuses) an instance in bench/out/web-<db> with the regency-size synthetic P3KE
import, then times each page through Django's test client in-process: the time from request
to response inside Django (middleware, view, queries, template), which is the server time a
reverse proxy would report, without network.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def prepare(home: Path, households: int, database_url: str | None) -> None:
    env = {**os.environ, "TEPAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run(
        [sys.executable, "-m", "tepat.cli", "demo", "--no-serve", "--households", str(households)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(requests: int) -> list[tuple[str, str, float, float, int]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from tepat.accounts.models import User
    from tepat.registry.models import Family

    desa = Family.objects.filter(kecamatan_id="35.13.20").values_list("desa_id", flat=True)[0]
    pages = [
        ("dashboard", "admin", reverse("dashboard")),
        ("dashboard", "kec.tegalsiwalan", reverse("dashboard")),
        ("dashboard", "desa.malesanwetan", reverse("dashboard")),
        ("family list, page 1", "admin", reverse("families")),
        ("family list, page 200", "admin", reverse("families") + "?page=200"),
        ("family list, desil 1", "admin", reverse("families") + "?desil=1"),
        ("family list, kecamatan", "admin", reverse("families") + "?kecamatan=35.13.20"),
        ("family list, desa + desil", "admin", reverse("families") + f"?desa={desa}&desil=2"),
        ("family list", "kec.tegalsiwalan", reverse("families")),
        ("family list", "desa.malesanwetan", reverse("families")),
    ]
    head_nik = Family.objects.filter(kecamatan_id="35.13.20").values_list("nik", flat=True)[0]
    pages += [
        ("family list, name search", "admin", ("q", "SITI")),
        ("family list, NIK search", "admin", ("q", head_nik)),
    ]
    rows = []
    for name, username, url in pages:
        client = Client()
        client.force_login(User.objects.get(username=username))
        if isinstance(url, tuple):  # searches are posted, then kept under a token in the URL
            url = client.post(reverse("families"), dict([url]))["Location"]
        client.get(url)  # warm caches (templates, geometry)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        rows.append((name, username, statistics.median(times), p95, len(response.content)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    label = "postgresql" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"web-{label}-{args.households}"
    if not args.measure_only:
        prepare(home, args.households, args.pg)
        env = {**os.environ, "TEPAT_HOME": str(home)}
        if args.pg:
            env["DATABASE_URL"] = args.pg
        cmd = [
            sys.executable,
            __file__,
            "--measure-only",
            "--requests",
            str(args.requests),
            "--households",
            str(args.households),
        ] + (["--pg", args.pg] if args.pg else [])
        raise SystemExit(subprocess.run(cmd, env=env).returncode)
    rows = measure(args.requests)
    print(
        f"\nWeb server time — {date.today()}, {platform.node()}, {os.cpu_count()} CPU, {label}, "
        f"{args.households:,} households, {args.requests} requests per page"
    )
    print("\n| page | user | median ms | p95 ms | bytes |")
    print("|---|---|---|---|---|")
    for name, user, median, p95, size in rows:
        print(f"| {name} | {user} | {median:.1f} | {p95:.1f} | {size:,} |")


if __name__ == "__main__":
    main()
