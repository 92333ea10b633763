"""Build (or reuse) the full-size PostgreSQL instance of the load test (issue 6 §6).

    uv run python bench/load/prepare.py [--pg postgres://postgres@127.0.0.1:5432/tepat_load]

Every step is skipped when its result is already in the database, so a second run only checks:
- the database (created if missing), migrations, the 24 kecamatan / 330 desa of Kab. Probolinggo;
- the regency-size synthetic P3KE (`tepat synth`, 150,000 households, seed 1: 150,750 keluarga,
  ~500k jiwa), imported with `import_files` (the importer of `tepat import`);
- the target list a regency starts from (P3KE desil 1, `campaigns.register_list`), a Gesek
  team per kecamatan (the demo's officials, `gesek.services.set_team`), the solver's assignment
  (`auto_assign`), the demo's programmes and interventions for part of the list and some
  outside it (`interventions.services.add_interventions`): what the convergence page reads;
- an OPEN campaign over every P3KE family (`create_campaign`, `open_campaign`: the baseline
  freeze), with part of each desa already verified through `services.bulk_outcome` and partly
  approved through `services.review`, as in the middle of a campaign;
- the load users: 335 operator desa spread over the 330 desa (the five largest get two), 5 admin
  kabupaten and 10 operator kecamatan; the 15 dashboard users (roles that require two-factor in
  production) enrolled in TOTP through the account services with a secret Locust knows;
- ANALYZE at the end (autovacuum's statistics, which a production server gathers itself).

It writes bench/out/load/users.json (user names, the password, the TOTP secrets; for a desa
operator only the desa code and which share of its worklist is theirs) and
bench/out/load/server.env (SECRET_KEY and TEPAT_MFA_KEY of the load server: the TOTP secrets
are encrypted with that key). bench/out is not in git.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "load"
HOME = OUT / "home"  # TEPAT_HOME of the load instance (static files, uploads)
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tepat_load"
HOUSEHOLDS = 150_000
SEED = 1
CAMPAIGN_NAME = "Load: pemutakhiran P3KE"
DESA_OPERATORS = 335
ADMINS = 5
KECAMATAN_OPERATORS = 10


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


# --- the server's keys and the database -----------------------------------------------------


def server_env() -> dict[str, str]:
    """SECRET_KEY and TEPAT_MFA_KEY of the load server, made once and kept in server.env."""
    path = OUT / "server.env"
    if path.exists():
        return dict(line.split("=", 1) for line in path.read_text().split() if "=" in line)
    OUT.mkdir(parents=True, exist_ok=True)
    keys = {"SECRET_KEY": secrets.token_urlsafe(48), "TEPAT_MFA_KEY": secrets.token_urlsafe(48)}
    path.write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
    path.chmod(0o600)
    return keys


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
        log(f"created database {name}")


def setup(url: str, keys: dict[str, str]) -> None:
    os.environ["TEPAT_HOME"] = str(HOME)
    os.environ["DATABASE_URL"] = url
    os.environ["TEPAT_MFA_KEY"] = keys["TEPAT_MFA_KEY"]
    os.environ["SECRET_KEY"] = keys["SECRET_KEY"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    import django

    django.setup()


# --- the instance ---------------------------------------------------------------------------


def registry() -> None:
    from django.core.management import call_command

    from tepat import synth
    from tepat.regions.models import Region
    from tepat.regions.services import load_kabupaten
    from tepat.registry.importing import import_files
    from tepat.registry.models import BatchStatus, Family

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.filter(code="35.13").exists():
        load_kabupaten("35.13")
    if Family.objects.filter(source="p3ke").exists():
        log(f"registry reused: {Family.objects.count():,} families")
        return
    out = OUT / f"p3ke_{HOUSEHOLDS}"
    family_path, person_path = out / "p3ke_keluarga.csv", out / "p3ke_individu.csv"
    if not family_path.exists():
        started = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        data = synth.generate(HOUSEHOLDS, SEED, source="p3ke")
        paths = synth.write(data, out, "csv")
        family_path = next(p for p in paths if p.name.startswith("p3ke_keluarga"))
        person_path = next(p for p in paths if p.name.startswith("p3ke_individu"))
        log(f"synthetic P3KE written in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    batch = import_files(family_path, person_path, source="p3ke", period="2024-03")
    if batch.status != BatchStatus.DONE:
        sys.exit(f"import ended {batch.status}: {batch.message}")
    log(f"imported {batch.families_total:,} families in {time.perf_counter() - started:.0f} s")


def _new_user(username: str, role: str, area: str, password_hash: str, **extra):
    from tepat.accounts.models import User
    from tepat.audit.services import log_event

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, area_id=area,
                    first_name=username.split(".")[1].title(), **extra)
        user.password = password_hash
        user.save()
        log_event("accounts.user.created", obj=user, area_code=area,
                  data={"role": role, "load_test": True})
    elif user.password != password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


def setup_admin(password_hash: str):
    from django.db import transaction

    with transaction.atomic():
        return _new_user("load.setup", "admin_kabupaten", "35.13", password_hash)


def convergence_data(admin) -> None:
    """Target list, teams, assignments, programmes and interventions (the convergence page)."""
    from django.db import transaction
    from django.utils import timezone

    from tepat.gesek import demo as gesek_demo
    from tepat.gesek import services as gesek
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.importing import AGENCIES, ensure_agencies
    from tepat.gesek.models import Agency, Official, Visit
    from tepat.interventions.models import Intervention
    from tepat.interventions.services import Delivery, add_interventions
    from tepat.regions.models import Region
    from tepat.registry.models import Family
    from tepat.verification import campaigns
    from tepat.verification.models import TargetList, TargetListEntry

    today = timezone.localdate()
    rng = random.Random(SEED)
    if not TargetList.objects.exists():
        started = time.perf_counter()
        earlier = campaigns.register_list(
            Family.objects.filter(source="p3ke", desil=1),
            campaigns.Decree(f"Daftar sasaran P3KE desil 1 {today.year - 1}", today.year - 1,
                             f"188/123/KEP/426.32/{today.year - 1}", date(today.year - 1, 4, 22)),
            actor=admin)
        log(f"target list: {earlier.keluarga:,} keluarga in {time.perf_counter() - started:.0f} s")
    target_list = TargetList.objects.order_by("-id").first()
    if not Official.objects.exists():
        started = time.perf_counter()
        ensure_agencies(AGENCIES)
        agencies = list(Agency.objects.exclude(code__startswith="kec-"))
        kecamatan = list(Region.objects.filter(level="kecamatan").order_by("code"))
        teams = gesek_demo._officials(kecamatan, agencies, rng)
        for code, team in teams.items():
            gesek.set_team(code, coordinator=team[0], members=team[1:], actor=admin)
        report = auto_assign(target_list, actor=admin)
        log(f"teams and {report.assigned:,} assignments in {time.perf_counter() - started:.0f} s")
    if not Intervention.objects.exists():
        started = time.perf_counter()
        programmes = gesek_demo._programmes(admin, target_list.year)
        entries = list(TargetListEntry.objects.filter(
            target_list=target_list, family__isnull=False, assignment__isnull=False,
        ).select_related("family").order_by("pk"))
        # Visits and needs of a sample, through the field-work services (one by one, like the
        # pejabat's phone); aid for part of the list and some outside it, in bulk.
        for entry in entries[::60]:
            gesek.record_visit(entry, actor=admin, visited_on=today - timedelta(
                days=rng.randint(1, 40)), notes="Kunjungan rumah pendampingan")
            for kind in rng.sample(gesek_demo.NEEDS_BY_DESIL[:7], rng.randint(1, 3)):
                gesek.record_need(entry, kind, actor=admin)
        deliveries: dict[int, list] = defaultdict(list)
        flat = [p for kind in programmes.values() for p in kind]
        for entry in entries:
            if rng.random() < 0.45:
                programme = rng.choice(flat)
                deliveries[programme.pk].append((programme, Delivery(
                    family=entry.family,
                    delivered_on=today - timedelta(days=rng.randint(0, 60)))))
        for family in Family.objects.filter(source="p3ke", desil__in=[3, 4]).order_by("pk")[:2000]:
            programme = rng.choice(programmes["PKH"] + programmes["SEMBAKO"])
            deliveries[programme.pk].append((programme, Delivery(
                family=family, delivered_on=today - timedelta(days=rng.randint(0, 60)))))
        with transaction.atomic():
            for rows in deliveries.values():
                add_interventions(rows[0][0], [d for _p, d in rows], actor=admin)
        log(f"{Visit.objects.count():,} visits, {Intervention.objects.count():,} interventions "
            f"in {time.perf_counter() - started:.0f} s")


def campaign(admin):
    """The open campaign over every P3KE family, part of each desa verified and reviewed."""
    from django.utils import timezone

    from tepat.core.outcomes import MAMPU_REASONS
    from tepat.verification import campaigns, services
    from tepat.verification.models import Campaign, Verification

    found = Campaign.objects.filter(name=CAMPAIGN_NAME).first()
    if found is not None:
        if found.state != "open":
            sys.exit(f"campaign {found.pk} is {found.state}, not open: drop the database")
        log(f"campaign reused: {found.baseline_keluarga:,} keluarga in the baseline")
        return found
    today = timezone.localdate()
    plan = campaigns.CampaignPlan(
        name=CAMPAIGN_NAME, period=str(today.year), source="p3ke", desil="",
        opens_on=today - timedelta(days=20), closes_on=today + timedelta(days=25),
        finalize_by=today + timedelta(days=32))
    started = time.perf_counter()
    found = campaigns.open_campaign(campaigns.create_campaign(plan, actor=admin), actor=admin)
    log(f"campaign opened: {found.baseline_keluarga:,} keluarga / {found.baseline_jiwa:,} jiwa "
        f"in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    rng = random.Random(SEED)
    by_desa: dict[str, list[int]] = defaultdict(list)
    for pk, desa in Verification.objects.filter(campaign=found).order_by("pk").values_list(
            "pk", "desa_id"):
        by_desa[desa].append(pk)
    # sorted: a set of strings iterates in an order that changes with every process (hash
    # randomization), which gave every fresh database a different share per kecamatan
    shares = {k: rng.choice((0.05, 0.1, 0.15, 0.2, 0.3)) for k in sorted({d.rsplit(".", 1)[0]
                                                                         for d in by_desa})}
    outcomes = (("LAYAK", ""), ("MAMPU", "PENGHASILAN"), ("MAMPU", "ASET"), ("PINDAH", ""),
                ("TIDAK_DITEMUKAN", ""), ("MENINGGAL", ""))
    verified = 0
    for desa, ids in sorted(by_desa.items()):
        done = rng.sample(ids, round(len(ids) * shares[desa.rsplit(".", 1)[0]]))
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pk in done:
            groups[rng.choices(outcomes, weights=(40, 20, 10, 12, 12, 6))[0]].append(pk)
        for (outcome, reason), members in sorted(groups.items()):
            assert not reason or reason in MAMPU_REASONS
            services.bulk_outcome(found, members, actor=admin, outcome=outcome, reason=reason,
                                  submit=True)
        approved = done[: round(len(done) * rng.uniform(0.3, 0.8))]
        if approved:
            services.review(found, approved, actor=admin, approve=True)
        verified += len(done)
    log(f"{verified:,} families verified (bulk_outcome) and part approved in "
        f"{time.perf_counter() - started:.0f} s")
    return found


def load_users(found, password: str) -> dict:
    """The 350 load users; the dashboard users enrolled in TOTP with a secret we keep."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from tepat.accounts import mfa
    from tepat.accounts import services as accounts
    from tepat.accounts.models import TOTPDevice, User
    from tepat.verification.models import Verification

    started = time.perf_counter()
    password_hash = make_password(password)  # one Argon2 hash for all: 350 would take a minute
    sizes = defaultdict(int)
    for desa in Verification.objects.filter(campaign=found, review="").values_list(
            "desa_id", flat=True).order_by():
        sizes[desa] += 1
    desa_codes = sorted(sizes)  # every desa with pending worklist items
    if not desa_codes:
        sys.exit("no desa has pending worklist items")
    # One operator per desa, the largest desa get a second one until there are 335.
    slots = {code: 1 for code in desa_codes}
    for code in sorted(desa_codes, key=lambda c: -sizes[c]):
        if sum(slots.values()) >= DESA_OPERATORS:
            break
        slots[code] += 1
    while sum(slots.values()) < DESA_OPERATORS:  # fewer desa than expected: spread further
        for code in sorted(desa_codes, key=lambda c: -sizes[c]):
            if sum(slots.values()) >= DESA_OPERATORS:
                break
            slots[code] += 1
    desa_users = []
    kecamatan = sorted({c.rsplit(".", 1)[0] for c in desa_codes})
    with transaction.atomic():
        for code in desa_codes:
            for slot in range(slots[code]):
                username = f"load.desa{code.replace('.', '')}" + (f"-{slot + 1}" if slot else "")
                _new_user(username, "operator_desa", code, password_hash)
                desa_users.append({"username": username, "desa": code, "slot": slot,
                                   "slots": slots[code]})
        dashboard = [(f"load.admin{i + 1}", "admin_kabupaten", "35.13") for i in range(ADMINS)]
        step = max(1, len(kecamatan) // KECAMATAN_OPERATORS)
        dashboard += [(f"load.kec{code.replace('.', '')}", "operator_kecamatan", code)
                      for code in kecamatan[::step][:KECAMATAN_OPERATORS]]
        users = {username: _new_user(username, role, area, password_hash)
                 for username, role, area in dashboard}
    previous = {}
    if (OUT / "users.json").exists():
        previous = {u["username"]: u["secret"] for u in
                    json.loads((OUT / "users.json").read_text())["dashboard"]}
    admin = User.objects.get(username="load.setup")
    dashboard_users = []
    for username, role, area in dashboard:
        user = users[username]
        secret = previous.get(username)
        device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
        if device is None or secret is None or mfa.decrypt(device.secret) != secret:
            if device is not None:
                accounts.reset_mfa(admin, user, "load test: enrolled again with a known secret")
            secret = accounts.start_enrolment(user)
            accounts.confirm_enrolment(user, mfa.totp(secret).now())
        dashboard_users.append({"username": username, "role": role, "area": area,
                                "secret": secret})
    log(f"{len(desa_users)} desa operators over {len(desa_codes)} desa, "
        f"{len(dashboard_users)} dashboard users (TOTP) in {time.perf_counter() - started:.0f} s")
    return {"campaign": found.pk, "password": password, "desa": desa_users,
            "dashboard": dashboard_users, "kecamatan": kecamatan}


def statistics() -> None:
    """ANALYZE, as autovacuum would after such bulk writes (it is off on the project's VM:
    the campaign, target list and audit tables kept the statistics of empty tables, and
    PostgreSQL planned e.g. the convergence page's queries for one row instead of 30,000)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"statistics gathered (ANALYZE) in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (created if missing)")
    args = parser.parse_args()
    started = time.perf_counter()
    keys = server_env()
    ensure_database(args.pg)
    setup(args.pg, keys)
    registry()
    previous = json.loads((OUT / "users.json").read_text()) if (OUT / "users.json").exists() \
        else {}
    password = previous.get("password") or "load-" + secrets.token_urlsafe(12)
    from django.contrib.auth.hashers import make_password

    admin = setup_admin(make_password(password))
    convergence_data(admin)
    found = campaign(admin)
    users = load_users(found, password)
    statistics()
    (OUT / "users.json").write_text(json.dumps(users, indent=1))
    (OUT / "users.json").chmod(0o600)
    log(f"ready in {time.perf_counter() - started:.0f} s: {OUT / 'users.json'}")


if __name__ == "__main__":
    main()
