"""Time of a family's timeline and of the cohort page at regency size (issue 17 §5). Prints a
table of server times (Django's test client: middleware, view, queries, template; no network).

    uv run python bench/history_bench.py [--families 150000] [--persons 500000]
        [--list-size 20000] [--pg URL] [--repeat 40]

Builds (or reuses) an instance in bench/out/history-<db>-<families>: registry families and
persons written in bulk, three P3KE editions of every family and person (registry.FamilyEdition /
PersonEdition as the import writes them: values on the first, on the ~10 % changed in the
third, null otherwise), three target lists of `--list-size` families (2023, 2024, 2025; the
2025 list fixed by a campaign whose verifications removed some of the 2024 families, MAMPU,
PINDAH, MENINGGAL, GANDA; some 2023 families come back in 2025), a pendamping with visits and
interventions. Then it times the family page of a family with all of that, for the admin
kabupaten and a kecamatan operator, and the cohort page 2024 → 2025 for both: computed (the
kept figures dropped before each request) and kept (`history.KeptCohort`, one row).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ["LAYAK"] * 12 + ["MAMPU"] * 4 + ["PINDAH", "MENINGGAL", "GANDA", "TIDAK_DITEMUKAN"]


def _setup(home: Path, database_url: str | None) -> None:
    os.environ["TEPAT_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


def _registry(families: int, persons: int, rng: random.Random) -> None:
    from django.core.management import call_command

    from tepat.regions.models import Level, Region
    from tepat.regions.services import load_kabupaten
    from tepat.registry.models import BatchStatus, Family, Person, SourceBatch

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        load_kabupaten("35.13")
    if Family.objects.exists():
        return
    desa = list(Region.objects.filter(level=Level.DESA).values_list("code", "parent_id"))
    batch = SourceBatch.objects.create(source="p3ke", period="2024-03", status=BatchStatus.DONE)
    Family.objects.bulk_create([
        Family(source="p3ke", batch=batch, desa_id=desa[i % len(desa)][0],
               kecamatan_id=desa[i % len(desa)][1], source_family_id=f"B{i:07d}",
               desil=1 + i % 10, no_kk=f"3513{i:012d}", kepala_keluarga=f"Kepala {i}",
               alamat=f"Dusun {i % 50} RT {i % 9 + 1}", member_count=0, row_hash=str(i))
        for i in range(families)], batch_size=5000)
    ids = list(Family.objects.order_by("pk").values_list("pk", "desa_id", "kecamatan_id"))
    rows = []
    for n in range(persons):
        pk, d, k = ids[n % len(ids)]
        rows.append(Person(family_id=pk, source="p3ke", batch=batch, desa_id=d, kecamatan_id=k,
                           source_person_id=f"{pk}-{n // len(ids) + 1}", nama=f"Anggota {n}",
                           hubungan="1" if n < len(ids) else "4", row_hash=str(n)))
        if len(rows) == 10000:
            Person.objects.bulk_create(rows)
            rows = []
    Person.objects.bulk_create(rows)
    per_family = persons // len(ids)
    Family.objects.update(member_count=per_family)


def _editions(rng: random.Random) -> None:
    from django.db import transaction

    from tepat.registry.models import (
        BatchStatus,
        Family,
        FamilyEdition,
        Person,
        PersonEdition,
        SourceBatch,
    )

    if FamilyEdition.objects.exists():
        return
    first = SourceBatch.objects.get(period="2024-03")
    batches = [first] + [SourceBatch.objects.create(source="p3ke", period=p,
                                                    status=BatchStatus.DONE)
                         for p in ("2024-09", "2025-03")]
    members: dict[int, list[str]] = {}
    for pk, source_id in Person.objects.values_list("family_id", "source_person_id").iterator():
        members.setdefault(pk, []).append(source_id)
    with transaction.atomic():
        for step, batch in enumerate(batches):
            rows = []
            for pk, desil, alamat in Family.objects.values_list("pk", "desil",
                                                                "alamat").iterator():
                changed = step == 2 and pk % 10 == 0
                data = ({"desil": desil + (1 if changed else 0), "alamat": alamat,
                         "flags": "NIK_NUMERIC" if changed else "", "members": members[pk]}
                        if step == 0 or changed else None)
                rows.append(FamilyEdition(batch=batch, family_id=pk, row_hash=str(pk),
                                          change="added" if step == 0 else
                                          "changed" if changed else "same", data=data))
                if len(rows) == 10000:
                    FamilyEdition.objects.bulk_create(rows)
                    rows = []
            FamilyEdition.objects.bulk_create(rows)
            rows = []
            for pk, family, nama in Person.objects.values_list("pk", "family_id",
                                                               "nama").iterator():
                rows.append(PersonEdition(batch=batch, person_id=pk, family_id=family,
                                          row_hash=str(pk), change="added" if step == 0
                                          else "same",
                                          data={"nama": nama} if step == 0 else None))
                if len(rows) == 10000:
                    PersonEdition.objects.bulk_create(rows)
                    rows = []
            PersonEdition.objects.bulk_create(rows)


def _lists(size: int, rng: random.Random) -> None:
    from django.db import transaction

    from tepat.registry.models import Family
    from tepat.verification.models import (
        Campaign,
        CampaignState,
        TargetList,
        TargetListEntry,
        Verification,
    )

    if TargetList.objects.exists():
        return
    families = list(Family.objects.filter(desil__lte=3).order_by("pk")
                    .values_list("pk", "desa_id", "kecamatan_id", "member_count")[:size * 2])
    by_pk = {f[0]: f for f in families}

    def entries(tl: TargetList, chosen: list[int], outcomes: dict[int, str] | None = None):
        TargetListEntry.objects.bulk_create([
            TargetListEntry(target_list=tl, key=f"p3ke:B{pk}", family_id=pk, desa_id=d,
                            kecamatan_id=k, kepala_keluarga=f"Kepala {pk}", jiwa=m,
                            outcome=(outcomes or {}).get(pk, ""))
            for pk, d, k, m in (by_pk[c] for c in chosen)], batch_size=5000)
        tl.keluarga = len(chosen)
        tl.save(update_fields=["keluarga"])

    with transaction.atomic():
        pks = [f[0] for f in families]
        oldest = TargetList.objects.create(name="Daftar 2023", year=2023, sk_number="SK 2023",
                                           sk_date=date(2023, 5, 2))
        entries(oldest, pks[:size])
        earlier_pks = pks[size // 10: size + size // 10]  # 10 % of 2023 left, 10 % new
        earlier = TargetList.objects.create(name="Daftar 2024", year=2024, sk_number="SK 2024",
                                            sk_date=date(2024, 4, 22), previous=oldest)
        entries(earlier, earlier_pks)
        campaign = Campaign.objects.create(
            name="Pemutakhiran 2025", period="2025", source="p3ke", opens_on=date(2025, 1, 6),
            closes_on=date(2025, 2, 15), finalize_by=date(2025, 2, 22),
            state=CampaignState.FINALIZED)
        outcomes = {pk: rng.choice(OUTCOMES) for pk in earlier_pks}
        Verification.objects.bulk_create([
            Verification(campaign=campaign, family_id=pk, desa_id=by_pk[pk][1],
                         kecamatan_id=by_pk[pk][2], jiwa=by_pk[pk][3], outcome=outcome,
                         reason="PENGHASILAN" if outcome == "MAMPU" else "", review="FINAL")
            for pk, outcome in outcomes.items()], batch_size=5000)
        stayed = [pk for pk in earlier_pks if outcomes[pk] in ("LAYAK",)]
        back = pks[: size // 20]  # on 2023, off 2024, back in 2025
        later = TargetList.objects.create(name="Daftar 2025", year=2025, sk_number="SK 2025",
                                          sk_date=date(2025, 3, 1), previous=earlier,
                                          campaign=campaign)
        fresh = pks[size + size // 10: size + size // 10 + size - len(stayed) - len(back)]
        entries(later, stayed + back + fresh, outcomes)


def _family_story(pk: int) -> None:
    """One family with everything: a pendamping, visits, interventions."""
    from decimal import Decimal

    from tepat.gesek.models import Agency, Assignment, Official, Visit
    from tepat.interventions.models import Intervention, Programme
    from tepat.registry.models import Family
    from tepat.verification.models import TargetListEntry

    if Official.objects.exists():
        return
    family = Family.objects.unscoped("bench: setup").get(pk=pk)
    agency = Agency.objects.create(code="dinsos", name="Dinas Sosial", short_name="Dinsos")
    official = Official.objects.create(nip="197001011990031001", name="Drs. Hariyanto",
                                       position="Kepala", eselon="II", agency=agency,
                                       base_id=family.desa_id)
    programme = Programme.objects.create(name="PKH", agency=agency, kind="PKH",
                                         strategy="BEBAN", funding="APBN", unit_cost=3_000_000,
                                         year=2024)
    for entry in TargetListEntry.objects.unscoped("bench: setup").filter(family=family):
        Assignment.objects.create(entry=entry, official=official, desa_id=family.desa_id,
                                  kecamatan_id=family.kecamatan_id)
        for month in (2, 5, 8, 11):
            Visit.objects.create(entry=entry, official=official, desa_id=family.desa_id,
                                 kecamatan_id=family.kecamatan_id,
                                 visited_on=date(entry.target_list.year, month, 3))
    for month in range(1, 13):
        Intervention.objects.create(programme=programme, family=family, desa_id=family.desa_id,
                                    kecamatan_id=family.kecamatan_id,
                                    delivered_on=date(2024, month, 10), amount=Decimal(750000))


def _time(label: str, fn: Callable[[], object], repeat: int) -> None:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    runs.sort()
    p95 = runs[max(0, int(round(0.95 * len(runs))) - 1)]
    print(f"| {label:<52} | {statistics.median(runs) * 1000:7.1f} | {p95 * 1000:7.1f} |")


def _client(username: str, role: str, area: str):
    from django.test import Client

    from tepat.accounts import sessions
    from tepat.accounts.models import User

    user, _ = User.objects.get_or_create(username=username,
                                         defaults={"role": role, "area_id": area})
    client = Client()
    client.force_login(user)
    session = client.session  # past the second factor
    session[sessions.MFA_OK] = True
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=150_000)
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--list-size", type=int, default=20_000)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a database to (re)use")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    db = "pg" if args.pg else "sqlite"
    home = ROOT / "bench" / "out" / f"history-{db}-{args.families}"
    home.mkdir(parents=True, exist_ok=True)
    _setup(home, args.pg)
    rng = random.Random(17)
    started = time.perf_counter()
    _registry(args.families, args.persons, rng)
    _editions(rng)
    _lists(args.list_size, rng)

    from tepat.history.models import KeptCohort
    from tepat.registry.models import FamilyEdition, PersonEdition
    from tepat.verification.models import TargetList, TargetListEntry, Verification

    earlier, later = TargetList.objects.get(year=2024), TargetList.objects.get(year=2025)
    # a family on all three lists (a re-entry would miss 2024): the busiest timeline
    busiest = (TargetListEntry.objects.unscoped("bench: pick")
               .filter(target_list=earlier, family__in=TargetListEntry.objects.filter(
                   target_list=later).values("family"))
               .values_list("family_id", "kecamatan_id").first())
    _family_story(busiest[0])
    print(f"# instance ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"# {FamilyEdition.objects.count():,} family editions, "
          f"{PersonEdition.objects.count():,} person editions, "
          f"{TargetListEntry.objects.count():,} list entries, "
          f"{Verification.objects.count():,} verifications, database {db}")

    admin = _client("bench.admin", "admin_kabupaten", "35.13")
    kecamatan = _client("bench.kecamatan", "operator_kecamatan", busiest[1])
    family_url = f"/keluarga/{busiest[0]}/"
    compare = {"dari": FamilyEdition.objects.filter(family_id=busiest[0])
               .order_by("batch_id").values_list("batch_id", flat=True)[0]}
    compare["ke"] = FamilyEdition.objects.filter(family_id=busiest[0]).order_by(
        "-batch_id").values_list("batch_id", flat=True)[0]
    cohort = {"dari": earlier.pk, "ke": later.pk}
    for client in (admin, kecamatan):
        assert client.get(family_url).status_code == 200
        assert client.get("/daftar-sasaran/kohort/", cohort).status_code == 200
    print(f"| {'request (server time, ms)':<52} | {'median':>7} | {'p95':>7} |")
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 9}|")
    _time("GET family page with timeline (admin)", lambda: admin.get(family_url), args.repeat)
    _time("GET family page + comparison (admin)", lambda: admin.get(family_url, compare),
          args.repeat)
    _time("GET family page with timeline (kecamatan)", lambda: kecamatan.get(family_url),
          args.repeat)
    def cold(client):  # the cohort computed: the kept figures dropped before every request
        KeptCohort.objects.all().delete()
        return client.get("/daftar-sasaran/kohort/", cohort)

    _time("GET cohort 2024 → 2025 (admin, regency), computed", lambda: cold(admin),
          args.repeat)
    _time("GET cohort 2024 → 2025 (kecamatan), computed", lambda: cold(kecamatan),
          args.repeat)
    _time("GET cohort 2024 → 2025 (admin, regency), kept",
          lambda: admin.get("/daftar-sasaran/kohort/", cohort), args.repeat)
    _time("GET cohort 2024 → 2025 (kecamatan), kept",
          lambda: kecamatan.get("/daftar-sasaran/kohort/", cohort), args.repeat)
    _time("GET cohort download .xlsx (admin)",
          lambda: admin.get("/daftar-sasaran/kohort/unduh.xlsx", cohort), args.repeat)


if __name__ == "__main__":
    main()
