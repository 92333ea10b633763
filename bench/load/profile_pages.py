"""Server cost of each page of the load test, one request at a time, in-process. Prints a table.

    uv run python bench/load/prepare.py                          # once: the full-size instance
    uv run python bench/load/profile_pages.py [--requests 20] [--pg URL] [--profile PAGE]

The settings are the load server's (`run.server_environment`: TEPAT_ENV=production, DEBUG
off, the manifest static storage, the database tepat_load); the requests go through Django's
test client as HTTPS to 127.0.0.1, signed in with `force_login` as users prepare.py made (a
desa operator of a desa of median size, an admin kabupaten, an operator kecamatan; the
dashboard roles' sessions marked as past the second factor). The pages are those Locust asks
for; the save POSTs the family form's own fields and hidden `version` as locustfile.py does
(page_forms.py), inside a transaction that is rolled back, so the database stays as prepared
and every run saves the same family (the save's count includes the two SAVEPOINT statements
of the rollback).

Per page: median and p95 wall time and median CPU time of this process (Django: middleware,
view, ORM, template; PostgreSQL's own time is in the wall time only) over --requests
requests after two warm-up requests, the SQL statements of one request, and the response
size. `--profile PAGE` prints a cProfile of that page (a name of the first column) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from page_forms import form_fields
from run import DEFAULT_PG, OUT, server_environment

FAMILY_LINK = re.compile(r'href="/verval/(\d+)/"')


def setup(pg: str) -> None:
    os.environ.update(server_environment(pg))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def client_for(username: str, second_factor: bool = False):
    from django.test import Client

    from tepat.accounts import sessions
    from tepat.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")  # every request with secure=True: HTTPS
    client.force_login(User.objects.get(username=username))
    if second_factor:  # what the code step of the login sets
        session = client.session
        session[sessions.MFA_OK] = True
        session.save()
    return client


def median_desa_operator(users: dict) -> dict:
    """The first-slot operator of the desa whose family count is nearest the median."""
    from django.db.models import Count

    from tepat.registry.models import Family

    sizes = dict(Family.objects.values_list("desa_id").annotate(n=Count("pk")).order_by())
    operators = [u for u in users["desa"] if u["slot"] == 0 and u["desa"] in sizes]
    middle = statistics.median(sizes[u["desa"]] for u in operators)
    return min(operators, key=lambda u: (abs(sizes[u["desa"]] - middle), u["desa"]))


class Save:
    """The family form's POST: its fields as the page holds them, a few replaced, like Locust;
    rolled back so that the next one saves the same family from the same state. `prepare`
    (the GET of the form) is not part of the measured request."""

    def __init__(self, client, url: str, submit: bool) -> None:
        self.client, self.url, self.submit = client, url, submit
        self.data: dict[str, list[str]] = {}

    def prepare(self) -> None:
        fields = form_fields(self.client.get(self.url, secure=True).content.decode(), "version")
        replaced = {"outcome": "LAYAK", "reason": "", "note": "Verifikasi lapangan profil",
                    "latitude": "-7.850000", "longitude": "113.350000", "destination": "",
                    "action": "submit" if self.submit else "draft"}
        self.data = {}
        for name, value in [(k, v) for k, v in fields if k not in replaced] + list(
                replaced.items()):
            self.data.setdefault(name, []).append(value)

    def __call__(self):
        from django.db import transaction

        with transaction.atomic():
            response = self.client.post(self.url, self.data, secure=True)
            transaction.set_rollback(True)
        return response


class Get:
    def __init__(self, client, url: str) -> None:
        self.client, self.url = client, url

    def prepare(self) -> None:
        pass

    def __call__(self):
        return self.client.get(self.url, secure=True)


def pages(users: dict) -> list[tuple[str, Get | Save]]:
    desa_user = median_desa_operator(users)
    admin = next(u for u in users["dashboard"] if u["role"] == "admin_kabupaten")
    kec = next(u for u in users["dashboard"] if u["role"] == "operator_kecamatan")
    kec_desa = sorted(d["desa"] for d in users["desa"] if d["desa"].startswith(kec["area"] + "."))
    kec_code = kec["area"]
    operator = client_for(desa_user["username"])
    worklist = operator.get("/verval/?status=belum", secure=True).content.decode()
    family = f"/verval/{min(int(pk) for pk in FAMILY_LINK.findall(worklist))}/"
    admin_client = client_for(admin["username"], second_factor=True)
    kec_client = client_for(kec["username"], second_factor=True)

    print(f"# desa operator {desa_user['username']} (desa {desa_user['desa']}), family form "
          f"{family}; {admin['username']}; {kec['username']}", file=sys.stderr)
    return [
        ("entry: worklist", Get(operator, "/verval/?status=belum")),
        ("entry: family form", Get(operator, family)),
        ("entry: save (draft)", Save(operator, family, submit=False)),
        ("entry: save (submit)", Save(operator, family, submit=True)),
        ("dash: dashboard (admin)", Get(admin_client, "/")),
        ("dash: dashboard (kecamatan)", Get(kec_client, "/")),
        ("dash: progress, regency", Get(admin_client, "/progres/")),
        ("dash: progress, regency map", Get(admin_client, "/progres/?peta=reduction")),
        ("dash: progress, kecamatan", Get(admin_client, f"/progres/?kecamatan={kec_code}")),
        ("dash: review, kecamatan", Get(kec_client, "/periksa/")),
        ("dash: review, desa", Get(kec_client, f"/periksa/{kec_desa[0]}/")),
        ("dash: convergence, kecamatan", Get(kec_client, "/konvergensi/")),
        ("dash: convergence, regency", Get(admin_client, "/konvergensi/")),
    ]


def timed(request: Get | Save) -> tuple[object, float, float]:
    """(response, wall ms, CPU ms) of one request."""
    request.prepare()
    started, cpu_started = time.perf_counter(), time.process_time()
    response = request()
    return (response, (time.perf_counter() - started) * 1000,
            (time.process_time() - cpu_started) * 1000)


def expected_status(name: str) -> int:
    return 302 if name.startswith("entry: save") else 200


def measure(name: str, request: Get | Save, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm: templates, per-process caches, the session's last-seen stamp
        timed(request)
    request.prepare()
    with CaptureQueriesContext(connection) as queries:
        response = request()
    if response.status_code != expected_status(name):
        sys.exit(f"{name}: {response.status_code}")
    statements = [q["sql"] for q in queries.captured_queries]
    walls, cpus = [], []
    for _ in range(n):
        response, wall, cpu = timed(request)
        walls.append(wall)
        cpus.append(cpu)
    return {"page": name, "median": statistics.median(walls), "p95": percentile(walls, 0.95),
            "cpu": statistics.median(cpus), "queries": len(statements),
            "bytes": len(response.content), "sql": statements}


def explained(statements: list[str]) -> list[tuple[float, float, str]]:
    """(planning ms, execution ms, SQL) of each SELECT, slowest first."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]
            found.append((plan["Planning Time"], plan["Execution Time"], sql))
    return sorted(found, key=lambda row: -(row[0] + row[1]))


def profile(name: str, request: Get | Save, n: int) -> None:
    for _ in range(2):
        timed(request)
    profiler = cProfile.Profile()
    for _ in range(n):
        request.prepare()
        profiler.enable()
        request()
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one page instead")
    parser.add_argument("--sql", action="store_true", help="print each page's statements")
    parser.add_argument("--explain", action="store_true",
                        help="print each page's SELECTs by PostgreSQL planning + execution time")
    args = parser.parse_args()
    if not (OUT / "users.json").exists():
        sys.exit("run bench/load/prepare.py first")
    setup(args.pg)
    users = json.loads((OUT / "users.json").read_text())
    found = pages(users)
    if args.profile:
        request = dict(found)[args.profile]
        profile(args.profile, request, args.requests)
        return
    rows = [measure(name, request, args.requests) for name, request in found]
    print(f"\nPer-request cost — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU "
          f"({platform.machine()}), Python {platform.python_version()}, in-process test "
          f"client, TEPAT_ENV=production, PostgreSQL tepat_load; {args.requests} requests "
          f"per page after 2 warm-up requests\n")
    print("| page | median ms | p95 ms | CPU ms (median) | SQL queries | bytes |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['page']} | {row['median']:.1f} | {row['p95']:.1f} | {row['cpu']:.1f} | "
              f"{row['queries']} | {row['bytes']:,} |")
    if args.explain:
        for row in rows:
            print(f"\n## {row['page']}: planning + execution ms, statement")
            for planning, execution, sql in explained(row["sql"])[:5]:
                print(f"{planning:6.2f} + {execution:6.2f}  {sql[:150]}")
    if args.sql:
        for row in rows:
            print(f"\n## {row['page']}")
            for sql, count in Counter(s[:160] for s in row["sql"]).most_common():
                print(f"{count:3} × {sql}")


if __name__ == "__main__":
    main()
