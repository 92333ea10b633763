"""Automatic assignment at regency size (issue 4 §1: "within seconds for a regency"). Prints tables.

    uv run python bench/assign_bench.py [--runs 10] [--db-families 30000] [--db-runs 5]
                                        [--pg URL] [--skip-db]

1. The pure solver (`tepat.core.assignment.assign`) on instances built in memory: families spread
   over the 330 real desa of Kab. Probolinggo (log-normal desa sizes, seed 7) with their
   centroids; 24 kecamatan teams of 6–12 officials (one eselon II coordinator, a third eselon
   III, the rest IV), half of them based in a desa of their kecamatan, half in the regency's
   offices in Kraksaan. Each instance is timed `--runs` times after a warm-up.
2. The database path (`tepat.gesek.assigning.auto_assign`, the same kind of instance written as a
   target list, officials and teams in bench/out/assign-<db>, or the --pg database): a dry run
   (reads + solve), a first run that inserts every assignment, and a run again on the same data
   (writes nothing but the audit event) — each one transaction with one audit event.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tepat.core.assignment import FamilyRef, OfficialRef, assign  # noqa: E402
from tepat.core.geo import desa_centroids  # noqa: E402

CAPITAL = "35.13.14.1007"  # Kraksaan Wetan: the regency's offices
REGENCY_QUOTAS = {"II": 150, "III": 350, "IV": 600}  # room for ~40k families


def instance(families: int, seed: int = 7):
    """(families, officials, teams, centroids, eselon of each official, base desa of each)."""
    rng = random.Random(seed)
    centroids = desa_centroids()
    desa = sorted(centroids)
    weights = [rng.lognormvariate(0, 0.6) for _ in desa]
    fams = [FamilyRef(i + 1, d.rsplit(".", 1)[0], d)
            for i, d in enumerate(rng.choices(desa, weights=weights, k=families))]
    by_kecamatan: dict[str, list[str]] = {}
    for d in desa:
        by_kecamatan.setdefault(d.rsplit(".", 1)[0], []).append(d)
    rng = random.Random(seed + 1)  # the same teams whatever the number of families
    officials, teams, bases = [], {}, {}
    for kecamatan, its_desa in sorted(by_kecamatan.items()):
        size = rng.randint(6, 12)
        eselon = ["II"] + ["III"] * (size // 3) + ["IV"] * (size - 1 - size // 3)
        teams[kecamatan] = []
        for level in eselon:
            base = rng.choice(its_desa) if rng.random() < 0.5 else CAPITAL
            oid = len(officials) + 1
            officials.append(OfficialRef(oid, level, centroids[base]))
            teams[kecamatan].append(oid)
            bases[oid] = base
    return fams, officials, teams, centroids, bases


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_pure(runs: int) -> list[str]:
    rows = ["| families | quotas | officials | variables | assigned | unassigned (capacity) "
            "| mean km | ratio spread | p50 s | p95 s | max s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    cases = [(10_000, None), (30_000, None), (10_000, REGENCY_QUOTAS),
             (30_000, REGENCY_QUOTAS), (40_000, REGENCY_QUOTAS)]
    for families, quotas in cases:
        fams, officials, teams, centroids, _bases = instance(families)
        assign(fams, officials, teams, centroids, quotas=quotas)  # warm-up
        times, result = [], None
        for _ in range(runs):
            result = assign(fams, officials, teams, centroids, quotas=quotas)
            times.append(result.solve_seconds)
        assert result is not None
        spread = max(_spread(result, teams[k]) for k in teams)
        label = ("default 15/40/80" if quotas is None
                 else "/".join(str(v) for v in quotas.values()))
        rows.append(
            f"| {families:,} | {label} | {len(officials)} "
            f"| {sum(s.variables for s in result.solves):,} | {result.assigned:,} "
            f"| {len(result.unassigned):,} | {result.total_distance_km / result.assigned:.1f} "
            f"| {spread:.3f} | {statistics.median(times):.3f} | {_pct(times, 0.95):.3f} "
            f"| {max(times):.3f} |")
    return rows


def _spread(result, team: list[int]) -> float:
    """Largest minus smallest load ratio in a team."""
    ratios = [result.loads[o].ratio or 0.0 for o in team]
    return max(ratios) - min(ratios)


# --- the database path --------------------------------------------------------------------


def _setup(database_url: str | None) -> None:
    home = ROOT / "bench" / "out" / f"assign-{'postgresql' if database_url else 'sqlite'}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    os.environ.setdefault("DEBUG", "0")  # as in production: no query log
    import django

    django.setup()


def _database_instance(families: int):
    """(target list, admin): built once, reused while its size matches."""
    from django.core.management import call_command
    from django.db import transaction

    from tepat.accounts.models import Role, User
    from tepat.gesek.models import Agency, Official, TeamMember
    from tepat.regions.models import Region
    from tepat.regions.services import load_kabupaten
    from tepat.verification.models import TargetList, TargetListEntry

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        load_kabupaten("35.13")
    admin, _ = User.objects.get_or_create(username="bench.admin", defaults={
        "role": Role.ADMIN_KABUPATEN, "area_id": "35.13"})
    found = TargetList.objects.filter(name="Bench: penugasan", keluarga=families).first()
    if found is not None:
        return found, admin
    fams, officials, teams, _centroids, bases = instance(families)
    with transaction.atomic():
        target_list = TargetList.objects.create(
            name="Bench: penugasan", year=2024, sk_number="SK bench", sk_date=date(2024, 4, 22),
            keluarga=families, created_by=admin)
        TargetListEntry.objects.bulk_create(
            [TargetListEntry(target_list=target_list, key=f"bench:{f.id}", desa_id=f.desa,
                             kecamatan_id=f.kecamatan, kepala_keluarga=f"Keluarga {f.id}",
                             jiwa=3, desil=1) for f in fams], batch_size=5000)
        agency, _ = Agency.objects.get_or_create(code="bench", name="Bench OPD")
        made = Official.objects.bulk_create(
            [Official(nip=f"1990{target_list.pk:04d}{o.id:010d}", name=f"Pejabat {o.id}",
                      position="Bench", eselon=o.eselon, agency=agency, base_id=bases[o.id])
             for o in officials])
        pk_of = {o.id: m.pk for o, m in zip(officials, made, strict=True)}
        if not all(pk_of.values()):  # backends without RETURNING on bulk insert
            by_nip = dict(Official.objects.values_list("nip", "pk"))
            pk_of = {o.id: by_nip[m.nip] for o, m in zip(officials, made, strict=True)}
        TeamMember.objects.filter(kecamatan_id__in=teams).delete()
        TeamMember.objects.bulk_create(
            [TeamMember(kecamatan_id=k, official_id=pk_of[oid],
                        role="coordinator" if i == 0 else "member")
             for k, members in teams.items() for i, oid in enumerate(members)])
    return target_list, admin


def bench_database(families: int, runs: int, database_url: str | None) -> list[str]:
    _setup(database_url)
    from django.db import connection

    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.models import Assignment

    target_list, admin = _database_instance(families)

    def clear() -> None:
        Assignment.objects.filter(entry__target_list=target_list).delete()

    rows = ["| database | families | run | n | p50 s | p95 s | max s | solve s (p50) "
            "| rows written |", "|---|---|---|---|---|---|---|---|---|"]
    cases = (("dry run (read + solve)", True, clear),
             ("write, no earlier assignments (insert all)", False, clear),
             ("write again, same data (nothing changes)", False, lambda: None))
    for label, dry_run, before in cases:
        before()
        auto_assign(target_list, actor=admin, dry_run=dry_run, quotas=REGENCY_QUOTAS)  # warm-up
        times, solves = [], []
        for _ in range(runs):
            before()
            started = time.perf_counter()
            report = auto_assign(target_list, actor=admin, dry_run=dry_run,
                                 quotas=REGENCY_QUOTAS)
            times.append(time.perf_counter() - started)
            solves.append(report.solve_seconds)
        written = 0 if dry_run else report.written + report.replaced
        rows.append(f"| {connection.vendor} | {report.families:,} | {label} | {runs} "
                    f"| {statistics.median(times):.3f} | {_pct(times, 0.95):.3f} "
                    f"| {max(times):.3f} | {statistics.median(solves):.3f} | {written:,} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--db-families", type=int, default=30_000)
    parser.add_argument("--db-runs", type=int, default=5)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--skip-db", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"Automatic assignment — {date.today()}, {platform.node()}, {os.cpu_count()} CPU, "
          f"Python {platform.python_version()}; load average {load:.1f} before")
    print(f"\nPure solver (HiGHS, one model per kecamatan), {args.runs} runs each after a "
          "warm-up; ratio spread = largest (max − min load ratio) in a team\n")
    print("\n".join(bench_pure(args.runs)))
    if not args.skip_db:
        print(f"\nDatabase path, auto_assign with quotas "
              f"{'/'.join(map(str, REGENCY_QUOTAS.values()))}\n")
        print("\n".join(bench_database(args.db_families, args.db_runs, args.pg)))
    print(f"\nload average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
