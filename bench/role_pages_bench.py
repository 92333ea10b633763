"""Server time, size and query count of each role's first page (issue 19 §3) on the demo.

    uv run python bench/role_pages_bench.py [--households 30000] [--requests 30]

Builds (or reuses) a demo instance in bench/out/role-pages-<households> (`tepat demo
--no-serve`: the synthetic regency, an open campaign with desa work in every state, Gesek
Ekstrem, programmes and payments), then opens `/` for each demo user through Django's test
client in-process (server time: middleware, view, queries, template; no network). Prints a
table, and the agency's programmes over their budget (the warning the page shows).
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
USERS = ("desa.tegalsiwalan", "kec.tegalsiwalan", "pejabat", "opd.dinsos", "pimpinan", "admin")


def prepare(home: Path, households: int) -> None:
    env = {**os.environ, "TEPAT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "tepat.cli", "demo", "--no-serve", "--households",
                    str(households)], env=env, check=True, stdout=subprocess.DEVNULL)


def measure(requests: int) -> list[tuple[str, float, float, int, int]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tepat.accounts.models import User

    # The demo's kecamatan operator and admin must enrol two-factor first (a 302 to the
    # enrolment page): the bench times the page itself.
    settings.TEPAT_MFA_REQUIRED_ROLES = []
    rows = []
    for username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")  # warm caches (templates, the progress snapshot)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (username, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        rows.append((username, statistics.median(times), p95, len(response.content),
                     len(queries)))
    return rows


def over_budget() -> list[str]:
    from tepat.interventions.selectors import programme_money

    return [f"{p.name} ({p.agency}, {p.year}): spent Rp {p.spent:,.0f} > budget "
            f"Rp {p.budget:,.0f}" for p in programme_money() if p.over_budget]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    home = ROOT / "bench" / "out" / f"role-pages-{args.households}"
    if not args.measure_only:
        prepare(home, args.households)
        env = {**os.environ, "TEPAT_HOME": str(home)}
        cmd = [sys.executable, __file__, "--measure-only", "--requests", str(args.requests),
               "--households", str(args.households)]
        raise SystemExit(subprocess.run(cmd, env=env).returncode)
    rows = measure(args.requests)
    print(f"\nRole first pages — {date.today()}, {platform.node()}, {os.cpu_count()} CPU, "
          f"sqlite, demo of {args.households:,} households, {args.requests} requests per page")
    print("\n| user | median ms | p95 ms | HTML bytes | queries |")
    print("|---|---|---|---|---|")
    for user, median, p95, size, queries in rows:
        print(f"| {user} | {median:.1f} | {p95:.1f} | {size:,} | {queries} |")
    print("\nProgrammes over their budget (the agency page and the rakor pack warn):")
    for line in over_budget() or ["none"]:
        print(f"- {line}")


if __name__ == "__main__":
    main()
