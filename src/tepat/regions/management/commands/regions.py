"""`tepat regions load [--kabupaten CODE]` and `tepat regions boundaries FILE`.

`boundaries` checks an admin's desa/kelurahan GeoJSON against the instance's kabupaten (each
feature's code must join one of its desa, each geometry must be a valid polygon in WGS84) and
keeps it in the media folder (backed up): maps then draw desa, and Gesek distances use its
centroids.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tepat.core.regions import DEFAULT_KABUPATEN
from tepat.regions.services import (
    BoundariesRefused,
    UnknownKabupaten,
    load_desa_boundaries,
    load_kabupaten,
)

MAX_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = ("Load the regions of one kabupaten from the Kemendagri 2025 table (default 35.13), "
            "or an admin's desa boundaries (GeoJSON) for the instance's kabupaten.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "boundaries"])
        parser.add_argument("file", nargs="?", help="boundaries: a desa GeoJSON file")
        parser.add_argument(
            "--kabupaten",
            default=DEFAULT_KABUPATEN,
            help="load: Kemendagri code, e.g. 35.13 (Kab. Probolinggo)",
        )
        parser.add_argument("--user", default=None, help="boundaries: the admin's user name")

    def handle(self, *args, action, file, kabupaten, user, **options):
        if action == "boundaries":
            self._boundaries(file, user)
            return
        try:
            result = load_kabupaten(kabupaten.strip())
        except UnknownKabupaten as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.kabupaten}: {result.kecamatan} kecamatan, {result.desa} desa, "
            f"{result.kelurahan} kelurahan ({result.created} baru, {result.updated} diperbarui)"
        )

    def _boundaries(self, file: str | None, user: str | None) -> None:
        if not file:
            raise CommandError("Sebutkan berkas GeoJSON desa: tepat regions boundaries BERKAS / "
                               "give the desa GeoJSON file")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: berkas tidak ada / no such file")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{file}: lebih dari 200 MB / larger than 200 MB")
        actor = None
        if user:
            from tepat.accounts.models import User

            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Pengguna {user!r} tidak ada / no such user")
        try:
            result = load_desa_boundaries(path.read_bytes(), actor=actor, source_name=path.name)
        except BoundariesRefused as exc:
            raise CommandError("Batas desa tidak dimuat / desa boundaries not loaded:\n"
                               + "\n".join(exc.problems)) from None
        self.stdout.write(f"{result.features} desa/kelurahan dimuat / loaded for "
                          f"{result.kabupaten} ({result.path})")
        if result.missing:
            shown = ", ".join(result.missing[:10]) + (" …" if len(result.missing) > 10 else "")
            self.stdout.write(f"Tanpa poligon / without a polygon ({len(result.missing)}): "
                              f"{shown}; jaraknya memakai titik tengah kecamatan / their "
                              f"distances use the kecamatan's centre")
