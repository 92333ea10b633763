"""Time of the convergence figures at regency size (issue 4 §4). Prints a table.

    uv run python bench/convergence_bench.py [--families 150000] [--targets 40000]
        [--interventions 100000] [--pg URL] [--repeat 5]

Builds (or reuses) an instance in bench/out/convergence-<db>: registry families written in
bulk (no file import: only what the figures read), a target list of `--targets` of them, a
team per kecamatan with officials and assignments, visits, needs, 20 programmes of 8 agencies
and `--interventions` delivered interventions (about 70 % to target families, some of them the
same aid twice, the rest to families off the list). Then it times `report()` for the regency
and for one kecamatan, `tepat convergence --format json` and the page through Django's test
client (server time: middleware, view, queries, template; no network), `--requests` times
each, with median and p95. The page reads the report kept between requests (issue 19 §9:
`kept_report`), computed at the warm-up request; `report()` above is the computation itself.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["PBI_JK", "PKH", "SEMBAKO", "PIP", "PELATIHAN", "MODAL", "KERJA", "RTLH", "JAMBAN",
         "AIR", "LISTRIK", "LAHAN"]


def _setup(home: Path, database_url: str | None) -> None:
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


def _registry(families: int, rng: random.Random) -> None:
    from django.core.management import call_command

    from tepat.regions.models import Level, Region
    from tepat.regions.services import load_kabupaten
    from tepat.registry.models import BatchStatus, Family, SourceBatch

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        load_kabupaten("35.13")
    if Family.objects.exists():
        return
    desa = list(Region.objects.filter(level=Level.DESA).values_list("code", "parent_id"))
    batch = SourceBatch.objects.create(source="p3ke", period="bench", status=BatchStatus.DONE)
    rows = []
    for i in range(families):
        code, kecamatan = desa[i % len(desa)]
        rows.append(Family(source="p3ke", batch=batch, desa_id=code, kecamatan_id=kecamatan,
                           source_family_id=f"B{i:07d}", desil=1 + i % 10,
                           no_kk=f"3513{i:012d}", kepala_keluarga=f"Kepala {i}",
                           member_count=rng.randint(1, 7), row_hash=str(i)))
    Family.objects.bulk_create(rows, batch_size=5000)


def _population(targets: int, interventions: int, rng: random.Random) -> None:
    from django.db import transaction

    from tepat.gesek.models import Agency, Assignment, Need, Official, TeamMember, Visit
    from tepat.interventions.models import Intervention, Programme
    from tepat.regions.models import Level, Region
    from tepat.registry.models import Family
    from tepat.verification.models import TargetList, TargetListEntry

    if TargetList.objects.exists():
        return
    with transaction.atomic():
        families = list(Family.objects.order_by("desil", "pk")
                        .values_list("pk", "desa_id", "kecamatan_id", "member_count"))
        tl = TargetList.objects.create(name="Bench: daftar sasaran", year=2024,
                                       sk_number="SK bench", sk_date=date(2024, 4, 22))
        TargetListEntry.objects.bulk_create([
            TargetListEntry(target_list=tl, key=f"p3ke:{pk}", family_id=pk, desa_id=d,
                            kecamatan_id=k, kepala_keluarga=f"Kepala {pk}", jiwa=m)
            for pk, d, k, m in families[:targets]], batch_size=5000)
        agencies = [Agency.objects.create(code=f"opd{i}", name=f"OPD {i}", short_name=f"OPD{i}")
                    for i in range(8)]
        programmes = [Programme.objects.create(
            name=f"Program {i}", agency=agencies[i % 8], kind=KINDS[i % len(KINDS)],
            strategy="BEBAN", funding=["APBN", "APBD_KAB", "DANA_DESA", "CSR"][i % 4],
            unit_cost=1_000_000, year=2024) for i in range(20)]
        kecamatan = list(Region.objects.filter(level=Level.KECAMATAN).values_list("code",
                                                                                   "pk"))
        officials = {}
        for i, (code, _) in enumerate(kecamatan):
            team = [Official.objects.create(nip=f"19700101{i:04d}{j:06d}", name=f"Pejabat {i}-{j}",
                                            position="Kepala", eselon="III",
                                            agency=agencies[j % 8], base_id=code + ".2001"
                                            if Region.objects.filter(pk=code + ".2001").exists()
                                            else Region.objects.filter(parent_id=code)
                                            .values_list("pk", flat=True).first())
                    for j in range(4)]
            TeamMember.objects.bulk_create([TeamMember(kecamatan_id=code, official=o,
                                                       role="coordinator" if j == 0 else "member")
                                            for j, o in enumerate(team)])
            officials[code] = team
        entries = list(TargetListEntry.objects.filter(target_list=tl)
                       .values_list("pk", "family_id", "desa_id", "kecamatan_id"))
        Assignment.objects.bulk_create([
            Assignment(entry_id=pk, official=officials[k][pk % 4], desa_id=d, kecamatan_id=k)
            for pk, _, d, k in entries if pk % 10], batch_size=5000)
        Visit.objects.bulk_create([
            Visit(entry_id=pk, official=officials[k][pk % 4], desa_id=d, kecamatan_id=k,
                  visited_on=date(2024, 6, 1)) for pk, _, d, k in entries if pk % 3],
            batch_size=5000)
        Need.objects.bulk_create([
            Need(entry_id=pk, kind=kind, strategy="BEBAN", desa_id=d, kecamatan_id=k,
                 status=rng.choice(["open", "referred", "met"]))
            for pk, _, d, k in entries for kind in rng.sample(KINDS, 2)], batch_size=5000)
        rows = []
        for _ in range(interventions):
            if rng.random() < 0.7:
                _, family, d, k = entries[rng.randrange(len(entries))]
            else:
                family, d, k, _ = families[rng.randrange(targets, len(families))]
            rows.append(Intervention(programme=rng.choice(programmes), family_id=family,
                                     desa_id=d, kecamatan_id=k, delivered_on=date(2024, 7, 1),
                                     amount=rng.choice([300_000, 1_000_000, 20_000_000])))
        Intervention.objects.bulk_create(rows, batch_size=5000)


def _time(label: str, fn: Callable[[], object], repeat: int) -> None:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    runs.sort()
    p95 = runs[max(0, round(0.95 * len(runs)) - 1)]
    print(f"{label:<44} {statistics.median(runs) * 1000:8.1f} ms median {p95 * 1000:8.1f} ms p95"
          f" {max(runs) * 1000:8.1f} ms max")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=150_000)
    parser.add_argument("--targets", type=int, default=40_000)
    parser.add_argument("--interventions", type=int, default=100_000)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="page requests timed")
    args = parser.parse_args()
    db = "pg" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"convergence-{db}"
    home.mkdir(parents=True, exist_ok=True)
    _setup(home, args.pg)
    rng = random.Random(7)
    started = time.perf_counter()
    _registry(args.families, rng)
    _population(args.targets, args.interventions, rng)
    print(f"# instance ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    from django.core.management import call_command
    from django.test import Client

    from tepat.accounts import sessions
    from tepat.accounts.models import User
    from tepat.core.convergence import analyse
    from tepat.interventions.convergence import report
    from tepat.interventions.models import Intervention
    from tepat.verification.models import TargetListEntry

    admin, _ = User.objects.get_or_create(username="bench.admin",
                                          defaults={"role": "admin_kabupaten",
                                                    "area_id": "35.13"})
    client = Client()
    client.force_login(admin)
    session = client.session  # past the second factor, which an admin kabupaten must pass
    session[sessions.MFA_OK] = True
    session.save()
    assert client.get("/konvergensi/").status_code == 200
    print(f"# {TargetListEntry.objects.count():,} target families, "
          f"{Intervention.objects.count():,} interventions, database {db}")
    rep = report()
    print(f"# {len(rep.analysis.no_intervention):,} without intervention, "
          f"{len(rep.analysis.double_aid):,} with double aid")
    _time("report() regency", lambda: report().by_kecamatan, args.repeat)
    _time("  of which the pure core (core.analyse)", lambda: analyse(rep.inputs), args.repeat)
    _time("report(area=35.13.20)", lambda: report(area="35.13.20").by_desa, args.repeat)
    _time("tepat convergence --by kecamatan --format json",
          lambda: call_command("convergence", "--format", "json", stdout=io.StringIO()),
          args.repeat)
    _time("tepat convergence --by programme --format table",
          lambda: call_command("convergence", "--by", "programme", stdout=io.StringIO()),
          args.repeat)
    _time("GET /konvergensi/ (admin, regency)", lambda: client.get("/konvergensi/"),
          args.requests)
    _time("GET /konvergensi/?kecamatan=35.13.20", lambda: client.get(
        "/konvergensi/", {"kecamatan": "35.13.20"}), args.requests)
    _time("GET /konvergensi/?daftar=ganda&page=3", lambda: client.get(
        "/konvergensi/", {"daftar": "ganda", "page": 3}), args.requests)


if __name__ == "__main__":
    main()
