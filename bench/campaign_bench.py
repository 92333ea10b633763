"""Server time of the campaign progress pages at full size (issue 3 §4). Prints a table.

    uv run python bench/campaign_bench.py [--households 150000] [--requests 30] [--pg URL]

Builds (or reuses) an instance in bench/out/campaign-<db>-<households>: the regency-size
synthetic P3KE import (`tepat synth --seed 7`, imported with `import_files`), a campaign over
every P3KE family opened with the services (the baseline freeze), then progress simulated with
set-based SQL: about 60 % of the families verified, different per kecamatan, Kec. Tegalsiwalan
almost done with a ~99 % reduction, some drafts and returns, usulan baru; then
`stats.rebuild(campaign)` and three weeks of DailyProgress rows.

Then it times, in this process through Django's test client (server time: middleware, view,
queries, template; no network), the progress pages, the Excel export and `tepat campaign
progress --format json|table`, and one desa operator's `save_verification` (the write path,
its audit event and `refresh_desa` included).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN_NAME = "Bench: pemutakhiran P3KE"
NEAR_DONE = "35.13.20"  # Tegalsiwalan, like the founding article: 99.61 %
PASSWORD = "bench-tepat-2026!"


def _setup(home: Path, database_url: str | None) -> None:
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


# --- the instance -------------------------------------------------------------------------


def _registry(households: int) -> None:
    from django.core.management import call_command

    from tepat.regions.models import Region
    from tepat.regions.services import load_kabupaten
    from tepat.registry.importing import import_files
    from tepat.registry.models import Family

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        load_kabupaten("35.13")
    if Family.objects.filter(source="p3ke").exists():
        return
    out = ROOT / "bench" / "out" / f"p3ke_{households}"
    if not (out / "p3ke_keluarga.xlsx").exists():
        subprocess.run([sys.executable, "-m", "tepat.cli", "synth", "--households",
                        str(households), "--seed", "7", "--out", str(out), "--source", "p3ke",
                        "--format", "xlsx"], check=True)
    started = time.perf_counter()
    batch = import_files(out / "p3ke_keluarga.xlsx", out / "p3ke_individu.xlsx",
                         source="p3ke", period="bench")
    if batch.status != "done":
        sys.exit(f"import ended {batch.status}: {batch.message}")
    print(f"# imported {batch.families_total:,} families in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)


def _users() -> dict[str, object]:
    """The bench's personas; the desa operator works in the desa with the most pending."""
    from django.contrib.auth.hashers import make_password

    from tepat.accounts.models import User
    from tepat.registry.models import Family

    desa = (Family.objects.filter(source="p3ke", kecamatan_id="35.13.05")
            .values_list("desa_id", flat=True).order_by("desa_id").first())
    wanted = {
        "bench.admin": ("admin_kabupaten", "35.13"),
        "bench.kec": ("operator_kecamatan", NEAR_DONE),
        "bench.desa": ("operator_desa", desa),
    }
    users = {}
    for username, (role, area) in wanted.items():
        users[username], _ = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "area_id": area, "password": make_password(PASSWORD)})
    return users


def _simulate(campaign) -> None:
    """Outcomes and review states for ~60 % of the baseline, set-based, per kecamatan."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tepat.verification.models import Verification

    table = Verification._meta.db_table
    kecamatan = sorted(set(Verification.objects.filter(campaign=campaign)
                           .values_list("kecamatan_id", flat=True).order_by()))
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        for i, code in enumerate(kecamatan):
            done, removed = (1009, 993) if code == NEAR_DONE else (
                250 + (i * 263) % 700, 500 + (i * 131) % 400)  # per 1009 / per 997
            cur.execute(
                f"""
                UPDATE {table} SET
                  outcome = CASE WHEN (id * 31) %% 997 < %s THEN
                      CASE id %% 4 WHEN 0 THEN 'MAMPU' WHEN 1 THEN 'PINDAH'
                                  WHEN 2 THEN 'MENINGGAL' ELSE 'TIDAK_DITEMUKAN' END
                    ELSE CASE id %% 5 WHEN 0 THEN 'LAYAK_BERUBAH' ELSE 'LAYAK' END END,
                  reason = CASE WHEN (id * 31) %% 997 < %s AND id %% 4 = 0
                                THEN 'PENGHASILAN' ELSE '' END,
                  review = CASE WHEN (id * 13) %% 101 < 55 THEN 'APPROVED' ELSE 'SUBMITTED' END,
                  version = version + 1, updated_at = %s, submitted_at = %s
                WHERE campaign_id = %s AND kecamatan_id = %s AND (id * 7919) %% 1009 < %s
                """,
                [removed, removed, now, now, campaign.pk, code, done],
            )
        cur.execute(
            f"""
            UPDATE {table} SET outcome = 'LAYAK', version = version + 1, updated_at = %s,
              review = CASE WHEN id %% 3 = 0 THEN 'RETURNED' ELSE 'DRAFT' END,
              return_reason = CASE WHEN id %% 3 = 0 THEN 'Foto rumah belum ada' ELSE '' END
            WHERE campaign_id = %s AND review = '' AND (id * 17) %% 103 < 8
            """,
            [now, campaign.pk],
        )
        # Desa differ inside a kecamatan: every 17th desa has not started, every 7th is late.
        desa = sorted(set(Verification.objects.filter(campaign=campaign).exclude(
            kecamatan_id=NEAR_DONE).values_list("desa_id", flat=True).order_by()))
        for codes, share in ((desa[::17], 1009), (desa[3::7], 700)):
            marks = ", ".join(["%s"] * len(codes))
            cur.execute(
                f"""
                UPDATE {table} SET outcome = '', reason = '', review = '', submitted_at = NULL
                WHERE campaign_id = %s AND desa_id IN ({marks}) AND (id * 29) %% 1009 < %s
                """,
                [campaign.pk, *codes, share],
            )


def _reset(campaign) -> None:
    """Back to the frozen baseline: every family pending, no usulan baru, no history."""
    from tepat.verification.models import DailyProgress, Proposal, Verification

    Verification.objects.filter(campaign=campaign).update(
        outcome="", reason="", review="", return_reason="", submitted_at=None)
    Proposal.objects.filter(campaign=campaign).delete()
    DailyProgress.objects.filter(campaign=campaign).delete()


def _proposals(campaign, count: int = 600) -> None:
    from tepat.verification.models import Proposal, Verification

    desa = list(Verification.objects.filter(campaign=campaign).values_list(
        "desa_id", "kecamatan_id").order_by().distinct())
    Proposal.objects.bulk_create([
        Proposal(campaign=campaign, desa_id=desa[i % len(desa)][0],
                 kecamatan_id=desa[i % len(desa)][1], kepala_keluarga=f"Usulan {i}",
                 members=[{"nama": f"Usulan {i}", "hubungan": "1"}], jiwa=1 + i % 5,
                 review="APPROVED" if i % 3 == 0 else "SUBMITTED")
        for i in range(count)
    ])


def _history(campaign, days: int) -> None:
    """DailyProgress for the days before today: today's counts scaled down linearly."""
    from django.utils import timezone

    from tepat.verification.models import DailyProgress

    today = timezone.localdate()
    rows = list(DailyProgress.objects.filter(campaign=campaign, day=today))
    DailyProgress.objects.filter(campaign=campaign).exclude(day=today).delete()
    scaled = ("verified_keluarga", "verified_jiwa", "approved_keluarga", "approved_jiwa",
              "removed_keluarga", "removed_jiwa")
    history = []
    for back in range(1, days + 1):
        share = (days + 1 - back) / (days + 1)
        for row in rows:
            values = {f: int(getattr(row, f) * share) for f in scaled}
            history.append(DailyProgress(
                campaign=campaign, kecamatan_id=row.kecamatan_id, day=today - timedelta(back),
                in_scope_keluarga=row.in_scope_keluarga, in_scope_jiwa=row.in_scope_jiwa,
                **values))
    DailyProgress.objects.bulk_create(history)


def prepare(households: int, resimulate: bool = False) -> None:
    from django.db import transaction
    from django.utils import timezone

    from tepat.verification import stats
    from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign
    from tepat.verification.models import Campaign

    _registry(households)
    users = _users()
    campaign = Campaign.objects.filter(name=CAMPAIGN_NAME).first()
    if campaign is not None and not resimulate:
        return
    if campaign is None:
        today = timezone.localdate()
        plan = CampaignPlan(name=CAMPAIGN_NAME, period="2024", source="p3ke", desil="",
                            opens_on=today - timedelta(20), closes_on=today + timedelta(25),
                            finalize_by=today + timedelta(32))
        campaign = create_campaign(plan, actor=users["bench.admin"])
        started = time.perf_counter()
        campaign = open_campaign(campaign, actor=users["bench.admin"])
        print(f"# opened: {campaign.baseline_keluarga:,} keluarga / "
              f"{campaign.baseline_jiwa:,} jiwa in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    else:
        _reset(campaign)
    started = time.perf_counter()
    _simulate(campaign)
    _proposals(campaign)
    with transaction.atomic():
        stats.rebuild(campaign)
    _history(campaign, 20)
    print(f"# simulated progress and rebuilt the tallies in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)


# --- measuring ----------------------------------------------------------------------------


def _times(run: Callable[[], object], n: int,
           before: Callable[[], object] | None = None) -> tuple[list[float], object]:
    """n timed runs after one warm-up; `before` runs untimed before each."""
    result = run()  # warm-up (templates, caches)
    times = []
    for _ in range(n):
        if before is not None:
            before()
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times), result


def _row(name: str, who: str, times: list[float], size: int) -> tuple:
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return (name, who, len(times), statistics.median(times), p95, times[-1], size)


def measure(n: int) -> list[tuple]:
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from tepat.accounts.models import User
    from tepat.verification.models import Campaign

    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    xlsx = reverse("progress_xlsx", args=[campaign.pk])
    regency = reverse("progress")
    pages = [
        ("progress, regency", "bench.admin", regency, None),
        ("progress, regency, after a write elsewhere", "bench.admin", regency, "write"),
        ("progress, regency, cold (every memo cleared)", "bench.admin", regency, "cold"),
        ("progress, kecamatan drill-down", "bench.admin", regency + "?kecamatan=35.13.05", None),
        ("progress, own kecamatan", "bench.kec", regency, None),
        ("progress, own desa", "bench.desa", regency, None),
        ("Excel export, regency", "bench.admin", xlsx, None),
        ("Excel export, regency, after a write elsewhere", "bench.admin", xlsx, "write"),
        ("Excel export, regency, cold (every memo cleared)", "bench.admin", xlsx, "cold"),
        ("Excel export, kecamatan", "bench.kec", xlsx, None),
    ]
    befores = {None: None, "write": _writer(campaign), "cold": _forget}
    rows = []
    for name, username, url, before in pages:
        client = Client()
        client.force_login(User.objects.get(username=username))

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        times, response = _times(get, n, befores[before])
        rows.append(_row(name, username, times, len(response.content)))
    for by, fmt in (("kecamatan", "json"), ("desa", "json"), ("desa", "table")):
        def command(by=by, fmt=fmt):
            out = io.StringIO()
            call_command("campaign", "progress", str(campaign.pk), "--by", by, "--format", fmt,
                         stdout=out)
            return out.getvalue()

        times, text = _times(command, n)
        rows.append(_row(f"`campaign progress --by {by} --format {fmt}`", "command", times,
                         len(text.encode())))
    rows.append(_save_verification(campaign, n))
    return rows


def _forget() -> None:
    """Every in-process memo of the progress figures, as in a fresh worker process."""
    from tepat.verification import reporting

    reporting._figures.cache_clear()
    reporting._SNAPSHOTS.clear()
    reporting._WORKBOOKS.clear()


def _writer(campaign) -> Callable[[], object]:
    """Each call submits one more pending family somewhere in the regency (as the admin)."""
    from tepat.accounts.models import User
    from tepat.verification import services
    from tepat.verification.models import Verification

    admin = User.objects.get(username="bench.admin")
    pending = Verification.objects.filter(campaign=campaign, review="").exclude(
        desa_id=User.objects.get(username="bench.desa").area_id).order_by("id")
    queue = iter(list(pending.values_list("pk", "version"))[::97])

    def write():
        pk, version = next(queue)
        services.save_verification(pk, services.Findings(outcome="LAYAK"), actor=admin,
                                   expected_version=version, submit=True)

    return write


def _save_verification(campaign, n: int) -> tuple:
    """One desa operator submitting one family after another (a new family each time)."""
    from tepat.accounts.models import User
    from tepat.verification import services
    from tepat.verification.models import Verification

    user = User.objects.get(username="bench.desa")
    pending = list(Verification.objects.filter(campaign=campaign, desa_id=user.area_id,
                                               review="").values_list("pk", "version")[:n + 1])
    if len(pending) < n + 1:
        sys.exit(f"only {len(pending)} pending families left in {user.area_id}: rebuild")
    queue = iter(pending)

    def save():
        pk, version = next(queue)
        return services.save_verification(pk, services.Findings(outcome="LAYAK"), actor=user,
                                          expected_version=version, submit=True)

    times, _ = _times(save, n)
    return _row("save_verification (submit, incl. refresh_desa)", "bench.desa", times, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after start-up, as a WSGI server could do")
    parser.add_argument("--resimulate", action="store_true",
                        help="reset the campaign to its baseline and simulate the progress again")
    args = parser.parse_args()
    label = "postgresql" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"campaign-{label}-{args.households}"
    home.mkdir(parents=True, exist_ok=True)
    if args.prepare_only:
        _setup(home, args.pg)
        prepare(args.households, args.resimulate)
        return
    # The import's memory stays with its own process; the measuring process starts clean.
    subprocess.run([sys.executable, __file__, "--prepare-only", "--households",
                    str(args.households)] + (["--pg", args.pg] if args.pg else [])
                   + (["--resimulate"] if args.resimulate else []), check=True)
    _setup(home, args.pg)
    from tepat.verification.models import Campaign

    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    if args.gc_freeze:  # start-up objects out of the collector's way: shorter full collections
        import gc

        gc.collect()
        gc.freeze()
        label += ", gc.freeze()"
    load_before = os.getloadavg()[0]
    rows = measure(args.requests)
    print(f"\nCampaign progress, server time — {date.today()}, {platform.node()}, "
          f"{os.cpu_count()} CPU, {label}, {campaign.baseline_keluarga:,} keluarga / "
          f"{campaign.baseline_jiwa:,} jiwa in scope, {args.requests} runs each after a warm-up; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("\n| page | user | n | p50 ms | p95 ms | max ms | bytes |")
    print("|---|---|---|---|---|---|---|")
    for name, user, n, p50, p95, worst, size in rows:
        print(f"| {name} | {user} | {n} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {size:,} |")


if __name__ == "__main__":
    main()
