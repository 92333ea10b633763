"""Server time of the family list's tools at full size: sorting, the new filters, deep pages,
the page jump's far pages and the export. Prints a table.

    uv run python bench/list_bench.py [--households 150000] [--requests 30] [--pg URL]

Reuses (or builds, as bench/web_bench.py does) the instance in bench/out/web-<db>-<households>
with the regency-size synthetic P3KE import and the demo campaign, then times each page through
Django's test client in-process (middleware, view, queries, template; no network).
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
sys.path.insert(0, str(ROOT / "bench"))

WHY = {"jenis_tujuan": "pemeriksaan", "tujuan": "Uji kecepatan unduhan daftar"}


def _pages():
    from django.urls import reverse

    from tepat.registry.models import FamilyEdition, SourceBatch
    from tepat.verification.models import TargetList

    families = reverse("families")
    batch = SourceBatch.objects.filter(status="done", source="p3ke").order_by("-pk").first()
    edition = f"&impor={batch.pk}" if batch and FamilyEdition.objects.filter(
        batch=batch).exists() else ""
    target = TargetList.objects.order_by("-pk").first()
    daftar = f"?daftar={target.pk}" if target else "?desil=1"
    return [
        ("default order, page 1", "admin", families),
        ("sort by name", "admin", families + "?urut=nama"),
        ("sort by name, descending, page 1000", "admin", families + "?urut=-nama&page=1000"),
        ("sort by members, descending", "admin", families + "?urut=-anggota"),
        ("sort by desil, last page", "admin", families + "?urut=desil&page=999999"),
        ("desil 1 + sort by name", "admin", families + "?desil=1&urut=nama"),
        ("kecamatan + desil + sort by members", "admin",
         families + "?kecamatan=35.13.20&desil=1&urut=-anggota"),
        ("flag (family or member) NIK_DUPLICATE", "admin", families + "?catatan=NIK_DUPLICATE"),
        ("flag + import edition (import link)", "admin",
         families + "?catatan=KK_DUPLICATE" + edition),
        ("outcome LAYAK (campaign)", "admin", families + "?hasil=LAYAK&urut=nama"),
        ("outcome not yet, kecamatan", "admin", families + "?kecamatan=35.13.20&hasil=BELUM"),
        ("target list member", "admin", families + daftar),
        ("desa operator, sort by name", "desa.tegalsiwalan", families + "?urut=nama"),
        ("kecamatan operator, flag + sort", "kec.tegalsiwalan",
         families + "?catatan=NIK_DUPLICATE&urut=-desil"),
    ]


def _time(client, url: str, requests: int) -> tuple[float, float, int]:
    client.get(url)  # warm
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)], len(
        response.content)


def _export(client, url: str, fmt: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = client.post(url, {**WHY, "format": fmt})
    seconds = time.perf_counter() - started
    assert response.status_code == 200 and response["Content-Disposition"], url
    from tepat.audit.models import AuditEvent

    rows = AuditEvent.objects.filter(action="registry.family_list.exported").first().data["rows"]
    return seconds, rows, len(response.content)


def measure(requests: int) -> tuple[list, list]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from tepat.accounts import sessions
    from tepat.accounts.models import User

    pages = []
    clients: dict[str, Client] = {}
    for name, username, url in _pages():
        if username not in clients:
            client = clients[username] = Client(HTTP_HOST="127.0.0.1")
            client.force_login(User.objects.get(username=username))
            session = client.session
            session[sessions.MFA_OK] = True  # what the login's code step sets
            session.save()
        pages.append((name, username, *_time(clients[username], url, requests)))
        print(pages[-1], file=sys.stderr, flush=True)
    export = reverse("family_export")
    exports = [
        ("desil 1, sorted by name", "xlsx", export + "?desil=1&urut=nama"),
        ("desil 1, sorted by name", "csv", export + "?desil=1&urut=nama"),
        ("whole regency", "xlsx", export),
        ("whole regency", "csv", export),
    ]
    files = [(name, fmt, *_export(clients["admin"], url, fmt)) for name, fmt, url in exports]
    return pages, files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    label = "postgresql" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"web-{label}-{args.households}"
    if not args.measure_only:
        if not (home / "tepat.sqlite3").exists() or args.pg:
            from web_bench import prepare

            prepare(home, args.households, args.pg)
        env = {**os.environ, "TEPAT_HOME": str(home)}
        env.pop("DATABASE_URL", None)
        if args.pg:
            env["DATABASE_URL"] = args.pg
        subprocess.run([sys.executable, "-m", "tepat.cli", "migrate", "-v", "0"], env=env,
                       check=True)
        cmd = [sys.executable, __file__, "--measure-only", "--requests", str(args.requests),
               "--households", str(args.households)] + (["--pg", args.pg] if args.pg else [])
        raise SystemExit(subprocess.run(cmd, env=env).returncode)
    pages, files = measure(args.requests)
    print(f"\nFamily list tools — {date.today()}, {platform.node()}, {os.cpu_count()} CPU, "
          f"{label}, {args.households:,} households, {args.requests} requests per page")
    print("\n| page | user | median ms | p95 ms | bytes |")
    print("|---|---|---|---|---|")
    for name, user, median, p95, size in pages:
        print(f"| {name} | {user} | {median:.1f} | {p95:.1f} | {size:,} |")
    print("\n| export | format | seconds | rows | bytes |")
    print("|---|---|---|---|---|")
    for name, fmt, seconds, rows, size in files:
        print(f"| {name} | {fmt} | {seconds:.1f} | {rows:,} | {size:,} |")


if __name__ == "__main__":
    main()
