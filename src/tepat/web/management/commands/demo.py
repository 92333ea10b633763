"""`tepat demo`: a working local instance from nothing, then serve it.

Creates the database (SQLite in ./.tepat unless DATABASE_URL says otherwise), loads the regions
of Kab. Probolinggo, generates and imports synthetic P3KE data, creates one user per role and
serves the app with its background worker on http://127.0.0.1:8000. Running it again reuses the
instance: nothing is generated or imported twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tepat import synth
from tepat.accounts.models import Role, User
from tepat.audit.services import log_event
from tepat.core.regions import DEFAULT_KABUPATEN
from tepat.lib.env import env_bool, env_list
from tepat.regions.models import Region
from tepat.regions.services import load_kabupaten
from tepat.registry.importing import import_files
from tepat.registry.models import BatchStatus, Family

DEMO_PASSWORD = "tepat-demo-2026"
DEMO_HOUSEHOLDS = 30_000
FULL_HOUSEHOLDS = 150_000

# username, role, area (Kemendagri code), agency
DEMO_USERS = [
    ("admin", Role.ADMIN_KABUPATEN, "35.13", ""),
    ("pimpinan", Role.PIMPINAN, "35.13", ""),
    ("opd.dinsos", Role.OPD, "35.13", "Dinas Sosial"),
    ("pejabat", Role.PEJABAT, "35.13.20", ""),
    ("kec.tegalsiwalan", Role.OPERATOR_KECAMATAN, "35.13.20", ""),
    ("desa.malesanwetan", Role.OPERATOR_DESA, "35.13.20.2001", ""),
]


def serve_like_production(addr: str) -> None:
    """The demo shows the product's own 403/404/500 pages, not Django's technical ones (which
    list every URL and setting): DEBUG is off unless the environment turns it on. WhiteNoise
    still serves the static files, straight from the apps' folders (WHITENOISE_USE_FINDERS
    outside production: no collectstatic), and the address the demo listens on stays allowed."""
    settings.DEBUG = env_bool("DEBUG", False)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # else WhiteNoise warns
    host = addr.rsplit(":", 1)[0].strip("[]") if ":" in addr else "127.0.0.1"
    if host not in {"0.0.0.0", "::"} and host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]


class Command(BaseCommand):
    help = "Build (or reuse) a demo instance with synthetic data and serve it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help=f"regency size: {FULL_HOUSEHOLDS:,} P3KE families"
        )
        parser.add_argument("--households", type=int, default=None)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="build only, do not serve")

    def handle(self, *args, full, households, seed, addr, no_serve, **options):
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        self._regions()
        self._data(households or (FULL_HOUSEHOLDS if full else DEMO_HOUSEHOLDS), seed)
        self._users()
        self._campaign(seed)
        self._gesek(seed)
        self._indicators(seed)
        self.stdout.write(f"Siap dalam {time.perf_counter() - started:.0f} s / ready.")
        self._print_users(addr)
        if not no_serve:
            self._serve(addr)

    def _regions(self) -> None:
        if Region.objects.filter(code=DEFAULT_KABUPATEN).exists():
            return
        result = load_kabupaten(DEFAULT_KABUPATEN)
        self.stdout.write(
            f"Wilayah: {result.kabupaten}, {result.kecamatan} kecamatan, "
            f"{result.desa + result.kelurahan} desa/kelurahan"
        )

    def _data(self, households: int, seed: int) -> None:
        held = Family.objects.unscoped("demo: is the instance built already")
        if held.exists():
            self.stdout.write(f"Data sudah ada: {held.count():,} keluarga (dipakai ulang)")
            return
        out = Path(settings.INSTANCE_DIR) / "demo-data"
        out.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Membuat data sintetis P3KE: {households:,} keluarga …")
        data = synth.generate(households, seed, source="p3ke")
        paths = synth.write(data, out, "csv")
        family_path = next(p for p in paths if p.name.startswith("p3ke_keluarga"))
        person_path = next(p for p in paths if p.name.startswith("p3ke_individu"))
        self.stdout.write("Mengimpor …")
        batch = import_files(family_path, person_path, source="p3ke", period="2024-03")
        if batch.status != BatchStatus.DONE:
            raise CommandError(f"Impor demo gagal / demo import failed: {batch.message}")
        self.stdout.write(
            f"Diimpor: {batch.families_added:,} keluarga, "
            f"{batch.persons_added:,} jiwa (berkas di {out})"
        )

    @transaction.atomic
    def _users(self) -> None:
        for username, role, area, agency in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                role=role,
                area_id=area,
                agency=agency,
                first_name=username.split(".")[0].title(),
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            log_event(
                "accounts.user.created", obj=user, area_code=area, data={"role": role, "demo": True}
            )

    def _campaign(self, seed: int) -> None:
        from tepat.verification import demo
        from tepat.verification.models import Campaign

        if Campaign.objects.exists():
            return
        self.stdout.write("Membuat kampanye verval demo …")
        demo.build(
            User.objects.get(username="admin"),
            desa_user=User.objects.get(username="desa.malesanwetan"),
            kecamatan_user=User.objects.get(username="kec.tegalsiwalan"),
            seed=seed, echo=self.stdout.write,
        )

    def _gesek(self, seed: int) -> None:
        from tepat.gesek import demo
        from tepat.gesek.models import Official

        if Official.objects.exists():
            return
        self.stdout.write("Membuat tim Gesek Ekstrem, kunjungan dan intervensi demo …")
        demo.build(User.objects.get(username="admin"),
                   pejabat_user=User.objects.get(username="pejabat"), seed=seed,
                   echo=self.stdout.write)

    def _indicators(self, seed: int) -> None:
        from tepat.indicators import demo
        from tepat.indicators.models import Observation

        if Observation.objects.filter(flags__contains="computed").exists():
            return
        self.stdout.write("Memuat indikator kemiskinan dan FGT sintetis …")
        demo.build(User.objects.get(username="admin"), seed=seed, echo=self.stdout.write)

    def _print_users(self, addr: str) -> None:
        self.stdout.write(
            f"\nBuka / open http://{addr}/  — kata sandi semua pengguna demo: {DEMO_PASSWORD}"
        )
        for username, role, area, _ in DEMO_USERS:
            region = Region.objects.get(code=area)
            self.stdout.write(f"  {username:<20} {Role(role).label:<38} {region.name}")

    def _serve(self, addr: str) -> None:
        # Two-factor is optional in the demo unless the environment asks for it (production
        # requires it for the admin kabupaten and the operator kecamatan).
        settings.TEPAT_MFA_REQUIRED_ROLES = env_list("TEPAT_MFA_REQUIRED_ROLES", [])
        if not settings.TEPAT_MFA_REQUIRED_ROLES:
            self.stdout.write("Autentikasi dua langkah: pilihan di demo (aktifkan di halaman "
                              "Akun) / two-factor is optional in the demo (turn it on under Akun)")
        serve_like_production(addr)
        worker = subprocess.Popen([sys.executable, "-m", "tepat.cli", "db_worker", "--no-reload"])
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
