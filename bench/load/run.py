"""Load test against a production-like server (issue 6 §6). Prints a table.

    uv run python bench/load/prepare.py                       # once: the full-size instance
    uv run --group load python bench/load/run.py [--users 350] [--duration 10m] [--pg URL]
    uv run --group load python bench/load/run.py --users 30 --duration 1m    # a smoke run

1. gunicorn (gthread workers) serving `tepat.wsgi:application` with TEPAT_ENV=production
   (DEBUG off, the SECRET_KEY of prepare.py, ALLOWED_HOSTS=127.0.0.1, Secure cookies, HSTS,
   the manifest static storage served by WhiteNoise after `collectstatic`) over HTTPS on
   loopback: gunicorn terminates TLS itself with a self-signed certificate made here, so the
   production settings stay as they are (no plain-HTTP switch is needed or used).
2. Locust headless: the users ramp up at --rate per second, then --duration of steady load
   (-t is ramp + duration). 15/350 of the users are dashboard users, the rest desa operators.
3. gunicorn stopped, then every save Locust saw acknowledged (a 302 from the form) is looked up
   in the database: its unique note must be in an audit event of that verification
   (`verification.saved`/`.submitted`, written in the save's transaction), and the last save
   of each family must be the row's current note. lost = acknowledged − found.

Around the run: the written tables are vacuumed first (and every 60 s during the run when the
server's autovacuum is off, as on the project's VM); the CPU seconds of gunicorn, PostgreSQL and
Locust are read from /proc; each worker's garbage-collector pauses are logged by
gunicorn_hooks.py.

The table covers the steady phase (requests after the last user started); logins happen in
the ramp and are shown over the whole run. Percentiles are exact, over every request, from the
per-request log the locustfile writes (Locust's own CSV is kept in the run folder).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench" / "out" / "load"
HOME = OUT / "home"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tepat_load"
# Idle seconds a client's connection stays open. gunicorn's default (2 s, 5 s in runs 1-3) is
# meant for a server behind a proxy; here gunicorn faces the clients itself, as nginx would, so
# it keeps nginx's default keepalive_timeout. With 5 s, every page after a 5-15 s think time
# paid a new TLS handshake (14 % of a worker's samples in py-spy), and a save sent just as
# the server closed its idle connection got no answer (the status-0 errors of runs 1-3).
KEEP_ALIVE = 75
HOOKS = HERE / "gunicorn_hooks.py"  # gunicorn's config file: the workers' hooks
GROUPS = (("entry", "data entry (desa operators)", 300.0),
          ("dash", "dashboards (admin, kecamatan)", 1000.0),
          ("login", "login (ramp-up, whole run)", None))


def seconds(text: str) -> int:
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"duration like 10m, 90s or 1m30s: {text!r}")
    h, m, s = (int(x or 0) for x in parts.groups())
    return h * 3600 + m * 60 + s


def percentile(values: list[float], q: float) -> float:
    """Nearest rank on sorted values."""
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, math.ceil(q * len(values)) - 1))]


# --- the server -----------------------------------------------------------------------------


def server_environment(pg: str) -> dict[str, str]:
    keys = dict(line.split("=", 1) for line in (OUT / "server.env").read_text().split()
                if "=" in line)
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
    env.update(TEPAT_ENV="production", SECRET_KEY=keys["SECRET_KEY"],
               TEPAT_MFA_KEY=keys["TEPAT_MFA_KEY"], ALLOWED_HOSTS="127.0.0.1",
               DATABASE_URL=pg, TEPAT_HOME=str(HOME), LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="tepat.settings")
    return env


def certificate() -> tuple[Path, Path]:
    tls = OUT / "tls"
    cert, key = tls / "cert.pem", tls / "key.pem"
    if not cert.exists():
        tls.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        str(key), "-out", str(cert), "-days", "365", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                       capture_output=True)
    return cert, key


def start_server(env: dict[str, str], port: int, workers: int, threads: int,
                 log: Path) -> subprocess.Popen:
    subprocess.run([sys.executable, "-m", "tepat.cli", "collectstatic", "--noinput",
                    "-v", "0"], env=env, check=True)
    cert, key = certificate()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tepat.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", str(workers), "--threads", str(threads),
         "--certfile", str(cert), "--keyfile", str(key),
         "--keep-alive", str(KEEP_ALIVE), "--timeout", "120", "--graceful-timeout", "30",
         "--log-level", "warning", "--error-logfile", str(log),
         "--config", str(HOOKS)],
        env={**env, "LOAD_GC_DIR": str(log.parent)}, cwd=ROOT, start_new_session=True)
    context = ssl.create_default_context(cafile=str(cert))
    deadline = time.time() + 90
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn ended with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/masuk/", context=context,
                                        timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    sys.exit(f"gunicorn did not answer in 90 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)  # the gunicorn master: graceful, lets requests finish
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# Tables the load rewrites: the desa tallies (deleted and regrouped by every save), the
# verifications, the sessions (last-seen stamps).
CHURNED = ("verification_campaignstat", "verification_verification", "django_session",
           "verification_dailyprogress")
VACUUM_EVERY = 60  # seconds: autovacuum's default naptime


def autovacuum_on(pg: str) -> bool:
    import psycopg

    with psycopg.connect(pg) as conn:
        return conn.execute("SHOW autovacuum").fetchone()[0] == "on"


def vacuum(pg: str, tables: tuple[str, ...] = CHURNED) -> None:
    import psycopg

    with psycopg.connect(pg, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM (ANALYZE) {table}")


class Vacuumer(threading.Thread):
    """What autovacuum does on a production server, for a server where it is off (the
    project's VM: conf.d/90-ci.conf). Without it the tallies table kept every version of
    every save's rows: 4,770 live and 392,435 dead rows after six runs, read by every save
    and dashboard, and each run was slower than the one before."""

    def __init__(self, pg: str) -> None:
        super().__init__(daemon=True)
        self.pg, self.runs = pg, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(VACUUM_EVERY):
            vacuum(self.pg)
            self.runs += 1


# Which process a CPU second went to: the first of these found in its command line.
CPU_GROUPS = (("gunicorn", "gunicorn (Django)"), ("locust", "Locust (load generator)"),
              ("postgres", "PostgreSQL"))
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of every live process, with its group."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (proc / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        group = next((label for key, label in CPU_GROUPS if key in command), "other")
        found[int(proc.name)] = (group, seconds)
    return found


class LoadSampler(threading.Thread):
    """The 1-minute load average every 15 s while the test runs, and the CPU seconds each
    group of processes used (sampled every 5 s: a process's last seconds before it ends are
    missed, which only the short-lived ones have)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.first = process_cpu()
        self.last = dict(self.first)

    def run(self) -> None:
        tick = 0
        while not self.stop.wait(5):
            self.last.update(process_cpu())
            tick += 1
            if tick % 3 == 0:
                self.samples.append(os.getloadavg()[0])

    def cpu_by_group(self) -> dict[str, float]:
        used: dict[str, float] = defaultdict(float)
        for pid, (group, seconds) in self.last.items():
            before = self.first.get(pid)
            used[group] += seconds - (before[1] if before and before[0] == group else 0.0)
        return dict(used)


# --- the count ------------------------------------------------------------------------------


def read_requests(folder: Path) -> list[tuple[float, str, float, bool]]:
    rows = []
    for path in folder.glob("requests-*.csv"):
        with path.open() as f:
            rows += [(float(t), name, float(ms), ok == "1") for t, name, ms, ok in csv.reader(f)]
    return rows


def count_writes(pg: str, folder: Path, since: float) -> dict[str, int]:
    import psycopg

    saves = [json.loads(line) for path in folder.glob("saves-*.jsonl")
             for line in path.read_text().splitlines() if line.strip()]
    with psycopg.connect(pg) as conn:
        found = set(conn.execute(
            """SELECT object_id, data->'changes'->'note'->>'after' FROM audit_auditevent
               WHERE object_type = 'verification.verification'
                 AND action IN ('verification.saved', 'verification.submitted')
                 AND at >= to_timestamp(%s)""", [since - 5]).fetchall())
        last: dict[int, dict] = {}
        for save in sorted(saves, key=lambda s: s["at"]):
            last[save["pk"]] = save
        notes = dict(conn.execute("SELECT id, note FROM verification_verification "
                                  "WHERE id = ANY(%s)", [list(last)]).fetchall())
    in_audit = sum(1 for s in saves if (str(s["pk"]), f"Verifikasi lapangan {s['token']}")
                   in found)
    current = sum(1 for pk, s in last.items() if notes.get(pk) == f"Verifikasi lapangan "
                                                                 f"{s['token']}")
    return {"acknowledged": len(saves), "submitted": sum(s["submit"] for s in saves),
            "in_audit": in_audit, "families": len(last), "current": current,
            "audit_events_in_window": len(found)}


def gc_summary(folder: Path) -> str:
    """The workers' garbage-collector pauses (gunicorn_hooks.py): full collections and the
    slow ones of any generation."""
    pauses = [(int(gen), float(ms)) for path in folder.glob("gc-*.csv")
              for _t, gen, ms, _n in csv.reader(path.open())]
    full = sorted(ms for gen, ms in pauses if gen == 2)
    slow = [ms for _gen, ms in pauses if ms >= 50]
    if not pauses:
        return "garbage collector: no pause recorded"
    return (f"garbage collector (all workers): {len(full)} full collections, median "
            f"{percentile(full, 0.5):.0f} ms, max {max(full, default=0):.0f} ms; "
            f"{len(slow)} pauses ≥ 50 ms, {sum(ms for _g, ms in pauses) / 1000:.1f} s in all")


# --- the table ------------------------------------------------------------------------------


def table(rows: list[tuple[float, str, float, bool]], steady_from: float) -> tuple[list, dict]:
    by_group, by_page = defaultdict(list), defaultdict(list)
    for t, name, ms, ok in rows:
        group = name.split(":", 1)[0]
        if group != "login" and t < steady_from:
            continue
        by_group[group].append((ms, ok))
        by_page[name].append((ms, ok))

    def line(label, items, target):
        times = sorted(ms for ms, _ in items)
        failures = sum(1 for _, ok in items if not ok)
        p95 = percentile(times, 0.95)
        met = "—" if target is None else ("yes" if p95 <= target and not failures else "no")
        return (label, len(items), failures, percentile(times, 0.5), p95,
                percentile(times, 0.99), times[-1] if times else float("nan"),
                f"p95 ≤ {target:,.0f} ms" if target else "—", met)

    lines = [line(label, by_group.get(key, []), target) for key, label, target in GROUPS]
    pages = [line(name, items, None) for name, items in sorted(by_page.items())]
    return lines, {"pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=350)
    parser.add_argument("--duration", type=seconds, default="10m",
                        help="steady load after the ramp-up, e.g. 10m, 90s")
    parser.add_argument("--rate", type=float, default=3.0, help="users started per second")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--port", type=int, default=8443)
    # 6 processes × 3 threads on 2 cores (docs/benchmarks.md, Load, runs 4-10): with 3 × 8 a
    # query's answer waited for its worker's GIL behind up to 7 threads rendering pages (46 %
    # of a worker's samples in psycopg's wait); 12 × 2 was no better than 6 × 3.
    parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=3, help="threads per worker")
    args = parser.parse_args()
    if not (OUT / "users.json").exists():
        sys.exit("run bench/load/prepare.py first")
    dash = max(1, round(args.users * 15 / 350))
    desa = args.users - dash
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = OUT / f"run-{stamp}"
    folder.mkdir(parents=True)
    env = server_environment(args.pg)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    server = start_server(env, args.port, args.workers, args.threads, folder / "gunicorn.log")
    ramp = args.users / args.rate
    total = int(ramp + args.duration + 0.999)
    autovacuum = autovacuum_on(args.pg)
    vacuum(args.pg)  # every run starts from the same clean tables
    vacuumer = None if autovacuum else Vacuumer(args.pg)
    sampler = LoadSampler()
    started = time.time()
    sampler.start()
    if vacuumer is not None:
        vacuumer.start()
    try:
        with (folder / "locust.out").open("w") as locust_out:
            locust = subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
                 "-u", str(args.users), "-r", str(args.rate), "-t", f"{total}s",
                 "--host", f"https://127.0.0.1:{args.port}", "--csv", str(folder / "locust"),
                 "--only-summary", "--stop-timeout", "20", "--loglevel", "WARNING",
                 "--exit-code-on-error", "0"],
                env={**os.environ, "LOAD_OUT": str(folder), "LOAD_RUN": stamp,
                     "LOAD_DESA_USERS": str(desa), "LOAD_DASH_USERS": str(dash)},
                cwd=ROOT, stdout=locust_out, stderr=subprocess.STDOUT)
    finally:
        ran = time.time() - started
        sampler.stop.set()
        sampler.join()
        if vacuumer is not None:  # a vacuum under way finishes before the writes are counted
            vacuumer.stop.set()
            vacuumer.join()
        stop_server(server)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    spawned = [float(p.read_text().split()[0]) for p in folder.glob("spawned-*.txt")]
    steady_from = max(spawned) if spawned else started + ramp
    rows = read_requests(folder)
    lines, extra = table(rows, steady_from)
    writes = count_writes(args.pg, folder, started)
    all_failures = sum(1 for *_, ok in rows if not ok)
    loads = sampler.samples or [os.getloadavg()[0]]

    print(f"\nLoad test — {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPU, {args.users} "
          f"users ({desa} desa operators, {dash} dashboard users), ramp {ramp:.0f} s at "
          f"{args.rate:g}/s, then {args.duration} s steady; think time 5–15 s; gunicorn "
          f"{args.workers} gthread workers × {args.threads} threads, HTTPS, TEPAT_ENV=production, "
          f"PostgreSQL; locust exit {locust.returncode}")
    print(f"uptime before: {uptime_before}\nuptime after:  {uptime_after}")
    print("PostgreSQL autovacuum: on" if autovacuum else
          f"PostgreSQL autovacuum: off on this server; run.py vacuumed {', '.join(CHURNED)} "
          f"every {VACUUM_EVERY} s instead ({vacuumer.runs} times)")
    print(f"1-min load average during the run (every 15 s): min {min(loads):.2f}, "
          f"mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}")
    cpu = sampler.cpu_by_group()
    print(f"CPU used in {ran:.0f} s ({os.cpu_count()} cores = "
          f"{ran * (os.cpu_count() or 1):.0f} CPU s): " + ", ".join(
              f"{group} {seconds:,.0f} s ({seconds / ran:.2f} cores)"
              for group, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])))
    header = "| {} | requests | failures | median ms | p95 ms | p99 ms | max ms | target | met |"
    print("\n" + header.format("group"))
    print("|---|---|---|---|---|---|---|---|---|")
    for label, n, failures, p50, p95, p99, worst, target, met in lines:
        print(f"| {label} | {n:,} | {failures} | {p50:.0f} | {p95:.0f} | {p99:.0f} | "
              f"{worst:.0f} | {target} | {met} |")
    print("\n" + header.format("page (steady phase; login: whole run)"))
    print("|---|---|---|---|---|---|---|---|---|")
    for label, n, failures, p50, p95, p99, worst, _target, _met in extra["pages"]:
        print(f"| {label} | {n:,} | {failures} | {p50:.0f} | {p95:.0f} | {p99:.0f} | "
              f"{worst:.0f} | | |")
    print(f"\nerror rate (whole run): {all_failures} of {len(rows):,} requests "
          f"({100 * all_failures / max(1, len(rows)):.3f} %)")
    lost = writes["acknowledged"] - writes["in_audit"]
    print(f"saves acknowledged by the server: {writes['acknowledged']:,} "
          f"({writes['submitted']:,} submitted, the rest drafts) on {writes['families']:,} "
          f"families; found in the audit trail: {writes['in_audit']:,}; lost writes: {lost}; "
          f"families whose row holds their last save: {writes['current']:,} of "
          f"{writes['families']:,}")
    print(gc_summary(folder))
    failures_csv = folder / "locust_failures.csv"
    if failures_csv.exists():
        with failures_csv.open() as f:
            failed = list(csv.DictReader(f))
        for row in failed[:10]:
            print(f"  failure: {row.get('Name')}: {row.get('Error')} ×{row.get('Occurrences')}")
    print(f"\n(run folder: {folder})")


if __name__ == "__main__":
    main()
